//! Negation-aware phrase matching over Korean and English patient text.
//!
//! Used by triage, department routing and the chatbot. Korean patterns are
//! matched on a compact form of the text (no spaces or punctuation, common
//! verb endings folded) so `숨쉬기힘들어요`, `숨 쉬기 힘들어요` and
//! `숨쉬기가 힘들고` all match `숨쉬기힘들`. English patterns are matched as
//! token sequences with light stemming and one-typo tolerance for long
//! words. A hit is *negated* only when a negation attaches to it directly
//! (`가슴 통증은 없고`, `no chest pain`): when in doubt a symptom counts as
//! present, because missing a red flag is worse than over-triage.

use std::sync::OnceLock;

use regex::Regex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Ko,
    En,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }
}

/// Korean when the text has more Hangul syllables than Latin letters.
pub fn detect_lang(text: &str) -> Lang {
    let hangul = text.chars().filter(|c| is_hangul(*c)).count();
    let latin = text.chars().filter(|c| c.is_ascii_alphabetic()).count();
    // Text with no letters at all defaults to Korean, the product's first language.
    if (hangul > 0 && hangul * 2 >= latin) || (hangul == 0 && latin == 0) {
        Lang::Ko
    } else {
        Lang::En
    }
}

pub fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c) || ('\u{3131}'..='\u{318E}').contains(&c)
}

/// Verb-ending variants folded to one form on both sides of a Korean match.
const KO_FOLDS: &[(&str, &str)] = &[
    ("아파", "아프"),
    ("아팠", "아프"),
    ("아픈", "아프"),
    ("아플", "아프"),
    ("아퍼", "아프"),
    ("아포", "아프"),
    ("어지럽", "어지러"),
    ("어지런", "어지러"),
    ("어지럼", "어지러"),
    ("힘드", "힘들"),
    ("힘든", "힘들"),
    ("힘듬", "힘들"),
    ("힘듦", "힘들"),
    ("쉬어", "쉬"),
    ("쉬기", "쉬"),
    ("쉬는", "쉬"),
    ("쉴", "쉬"),
    ("쉬질", "쉬"),
    ("막혀", "막히"),
    ("조여", "조이"),
    ("막힌", "막히"),
    ("나와", "나오"),
    ("나온", "나오"),
    ("났", "나"),
    ("붓", "부"),
    ("부었", "부어"),
    ("저려", "저리"),
    ("저린", "저리"),
    ("저렸", "저리"),
    ("마비됐", "마비"),
    ("마비된", "마비"),
    ("마비되", "마비"),
];

