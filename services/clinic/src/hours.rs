//! Opening hours, Korea time and the Korean public-holiday calendar.
//!
//! Hours are intervals of minutes from midnight, Korea time (UTC+9, no
//! daylight saving), per weekday plus a `holiday` list that applies on
//! public holidays instead of the weekday's. An interval is half-open:
//! `[open, close)`, and `close` may be 1440 (`"24:00"`).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Timelike, Weekday};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Korea Standard Time is UTC+9 all year (no DST since 1988).
pub const KST_OFFSET_SECS: i32 = 9 * 3600;

/// The Korea time zone as a fixed offset (checked at compile time).
pub const KST: FixedOffset = match FixedOffset::east_opt(KST_OFFSET_SECS) {
    Some(offset) => offset,
    None => panic!("UTC+9 is a valid offset"),
};

/// A day of the week, or `holiday`: the key of a row of hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
    Holiday,
}

impl Day {
    pub const ALL: [Day; 8] = [Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri, Day::Sat, Day::Sun, Day::Holiday];

    pub fn as_str(self) -> &'static str {
        match self {
            Day::Mon => "mon",
            Day::Tue => "tue",
            Day::Wed => "wed",
            Day::Thu => "thu",
            Day::Fri => "fri",
            Day::Sat => "sat",
            Day::Sun => "sun",
            Day::Holiday => "holiday",
        }
    }

    pub fn parse(s: &str) -> Option<Day> {
        Day::ALL.into_iter().find(|d| d.as_str() == s)
    }

    pub fn from_weekday(w: Weekday) -> Day {
        match w {
            Weekday::Mon => Day::Mon,
            Weekday::Tue => Day::Tue,
            Weekday::Wed => Day::Wed,
            Weekday::Thu => Day::Thu,
            Weekday::Fri => Day::Fri,
            Weekday::Sat => Day::Sat,
            Weekday::Sun => Day::Sun,
        }
    }
}

// ---------------------------------------------------------------------------
// Public holidays
// ---------------------------------------------------------------------------

