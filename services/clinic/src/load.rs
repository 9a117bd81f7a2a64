//! Writing clinic data: the bundled seed set and the national hospital list
//! of the health-insurance review agency (건강보험심사평가원, HIRA). Both
//! upsert, so running them twice changes nothing, and both leave the cache
//! invalidation to the caller (`medictl` bumps [`crate::CACHE_NAMESPACE`]).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::{MySql, MySqlPool, QueryBuilder, Transaction};

use crate::hours::{parse_week, Interval};
use crate::model::ClinicType;

/// The bundled seed set (`data/seed/clinics.json`).
pub const BUNDLED_SEED: &str = include_str!("../../../data/seed/clinics.json");

/// Every department the service knows, by slug; the order of `departments` in answers.
pub const DEPARTMENTS: [&str; 19] = kit::departments::SLUGS;

/// The department slug, if `slug` is one of [`DEPARTMENTS`].
pub fn department(slug: &str) -> Option<&'static str> {
    kit::departments::slug(slug)
}

/// The text search scans: name, address and region, lower-cased.
pub fn search_text(name: &str, address: &str, sido: &str, sigungu: &str) -> String {
    [name, address, sido, sigungu]
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

// ---------------------------------------------------------------------------
// Seed set
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize)]
pub struct SeedFile {
    #[serde(default)]
    pub source_note: Option<String>,
    pub facilities: Vec<SeedFacility>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedFacility {
    pub slug: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub departments: Vec<String>,
    pub address: String,
    pub sido: String,
    pub sigungu: String,
    pub lat: f64,
    pub lon: f64,
    pub phone: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub emergency_room: bool,
    /// `{"mon": [["09:00","18:00"]], ..., "holiday": []}`; days left out are closed.
    #[serde(default)]
    pub hours: BTreeMap<String, Vec<[String; 2]>>,
    #[serde(default)]
    pub hours_verified: bool,
    #[serde(default)]
    pub sample: bool,
}

fn check_facility(f: &SeedFacility) -> anyhow::Result<Vec<Interval>> {
    let slug = &f.slug;
    anyhow::ensure!(
        !slug.is_empty() && slug.len() <= 120 && !slug.chars().any(char::is_whitespace),
        "facility slug {slug:?} must be 1-120 characters without spaces"
    );
    anyhow::ensure!(!f.name.trim().is_empty(), "facility {slug} has no name");
    anyhow::ensure!(!f.address.trim().is_empty(), "facility {slug} has no address");
    anyhow::ensure!(ClinicType::parse(&f.kind).is_some(), "facility {slug} has type {:?}", f.kind);
    let mut seen = HashSet::new();
    for d in &f.departments {
        anyhow::ensure!(department(d).is_some(), "facility {slug} names unknown department {d:?}");
        anyhow::ensure!(seen.insert(d), "facility {slug} lists department {d} twice");
    }
    anyhow::ensure!(
        f.lat.is_finite() && f.lon.is_finite() && (-90.0..=90.0).contains(&f.lat) && (-180.0..=180.0).contains(&f.lon),
        "facility {slug} has coordinates out of range"
    );
    parse_week(&f.hours).map_err(|e| anyhow::anyhow!("facility {slug} hours: {e}"))
}

/// Parses and validates a seed file: types, department slugs, hours, unique slugs.
pub fn parse_seed(json: &str) -> anyhow::Result<SeedFile> {
    let seed: SeedFile = serde_json::from_str(json)?;
    let mut slugs = HashSet::new();
    for f in &seed.facilities {
        check_facility(f)?;
        anyhow::ensure!(slugs.insert(f.slug.as_str()), "facility slug {} appears twice", f.slug);
    }
    Ok(seed)
}

fn empty_to_none(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

async fn replace_departments(
    tx: &mut Transaction<'_, MySql>,
    clinic_id: u64,
    departments: &[&str],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM clinic_departments WHERE clinic_id = ?").bind(clinic_id).execute(&mut **tx).await?;
    if departments.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::new("INSERT INTO clinic_departments (clinic_id, department) ");
    qb.push_values(departments, |mut row, d| {
        row.push_bind(clinic_id).push_bind(*d);
    });
    qb.build().execute(&mut **tx).await?;
    Ok(())
}

async fn replace_hours(tx: &mut Transaction<'_, MySql>, clinic_id: u64, hours: &[Interval]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM clinic_hours WHERE clinic_id = ?").bind(clinic_id).execute(&mut **tx).await?;
    if hours.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::new("INSERT INTO clinic_hours (clinic_id, day, open_min, close_min) ");
    qb.push_values(hours, |mut row, i| {
        row.push_bind(clinic_id).push_bind(i.day.as_str()).push_bind(i.open).push_bind(i.close);
    });
    qb.build().execute(&mut **tx).await?;
    Ok(())
}

/// Loads the seed set in one transaction: upsert by slug, and the
/// departments and hours of each facility replaced. Returns the number of
/// facilities written.
pub async fn load_seed(pool: &MySqlPool, seed: &SeedFile) -> anyhow::Result<usize> {
    let mut tx = pool.begin().await?;
    for f in &seed.facilities {
        let hours = check_facility(f)?;
        sqlx::query(
            "INSERT INTO clinics (slug, name, type, address, sido, sigungu, lat, lon, phone, website, \
             emergency_room, sample, hours_verified, search_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON DUPLICATE KEY UPDATE name = VALUES(name), type = VALUES(type), address = VALUES(address), \
             sido = VALUES(sido), sigungu = VALUES(sigungu), lat = VALUES(lat), lon = VALUES(lon), \
             phone = VALUES(phone), website = VALUES(website), emergency_room = VALUES(emergency_room), \
             sample = VALUES(sample), hours_verified = VALUES(hours_verified), search_text = VALUES(search_text)",
        )
        .bind(&f.slug)
        .bind(f.name.trim())
        .bind(&f.kind)
        .bind(f.address.trim())
        .bind(f.sido.trim())
        .bind(f.sigungu.trim())
        .bind(f.lat)
        .bind(f.lon)
        .bind(empty_to_none(&f.phone))
        .bind(empty_to_none(&f.website))
        .bind(f.emergency_room)
        .bind(f.sample)
        .bind(f.hours_verified)
        .bind(search_text(&f.name, &f.address, &f.sido, &f.sigungu))
        .execute(&mut *tx)
        .await?;
        let id: u64 =
            sqlx::query_scalar("SELECT id FROM clinics WHERE slug = ?").bind(&f.slug).fetch_one(&mut *tx).await?;
        let departments: Vec<&str> = f.departments.iter().filter_map(|d| department(d)).collect();
        replace_departments(&mut tx, id, &departments).await?;
        replace_hours(&mut tx, id, &hours).await?;
    }
    tx.commit().await?;
    Ok(seed.facilities.len())
}

// ---------------------------------------------------------------------------
// HIRA national hospital list (병원정보서비스 / 전국 병의원 현황, CSV)
// ---------------------------------------------------------------------------

/// How a CSV file was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    /// CP949 (Windows Korean, a superset of EUC-KR): what HIRA's downloads use.
    EucKr,
}

/// Decodes a downloaded text file: UTF-8 (a BOM is dropped) when it is valid
/// UTF-8, else CP949/EUC-KR; anything else is an error.
pub fn decode_text(bytes: &[u8]) -> anyhow::Result<(Cow<'_, str>, TextEncoding)> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(body) {
        return Ok((Cow::Borrowed(text), TextEncoding::Utf8));
    }
    // encoding_rs's EUC_KR is the WHATWG "euc-kr" encoding, i.e. windows-949.
    encoding_rs::EUC_KR
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| (text, TextEncoding::EucKr))
        .ok_or_else(|| anyhow::anyhow!("the file is neither UTF-8 nor CP949/EUC-KR text"))
}

