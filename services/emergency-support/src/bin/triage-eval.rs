//! Measures the triage engine on a labelled vignette set.
//!
//! ```text
//! triage-eval [data/eval/triage_vignettes.json] [--misses] [--json] [--held-out] [--rules-only]
//! triage-eval --cross-validate
//! triage-eval --explain "text"
//! ```
//!
//! `--cross-validate` holds out each bundled set in turn (the model trained
//! on the others) and pools the symptom sets: the one figure for how the
//! engine reads text it has not seen. `--explain` lists the concept phrases a
//! text affirms or negates and the rules that match, for rule work.
//!
//! By default it measures the engine as it ships: the rules plus the model
//! trained on every bundled set, including the one measured (fit, not
//! generalisation). `--held-out` retrains the model without the measured
//! set (matched by file name), which is the honest figure for unseen text;
//! `--rules-only` measures the rules without the model.
//!
//! Reports exact level accuracy, emergency recall, under-triage and
//! over-triage rates, and department top-3 accuracy, overall and per
//! language.

use std::collections::BTreeMap;
use std::process::ExitCode;

use emergency_support::learned::{self, Learned, VignetteFile};
use emergency_support::triage::{Engine, Input, Level, Outcome, RULES_JSON};

#[derive(Default, serde::Serialize)]
struct Tally {
    total: usize,
    exact: usize,
    under: usize,
    over: usize,
    emergencies: usize,
    emergencies_caught: usize,
    dept_top3: usize,
}

impl Tally {
    fn add(&mut self, v: &learned::Vignette, o: &Outcome) {
        self.total += 1;
        self.exact += usize::from(o.level == v.level);
        self.under += usize::from(o.level < v.level);
        self.over += usize::from(o.level > v.level);
        if v.level == Level::Emergency {
            self.emergencies += 1;
            self.emergencies_caught += usize::from(o.level == Level::Emergency);
        }
        self.dept_top3 += usize::from(o.departments.iter().take(3).any(|d| v.departments.first() == Some(d)));
    }

    fn pct(n: usize, d: usize) -> f64 {
        if d == 0 {
            0.0
        } else {
            (n as f64 * 1000.0 / d as f64).round() / 10.0
        }
    }

    fn line(&self, label: &str) -> String {
        format!(
            "{label:<11} n={:<4} level accuracy {:>5.1}%  emergency recall {:>5.1}% ({}/{})  under-triage {:>5.1}%  over-triage {:>5.1}%  department top-3 {:>5.1}%",
            self.total,
            Self::pct(self.exact, self.total),
            Self::pct(self.emergencies_caught, self.emergencies),
            self.emergencies_caught,
            self.emergencies,
            Self::pct(self.under, self.total),
            Self::pct(self.over, self.total),
            Self::pct(self.dept_top3, self.total),
        )
    }
}

/// Leave-one-set-out over the bundled sets, pooled over the symptom sets
/// (the information-request sets are reported on their own lines).
fn cross_validate() -> ExitCode {
    let sets = learned::bundled_sets();
    let mut pooled = Tally::default();
    let mut confusion: BTreeMap<(Level, Level), usize> = BTreeMap::new();
    println!("leave-one-set-out: each set measured with the rules and a model trained on the other sets");
    for (name, vignettes) in &sets {
        let training = sets.iter().filter(|(n, _)| n != name).flat_map(|(_, v)| v);
        let rules = match Engine::from_json(RULES_JSON) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("triage-eval: {e}");
                return ExitCode::from(2);
            }
        };
        let held_out = rules.with_learned(Learned::train(training));
        let mut t = Tally::default();
        for v in vignettes {
            let o =
                held_out.evaluate(&Input { text: &v.text, age_years: v.age_years, sex: v.sex, pregnant: v.pregnant });
            t.add(v, &o);
            if !name.contains("requests") {
                pooled.add(v, &o);
                *confusion.entry((v.level, o.level)).or_default() += 1;
            }
        }
        let label = name.trim_start_matches("triage_vignettes").trim_start_matches('_').trim_end_matches(".json");
        println!("{}", t.line(if label.is_empty() { "development" } else { label }));
    }
    println!("{}", pooled.line("symptom sets pooled"));
    println!("confusion (expected -> got):");
    for ((want, got), n) in &confusion {
        println!("  {:<9} -> {:<9} {n}", want.as_str(), got.as_str());
    }
    ExitCode::SUCCESS
}