/// Lower-cased Korean text without spaces and punctuation, endings folded.
pub fn compact_ko(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    // Decimal points survive so `38.5도` stays a temperature.
    let keep = |i: usize, c: char| {
        c.is_alphanumeric()
            || (c == '.'
                && i > 0
                && chars.get(i - 1).is_some_and(char::is_ascii_digit)
                && chars.get(i + 1).is_some_and(char::is_ascii_digit))
    };
    let mut out: String = chars
        .iter()
        .enumerate()
        .filter(|(i, c)| keep(*i, **c))
        .flat_map(|(_, c)| c.to_lowercase())
        .filter(|c| !matches!(c, 'ㅋ' | 'ㅎ' | 'ㅠ' | 'ㅜ'))
        .collect();
    for (from, to) in KO_FOLDS {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out
}

/// Lower-cased ASCII-ish word tokens; apostrophes dropped (`can't` → `cant`).
pub fn tokens_en(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|t| t.replace('\'', "").to_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Pattern words keep their `*` (prefix) and `!` (exact) markers.
fn pattern_tokens_en(phrase: &str) -> Vec<String> {
    phrase
        .split(|c: char| !(c.is_alphanumeric() || matches!(c, '\'' | '*' | '!')))
        .map(|t| t.replace('\'', "").to_lowercase())
        .filter(|t| !t.is_empty() && t != "*" && t != "!")
        .collect()
}

/// A phrase to look for. `+` separates parts that must appear in order in
/// one clause with a short gap between them (`가슴+아프` matches `가슴이 너무
/// 아파요`; `chest + tight` matches `chest is really tight`).
#[derive(Debug, Clone)]
pub enum Pattern {
    /// Compact Korean parts, matched by a regex over the compact clause
    /// (or, when a part starts with `^`, over the marked form so that part
    /// must begin a word: `^이빨` must not match `등이 빨갛고`).
    Ko { parts: Vec<String>, regex: Regex, anchored: bool },
    /// English token parts.
    En(Vec<Vec<String>>),
}

/// Largest gap between the parts of a pattern: Korean characters, English tokens.
const KO_GAP: usize = 10;
const EN_GAP: usize = 4;

impl Pattern {
    pub fn new(phrase: &str) -> Pattern {
        if phrase.chars().any(is_hangul) {
            let raw: Vec<(bool, String)> = phrase
                .split('+')
                .map(|p| {
                    let p = p.trim();
                    match p.strip_prefix('^') {
                        Some(rest) => (true, compact_ko(rest)),
                        None => (false, compact_ko(p)),
                    }
                })
                .filter(|(_, p)| !p.is_empty())
                .collect();
            let anchored = raw.iter().any(|(a, _)| *a);
            let body = raw
                .iter()
                .map(|(a, p)| if *a { format!("(?:^|{WORD_MARK}){}", regex::escape(p)) } else { regex::escape(p) })
                .collect::<Vec<_>>()
                .join(&format!(".{{0,{KO_GAP}}}?"));
            let parts = raw.into_iter().map(|(_, p)| p).collect();
            // An empty pattern never matches.
            let regex = Regex::new(if body.is_empty() { "[^\\s\\S]" } else { &body }).expect("escaped pattern");
            Pattern::Ko { parts, regex, anchored }
        } else {
            Pattern::En(phrase.split('+').map(pattern_tokens_en).filter(|p| !p.is_empty()).collect())
        }
    }

    /// Rough specificity: longer phrases say more.
    pub fn weight(&self) -> f64 {
        match self {
            Pattern::Ko { parts, .. } => {
                (parts.iter().map(|p| p.chars().count()).sum::<usize>() as f64 / 2.0).clamp(1.0, 4.0)
            }
            Pattern::En(parts) => (parts.iter().map(Vec::len).sum::<usize>() as f64).clamp(1.0, 4.0),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Pattern::Ko { parts, .. } => parts.is_empty(),
            Pattern::En(parts) => parts.is_empty(),
        }
    }
}

/// Whether `parts` match starting exactly at token `at`.
fn en_match_from(tokens: &[String], parts: &[Vec<String>], at: usize) -> bool {
    let Some((first, rest)) = parts.split_first() else { return true };
    if at + first.len() > tokens.len() {
        return false;
    }
    if !tokens[at..at + first.len()].iter().zip(first).all(|(t, q)| token_matches(t, q)) {
        return false;
    }
    let next = at + first.len();
    if rest.is_empty() {
        return true;
    }
    (next..=(next + EN_GAP).min(tokens.len())).any(|n| en_match_from(tokens, rest, n))
}

/// Where and how a pattern occurred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub clause: usize,
    pub negated: bool,
}

#[derive(Debug, Clone)]
struct Clause {
    /// The next clause follows after a bare comma (`가슴통증이나 숨참, 마비 이런 건 없어요`).
    comma_after: bool,
    compact: String,
    /// Compact words joined by [`WORD_MARK`], for patterns anchored at a word start.
    marked: String,
    tokens: Vec<String>,
}

/// Joins the compact words of a clause in its marked form.
const WORD_MARK: char = '\u{2}';

/// Patient text prepared for matching.
#[derive(Debug, Clone)]
pub struct Text {
    pub original: String,
    pub lang: Lang,
    clauses: Vec<Clause>,
}

fn clause_splitter() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)[.,;:!?\n\r…~]+|\s(?:but|and|however|although|though|whereas)\s|(?:지만|는데|은데|인데|그런데|근데|그러나|하지만)\s")
            .expect("static regex")
    })
}

/// Korean negation right after a hit: an optional particle, then a negative.
fn ko_negation_after() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^(?:한|했던|하는|할|해본|된|되는|다는|온|오|던|인|는|은|ㄴ|ㄹ)?(?:생각|마음|느낌|기분|증상|통증|증|적|건|것)?(?:은|는|이|가|도|을|를|까지|까지는|까진|까지도|이나|만|은좀|는좀|이좀|도좀)?(?:전혀|별로|딱히|아직|그렇게|많이|크게)?(?:없|안|않|아니|못느|멀쩡)|^[가-힣]{0,3}?(?:지|진|지는|지도|지가|진게)(?:않|안|아니)|^다?(?:이나|나|랑|이랑|와|과|도|거나|하거나|이거나)[^없않]{1,8}?(?:(?:이런|그런|저런|같은)(?:거|건|것|게)?(?:은|는|도)?|은|는|이|가|도|건|것은|거는|진|지는)(?:전혀|별로|딱히)?(?:없|않|아니)|^(?:다|요|다는|등|같은)?(?:이런|그런|저런|이러한|그러한|같은)(?:거|건|것|게|증상|생각|느낌|통증|일)?(?:까지|까지는|까진|은|는|이|가|도)?(?:전혀|별로|딱히|아직|하나도)?(?:없|아니|아닌|아냐|아님|않|안)",
        )
        .expect("static regex")
    })
}

