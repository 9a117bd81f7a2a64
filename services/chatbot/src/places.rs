//! Where to go: the clinic part of a question. Finds whether the person asks
//! for a place to be seen ("근처 소아과 어디 있어요?", "clinic open now near
//! me"), the region they name (시도 or 시군구) and whether it must be open
//! now, so the answer can search the clinic service.

use std::sync::OnceLock;

use regex::Regex;

/// A request for somewhere to be seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicAsk {
    /// A 시도 or 시군구 name as the clinic service's `region` filter takes it.
    pub region: Option<String>,
    pub open_now: bool,
}

const ASK_KO: &[&str] = &[
    "병원",
    "의원",
    "클리닉",
    "진료하는 곳",
    "진료 보는 곳",
    "진료받을 곳",
    "문 연",
    "문연",
    "문을 연",
    "어디로 가",
    "어디 가야",
    "어디서 진료",
    "근처",
    "가까운 곳",
    "주변에",
];
const ASK_EN: &[&str] = &[
    "clinic",
    "hospital",
    "near me",
    "nearby",
    "nearest",
    "closest",
    "open now",
    "where can i see",
    "where should i go",
    "where do i go",
    "a doctor near",
];
const OPEN_NOW: &[&str] = &[
    "지금",
    "문 연",
    "문연",
    "문을 연",
    "열린",
    "열려 있는",
    "야간",
    "밤에",
    "오늘",
    "open now",
    "open right now",
    "right now",
    "tonight",
    "currently open",
    "open today",
    "still open",
];

/// Provinces and metropolitan cities: what people write, and the English names.
const SIDO: &[(&str, &[&str])] = &[
    ("서울", &["seoul"]),
    ("부산", &["busan"]),
    ("대구", &["daegu"]),
    ("인천", &["incheon"]),
    ("광주", &["gwangju"]),
    ("대전", &["daejeon"]),
    ("울산", &["ulsan"]),
    ("세종", &["sejong"]),
    ("경기도", &["gyeonggi"]), // not 경기 alone: it also means a game
    ("강원", &["gangwon"]),
    ("충북", &[]),
    ("충남", &[]),
    ("전북", &[]),
    ("전남", &[]),
    ("경북", &[]),
    ("경남", &[]),
    ("제주", &["jeju"]),
];

/// The clinic part of `text`, if it asks for a place.
pub fn clinic_ask(text: &str) -> Option<ClinicAsk> {
    let lower = text.to_lowercase();
    let region = region(text);
    // Naming a district is asking about it ("강남구 피부과"), whatever the verb.
    let asks = region.is_some() || ASK_KO.iter().chain(ASK_EN).any(|w| lower.contains(w));
    if !asks {
        return None;
    }
    Some(ClinicAsk { region, open_now: OPEN_NOW.iter().any(|w| lower.contains(w)) })
}

/// A district (시군구, e.g. 강남구, 수원시, 양평군) or else a province named in the text.
pub fn region(text: &str) -> Option<String> {
    static DISTRICT: OnceLock<Regex> = OnceLock::new();
    // Two to four syllables before 구/군/시, then a particle or the end of
    // the word: 강남구에서, 해운대구 근처. One-syllable stems (친구, 혹시)
    // are ordinary words, not places.
    let district = DISTRICT.get_or_init(|| {
        Regex::new(r"([가-힣]{2,4}?(?:구|군|시))(?:에서|에|쪽|근처|의|\s|$|[^가-힣])").expect("static regex")
    });
    if let Some(c) = district.captures_iter(text).filter_map(|c| c.get(1)).find(|m| !NOT_PLACES.contains(&m.as_str())) {
        return Some(c.as_str().to_string());
    }
    let lower = text.to_lowercase();
    SIDO.iter()
        .find(|(ko, en)| {
            text.contains(ko) || en.iter().any(|e| lower.split(|c: char| !c.is_alphanumeric()).any(|w| w == *e))
        })
        .map(|(ko, _)| ko.to_string())
}

/// Words that end like a district but are not places.
const NOT_PLACES: &[&str] = &["비상구", "어린이구", "주무시", "돌아가시", "그러시", "드셨으시"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_for_a_place_in_both_languages() {
        let a = clinic_ask("강남구에서 지금 문 연 소아과 알려줘").expect("asks");
        assert_eq!(a, ClinicAsk { region: Some("강남구".into()), open_now: true });
        let a = clinic_ask("근처 이비인후과 어디 있어요?").expect("asks");
        assert_eq!(a, ClinicAsk { region: None, open_now: false });
        let a = clinic_ask("is there a clinic open now in Busan?").expect("asks");
        assert_eq!(a, ClinicAsk { region: Some("부산".into()), open_now: true });
        assert_eq!(clinic_ask("해운대구 근처 피부과").and_then(|a| a.region), Some("해운대구".into()));
        assert_eq!(clinic_ask("수원시 병원").and_then(|a| a.region), Some("수원시".into()));
        assert_eq!(clinic_ask("강남구 피부과").and_then(|a| a.region), Some("강남구".into()));
    }

    #[test]
    fn symptoms_alone_and_ordinary_words_are_not_places() {
        assert_eq!(clinic_ask("머리가 아파요"), None);
        assert_eq!(clinic_ask("what is ibuprofen for"), None);
        assert_eq!(region("친구가 혹시 병원에 가봤대요"), None);
        assert_eq!(region("비상구 앞에서 넘어졌어요"), None);
    }
}