/// Korean public holidays (관공서의 공휴일) of 2025-2027 that fall on a
/// fixed or announced date, including the lunar ones (설날 and 추석 with the
/// days before and after, 부처님오신날), substitute holidays (대체공휴일),
/// election days and designated temporary holidays (임시공휴일). Sundays that
/// are not holidays are not listed (the weekday rule covers them).
///
/// Sources, checked for this table:
/// - 「관공서의 공휴일에 관한 규정」 제2조 (the list of holidays, election days
///   under 공직선거법 제34조) and 제3조 (대체공휴일: 설날·추석 only when they
///   meet a Sunday or another holiday; 어린이날 and the 국경일 when they meet a
///   Saturday, a Sunday or another holiday; extended to 부처님오신날 and
///   기독탄신일 in 2023; 현충일 and 1월 1일 have none).
/// - 한국천문연구원 월력요항 2025 and 2026 (astro.kasi.re.kr, "월력요항") and
///   its 2027 lunar table (음력 1.1 = 2027-02-07, 4.1 = 05-06, 8.1 = 09-01),
///   from which 설날, 부처님오신날 and 추석 of 2027 follow.
/// - 2025-01-27: 임시공휴일 designated by the government before 설날 (국무회의,
///   January 2025); 2025-06-03: 제21대 대통령선거; 2026-06-03: 제9회
///   전국동시지방선거 (임기만료 선거, a holiday under 제2조).
/// - 제헌절 (07-17) is a public holiday again from 2026: 「공휴일에 관한 법률」
///   amendment passed by the National Assembly on 2026-01-29 and promulgated
///   after the cabinet meeting of 2026-02-03 (인사혁신처 press release); as a
///   공휴일인 국경일 it gets a substitute day (2027-07-17 is a Saturday → 07-19).
///
/// Not included: 노동절 (05-01) — a paid day off for employees under its own
/// law; making it a 관공서 공휴일 from 2026 was announced as a plan but no
/// enacted change could be confirmed. Temporary holidays announced after
/// this table was written must be added here.
pub const HOLIDAYS: &[(i32, u32, u32, &str)] = &[
    (2025, 1, 1, "1월 1일"),
    (2025, 1, 27, "임시공휴일"),
    (2025, 1, 28, "설날 전날"),
    (2025, 1, 29, "설날"),
    (2025, 1, 30, "설날 다음날"),
    (2025, 3, 1, "3·1절"),
    (2025, 3, 3, "대체공휴일(3·1절)"),
    (2025, 5, 5, "어린이날·부처님오신날"),
    (2025, 5, 6, "대체공휴일(어린이날·부처님오신날)"),
    (2025, 6, 3, "제21대 대통령선거일"),
    (2025, 6, 6, "현충일"),
    (2025, 8, 15, "광복절"),
    (2025, 10, 3, "개천절"),
    (2025, 10, 5, "추석 전날"),
    (2025, 10, 6, "추석"),
    (2025, 10, 7, "추석 다음날"),
    (2025, 10, 8, "대체공휴일(추석)"),
    (2025, 10, 9, "한글날"),
    (2025, 12, 25, "기독탄신일"),
    (2026, 1, 1, "1월 1일"),
    (2026, 2, 16, "설날 전날"),
    (2026, 2, 17, "설날"),
    (2026, 2, 18, "설날 다음날"),
    (2026, 3, 1, "3·1절"),
    (2026, 3, 2, "대체공휴일(3·1절)"),
    (2026, 5, 5, "어린이날"),
    (2026, 5, 24, "부처님오신날"),
    (2026, 5, 25, "대체공휴일(부처님오신날)"),
    (2026, 6, 3, "제9회 전국동시지방선거일"),
    (2026, 6, 6, "현충일"),
    (2026, 7, 17, "제헌절"),
    (2026, 8, 15, "광복절"),
    (2026, 8, 17, "대체공휴일(광복절)"),
    (2026, 9, 24, "추석 전날"),
    (2026, 9, 25, "추석"),
    (2026, 9, 26, "추석 다음날"),
    (2026, 10, 3, "개천절"),
    (2026, 10, 5, "대체공휴일(개천절)"),
    (2026, 10, 9, "한글날"),
    (2026, 12, 25, "기독탄신일"),
    (2027, 1, 1, "1월 1일"),
    (2027, 2, 6, "설날 전날"),
    (2027, 2, 7, "설날"),
    (2027, 2, 8, "설날 다음날"),
    (2027, 2, 9, "대체공휴일(설날)"),
    (2027, 3, 1, "3·1절"),
    (2027, 5, 5, "어린이날"),
    (2027, 5, 13, "부처님오신날"),
    (2027, 6, 6, "현충일"),
    (2027, 7, 17, "제헌절"),
    (2027, 7, 19, "대체공휴일(제헌절)"),
    (2027, 8, 15, "광복절"),
    (2027, 8, 16, "대체공휴일(광복절)"),
    (2027, 9, 14, "추석 전날"),
    (2027, 9, 15, "추석"),
    (2027, 9, 16, "추석 다음날"),
    (2027, 10, 3, "개천절"),
    (2027, 10, 4, "대체공휴일(개천절)"),
    (2027, 10, 9, "한글날"),
    (2027, 10, 11, "대체공휴일(한글날)"),
    (2027, 12, 25, "기독탄신일"),
    (2027, 12, 27, "대체공휴일(기독탄신일)"),
];

/// The years [`HOLIDAYS`] covers completely.
pub const HOLIDAY_YEARS: std::ops::RangeInclusive<i32> = 2025..=2027;

/// Solar-date holidays, used for years outside [`HOLIDAY_YEARS`] where the
/// lunar holidays and substitute days are not known here.
const FIXED_SOLAR_HOLIDAYS: &[(u32, u32, &str)] = &[
    (1, 1, "1월 1일"),
    (3, 1, "3·1절"),
    (5, 5, "어린이날"),
    (6, 6, "현충일"),
    (7, 17, "제헌절"),
    (8, 15, "광복절"),
    (10, 3, "개천절"),
    (10, 9, "한글날"),
    (12, 25, "기독탄신일"),
];