const EN_NEGATIONS: &[&str] = &[
    "no", "not", "without", "never", "denies", "deny", "denied", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt",
    "werent", "havent", "hasnt", "hadnt", "none", "nor", "neither", "free",
];
/// A negation followed by one of these is about knowledge, not a symptom.
const EN_NOT_NEGATING_NEXT: &[&str] = &["know", "sure", "think", "understand", "remember", "care", "want", "know."];

impl Text {
    pub fn new(text: &str) -> Text {
        let mut pieces: Vec<(&str, bool)> = Vec::new();
        let mut start = 0;
        for sep in clause_splitter().find_iter(text) {
            pieces.push((&text[start..sep.start()], sep.as_str().trim() == ","));
            start = sep.end();
        }
        pieces.push((&text[start..], false));
        let clauses = pieces
            .into_iter()
            .map(|(c, comma_after)| (c.trim(), comma_after))
            .filter(|(c, _)| !c.is_empty())
            .map(|(c, comma_after)| Clause {
                comma_after,
                compact: compact_ko(c),
                marked: c
                    .split_whitespace()
                    .map(compact_ko)
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
                    .join(&WORD_MARK.to_string()),
                tokens: tokens_en(c),
            })
            .collect();
        Text { original: text.to_string(), lang: detect_lang(text), clauses }
    }

    /// Every occurrence of the pattern.
    pub fn hits(&self, pattern: &Pattern) -> Vec<Hit> {
        let mut hits = Vec::new();
        if pattern.is_empty() {
            return hits;
        }
        for (i, clause) in self.clauses.iter().enumerate() {
            match pattern {
                Pattern::Ko { regex, anchored, parts } => {
                    let haystack = if *anchored { &clause.marked } else { &clause.compact };
                    for m in regex.find_iter(haystack) {
                        let rest: String = haystack[m.end()..].chars().filter(|c| *c != WORD_MARK).collect();
                        // A negation inside the gap of a split pattern (`배는 안 아파요`
                        // for `배+아프`) negates it too.
                        let negative = |t: &str| t.chars().filter(|c| matches!(c, '안' | '않' | '없')).count();
                        let gap_negated = negative(m.as_str()) > parts.iter().map(|p| negative(p)).sum::<usize>();
                        let negated = gap_negated
                            || ko_negation_after().is_match(&rest)
                            || self.list_denied_after_comma(i, &rest);
                        hits.push(Hit { clause: i, negated });
                    }
                }
                Pattern::En(parts) => {
                    for start in 0..clause.tokens.len() {
                        if en_match_from(&clause.tokens, parts, start) {
                            hits.push(Hit { clause: i, negated: en_negated(&clause.tokens, start) });
                        }
                    }
                }
            }
        }
        hits
    }

    /// A list that goes on past a comma and ends in a summary negation:
    /// `가슴통증이나 숨참, 마비 이런 건 없어요` denies 가슴통증 too.
    fn list_denied_after_comma(&self, clause: usize, rest: &str) -> bool {
        static TAIL: OnceLock<[Regex; 2]> = OnceLock::new();
        let [list_goes_on, summary_denied] = TAIL.get_or_init(|| {
            [
                Regex::new(r"^(?:거|것|게)?(?:(?:이나|나|랑|이랑|거나|하고|와|과)[가-힣]{0,8})?$").expect("static regex"),
                Regex::new(r"^[가-힣]{1,10}?(?:(?:이런|그런|저런|같은)(?:거|건|것|게|증상|일)?(?:은|는|도|이|가)?|건|거는|것은|은|는|도)(?:전혀|별로|딱히|하나도)?(?:없|않|아니|아닌)")
                    .expect("static regex"),
            ]
        });
        let rest = rest.trim_end_matches(WORD_MARK);
        (list_goes_on.is_match(rest) && !rest.starts_with("나아"))
            && self.clauses.get(clause).is_some_and(|c| c.comma_after)
            && self.clauses.get(clause + 1).is_some_and(|next| summary_denied.is_match(&next.compact))
    }

