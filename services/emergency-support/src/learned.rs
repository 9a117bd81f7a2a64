//! The learned second opinion of triage.
//!
//! Phrase rules generalise poorly to wording they have never seen (each
//! independently written vignette set scored 49–71% level accuracy on first
//! contact, `bench/RESULTS.md`). A classifier trained on every
//! clinician-labelled vignette in `data/eval` (`textclass`: TF-IDF character
//! and word n-grams, softmax regression) reads whole messages instead of
//! phrases. It runs in process, is trained at start-up (deterministic, a few
//! seconds), needs no download, and is measured on sets it has not
//! seen by `triage-eval --cross-validate` and by each new set's first contact.
//!
//! How triage combines the two (`triage::Engine::evaluate`):
//! - a rule at `emergency` or `urgent` is a floor the model never lowers;
//! - the model raises a message to `emergency` when it gives that level at
//!   least [`EMERGENCY_THRESHOLD`] (a deliberately low bar: missing an
//!   emergency costs far more than an extra 119 prompt);
//! - otherwise the model's most likely level decides, including the choice
//!   between `routine` and `self_care` that the rules left to a default,
//!   except that `self_care` needs [`SELF_CARE_MIN`] confidence;
//! - a short message no rule recognises ([`ALARM_MIN_CHARS`]) stays at
//!   `routine` at most: the model does not alarm on "hi".

use serde::Deserialize;
use textclass::{Head, Params, SparseVec, Vectorizer};

use crate::triage::{Level, Sex};

/// Emergency probability at or above which the model calls 119 by itself.
pub const EMERGENCY_THRESHOLD: f32 = 0.30;
/// Self-care probability below which the model's "self care" becomes
/// "routine": vague or unfamiliar text must not be reassured.
pub const SELF_CARE_MIN: f32 = 0.40;
/// Characters a message with no rule matched needs before the model may
/// raise it above `routine`. Shorter unrecognised messages ("hi", "근처 지금
/// 문 연 약국?") carry too little text for a learned guess: held out, the
/// model alone gave such requests an emergency up to p = 0.65, while every
/// emergency no rule recognised was 67 characters or longer.
pub const ALARM_MIN_CHARS: usize = 40;
/// Probability a department needs before the model adds it to the list.
pub const DEPARTMENT_MIN: f32 = 0.15;

/// Training settings, chosen by leave-one-set-out over the ten symptom sets
/// (`examples/triage_lab.rs`): weak regularisation (C = 30) read unseen sets
/// better than C = 3 (89.7% against 87.6% pooled level accuracy with the
/// rules) and put every emergency further above [`EMERGENCY_THRESHOLD`].
pub const TRAINING: Params = Params { c: 30.0, iterations: 120, learning_rate: 0.2 };

