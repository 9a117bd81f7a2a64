//! A small supervised text classifier for Korean and English patient text.
//!
//! Features are TF-IDF weights over character n-grams (2–4 characters inside
//! word boundaries, which copes with Korean particles, missing spaces and
//! typos) and word n-grams (1–2 words), each part L2-normalised. A softmax
//! (multinomial logistic) regression with L2 regularisation is trained on
//! them by full-batch Adam. Everything is deterministic: the same examples
//! give the same model, so it can be trained in process at start-up and
//! nothing has to be downloaded or kept in sync as an artefact.
//!
//! ```
//! let texts = ["가슴이 아파요", "chest pain", "콧물이 나요", "runny nose"];
//! let labels = ["urgent", "urgent", "self_care", "self_care"];
//! let vectorizer = textclass::Vectorizer::fit(&texts);
//! let xs: Vec<_> = texts.iter().map(|t| vectorizer.transform(t)).collect();
//! let head = textclass::Head::train(&xs, &labels, &textclass::Params::default());
//! let best = head.scores(&vectorizer.transform("가슴이 너무 아파요"))[0].0;
//! assert_eq!(best, "urgent");
//! ```

use std::collections::{BTreeMap, BTreeSet};

/// A sparse feature vector: (feature index, weight), indices ascending.
pub type SparseVec = Vec<(u32, f32)>;

/// Character n-grams that occur in fewer documents than this are dropped:
/// they are mostly typos and names that only add noise.
const CHAR_MIN_DF: usize = 2;
const CHAR_NGRAMS: std::ops::RangeInclusive<usize> = 2..=4;

/// TF-IDF vocabulary learned from the training texts.
#[derive(Debug, Clone)]
pub struct Vectorizer {
    chars: Vocabulary,
    words: Vocabulary,
}

#[derive(Debug, Clone, Default)]
struct Vocabulary {
    index: BTreeMap<String, u32>,
    idf: Vec<f32>,
}

impl Vocabulary {
    fn fit(docs: &[Vec<String>], min_df: usize) -> Vocabulary {
        let mut df: BTreeMap<&str, usize> = BTreeMap::new();
        for terms in docs {
            let unique: BTreeSet<&str> = terms.iter().map(String::as_str).collect();
            for t in unique {
                *df.entry(t).or_default() += 1;
            }
        }
        let n = docs.len() as f32;
        let mut vocab = Vocabulary::default();
        // BTreeMap order: indices do not depend on hashing, so training is repeatable.
        for (term, count) in df.into_iter().filter(|(_, c)| *c >= min_df) {
            vocab.index.insert(term.to_string(), vocab.idf.len() as u32);
            // Smoothed idf, as if one extra document held every term.
            vocab.idf.push(((1.0 + n) / (1.0 + count as f32)).ln() + 1.0);
        }
        vocab
    }

    /// Sublinear TF-IDF, L2-normalised, shifted by `offset`.
    fn weigh(&self, terms: &[String], offset: u32, out: &mut SparseVec) {
        let mut tf: BTreeMap<u32, f32> = BTreeMap::new();
        for t in terms {
            if let Some(&i) = self.index.get(t) {
                *tf.entry(i).or_default() += 1.0;
            }
        }
        let weights: Vec<(u32, f32)> =
            tf.into_iter().map(|(i, count)| (i, (1.0 + count.ln()) * self.idf[i as usize])).collect();
        let norm = weights.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            out.extend(weights.into_iter().map(|(i, w)| (i + offset, w / norm)));
        }
    }

    fn len(&self) -> u32 {
        self.idf.len() as u32
    }
}

fn lowercase_words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_lowercase).collect()
}

/// Character n-grams of each whitespace-separated word padded with spaces,
/// so n-grams at the start and end of a word are told apart.
fn char_terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in lowercase_words(text) {
        let padded: Vec<char> = std::iter::once(' ').chain(word.chars()).chain(std::iter::once(' ')).collect();
        for n in CHAR_NGRAMS {
            if padded.len() <= n {
                out.push(padded.iter().collect());
                break;
            }
            out.extend(padded.windows(n).map(|w| w.iter().collect::<String>()));
        }
    }
    out
}

/// Words of two or more letters or digits, and each pair of neighbours.
fn word_terms(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let words: Vec<&str> =
        lower.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| w.chars().count() >= 2).collect();
    let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    out.extend(words.windows(2).map(|p| format!("{} {}", p[0], p[1])));
    out
}

impl Vectorizer {
    pub fn fit<S: AsRef<str>>(texts: &[S]) -> Vectorizer {
        let texts: Vec<&str> = texts.iter().map(AsRef::as_ref).collect();
        Vectorizer::fit_strs(&texts)
    }

    fn fit_strs(texts: &[&str]) -> Vectorizer {
        let chars: Vec<Vec<String>> = texts.iter().map(|t| char_terms(t)).collect();
        let words: Vec<Vec<String>> = texts.iter().map(|t| word_terms(t)).collect();
        Vectorizer { chars: Vocabulary::fit(&chars, CHAR_MIN_DF), words: Vocabulary::fit(&words, 1) }
    }