/// The name of the public holiday on `date`, if it is one.
pub fn holiday_name(date: NaiveDate) -> Option<&'static str> {
    let (y, m, d) = (date.year(), date.month(), date.day());
    if HOLIDAY_YEARS.contains(&y) {
        return HOLIDAYS.iter().find(|(hy, hm, hd, _)| *hy == y && *hm == m && *hd == d).map(|h| h.3);
    }
    FIXED_SOLAR_HOLIDAYS
        .iter()
        .filter(|(hm, hd, _)| !(*hm == 7 && *hd == 17 && y < 2026))
        .find(|(hm, hd, _)| *hm == m && *hd == d)
        .map(|h| h.2)
}

pub fn is_public_holiday(date: NaiveDate) -> bool {
    holiday_name(date).is_some()
}

/// An instant seen in Korea: which row of hours applies and the minute of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KoreaMoment {
    pub date: NaiveDate,
    /// `Holiday` on public holidays, else the weekday.
    pub day: Day,
    /// Minutes since midnight, 0..1440.
    pub minute: u16,
}

impl KoreaMoment {
    pub fn of<Tz: TimeZone>(at: &DateTime<Tz>) -> KoreaMoment {
        let local = at.with_timezone(&KST);
        let date = local.date_naive();
        let day = if is_public_holiday(date) { Day::Holiday } else { Day::from_weekday(local.weekday()) };
        // hour() < 24 and minute() < 60, so this is < 1440.
        let minute = (local.hour() * 60 + local.minute()) as u16;
        KoreaMoment { date, day, minute }
    }
}

// ---------------------------------------------------------------------------
// Times and intervals
// ---------------------------------------------------------------------------

pub const MINUTES_PER_DAY: u16 = 1440;

/// `"HH:MM"` → minutes from midnight; `"24:00"` only when `allow_end_of_day`.
pub fn parse_hhmm(s: &str, allow_end_of_day: bool) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = (h.parse::<u16>().ok()?, m.parse::<u16>().ok()?);
    if m >= 60 {
        return None;
    }
    let total = h * 60 + m;
    if total < MINUTES_PER_DAY || (allow_end_of_day && total == MINUTES_PER_DAY) {
        Some(total)
    } else {
        None
    }
}

/// Minutes from midnight → `"HH:MM"` (1440 → `"24:00"`).
pub fn format_hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// One open interval of one day, in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    pub day: Day,
    pub open: u16,
    pub close: u16,
}

/// Validates the hours of one facility given as `{"mon": [["09:00","18:00"]], ...}`:
/// known day keys, `HH:MM` times, `open < close ≤ 24:00`, no overlap within a day.
/// Overnight hours must be split at midnight (`["22:00","24:00"]` then
/// `["00:00","02:00"]` on the next day).
pub fn parse_week(hours: &BTreeMap<String, Vec<[String; 2]>>) -> Result<Vec<Interval>, String> {
    let mut out = Vec::new();
    for (key, ranges) in hours {
        let day = Day::parse(key).ok_or_else(|| format!("unknown day {key:?} (mon..sun, holiday)"))?;
        let mut day_intervals = Vec::with_capacity(ranges.len());
        for [open, close] in ranges {
            let o = parse_hhmm(open, false).ok_or_else(|| format!("{key}: bad opening time {open:?} (HH:MM)"))?;
            let c = parse_hhmm(close, true).ok_or_else(|| format!("{key}: bad closing time {close:?} (HH:MM)"))?;
            if o >= c {
                return Err(format!(
                    "{key}: {open}-{close} does not close after it opens (split overnight hours at 24:00)"
                ));
            }
            day_intervals.push(Interval { day, open: o, close: c });
        }
        day_intervals.sort();
        for pair in day_intervals.windows(2) {
            if pair[1].open < pair[0].close {
                return Err(format!("{key}: overlapping intervals"));
            }
        }
        out.extend(day_intervals);
    }
    out.sort();
    Ok(out)
}