/// The concept phrases a text affirms or negates, and the rules that match.
fn explain(text: &str) -> ExitCode {
    #[derive(serde::Deserialize)]
    struct Concepts {
        concepts: BTreeMap<String, Vec<String>>,
    }
    let Ok(file) = serde_json::from_str::<Concepts>(RULES_JSON) else {
        eprintln!("triage-eval: the bundled rules do not parse");
        return ExitCode::from(2);
    };
    let t = textmatch::Text::new(text);
    for (concept, phrases) in &file.concepts {
        for phrase in phrases {
            let pattern = textmatch::Pattern::new(phrase);
            if !t.hits(&pattern).is_empty() {
                let how = if t.affirms(&pattern) { "affirmed" } else { "negated" };
                println!("  {concept:<28} {phrase:<32} {how}");
            }
        }
    }
    let o = Engine::bundled().evaluate(&Input { text, ..Default::default() });
    println!("level {} (call 119: {})", o.level.as_str(), o.call_119);
    for r in &o.matched_rules {
        println!("  {:<32} {}", r.id, r.level.as_str());
    }
    if let Some(l) = &o.learned {
        println!("model: {} ({:.2})", l.level.as_str(), l.confidence);
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--cross-validate") {
        return cross_validate();
    }
    if let Some(i) = args.iter().position(|a| a == "--explain") {
        return match args.get(i + 1) {
            Some(text) => explain(text),
            None => {
                eprintln!("triage-eval: --explain needs a text");
                ExitCode::from(2)
            }
        };
    }
    let path =
        args.iter().find(|a| !a.starts_with("--")).cloned().unwrap_or_else(|| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/eval/triage_vignettes.json").to_string()
        });
    let show_misses = args.iter().any(|a| a == "--misses");
    let json = args.iter().any(|a| a == "--json");
    let file: VignetteFile = match std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(f) => f,
        Err(e) => {
            eprintln!("triage-eval: cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let held_out = args.iter().any(|a| a == "--held-out");
    let rules_only = args.iter().any(|a| a == "--rules-only");
    let file_name = std::path::Path::new(&path).file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
    let custom;
    let engine = if held_out || rules_only {
        let rules = match Engine::from_json(RULES_JSON) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("triage-eval: {e}");
                return ExitCode::from(2);
            }
        };
        custom = if rules_only {
            rules
        } else {
            let sets = learned::bundled_sets();
            let training = sets.iter().filter(|(name, _)| *name != file_name).flat_map(|(_, v)| v);
            rules.with_learned(Learned::train(training))
        };
        &custom
    } else {
        Engine::bundled()
    };
    let mode = match (held_out, rules_only) {
        (_, true) => "rules only",
        (true, _) => "rules + model trained without this set",
        _ => "as shipped: rules + model trained on every bundled set",
    };
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut confusion: BTreeMap<(Level, Level), usize> = BTreeMap::new();
    for v in &file.vignettes {
        let o = engine.evaluate(&Input { text: &v.text, age_years: v.age_years, sex: v.sex, pregnant: v.pregnant });
        *confusion.entry((v.level, o.level)).or_default() += 1;
        let top3 = o.departments.iter().take(3).any(|d| v.departments.first() == Some(d));
        for key in ["all".to_string(), v.lang.clone()] {
            tallies.entry(key).or_default().add(v, &o);
        }
        if show_misses && (o.level != v.level || !top3) {
            let rules: Vec<&str> = o.matched_rules.iter().map(|r| r.id.as_str()).collect();
            println!(
                "MISS {:<10} want {:<9} got {:<9} depts want {:?} got {:?} rules {:?}\n     {}",
                v.id,
                v.level.as_str(),
                o.level.as_str(),
                v.departments.first(),
                o.departments.iter().take(3).collect::<Vec<_>>(),
                rules,
                v.text
            );
        }
    }
    if json {
        println!("{}", serde_json::to_string(&tallies).unwrap_or_default());
    } else {
        println!("triage evaluation on {} ({} vignettes; {mode})", path, file.vignettes.len());
        for (label, t) in &tallies {
            println!("{}", t.line(label));
        }
        println!("confusion (expected -> got):");
        for ((want, got), n) in &confusion {
            println!("  {:<9} -> {:<9} {n}", want.as_str(), got.as_str());
        }
    }
    ExitCode::SUCCESS
}