/// 종별코드명 → type; `None` for kinds the service does not list (약국, 조산원...).
pub fn hira_type(kind_name: &str) -> Option<ClinicType> {
    Some(match kind_name.trim() {
        "상급종합" | "상급종합병원" => ClinicType::Tertiary,
        "종합병원" => ClinicType::General,
        "병원" | "요양병원" | "정신병원" => ClinicType::Hospital,
        "의원" | "보건소" | "보건지소" | "보건진료소" => ClinicType::Clinic,
        "치과병원" | "치과의원" => ClinicType::Dental,
        "한방병원" | "한의원" => ClinicType::Oriental,
        _ => return None,
    })
}

/// 종별코드 of the same kinds, used when 종별코드명 is blank.
fn hira_type_code(code: &str) -> Option<ClinicType> {
    Some(match code.trim() {
        "01" => ClinicType::Tertiary,
        "11" => ClinicType::General,
        "21" | "28" | "29" => ClinicType::Hospital,
        "31" | "71" | "72" | "73" => ClinicType::Clinic,
        "41" | "51" => ClinicType::Dental,
        "92" | "93" => ClinicType::Oriental,
        _ => return None,
    })
}

/// National department code (진료과목코드) → department slug; `None` for
/// codes the service does not list (일반의, 한방 과목, 병리과...).
pub fn department_for_code(code: &str) -> Option<&'static str> {
    let n: u32 = code.trim().parse().ok()?;
    Some(match n {
        1 => "internal_medicine",
        2 => "neurology",
        3 => "psychiatry",
        4 => "general_surgery",
        5 => "orthopedics",
        6 => "neurosurgery",
        7 => "thoracic_surgery",
        8 => "plastic_surgery",
        9 => "anesthesiology",
        10 => "obstetrics_gynecology",
        11 => "pediatrics",
        12 => "ophthalmology",
        13 => "otolaryngology",
        14 => "dermatology",
        15 => "urology",
        21 => "rehabilitation",
        23 => "family_medicine",
        24 => "emergency_medicine",
        49..=61 => "dentistry",
        _ => return None,
    })
}

