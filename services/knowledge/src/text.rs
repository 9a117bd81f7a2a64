//! Tokenisation shared by the embedder and the keyword index: lower-cased
//! words split on anything that is not a letter or a digit; Korean words
//! become character bigrams (so particles and spacing matter little),
//! English words are lightly stemmed and stop words dropped.

/// Hangul syllables and jamo.
pub fn is_hangul(c: char) -> bool {
    matches!(c as u32, 0xAC00..=0xD7A3 | 0x1100..=0x11FF | 0x3130..=0x318F)
}

/// Lower-cased words, split on anything but letters and digits.
pub fn words(text: &str) -> Vec<String> {
    text.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

const STOP_EN: &[&str] = &[
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "am", "do", "does", "did", "i", "me", "my", "we",
    "you", "your", "it", "its", "this", "that", "these", "those", "of", "to", "in", "on", "at", "for", "with", "and",
    "or", "what", "how", "when", "which", "who", "can", "could", "should", "would", "will", "if", "about", "there",
    "have", "has", "had", "as", "by", "from", "so", "any", "some", "much", "many", "not", "no", "but", "get", "after",
];

/// A very light English stemmer: plural and a few verb endings, enough for
/// "headaches" ~ "headache" and "bleeding" ~ "bleed".
pub fn stem_en(w: &str) -> String {
    let n = w.chars().count();
    let sibilant_es = ["xes", "zes", "shes", "sses"].iter().any(|e| w.ends_with(e));
    for (suffix, min) in [("ies", 5), ("ing", 6), ("ed", 5), ("es", 5), ("s", 4)] {
        if suffix == "es" && !sibilant_es {
            continue;
        }
        if n >= min && w.ends_with(suffix) && !w.ends_with("ss") {
            let base = &w[..w.len() - suffix.len()];
            return if suffix == "ies" { format!("{base}y") } else { base.to_string() };
        }
    }
    w.to_string()
}

pub fn is_stop_en(w: &str) -> bool {
    STOP_EN.contains(&w)
}

/// Keyword-index terms: Korean character bigrams (a one-syllable word is
/// kept whole), stemmed English words without stop words, numbers.
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for w in words(text) {
        if w.chars().any(is_hangul) {
            let chars: Vec<char> = w.chars().collect();
            if chars.len() == 1 {
                out.push(w);
            } else {
                for pair in chars.windows(2) {
                    out.push(pair.iter().collect());
                }
            }
        } else if !is_stop_en(&w) {
            out.push(stem_en(&w));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_becomes_bigrams_and_english_is_stemmed() {
        assert_eq!(terms("타이레놀은"), vec!["타이", "이레", "레놀", "놀은"]);
        assert_eq!(terms("What are the headaches?"), vec!["headache"]);
        assert_eq!(terms("bleeding stops rashes"), vec!["bleed", "stop", "rash"]);
        assert_eq!(terms("약"), vec!["약"]);
        assert!(terms("").is_empty());
    }
}