    /// The pattern occurs and at least one occurrence is not negated.
    pub fn affirms(&self, pattern: &Pattern) -> bool {
        self.hits(pattern).iter().any(|h| !h.negated)
    }

    /// The pattern occurs and every occurrence is negated.
    pub fn denies(&self, pattern: &Pattern) -> bool {
        let hits = self.hits(pattern);
        !hits.is_empty() && hits.iter().all(|h| h.negated)
    }

    /// Age in years stated in the text (`생후 6주`, `3살`, `2 months old`).
    pub fn age_years(&self) -> Option<f64> {
        extract_age_years(&self.original)
    }
}

/// A negation up to six words before the hit; a list (`no fever, cough or
/// rash`) carries the negation over `or` / `nor`.
fn en_negated(tokens: &[String], start: usize) -> bool {
    let mut budget = 6usize;
    let mut i = start;
    while i > 0 && budget > 0 {
        i -= 1;
        budget -= 1;
        let t = tokens[i].as_str();
        if matches!(t, "or" | "nor") {
            budget = 6;
            continue;
        }
        let next = tokens.get(i + 1).map(String::as_str).unwrap_or("");
        if EN_NEGATIONS.contains(&t) && !EN_NOT_NEGATING_NEXT.contains(&next) {
            return true;
        }
    }
    false
}

/// Token equality with plural/verb endings and one typo (or swapped pair)
/// in words of six letters or more. A pattern token ending in `*` is a
/// prefix; one ending in `!` must match exactly (`burnt!` must not match
/// `burning`).
fn token_matches(token: &str, pattern: &str) -> bool {
    if let Some(stem) = pattern.strip_suffix('*') {
        return token.starts_with(stem);
    }
    if let Some(exact) = pattern.strip_suffix('!') {
        return token == exact;
    }
    if token == pattern {
        return true;
    }
    let variants = |w: &str| -> Vec<String> {
        let mut v = vec![w.to_string()];
        for suffix in ["ing", "ed", "es", "s", "d"] {
            if let Some(s) = w.strip_suffix(suffix) {
                if s.len() >= 3 {
                    v.push(s.to_string());
                }
            }
        }
        v
    };
    let (tv, pv) = (variants(token), variants(pattern));
    if tv.iter().any(|t| pv.contains(t)) {
        return true;
    }
    // A substitution turns one medical word into another (`drooling` /
    // `drooping`), so it is only tolerated in long words.
    pattern.len() >= 8 && token.len() >= 7 && edit_distance_at_most_one(token, pattern, pattern.len() >= 9)
}

/// Optimal-string-alignment distance ≤ 1 (one insert, delete, substitution
/// or swap of neighbours).
fn edit_distance_at_most_one(a: &str, b: &str, allow_substitution: bool) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    if !allow_substitution && a.len() == b.len() {
        // Only a swap of neighbours is allowed between words of equal length.
        let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
        return match diffs.as_slice() {
            [] => true,
            [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
            _ => false,
        };
    }
    let n = b.len();
    let mut prev2 = vec![0usize; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; n + 1];
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[n] <= 1
}