/// The labelled vignette sets, compiled in: the model's training data.
pub const VIGNETTE_SETS: [(&str, &str); 23] = [
    ("triage_vignettes.json", include_str!("../../../data/eval/triage_vignettes.json")),
    ("triage_vignettes_holdout.json", include_str!("../../../data/eval/triage_vignettes_holdout.json")),
    ("triage_vignettes_holdout2.json", include_str!("../../../data/eval/triage_vignettes_holdout2.json")),
    ("triage_vignettes_holdout3.json", include_str!("../../../data/eval/triage_vignettes_holdout3.json")),
    ("triage_vignettes_holdout4.json", include_str!("../../../data/eval/triage_vignettes_holdout4.json")),
    ("triage_vignettes_holdout5.json", include_str!("../../../data/eval/triage_vignettes_holdout5.json")),
    ("triage_vignettes_holdout6.json", include_str!("../../../data/eval/triage_vignettes_holdout6.json")),
    ("triage_vignettes_holdout7.json", include_str!("../../../data/eval/triage_vignettes_holdout7.json")),
    ("triage_vignettes_holdout8.json", include_str!("../../../data/eval/triage_vignettes_holdout8.json")),
    ("triage_vignettes_holdout9.json", include_str!("../../../data/eval/triage_vignettes_holdout9.json")),
    ("triage_vignettes_holdout10.json", include_str!("../../../data/eval/triage_vignettes_holdout10.json")),
    ("triage_vignettes_holdout11.json", include_str!("../../../data/eval/triage_vignettes_holdout11.json")),
    ("triage_vignettes_holdout12.json", include_str!("../../../data/eval/triage_vignettes_holdout12.json")),
    ("triage_vignettes_holdout13.json", include_str!("../../../data/eval/triage_vignettes_holdout13.json")),
    ("triage_vignettes_holdout14.json", include_str!("../../../data/eval/triage_vignettes_holdout14.json")),
    ("triage_vignettes_holdout15.json", include_str!("../../../data/eval/triage_vignettes_holdout15.json")),
    ("triage_vignettes_holdout16.json", include_str!("../../../data/eval/triage_vignettes_holdout16.json")),
    ("triage_vignettes_holdout17.json", include_str!("../../../data/eval/triage_vignettes_holdout17.json")),
    ("triage_vignettes_holdout18.json", include_str!("../../../data/eval/triage_vignettes_holdout18.json")),
    ("triage_vignettes_holdout19.json", include_str!("../../../data/eval/triage_vignettes_holdout19.json")),
    ("triage_vignettes_holdout20.json", include_str!("../../../data/eval/triage_vignettes_holdout20.json")),
    // Questions that describe no current problem (places, drug facts, small
    // talk): without them the model read any unfamiliar request as alarming.
    ("triage_vignettes_requests.json", include_str!("../../../data/eval/triage_vignettes_requests.json")),
    ("triage_vignettes_requests2.json", include_str!("../../../data/eval/triage_vignettes_requests2.json")),
];

#[derive(Debug, Clone, Deserialize)]
pub struct VignetteFile {
    pub vignettes: Vec<Vignette>,
}

/// One labelled message: the level and departments a clinician chose.
#[derive(Debug, Clone, Deserialize)]
pub struct Vignette {
    pub id: String,
    pub lang: String,
    pub text: String,
    pub age_years: Option<f64>,
    pub sex: Option<Sex>,
    pub pregnant: Option<bool>,
    pub level: Level,
    pub departments: Vec<String>,
}

/// The bundled sets by file name. A set that does not parse is a build
/// defect (tests parse every one), not a runtime condition.
pub fn bundled_sets() -> Vec<(&'static str, Vec<Vignette>)> {
    VIGNETTE_SETS
        .iter()
        .map(|(name, json)| match serde_json::from_str::<VignetteFile>(json) {
            Ok(f) => (*name, f.vignettes),
            Err(e) => panic!("bundled vignette set {name} is invalid: {e}"),
        })
        .collect()
}

/// What the model thinks of one message.
#[derive(Debug, Clone)]
pub struct Opinion {
    /// Every level with its probability, most likely first.
    pub levels: Vec<(Level, f32)>,
    /// Departments by probability of being the first choice, most likely first.
    pub departments: Vec<(String, f32)>,
}

impl Opinion {
    pub fn probability(&self, level: Level) -> f32 {
        self.levels.iter().find(|(l, _)| *l == level).map(|(_, p)| *p).unwrap_or(0.0)
    }

    pub fn most_likely(&self) -> Level {
        self.levels.first().map(|(l, _)| *l).unwrap_or(Level::Routine)
    }
}

/// What the model knows besides the text: age and pregnancy change the
/// level (a fever at 6 weeks is not a fever at 30).
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    pub age_years: Option<f64>,
    pub pregnant: bool,
}

impl Context {
    /// The context as extra words appended to the text, so it reaches the
    /// classifier as ordinary features in training and in use alike.
    fn words(self) -> String {
        let age = self.age_years.map(|a| match a {
            a if a < 0.25 => "ctxagenewborn",
            a if a < 1.0 => "ctxageinfant",
            a if a < 5.0 => "ctxagetoddler",
            a if a < 15.0 => "ctxagechild",
            a if a < 65.0 => "ctxageadult",
            _ => "ctxageelderly",
        });
        let pregnant = self.pregnant.then_some("ctxpregnant");
        age.into_iter().chain(pregnant).collect::<Vec<_>>().join(" ")
    }
}