/// Whether any interval contains the moment: `None` when there are no hours at all.
pub fn open_at(intervals: &[Interval], moment: &KoreaMoment) -> Option<bool> {
    if intervals.is_empty() {
        return None;
    }
    Some(intervals.iter().any(|i| i.day == moment.day && i.open <= moment.minute && moment.minute < i.close))
}

/// The hours of a facility as the API shows them: every key present,
/// `[["09:00","13:00"],["14:00","18:00"]]` per day, empty when closed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "mon": [["09:00", "13:00"], ["14:00", "18:00"]], "tue": [["09:00", "18:00"]], "wed": [["09:00", "18:00"]],
    "thu": [["09:00", "18:00"]], "fri": [["09:00", "18:00"]], "sat": [["09:00", "13:00"]], "sun": [], "holiday": []
}))]
pub struct WeekHours {
    #[schema(value_type = Vec<Vec<String>>)]
    pub mon: Vec<[String; 2]>,
    #[schema(value_type = Vec<Vec<String>>)]
    pub tue: Vec<[String; 2]>,
    #[schema(value_type = Vec<Vec<String>>)]
    pub wed: Vec<[String; 2]>,
    #[schema(value_type = Vec<Vec<String>>)]
    pub thu: Vec<[String; 2]>,
    #[schema(value_type = Vec<Vec<String>>)]
    pub fri: Vec<[String; 2]>,
    #[schema(value_type = Vec<Vec<String>>)]
    pub sat: Vec<[String; 2]>,
    #[schema(value_type = Vec<Vec<String>>)]
    pub sun: Vec<[String; 2]>,
    /// Hours on public holidays (they replace the weekday's).
    #[schema(value_type = Vec<Vec<String>>)]
    pub holiday: Vec<[String; 2]>,
}

impl WeekHours {
    pub fn from_intervals(intervals: &[Interval]) -> WeekHours {
        let mut sorted = intervals.to_vec();
        sorted.sort();
        let mut week = WeekHours::default();
        for i in sorted {
            week.day_mut(i.day).push([format_hhmm(i.open), format_hhmm(i.close)]);
        }
        week
    }

    fn day_mut(&mut self, day: Day) -> &mut Vec<[String; 2]> {
        match day {
            Day::Mon => &mut self.mon,
            Day::Tue => &mut self.tue,
            Day::Wed => &mut self.wed,
            Day::Thu => &mut self.thu,
            Day::Fri => &mut self.fri,
            Day::Sat => &mut self.sat,
            Day::Sun => &mut self.sun,
            Day::Holiday => &mut self.holiday,
        }
    }

    pub fn day(&self, day: Day) -> &[[String; 2]] {
        match day {
            Day::Mon => &self.mon,
            Day::Tue => &self.tue,
            Day::Wed => &self.wed,
            Day::Thu => &self.thu,
            Day::Fri => &self.fri,
            Day::Sat => &self.sat,
            Day::Sun => &self.sun,
            Day::Holiday => &self.holiday,
        }
    }

    /// Back to intervals; entries that do not parse are ignored.
    pub fn intervals(&self) -> Vec<Interval> {
        let mut out = Vec::new();
        for day in Day::ALL {
            for [open, close] in self.day(day) {
                if let (Some(o), Some(c)) = (parse_hhmm(open, false), parse_hhmm(close, true)) {
                    if o < c {
                        out.push(Interval { day, open: o, close: c });
                    }
                }
            }
        }
        out
    }