fn age_patterns() -> &'static [(Regex, f64)] {
    static RE: OnceLock<Vec<(Regex, f64)>> = OnceLock::new();
    RE.get_or_init(|| {
        let days = 1.0 / 365.0;
        let weeks = 7.0 / 365.0;
        let months = 1.0 / 12.0;
        [
            (r"(?:생후|태어난\s*지|낳은\s*지)\s*(\d+(?:\.\d+)?)\s*일", days),
            (r"(?:생후|태어난\s*지|낳은\s*지)\s*(\d+(?:\.\d+)?)\s*주", weeks),
            (r"(?:생후|태어난\s*지|낳은\s*지)\s*(\d+(?:\.\d+)?)\s*(?:개월|달)", months),
            (r"(\d+(?:\.\d+)?)\s*주\s*(?:된|짜리|차\s*(?:아기|애기|신생아)|아기|애기|신생아)", weeks),
            (r"(\d+(?:\.\d+)?)\s*(?:개월|달)\s*(?:된|짜리|아기|애기|아이|차\s*아기)?", months),
            (r"(\d+(?:\.\d+)?)\s*(?:살|세)", 1.0),
            (r"(?i)(\d+(?:\.\d+)?)\s*[- ]?\s*days?\s*[- ]?\s*old", days),
            (r"(?i)(\d+(?:\.\d+)?)\s*[- ]?\s*(?:weeks?|wks?)\s*[- ]?\s*old", weeks),
            (r"(?i)(\d+(?:\.\d+)?)\s*[- ]?\s*(?:months?|mos?|mths?)\s*[- ]?\s*old", months),
            (r"(?i)(\d+(?:\.\d+)?)\s*[- ]?\s*(?:years?|yrs?)\s*[- ]?\s*old", 1.0),
            (r"(?i)(\d+(?:\.\d+)?)\s*(?:yo|y/o|y\.o\.)\b", 1.0),
            (r"(?i)\baged?\s*(\d+(?:\.\d+)?)\b", 1.0),
            (
                r"(?i)(?:mum|mom|dad|father|mother|grandma|grandpa|husband|wife|엄마|아빠|할머니|할아버지|어머니|아버지)\s*\(\s*(\d{1,3})\s*\)",
                1.0,
            ),
        ]
        .into_iter()
        .map(|(re, unit)| (Regex::new(re).expect("static regex"), unit))
        .collect()
    })
}

/// The first age the text states, in years. Newborn words count as 0.02.
pub fn extract_age_years(text: &str) -> Option<f64> {
    let mut best: Option<(usize, f64)> = None;
    for (re, unit) in age_patterns() {
        if let Some(c) = re.captures(text) {
            let (Some(whole), Some(n)) = (c.get(0), c.get(1)) else { continue };
            let Ok(value) = n.as_str().parse::<f64>() else { continue };
            let years = value * unit;
            if !(0.0..=120.0).contains(&years) {
                continue;
            }
            if best.is_none_or(|(pos, _)| whole.start() < pos) {
                best = Some((whole.start(), years));
            }
        }
    }
    if best.is_none() {
        let t = Text::new(text);
        let newborn = ["신생아", "갓난아기", "갓난애기", "newborn", "new born"];
        if newborn.iter().any(|w| t.affirms(&Pattern::new(w))) {
            return Some(0.02);
        }
    }
    best.map(|(_, y)| y)
}

/// The highest blood pressure reading written as `systolic/diastolic`.
pub fn blood_pressure(text: &str) -> Option<(u32, u32)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"(\d{2,3})\s*/\s*(\d{2,3})").expect("static regex"));
    re.captures_iter(text)
        .filter_map(|c| Some((c.get(1)?.as_str().parse::<u32>().ok()?, c.get(2)?.as_str().parse::<u32>().ok()?)))
        .filter(|(s, d)| (70..=260).contains(s) && (40..=160).contains(d) && s > d)
        .max()
}

/// The highest body temperature the text states, in °C (Fahrenheit
/// readings are converted). Only numbers that read as temperatures count:
/// followed by 도/℃/°/degrees, or after 열/체온/fever/temp. A bare `F`
/// after a number is a Fahrenheit reading only in its range: `42F` is a
/// 42-year-old woman, not a fever of 42 ℃.
pub fn temperature_c(text: &str) -> Option<f64> {
    static RE: OnceLock<[Regex; 3]> = OnceLock::new();
    let res = RE.get_or_init(|| {
        [
            Regex::new(r"(?i)(\d{2,3}(?:\.\d{1,2})?)\s*(?:도|℃|°\s*[cf]?|degrees?\b|c\b)").expect("static regex"),
            Regex::new(r"(?i)(?:열|체온|fever|temp\w*|thermometer)\D{0,14}?(\d{2,3}(?:\.\d{1,2})?)")
                .expect("static regex"),
            Regex::new(r"(?i)\b((?:9[5-9]|10\d)(?:\.\d{1,2})?)\s*f\b").expect("static regex"),
        ]
    });
    res.iter()
        .flat_map(|re| re.captures_iter(text).filter_map(|c| c.get(1)?.as_str().parse::<f64>().ok()))
        .map(|t| if (95.0..=110.0).contains(&t) { (t - 32.0) * 5.0 / 9.0 } else { t })
        .filter(|t| (34.0..=43.5).contains(t))
        .reduce(f64::max)
}