fn with_context(text: &str, context: Context) -> String {
    format!("{text} {}", context.words())
}

pub struct Learned {
    vectorizer: Vectorizer,
    level: Head,
    department: Head,
    examples: usize,
}

impl Learned {
    pub fn train<'a>(vignettes: impl IntoIterator<Item = &'a Vignette>) -> Learned {
        Learned::train_with(vignettes, &TRAINING)
    }

    pub fn train_with<'a>(vignettes: impl IntoIterator<Item = &'a Vignette>, params: &Params) -> Learned {
        let vignettes: Vec<&Vignette> = vignettes.into_iter().collect();
        let texts: Vec<String> = vignettes
            .iter()
            .map(|v| {
                let context = Context {
                    age_years: v.age_years.or_else(|| textmatch::Text::new(&v.text).age_years()),
                    pregnant: v.pregnant.unwrap_or_else(|| textmatch::mentions_pregnancy(&v.text)),
                };
                with_context(&v.text, context)
            })
            .collect();
        let vectorizer = Vectorizer::fit(&texts);
        let xs: Vec<SparseVec> = texts.iter().map(|t| vectorizer.transform(t)).collect();
        let levels: Vec<&str> = vignettes.iter().map(|v| v.level.as_str()).collect();
        let firsts: Vec<&str> =
            vignettes.iter().map(|v| v.departments.first().map(String::as_str).unwrap_or("family_medicine")).collect();
        // The two heads are independent: train them side by side (start-up time).
        let (level, department) = std::thread::scope(|s| {
            let department = s.spawn(|| Head::train(&xs, &firsts, params));
            let level = Head::train(&xs, &levels, params);
            (level, department.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
        });
        Learned { level, department, vectorizer, examples: vignettes.len() }
    }

    /// How many labelled messages it learned from.
    pub fn examples(&self) -> usize {
        self.examples
    }

    pub fn opinion(&self, text: &str, context: Context) -> Opinion {
        let x = self.vectorizer.transform(&with_context(text, context));
        let levels =
            self.level.scores(&x).into_iter().filter_map(|(label, p)| Level::parse(label).map(|l| (l, p))).collect();
        let departments = self.department.scores(&x).into_iter().map(|(d, p)| (d.to_string(), p)).collect();
        Opinion { levels, departments }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_set_parses_with_known_departments() {
        let sets = bundled_sets();
        assert_eq!(sets.len(), VIGNETTE_SETS.len());
        for (name, vignettes) in &sets {
            assert!(vignettes.len() >= 50, "{name}");
            for v in vignettes {
                assert!(!v.departments.is_empty(), "{}", v.id);
                for d in &v.departments {
                    assert!(kit::departments::SLUGS.contains(&d.as_str()), "{}: {d}", v.id);
                }
            }
        }
    }

    #[test]
    fn the_model_reads_unseen_wording() {
        let Some(m) = crate::triage::Engine::bundled().learned() else { panic!("the bundled engine has a model") };
        assert!(m.examples() >= 600);
        let o = m.opinion("아빠가 갑자기 한쪽 팔다리에 힘이 빠지고 말이 어눌해졌어요", Context::default());
        assert!(o.probability(Level::Emergency) >= EMERGENCY_THRESHOLD, "{:?}", o.levels);
        let o = m.opinion("slightly runny nose and sneezing since yesterday, no fever", Context::default());
        assert_eq!(o.most_likely(), Level::SelfCare, "{:?}", o.levels);
        let total: f32 = o.levels.iter().map(|(_, p)| p).sum();
        assert!((total - 1.0).abs() < 1e-3);
        assert_eq!(o.levels.len(), 4);
    }
}