/// HIRA's short province names (시도코드명) → the full official names the
/// seed set uses; other values are kept as they are.
pub fn normalize_sido(name: &str) -> String {
    let name = name.trim();
    let full = match name {
        "서울" => "서울특별시",
        "부산" => "부산광역시",
        "대구" => "대구광역시",
        "인천" => "인천광역시",
        "광주" => "광주광역시",
        "대전" => "대전광역시",
        "울산" => "울산광역시",
        "세종" | "세종시" => "세종특별자치시",
        "경기" => "경기도",
        "강원" => "강원특별자치도",
        "충북" => "충청북도",
        "충남" => "충청남도",
        "전북" => "전북특별자치도",
        "전남" => "전라남도",
        "경북" => "경상북도",
        "경남" => "경상남도",
        "제주" | "제주도" => "제주특별자치도",
        other => other,
    };
    full.to_string()
}

/// The slug of an imported facility: stable, short and not the code itself.
pub fn hira_slug(code: &str) -> String {
    let digest = Sha256::digest(code.as_bytes());
    format!("hira-{}", &hex::encode(digest)[..16])
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub inserted: usize,
    pub updated: usize,
    /// (line in the hospitals file, header = line 1; reason). Problems of
    /// the departments file are reported with line 0 and say so.
    pub skipped: Vec<(usize, String)>,
}

/// One valid row of the hospitals file.
#[derive(Debug, Clone)]
struct HiraRow {
    code: String,
    name: String,
    kind: ClinicType,
    address: String,
    sido: String,
    sigungu: String,
    lat: f64,
    lon: f64,
    phone: Option<String>,
    website: Option<String>,
}

/// Finds the columns by header name (surrounding spaces and a BOM ignored).
struct Columns {
    names: Vec<String>,
}

impl Columns {
    fn new(headers: &csv::StringRecord) -> Columns {
        Columns { names: headers.iter().map(|h| h.trim_start_matches('\u{feff}').trim().to_string()).collect() }
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|h| h == name)
    }

    fn require(&self, names: &[&str], file: &str) -> anyhow::Result<Vec<usize>> {
        let missing: Vec<&str> = names.iter().copied().filter(|n| self.find(n).is_none()).collect();
        anyhow::ensure!(missing.is_empty(), "the {file} file has no column(s) {}", missing.join(", "));
        Ok(names.iter().filter_map(|n| self.find(n)).collect())
    }
}