/// The lowest blood sugar reading in mg/dL stated after 혈당/sugar/glucose.
pub fn blood_sugar(text: &str) -> Option<u32> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?i)(?:혈당|당수치|sugar|glucose|bgl|bg)\D{0,12}?(\d{2,3})").expect("static regex")
    });
    re.captures_iter(text)
        .filter_map(|c| c.get(1)?.as_str().parse::<u32>().ok())
        .filter(|v| (10..=900).contains(v))
        .min()
}

/// How many pills the text says were taken at once (`took like 30 extra
/// strength tylenol`, `타이레놀 20알 먹었어요`): the largest count next to a
/// pill word, when the text says they were swallowed and not that it is a
/// daily routine.
pub fn pills_taken(text: &str) -> Option<u32> {
    static RE: OnceLock<[Regex; 3]> = OnceLock::new();
    let [count, swallowed, routine] = RE.get_or_init(|| {
        [
            Regex::new(
                r"(?i)(\d{1,3})\s*(?:x\s*)?(?:extra[- ]?strength\s+)?(?:pills?|tablets?|tabs?|capsules?|caps?|tylenols?|advils?|paracetamols?|ibuprofens?|aspirins?|acetaminophens?|sleeping pills?|xanax|benadryl|알|정|캡슐)",
            )
            .expect("static regex"),
            Regex::new(r"(?i)\b(?:took|taken|ate|swallowed|downed|overdosed)\b|먹었|먹은|먹어버|삼켰|삼킨").expect("static regex"),
            Regex::new(r"(?i)\ba day\b|per day|daily|every day|하루에|매일|하루\s*\d").expect("static regex"),
        ]
    });
    if !swallowed.is_match(text) || routine.is_match(text) {
        return None;
    }
    count.captures_iter(text).filter_map(|c| c.get(1)?.as_str().parse::<u32>().ok()).max()
}

/// Weeks of pregnancy the text states (`임신 8주`, `9주차`, `22 weeks pregnant`).
pub fn pregnancy_weeks(text: &str) -> Option<u32> {
    static RE: OnceLock<[Regex; 2]> = OnceLock::new();
    let res = RE.get_or_init(|| {
        [
            Regex::new(r"임신\s*(\d{1,2})\s*주|(\d{1,2})\s*주\s*차").expect("static regex"),
            Regex::new(r"(?i)(\d{1,2})\s*(?:weeks?|wks?)\s*(?:pregnant|along|gestation)|(?:pregnant|gestation)\D{0,12}?(\d{1,2})\s*(?:weeks?|wks?)").expect("static regex"),
        ]
    });
    res.iter()
        .flat_map(|re| re.captures_iter(text))
        .filter_map(|c| c.get(1).or_else(|| c.get(2))?.as_str().parse::<u32>().ok())
        .find(|w| (1..=42).contains(w))
}