    /// Number of features.
    pub fn dim(&self) -> usize {
        (self.chars.len() + self.words.len()) as usize
    }

    pub fn transform(&self, text: &str) -> SparseVec {
        let mut out = SparseVec::new();
        self.chars.weigh(&char_terms(text), 0, &mut out);
        self.words.weigh(&word_terms(text), self.chars.len(), &mut out);
        out
    }
}

/// Training settings.
#[derive(Debug, Clone)]
pub struct Params {
    /// Inverse regularisation strength (as in scikit-learn's `C`).
    pub c: f32,
    pub iterations: usize,
    pub learning_rate: f32,
}

impl Default for Params {
    fn default() -> Self {
        Params { c: 3.0, iterations: 120, learning_rate: 0.2 }
    }
}

/// One classification head: labels and their softmax regression weights.
#[derive(Debug, Clone)]
pub struct Head {
    labels: Vec<String>,
    /// Feature-major: `weights[feature * classes + class]`.
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl Head {
    /// Trains on vectors from one [`Vectorizer`] and a label per vector.
    /// Labels are sorted, so the model does not depend on example order.
    pub fn train<L: AsRef<str>>(xs: &[SparseVec], labels: &[L], params: &Params) -> Head {
        let names: BTreeSet<&str> = labels.iter().map(AsRef::as_ref).collect();
        let names: Vec<String> = names.into_iter().map(str::to_string).collect();
        let classes = names.len();
        let dim = xs.iter().flat_map(|x| x.iter().map(|(i, _)| *i as usize + 1)).max().unwrap_or(0);
        let ys: Vec<usize> = labels.iter().map(|l| names.iter().position(|n| n == l.as_ref()).unwrap_or(0)).collect();
        let (weights, bias) = if xs.is_empty() || classes < 2 {
            (vec![0.0; dim * classes], vec![0.0; classes])
        } else {
            fit_softmax(xs, &ys, classes, dim, params)
        };
        Head { labels: names, weights, bias }
    }

    fn probabilities_into(&self, x: &SparseVec, out: &mut [f64]) {
        let classes = self.labels.len();
        for (o, b) in out.iter_mut().zip(&self.bias) {
            *o = f64::from(*b);
        }
        for &(i, xv) in x {
            let row = i as usize * classes;
            if row + classes > self.weights.len() {
                continue;
            }
            for (o, w) in out.iter_mut().zip(&self.weights[row..row + classes]) {
                *o += f64::from(xv) * f64::from(*w);
            }
        }
        softmax(out);
    }

    /// Probability of every label, most likely first.
    pub fn scores(&self, x: &SparseVec) -> Vec<(&str, f32)> {
        let mut p = vec![0.0; self.labels.len()];
        if !p.is_empty() {
            self.probabilities_into(x, &mut p);
        }
        let mut out: Vec<(&str, f32)> =
            self.labels.iter().map(String::as_str).zip(p.into_iter().map(|v| v as f32)).collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        out
    }

    /// Probability of one label (0 for a label the head never saw).
    pub fn probability(&self, x: &SparseVec, label: &str) -> f32 {
        self.scores(x).into_iter().find(|(l, _)| *l == label).map(|(_, p)| p).unwrap_or(0.0)
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }
}

/// Softmax regression by full-batch Adam. Not generic, so it is compiled
/// (and optimised) in this crate whatever profile the caller uses.
fn fit_softmax(xs: &[SparseVec], ys: &[usize], classes: usize, dim: usize, params: &Params) -> (Vec<f32>, Vec<f32>) {
    // f64 throughout training: in f32, Adam's second moments of rarely
    // seen features decay into subnormal numbers, which are ~100x slower.
    let n = xs.len() as f64;
    let lambda = 1.0 / (f64::from(params.c) * n);
    let (b1, b2, eps) = (0.9_f64, 0.999_f64, 1e-8_f64);
    let size = dim * classes + classes;
    let bias_at = dim * classes;
    let mut theta = vec![0.0_f64; size];
    let mut m = vec![0.0_f64; size];
    let mut v = vec![0.0_f64; size];
    let mut grad = vec![0.0_f64; size];
    let mut p = vec![0.0_f64; classes];
    for step in 1..=params.iterations {
        grad.iter_mut().for_each(|g| *g = 0.0);
        for (x, &y) in xs.iter().zip(ys) {
            p.copy_from_slice(&theta[bias_at..]);
            for &(i, xv) in x {
                let row = i as usize * classes;
                for (pc, w) in p.iter_mut().zip(&theta[row..row + classes]) {
                    *pc += f64::from(xv) * w;
                }
            }
            softmax(&mut p);
            p[y] -= 1.0;
            for &(i, xv) in x {
                let row = i as usize * classes;
                for (g, pc) in grad[row..row + classes].iter_mut().zip(&p) {
                    *g += f64::from(xv) * pc / n;
                }
            }
            for (g, pc) in grad[bias_at..].iter_mut().zip(&p) {
                *g += pc / n;
            }
        }
        for (g, w) in grad[..bias_at].iter_mut().zip(&theta[..bias_at]) {
            *g += lambda * w;
        }
        let lr = f64::from(params.learning_rate) * (1.0 - b2.powi(step as i32)).sqrt() / (1.0 - b1.powi(step as i32));
        for (((t, m), v), g) in theta.iter_mut().zip(&mut m).zip(&mut v).zip(&grad) {
            *m = b1 * *m + (1.0 - b1) * g;
            *v = b2 * *v + (1.0 - b2) * g * g;
            *t -= lr * *m / (v.sqrt() + eps);
        }
    }
    let weights = theta[..bias_at].iter().map(|&w| w as f32).collect();
    let bias = theta[bias_at..].iter().map(|&w| w as f32).collect();
    (weights, bias)
}

fn softmax(xs: &mut [f64]) {
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for x in xs.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    for x in xs.iter_mut() {
        *x /= sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_ngrams_stay_inside_words() {
        let terms = char_terms("가슴 AB");
        assert!(terms.contains(&" 가".to_string()));
        assert!(terms.contains(&"가슴 ".to_string()));
        assert!(terms.contains(&" ab ".to_string()), "lowercased and padded: {terms:?}");
        assert!(!terms.iter().any(|t| t.contains("슴 a")), "no n-gram spans two words");
    }

    #[test]
    fn word_terms_have_bigrams_and_skip_single_letters() {
        let terms = word_terms("I can't breathe well");
        assert!(terms.contains(&"breathe".to_string()));
        assert!(terms.contains(&"breathe well".to_string()));
        assert!(!terms.contains(&"i".to_string()));
    }

    #[test]
    fn vectors_are_normalised_per_part() {
        let v = Vectorizer::fit(&["가슴이 아파요", "가슴이 답답해요", "머리가 아파요"]);
        let x = v.transform("가슴이 아파요");
        let chars: f32 = x.iter().filter(|(i, _)| *i < v.chars.len()).map(|(_, w)| w * w).sum();
        let words: f32 = x.iter().filter(|(i, _)| *i >= v.chars.len()).map(|(_, w)| w * w).sum();
        assert!((chars - 1.0).abs() < 1e-4 && (words - 1.0).abs() < 1e-4, "{chars} {words}");
        assert!(v.transform("").is_empty());
        assert!(v.transform("zzz qqq").is_empty(), "unknown terms carry no weight");
    }

    #[test]
    fn learns_a_separable_problem_and_generalises_to_variants() {
        let texts = [
            "가슴이 쥐어짜듯 아파요",
            "가슴 통증이 심해요",
            "숨이 안 쉬어져요",
            "숨쉬기 힘들어요",
            "crushing chest pain",
            "cant breathe at all",
            "콧물이 조금 나요",
            "목이 살짝 칼칼해요",
            "runny nose since yesterday",
            "slight sore throat",
        ];
        let labels = ["em", "em", "em", "em", "em", "em", "sc", "sc", "sc", "sc"];
        let v = Vectorizer::fit(&texts);
        let xs: Vec<_> = texts.iter().map(|t| v.transform(t)).collect();
        let head = Head::train(&xs, &labels, &Params::default());
        assert_eq!(head.labels(), ["em", "sc"]);
        for (text, want) in
            [("가슴이너무아파요", "em"), ("chest pain", "em"), ("콧물이 나요", "sc"), ("sore throat", "sc")]
        {
            let scores = head.scores(&v.transform(text));
            assert_eq!(scores[0].0, want, "{text}: {scores:?}");
            let total: f32 = scores.iter().map(|(_, p)| p).sum();
            assert!((total - 1.0).abs() < 1e-4);
        }
    }

    #[test]
    fn training_is_deterministic_and_order_independent() {
        let a = ["fever and cough", "broken arm", "high fever", "arm hurts after fall"];
        let la = ["ill", "injury", "ill", "injury"];
        let b = ["arm hurts after fall", "high fever", "broken arm", "fever and cough"];
        let lb = ["injury", "ill", "injury", "ill"];
        let train = |t: &[&str], l: &[&str]| {
            let v = Vectorizer::fit(t);
            let xs: Vec<_> = t.iter().map(|s| v.transform(s)).collect();
            let h = Head::train(&xs, l, &Params::default());
            h.probability(&v.transform("fever"), "ill")
        };
        let (pa, pb) = (train(&a, &la), train(&b, &lb));
        assert!((pa - pb).abs() < 1e-3, "{pa} vs {pb}");
        assert!(pa > 0.5);
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let v = Vectorizer::fit::<&str>(&[]);
        let head = Head::train::<&str>(&[], &[], &Params::default());
        assert!(head.scores(&v.transform("anything")).is_empty());
        let one = Head::train(&[v.transform("x")], &["only"], &Params::default());
        assert_eq!(one.scores(&SparseVec::new()), vec![("only", 1.0)]);
    }
}