fn field(record: &csv::StringRecord, index: Option<usize>) -> &str {
    index.and_then(|i| record.get(i)).map(str::trim).unwrap_or("")
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Line numbers from byte offsets (the csv crate's own line count is off
/// for CRLF files, which is what HIRA's Windows downloads use).
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> LineCounter<'a> {
        LineCounter { text: text.as_bytes(), offset: 0, line: 1 }
    }

    /// The 1-based line of a byte offset; offsets must not go backwards.
    fn line_at(&mut self, byte: u64, fallback: usize) -> usize {
        let Ok(byte) = usize::try_from(byte) else { return fallback };
        let mut end = byte.min(self.text.len());
        // With CRLF the reported start can be the line break before the
        // record; a record never starts with one (blank lines are skipped).
        while end < self.text.len() && matches!(self.text[end], b'\r' | b'\n') {
            end += 1;
        }
        if end < self.offset {
            return fallback;
        }
        self.line += self.text[self.offset..end].iter().filter(|b| **b == b'\n').count();
        self.offset = end;
        self.line
    }
}

fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes())
}

fn parse_coordinate(raw: &str, range: std::ops::RangeInclusive<f64>) -> Option<f64> {
    raw.parse::<f64>().ok().filter(|v| v.is_finite() && range.contains(v))
}

fn parse_hira_row(record: &csv::StringRecord, cols: &Columns) -> Result<HiraRow, String> {
    let get = |name: &str| field(record, cols.find(name));
    let code = get("암호화요양기호");
    if code.is_empty() {
        return Err("no 암호화요양기호".to_string());
    }
    if code.len() > 200 {
        return Err("암호화요양기호 is longer than 200 characters".to_string());
    }
    let name = get("요양기관명");
    if name.is_empty() {
        return Err(format!("{code}: no 요양기관명 (name)"));
    }
    let kind_name = get("종별코드명");
    let kind = match hira_type(kind_name) {
        Some(kind) => kind,
        None if kind_name.is_empty() => {
            hira_type_code(get("종별코드")).ok_or_else(|| format!("{code}: no 종별코드명 (type)"))?
        }
        None => return Err(format!("{code}: type {kind_name:?} is not a hospital, clinic, dental or oriental clinic")),
    };
    let (x, y) = (get("좌표(X)"), get("좌표(Y)"));
    if x.is_empty() || y.is_empty() {
        return Err(format!("{code}: no coordinates (좌표(X), 좌표(Y))"));
    }
    let lon = parse_coordinate(x, -180.0..=180.0).ok_or_else(|| format!("{code}: bad 좌표(X) {x:?}"))?;
    let lat = parse_coordinate(y, -90.0..=90.0).ok_or_else(|| format!("{code}: bad 좌표(Y) {y:?}"))?;
    if lat == 0.0 && lon == 0.0 {
        return Err(format!("{code}: no coordinates (0, 0)"));
    }
    let address = get("주소");
    if address.is_empty() {
        return Err(format!("{code}: no 주소 (address)"));
    }
    Ok(HiraRow {
        code: code.to_string(),
        name: name.to_string(),
        kind,
        address: address.to_string(),
        sido: normalize_sido(get("시도코드명")),
        sigungu: get("시군구코드명").to_string(),
        lat,
        lon,
        phone: non_empty(get("전화번호")),
        website: non_empty(get("병원홈페이지")),
    })
}

/// Reads the departments file: the department slugs of each facility code.
fn parse_departments(
    bytes: &[u8],
    skipped: &mut Vec<(usize, String)>,
) -> anyhow::Result<HashMap<String, BTreeSet<&'static str>>> {
    let (text, _) = decode_text(bytes).map_err(|e| anyhow::anyhow!("departments file: {e}"))?;
    let mut reader = csv_reader(&text);
    let cols = Columns::new(reader.headers()?);
    cols.require(&["암호화요양기호", "진료과목코드"], "departments")?;
    let (code_col, dept_col) = (cols.find("암호화요양기호"), cols.find("진료과목코드"));
    let mut out: HashMap<String, BTreeSet<&'static str>> = HashMap::new();
    let mut lines = LineCounter::new(&text);
    for (i, record) in reader.records().enumerate() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| lines.line_at(p.byte(), i + 2)).unwrap_or(i + 2);
                skipped.push((0, format!("departments file line {line}: {e}")));
                continue;
            }
        };
        let line = record.position().map(|p| lines.line_at(p.byte(), i + 2)).unwrap_or(i + 2);
        let code = field(&record, code_col);
        if code.is_empty() {
            skipped.push((0, format!("departments file line {line}: no 암호화요양기호")));
            continue;
        }
        let entry = out.entry(code.to_string()).or_default();
        if let Some(slug) = department_for_code(field(&record, dept_col)) {
            entry.insert(slug);
        }
    }
    Ok(out)
}