/// Whether the text says the person is pregnant (and does not deny it).
pub fn mentions_pregnancy(text: &str) -> bool {
    let t = Text::new(text);
    ["임신", "임산부", "임신부", "pregnant", "pregnancy", "expecting a baby"]
        .iter()
        .any(|w| t.affirms(&Pattern::new(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn affirms(text: &str, phrase: &str) -> bool {
        Text::new(text).affirms(&Pattern::new(phrase))
    }

    fn denies(text: &str, phrase: &str) -> bool {
        Text::new(text).denies(&Pattern::new(phrase))
    }

    #[test]
    fn korean_spacing_and_endings_do_not_matter() {
        for text in ["숨쉬기힘들어요", "숨 쉬기 힘들어요", "숨쉬기가 힘들고 어지러워요", "숨 쉬기가 너무 힘듦"]
        {
            assert!(affirms(text, "숨+힘들"), "{text}");
        }
        assert!(affirms("가슴이 너무 아파요", "가슴+아프"));
        assert!(!affirms("가슴은 괜찮은데 배가 아파요", "가슴+아프"), "parts must be in one clause");
        assert!(affirms("chest is really tight", "chest + tight"));
        assert!(affirms("가슴이 아파요ㅠㅠ", "가슴이 아프"));
        assert!(affirms("가슴이아팠어요", "가슴이 아프"));
        assert!(!affirms("등이 빨갛고 따가워요", "^이빨"), "anchored parts start a word");
        assert!(affirms("이빨이 아파요", "^이빨"));
        assert!(!affirms("7 month old drooling", "drooping"), "no substitution in short words");
        assert!(affirms("머리가 어지럽고", "어지러"));
    }

    #[test]
    fn korean_negation_attaches_to_the_phrase_only() {
        assert!(denies("가슴 통증은 없고 기침만 조금 있어요", "가슴 통증"));
        assert!(affirms("가슴 통증은 없고 기침만 조금 있어요", "기침"));
        assert!(denies("열은 없는데 목이 좀 칼칼해요", "열"));
        assert!(denies("숨이 차진 않아요", "숨이 차"));
        assert!(denies("숨쉬기 힘들지 않아요", "숨쉬기 힘들"));
        assert!(denies("다리저림이나 힘빠지는건 없어요", "다리저림"), "a list carries the negation");
        assert!(denies("두통이나 어지러움은 없어요", "두통"));
        assert!(denies("기절한적도 없어요", "기절"));
        assert!(denies("죽고싶다는 생각까진 없어요", "죽고+싶"));
        assert!(denies("숨차거나 쌕쌕거리진 않아요", "숨차"));
        // A demonstrative summing up what came before (`X 이런 건 없어요`).
        assert!(denies("두통이나 가슴통증 이런건 없는데 약 먹어야하나요", "가슴통증"));
        assert!(denies("살빠지거나 검은변 그런건 없어요", "검은+변"));
        assert!(denies("죽고싶다 이런 생각까지는 아닌데 그냥 다 귀찮음", "죽고+싶"));
        assert!(denies("피 섞인 변 같은 건 없어요", "피+섞인+변"));
        assert!(affirms("가슴통증 이런게 계속 있어요", "가슴통증"), "a demonstrative without a negative");
        assert!(denies("가슴통증이나 숨참, 마비 이런건 없어요", "가슴통증"), "a list past a comma");
        assert!(denies("가슴통증이나 숨참, 마비 이런건 없어요", "마비"));
        assert!(affirms("가슴통증이 있고, 마비 이런건 없어요", "가슴통증"), "a comma alone does not carry it");
        assert!(denies("두통이나 가슴 아픈거, 숨찬건 없어요", "가슴+아프"), "a list past a comma, plain negation");
        assert!(denies("가슴통증이나 마비 이런거 없고요", "가슴통증"), "a list closed by a demonstrative");
        assert!(denies("죽고싶다거나 그런 생각은 없어요", "죽고+싶"));
        assert!(affirms("소변볼때 따끔하고 자꾸 마려워요 열은 없고", "소변+따끔"), "a verb's -하고 is not a list");
        assert!(denies("배는 안아프고 방귀는 잘 나와요", "배+아프"), "a negation inside the gap");
        assert!(denies("소변이 아예 안나온적은 없어요", "소변이+안 나"));
        // A negation later in the sentence about something else does not count.
        assert!(affirms("가슴이 아픈데 열은 없어요", "가슴이 아프"));
        assert!(affirms("가슴이 아프고 숨이 차요", "숨이 차"));
        // A question is not a denial.
        assert!(affirms("가슴이 아픈데 괜찮을까요?", "가슴이 아프"));
        // Inability is a symptom, not a negation.
        assert!(affirms("숨을 못 쉬겠어요", "숨을 못 쉬"));
    }

    #[test]
    fn english_negation_and_typos() {
        assert!(denies("no trouble breathing, just a runny nose", "trouble breathing"));
        assert!(affirms("no trouble breathing, just a runny nose", "runny nose"));
        assert!(denies("I don't have chest pain", "chest pain"));
        assert!(denies("no chest pain or shortness of breath", "shortness of breath"));
        assert!(denies("No weakness on one side or face droop", "drooping"));
        assert!(affirms("I don't know why but I have chest pain", "chest pain"));
        assert!(affirms("I do not know why my chest hurts", "chest hurts"));
        assert!(affirms("no fever but crushing chest pain", "chest pain"));
        assert!(affirms("cant breathe properly", "can't breathe"));
        assert!(affirms("difficulty breahting", "breathing"), "a swapped pair in a long word");
        assert!(!affirms("the cut is gaping", "gasping"), "short words must match exactly");
        assert!(!affirms("really bad chest pian", "chest pain"), "short words must match exactly");
    }

    #[test]
    fn stems_and_prefixes() {
        assert!(affirms("she keeps vomiting", "vomit"));
        assert!(affirms("he vomited twice", "vomit"));
        assert!(affirms("difficulty breathing", "breath*"));
        assert!(affirms("severe headaches", "headache"));
        assert!(affirms("unconsciuos since morning", "unconscious"));
    }

    #[test]
    fn pills_taken_at_once() {
        assert_eq!(pills_taken("my roommate took like 30 extra strength tylenol 2 hours ago"), Some(30));
        assert_eq!(pills_taken("took about 20 tylenol extra strength"), Some(20));
        assert_eq!(pills_taken("타이레놀 20알 먹었어요"), Some(20));
        assert_eq!(pills_taken("took 2 tylenol for my headache"), Some(2));
        assert_eq!(pills_taken("i take 12 pills a day for my heart"), None, "a daily routine");
        assert_eq!(pills_taken("how many tylenol can i take, 10 pills?"), None, "nothing was swallowed");
    }

    #[test]
    fn pregnancy_weeks_are_read_from_text() {
        assert_eq!(pregnancy_weeks("임신 8주인데 갈색피가 비쳐요"), Some(8));
        assert_eq!(pregnancy_weeks("지금 32주차예요"), Some(32));
        assert_eq!(pregnancy_weeks("about 9 weeks pregnant, some spotting"), Some(9));
        assert_eq!(pregnancy_weeks("pregnant, 22 weeks, bleeding"), Some(22));
        assert_eq!(pregnancy_weeks("임신했어요 2주째 기침해요"), None);
        assert_eq!(pregnancy_weeks("3 weeks of cough"), None);
    }

    #[test]
    fn ages_are_read_from_text() {
        let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 0.01);
        assert!(close(extract_age_years("애기가 열이나요 태어난지 6주"), 6.0 * 7.0 / 365.0));
        assert!(close(extract_age_years("생후 2개월 아기가 열이 38도"), 2.0 / 12.0));
        assert!(close(extract_age_years("3살 아이가 토해요"), 3.0));
        assert!(close(extract_age_years("my baby is 2 months old and has a fever of 38.5"), 2.0 / 12.0));
        assert!(close(extract_age_years("a 6-week-old with fever"), 6.0 * 7.0 / 365.0));
        assert!(close(extract_age_years("72 year old man, confused"), 72.0));
        assert!(close(extract_age_years("신생아가 열이 나요"), 0.02));
        assert_eq!(extract_age_years("열이 38.5도예요"), None);
    }

    #[test]
    fn numbers_are_read_as_vital_signs() {
        assert_eq!(blood_pressure("오늘 재보니 192/112 세번째도 비슷"), Some((192, 112)));
        assert_eq!(blood_pressure("bp 128/82 then 188/116"), Some((188, 116)));
        assert_eq!(blood_pressure("1/2 tablet"), None);
        assert_eq!(temperature_c("열이 38.5도예요"), Some(38.5));
        assert_eq!(temperature_c("temp 37.9 this morning, 39.4 degrees now"), Some(39.4));
        assert!(temperature_c("fever of 102F").is_some_and(|t| (t - 38.9).abs() < 0.1));
        assert_eq!(temperature_c("3살 아이, 10분 전에"), None);
        assert_eq!(temperature_c("38 weeks pregnant"), None);
        assert_eq!(temperature_c("42F, periods getting heavy"), None, "age and sex, not 42 ℃");
        assert_eq!(temperature_c("39f here, cough for a week"), None);
        assert!(temperature_c("101.5F since last night").is_some_and(|t| (t - 38.6).abs() < 0.1));
        assert_eq!(temperature_c("38.2c this morning"), Some(38.2));
        assert_eq!(blood_sugar("당뇨있는 엄마 혈당 재보니 40나와요"), Some(40));
        assert_eq!(blood_sugar("sugars 250-300"), Some(250));
        assert!(extract_age_years("mum (80) slipped").is_some_and(|a| (a - 80.0).abs() < 0.1));
    }

    #[test]
    fn pregnancy_is_read_and_denials_respected() {
        assert!(mentions_pregnancy("임신 32주인데 두통이 심해요"));
        assert!(mentions_pregnancy("I'm 30 weeks pregnant and my face is swollen"));
        assert!(!mentions_pregnancy("임신은 아니에요"));
        assert!(!mentions_pregnancy("not pregnant, just bloated"));
    }

    #[test]
    fn language_detection() {
        assert_eq!(detect_lang("머리가 아파요"), Lang::Ko);
        assert_eq!(detect_lang("my head hurts"), Lang::En);
        assert_eq!(detect_lang("타이레놀 500mg 먹어도 되나요"), Lang::Ko);
    }
}