    /// `None` when there are no hours at all (unknown), else whether open.
    pub fn open_at(&self, moment: &KoreaMoment) -> Option<bool> {
        open_at(&self.intervals(), moment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn moment(rfc3339: &str) -> KoreaMoment {
        KoreaMoment::of(&DateTime::parse_from_rfc3339(rfc3339).expect("timestamp"))
    }

    #[test]
    fn the_holiday_table_is_sorted_valid_and_complete_per_year() {
        let mut previous = None;
        for (y, m, d, name) in HOLIDAYS {
            let day = NaiveDate::from_ymd_opt(*y, *m, *d).unwrap_or_else(|| panic!("{y}-{m}-{d} is not a date"));
            assert!(previous < Some(day), "{day} out of order or repeated");
            assert!(!name.is_empty());
            previous = Some(day);
        }
        let per_year = |y: i32| HOLIDAYS.iter().filter(|h| h.0 == y).count();
        assert_eq!((per_year(2025), per_year(2026), per_year(2027)), (19, 21, 22));
        for y in HOLIDAY_YEARS {
            for (m, d, _) in FIXED_SOLAR_HOLIDAYS.iter().filter(|(m, d, _)| !(*m == 7 && *d == 17 && y < 2026)) {
                assert!(is_public_holiday(date(y, *m, *d)), "{y}-{m}-{d} missing from the table");
            }
        }
    }

    #[test]
    fn substitute_holidays_fall_on_working_days() {
        for (y, m, d, name) in HOLIDAYS.iter().filter(|h| h.3.starts_with("대체공휴일")) {
            let wd = date(*y, *m, *d).weekday();
            assert!(!matches!(wd, Weekday::Sat | Weekday::Sun), "{y}-{m}-{d} {name} is a {wd}");
        }
    }

    #[test]
    fn known_holidays_and_ordinary_days() {
        assert_eq!(holiday_name(date(2026, 9, 25)), Some("추석"));
        assert_eq!(holiday_name(date(2026, 2, 17)), Some("설날"));
        assert_eq!(holiday_name(date(2025, 10, 8)), Some("대체공휴일(추석)"));
        assert_eq!(holiday_name(date(2026, 6, 3)), Some("제9회 전국동시지방선거일"));
        assert_eq!(holiday_name(date(2025, 6, 3)), Some("제21대 대통령선거일"));
        assert_eq!(holiday_name(date(2027, 2, 9)), Some("대체공휴일(설날)"));
        assert_eq!(holiday_name(date(2026, 5, 25)), Some("대체공휴일(부처님오신날)"));
        assert!(is_public_holiday(date(2026, 7, 17)), "제헌절 is a holiday again from 2026");
        assert!(!is_public_holiday(date(2025, 7, 17)), "but not in 2025");
        // 추석 2026 ends on a Saturday: no substitute day (only Sundays count for 추석).
        assert!(!is_public_holiday(date(2026, 9, 28)));
        // 현충일 has no substitute day.
        assert!(!is_public_holiday(date(2027, 6, 7)));
        assert!(!is_public_holiday(date(2026, 11, 24)));
        assert!(!is_public_holiday(date(2026, 5, 1)), "노동절 is not a 관공서 공휴일 in this table");
        // Outside the table only the solar holidays are known.
        assert!(is_public_holiday(date(2030, 8, 15)));
        assert!(!is_public_holiday(date(2030, 8, 16)));
    }

    #[test]
    fn korea_time_is_utc_plus_nine_and_holidays_replace_weekdays() {
        // 2026-11-24 01:30 UTC is Tuesday 10:30 in Seoul.
        let m = moment("2026-11-24T01:30:00Z");
        assert_eq!((m.date, m.day, m.minute), (date(2026, 11, 24), Day::Tue, 630));
        // 2026-11-24 16:00 UTC is already Wednesday 01:00 in Seoul.
        let m = moment("2026-11-24T16:00:00Z");
        assert_eq!((m.day, m.minute), (Day::Wed, 60));
        // 추석 (Friday) uses the holiday row.
        assert_eq!(moment("2026-09-25T10:00:00+09:00").day, Day::Holiday);
        assert_eq!(moment("2026-11-29T10:00:00+09:00").day, Day::Sun);
        let now = KoreaMoment::of(&Utc::now());
        assert!(now.minute < MINUTES_PER_DAY);
    }

    #[test]
    fn times_parse_and_format() {
        assert_eq!(parse_hhmm("09:30", false), Some(570));
        assert_eq!(parse_hhmm("00:00", false), Some(0));
        assert_eq!(parse_hhmm("24:00", true), Some(1440));
        assert_eq!(parse_hhmm("24:00", false), None);
        for bad in ["9:30", "09:60", "25:00", "24:01", "0930", "ab:cd", "", "09:3"] {
            assert_eq!(parse_hhmm(bad, true), None, "{bad}");
        }
        assert_eq!(format_hhmm(570), "09:30");
        assert_eq!(format_hhmm(1440), "24:00");
    }

    fn week(json: &str) -> Result<Vec<Interval>, String> {
        let map: BTreeMap<String, Vec<[String; 2]>> = serde_json::from_str(json).expect("json");
        parse_week(&map)
    }

    #[test]
    fn weeks_are_validated() {
        let ok = week(r#"{"mon":[["14:00","18:00"],["09:00","13:00"]],"sun":[],"holiday":[["00:00","24:00"]]}"#)
            .expect("valid");
        assert_eq!(ok.len(), 3);
        assert_eq!(ok[0], Interval { day: Day::Mon, open: 540, close: 780 });
        assert!(week(r#"{"monday":[["09:00","18:00"]]}"#).is_err());
        assert!(week(r#"{"mon":[["18:00","09:00"]]}"#).is_err(), "overnight must be split");
        assert!(week(r#"{"mon":[["09:00","09:00"]]}"#).is_err());
        assert!(week(r#"{"mon":[["09:00","13:00"],["12:00","18:00"]]}"#).is_err(), "overlap");
        assert!(week(r#"{"mon":[["9:00","18:00"]]}"#).is_err());
    }

    #[test]
    fn open_now_follows_the_day_row_and_half_open_intervals() {
        let hours = week(
            r#"{"mon":[["09:00","13:00"],["14:00","23:00"]],"sat":[["09:00","13:00"]],
                "sun":[["00:00","24:00"]],"holiday":[["10:00","14:00"]]}"#,
        )
        .expect("valid");
        let at = |s: &str| open_at(&hours, &moment(s));
        assert_eq!(at("2026-11-23T10:00:00+09:00"), Some(true), "Monday morning");
        assert_eq!(at("2026-11-23T13:30:00+09:00"), Some(false), "lunch break");
        assert_eq!(at("2026-11-23T22:59:00+09:00"), Some(true), "night hours");
        assert_eq!(at("2026-11-23T23:00:00+09:00"), Some(false), "closing minute is closed");
        assert_eq!(at("2026-11-24T10:00:00+09:00"), Some(false), "no Tuesday hours");
        assert_eq!(at("2026-11-29T03:00:00+09:00"), Some(true), "Sunday around the clock");
        assert_eq!(at("2026-11-29T23:59:00+09:00"), Some(true));
        assert_eq!(at("2026-09-25T09:30:00+09:00"), Some(false), "holiday row, not Friday's");
        assert_eq!(at("2026-09-25T11:00:00+09:00"), Some(true));
        assert_eq!(open_at(&[], &moment("2026-11-23T10:00:00+09:00")), None, "no hours: unknown");
    }

    #[test]
    fn week_hours_round_trip() {
        let intervals =
            week(r#"{"mon":[["09:00","13:00"],["14:00","18:00"]],"holiday":[["00:00","24:00"]]}"#).expect("valid");
        let shown = WeekHours::from_intervals(&intervals);
        assert_eq!(shown.mon, vec![["09:00".to_string(), "13:00".to_string()], ["14:00".into(), "18:00".into()]]);
        assert!(shown.sun.is_empty());
        assert_eq!(serde_json::to_value(&shown).expect("json")["holiday"], serde_json::json!([["00:00", "24:00"]]));
        let mut back = shown.intervals();
        back.sort();
        assert_eq!(back, intervals);
        assert_eq!(WeekHours::default().open_at(&moment("2026-11-23T10:00:00+09:00")), None);
    }
}