/// Rows written per statement.
const IMPORT_CHUNK: usize = 500;

/// Imports the national hospital list (and, when given, its departments
/// file) in one transaction, upserting by 암호화요양기호. Imported rows have
/// no opening hours (the list has none), so their `open_now` is unknown.
/// With a departments file, each imported facility's departments are
/// replaced by the ones it lists and `emergency_room` is set when they
/// include 응급의학과 (code 24); without one, departments and
/// `emergency_room` of existing rows are left as they are.
pub async fn import_hira(
    pool: &MySqlPool,
    hospitals_csv: &[u8],
    departments_csv: Option<&[u8]>,
) -> anyhow::Result<ImportReport> {
    let mut report = ImportReport::default();
    let (text, _) = decode_text(hospitals_csv).map_err(|e| anyhow::anyhow!("hospitals file: {e}"))?;
    let mut reader = csv_reader(&text);
    let cols = Columns::new(reader.headers()?);
    cols.require(&["암호화요양기호", "요양기관명", "종별코드명", "주소", "좌표(X)", "좌표(Y)"], "hospitals")?;

    let mut rows: Vec<HiraRow> = Vec::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut lines = LineCounter::new(&text);
    for (i, record) in reader.records().enumerate() {
        let fallback_line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| lines.line_at(p.byte(), fallback_line)).unwrap_or(fallback_line);
                report.skipped.push((line, format!("unreadable CSV row: {e}")));
                continue;
            }
        };
        let line = record.position().map(|p| lines.line_at(p.byte(), fallback_line)).unwrap_or(fallback_line);
        match parse_hira_row(&record, &cols) {
            Ok(row) => {
                if let Some(first) = first_line.get(&row.code) {
                    report.skipped.push((line, format!("{}: the same 암호화요양기호 as line {first}", row.code)));
                    continue;
                }
                first_line.insert(row.code.clone(), line);
                rows.push(row);
            }
            Err(reason) => report.skipped.push((line, reason)),
        }
    }

    let departments = match departments_csv {
        Some(bytes) => Some(parse_departments(bytes, &mut report.skipped)?),
        None => None,
    };

    let mut tx = pool.begin().await?;
    for chunk in rows.chunks(IMPORT_CHUNK) {
        let codes: Vec<&str> = chunk.iter().map(|r| r.code.as_str()).collect();
        let existing = ids_by_code(&mut tx, &codes).await?;

        let mut qb = QueryBuilder::new(
            "INSERT INTO clinics (slug, source_id, name, type, address, sido, sigungu, lat, lon, phone, website, \
             emergency_room, sample, hours_verified, search_text) ",
        );
        qb.push_values(chunk, |mut b, r| {
            let emergency =
                departments.as_ref().and_then(|d| d.get(&r.code)).is_some_and(|set| set.contains("emergency_medicine"));
            b.push_bind(hira_slug(&r.code))
                .push_bind(r.code.clone())
                .push_bind(r.name.clone())
                .push_bind(r.kind.as_str())
                .push_bind(r.address.clone())
                .push_bind(r.sido.clone())
                .push_bind(r.sigungu.clone())
                .push_bind(r.lat)
                .push_bind(r.lon)
                .push_bind(r.phone.clone())
                .push_bind(r.website.clone())
                .push_bind(emergency)
                .push_bind(r.name.trim_end().ends_with("(샘플)"))
                .push_bind(false)
                .push_bind(search_text(&r.name, &r.address, &r.sido, &r.sigungu));
        });
        qb.push(
            " ON DUPLICATE KEY UPDATE name = VALUES(name), type = VALUES(type), address = VALUES(address), \
             sido = VALUES(sido), sigungu = VALUES(sigungu), lat = VALUES(lat), lon = VALUES(lon), \
             phone = VALUES(phone), website = VALUES(website), sample = VALUES(sample), \
             hours_verified = VALUES(hours_verified), search_text = VALUES(search_text)",
        );
        if departments.is_some() {
            qb.push(", emergency_room = VALUES(emergency_room)");
        }
        qb.build().execute(&mut *tx).await?;

        let ids = ids_by_code(&mut tx, &codes).await?;
        let id_list: Vec<u64> = ids.values().copied().collect();
        delete_where_clinic_in(&mut tx, "clinic_hours", &id_list).await?;
        if let Some(departments) = &departments {
            delete_where_clinic_in(&mut tx, "clinic_departments", &id_list).await?;
            let pairs: Vec<(u64, &'static str)> = chunk
                .iter()
                .filter_map(|r| Some((*ids.get(&r.code)?, departments.get(&r.code)?)))
                .flat_map(|(id, set)| set.iter().map(move |d| (id, *d)))
                .collect();
            for part in pairs.chunks(IMPORT_CHUNK * 4) {
                let mut qb = QueryBuilder::new("INSERT INTO clinic_departments (clinic_id, department) ");
                qb.push_values(part, |mut b, (id, d)| {
                    b.push_bind(*id).push_bind(*d);
                });
                qb.build().execute(&mut *tx).await?;
            }
        }
        for r in chunk {
            if existing.contains_key(&r.code) {
                report.updated += 1;
            } else {
                report.inserted += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(report)
}

async fn ids_by_code(tx: &mut Transaction<'_, MySql>, codes: &[&str]) -> sqlx::Result<HashMap<String, u64>> {
    if codes.is_empty() {
        return Ok(HashMap::new());
    }
    let mut qb = QueryBuilder::new("SELECT source_id, id FROM clinics WHERE source_id IN (");
    let mut sep = qb.separated(", ");
    for code in codes {
        sep.push_bind(code.to_string());
    }
    qb.push(")");
    let rows: Vec<(String, u64)> = qb.build_query_as().fetch_all(&mut **tx).await?;
    Ok(rows.into_iter().collect())
}

async fn delete_where_clinic_in(tx: &mut Transaction<'_, MySql>, table: &'static str, ids: &[u64]) -> sqlx::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::new(format!("DELETE FROM {table} WHERE clinic_id IN ("));
    let mut sep = qb.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    qb.push(")");
    qb.build().execute(&mut **tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_seed_set_is_valid() {
        let seed = parse_seed(BUNDLED_SEED).expect("bundled seed parses");
        assert!(seed.facilities.len() >= 150, "{} facilities", seed.facilities.len());
        for kind in ClinicType::ALL {
            assert!(seed.facilities.iter().any(|f| f.kind == kind.as_str()), "no {kind:?} in the seed");
        }
        assert!(seed.facilities.iter().any(|f| f.sample) && seed.facilities.iter().any(|f| !f.sample));
        for f in seed.facilities.iter().filter(|f| f.sample) {
            assert!(f.name.ends_with("(샘플)"), "sample entries are marked in their name: {}", f.name);
        }
    }

    fn seed_with(facility: serde_json::Value) -> String {
        serde_json::json!({ "facilities": [facility] }).to_string()
    }

    fn facility() -> serde_json::Value {
        serde_json::json!({
            "slug": "x", "name": "테스트의원", "type": "clinic", "departments": ["pediatrics"],
            "address": "서울특별시 중구 세종대로 110", "sido": "서울특별시", "sigungu": "중구",
            "lat": 37.5663, "lon": 126.9779, "phone": null, "emergency_room": false,
            "hours": {"mon": [["09:00", "18:00"]]}, "hours_verified": false, "sample": true
        })
    }

    #[test]
    fn seed_files_are_validated() {
        assert!(parse_seed(&seed_with(facility())).is_ok());
        let mut bad_type = facility();
        bad_type["type"] = "pharmacy".into();
        assert!(parse_seed(&seed_with(bad_type)).is_err());
        let mut bad_department = facility();
        bad_department["departments"] = serde_json::json!(["cardiology"]);
        let err = parse_seed(&seed_with(bad_department)).expect_err("unknown department");
        assert!(err.to_string().contains("cardiology"), "{err}");
        let mut bad_hours = facility();
        bad_hours["hours"] = serde_json::json!({"mon": [["18:00", "09:00"]]});
        assert!(parse_seed(&seed_with(bad_hours)).is_err());
        let mut bad_day = facility();
        bad_day["hours"] = serde_json::json!({"weekend": []});
        assert!(parse_seed(&seed_with(bad_day)).is_err());
        let mut bad_lat = facility();
        bad_lat["lat"] = 137.0.into();
        assert!(parse_seed(&seed_with(bad_lat)).is_err());
        let twice = serde_json::json!({ "facilities": [facility(), facility()] }).to_string();
        assert!(parse_seed(&twice).is_err(), "duplicate slugs");
    }

    #[test]
    fn text_is_decoded_from_utf8_or_cp949() {
        let korean = "요양기관명,주소\n한빛의원 (샘플),서울특별시\n";
        let (cp949, _, unmappable) = encoding_rs::EUC_KR.encode(korean);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&cp949).is_err(), "CP949 bytes are not UTF-8");
        let (text, enc) = decode_text(&cp949).expect("cp949");
        assert_eq!((text.as_ref(), enc), (korean, TextEncoding::EucKr));
        let (text, enc) = decode_text(korean.as_bytes()).expect("utf-8");
        assert_eq!((text.as_ref(), enc), (korean, TextEncoding::Utf8));
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), korean.as_bytes()].concat();
        let (text, enc) = decode_text(&with_bom).expect("utf-8 with BOM");
        assert_eq!((text.as_ref(), enc), (korean, TextEncoding::Utf8));
        assert!(decode_text(b"\xff\xff\xff").is_err(), "neither encoding");
    }

    #[test]
    fn national_codes_map_to_types_and_departments() {
        assert_eq!(hira_type("상급종합"), Some(ClinicType::Tertiary));
        assert_eq!(hira_type("요양병원"), Some(ClinicType::Hospital));
        assert_eq!(hira_type("보건진료소"), Some(ClinicType::Clinic));
        assert_eq!(hira_type("치과의원"), Some(ClinicType::Dental));
        assert_eq!(hira_type("한의원"), Some(ClinicType::Oriental));
        assert_eq!(hira_type("조산원"), None);
        assert_eq!(hira_type("약국"), None);
        assert_eq!(department_for_code("01"), Some("internal_medicine"));
        assert_eq!(department_for_code("24"), Some("emergency_medicine"));
        assert_eq!(department_for_code("23"), Some("family_medicine"));
        assert_eq!(department_for_code("49"), Some("dentistry"));
        assert_eq!(department_for_code("61"), Some("dentistry"));
        assert_eq!(department_for_code("00"), None, "일반의");
        assert_eq!(department_for_code("80"), None, "한방내과");
        assert_eq!(department_for_code("62"), None);
        assert_eq!(department_for_code("x"), None);
        for code in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 21, 23, 24, 49] {
            let slug = department_for_code(&format!("{code:02}")).expect("mapped");
            assert!(DEPARTMENTS.contains(&slug));
        }
        assert_eq!(normalize_sido("전남"), "전라남도");
        assert_eq!(normalize_sido("서울특별시"), "서울특별시");
        assert_eq!(hira_slug("SAMPLE-HIRA-0001").len(), "hira-".len() + 16);
        assert_eq!(hira_slug("a"), hira_slug("a"));
        assert_ne!(hira_slug("a"), hira_slug("b"));
    }

    #[test]
    fn line_numbers_count_crlf_and_multi_line_fields() {
        for text in ["h1,h2\r\na,1\r\n\"b\nb\",2\r\nc,3\r\n", "h1,h2\na,1\n\"b\nb\",2\nc,3\n"] {
            let mut reader = csv_reader(text);
            let mut lines = LineCounter::new(text);
            let found: Vec<usize> = reader
                .records()
                .map(|r| r.ok().and_then(|r| r.position().map(|p| lines.line_at(p.byte(), 0))).unwrap_or(0))
                .collect();
            assert_eq!(found, vec![2, 3, 5], "{text:?}");
        }
    }

    #[test]
    fn search_text_is_lower_case_and_joined() {
        assert_eq!(search_text("ABC의원", " 서울 중구 ", "서울특별시", ""), "abc의원 서울 중구 서울특별시");
    }
}
