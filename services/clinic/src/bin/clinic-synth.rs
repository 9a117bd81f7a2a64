//! Synthetic national-scale clinic data for the geo benchmark
//! (`bench/clinic-geo.sh`): N facilities spread like Korea's (dense in
//! Seoul, Gyeonggi and Busan, sparse in the countryside) with departments
//! and opening hours, written with multi-row INSERTs in transactions.
//!
//! ```text
//! clinic-synth --global-url mysql://root@127.0.0.1:3306/medi_bench_clinic \
//!              --shard-url mysql://root@127.0.0.1:3306/medi_bench_clinic_s0 recreate
//! clinic-synth … fill --count 100000
//! clinic-synth … explain
//! clinic-synth … drop
//! ```
//!
//! Every row is named `… (합성)` and slugged `synth-<id>`; nothing here is a
//! real facility.

use std::time::Instant;

use clap::{Parser, Subcommand};
use clinic::hours::Day;
use clinic::load::search_text;
use clinic::model::ClinicType;
use clinic::repo::{self, Filters, Near};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::{Connection, Executor, MySqlPool, QueryBuilder};

#[derive(Parser, Debug)]
#[command(name = "clinic-synth", about = "Synthetic clinic data for the geo benchmark")]
struct Args {
    /// The global DB to fill (created by `recreate`); its name must start with `medi_bench_`.
    #[arg(long)]
    global_url: String,
    /// The shard DB the service needs to start (migrated and stamped as shard 0);
    /// its name must start with `medi_bench_`.
    #[arg(long)]
    shard_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Drop (if present) and create both databases, then migrate them.
    Recreate,
    /// Write synthetic facilities into an empty `clinics` table.
    Fill {
        #[arg(long, default_value_t = 100_000)]
        count: u64,
        /// Random seed (the same seed gives the same data).
        #[arg(long, default_value_t = 20_261_124)]
        seed: u64,
        /// Facilities per transaction (one multi-row INSERT each).
        #[arg(long, default_value_t = 1_000)]
        batch: usize,
    },
    /// Print the database's plan for nearby searches.
    Explain,
    /// Drop both databases.
    Drop,
}

fn config(args: &Args) -> anyhow::Result<kit::Config> {
    let (global, shard) = (args.global_url.clone(), args.shard_url.clone());
    kit::Config::from_lookup(&move |key| match key {
        "MEDI_GLOBAL_DATABASE_URL" => Some(global.clone()),
        "MEDI_SHARD_DATABASE_URLS" => Some(shard.clone()),
        // Never contacted: the kit's configuration requires a value.
        "MEDI_REDIS_URL" => Some("redis://127.0.0.1:6379".to_string()),
        _ => None,
    })
    .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Only benchmark databases are written or dropped, whatever the arguments say.
fn bench_database(url: &str) -> anyhow::Result<(String, String)> {
    let (server, name) = kit::db::split_database_url(url)?;
    anyhow::ensure!(name.starts_with("medi_bench_"), "refusing to touch {name}: not a medi_bench_* database");
    Ok((server, name))
}

async fn drop_databases(args: &Args) -> anyhow::Result<()> {
    for url in [&args.global_url, &args.shard_url] {
        let (server, name) = bench_database(url)?;
        let mut conn = sqlx::MySqlConnection::connect(&server).await?;
        conn.execute(format!("DROP DATABASE IF EXISTS `{name}`").as_str()).await?;
        conn.close().await?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    bench_database(&args.global_url)?;
    bench_database(&args.shard_url)?;
    let config = config(&args)?;
    match &args.command {
        Command::Recreate => {
            drop_databases(&args).await?;
            kit::db::create_databases(&config).await?;
            kit::Db::connect_lazy(&config)?.migrate().await?;
            println!("created and migrated {} and {}", args.global_url, args.shard_url);
        }
        Command::Drop => {
            drop_databases(&args).await?;
            println!("dropped the benchmark databases");
        }
        Command::Fill { count, seed, batch } => {
            let db = kit::Db::connect_lazy(&config)?;
            fill(&db.global, *count, *seed, (*batch).clamp(1, 2_000)).await?;
        }
        Command::Explain => {
            let db = kit::Db::connect_lazy(&config)?;
            explain(&db.global).await?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Where facilities are
// ---------------------------------------------------------------------------

/// A place facilities cluster around.
struct Place {
    sido: &'static str,
    sigungu: &'static str,
    lat: f64,
    lon: f64,
}

const fn p(sido: &'static str, sigungu: &'static str, lat: f64, lon: f64) -> Place {
    Place { sido, sigungu, lat, lon }
}

/// A group of places, its share of all facilities and how far they spread (km, 1σ).
struct Group {
    weight: f64,
    sigma_km: f64,
    places: &'static [Place],
}

const SEOUL: &[Place] = &[
    p("서울특별시", "종로구", 37.5730, 126.9794),
    p("서울특별시", "중구", 37.5638, 126.9976),
    p("서울특별시", "강남구", 37.4979, 127.0403),
    p("서울특별시", "서초구", 37.4837, 127.0120),
    p("서울특별시", "송파구", 37.5059, 127.1100),
    p("서울특별시", "강동구", 37.5357, 127.1336),
    p("서울특별시", "마포구", 37.5560, 126.9236),
    p("서울특별시", "영등포구", 37.5184, 126.9096),
    p("서울특별시", "노원구", 37.6543, 127.0605),
    p("서울특별시", "관악구", 37.4810, 126.9522),
    p("서울특별시", "강서구", 37.5512, 126.8497),
    p("서울특별시", "은평구", 37.6190, 126.9212),
    p("서울특별시", "성북구", 37.5894, 127.0167),
    p("서울특별시", "동대문구", 37.5800, 127.0470),
    p("서울특별시", "광진구", 37.5404, 127.0693),
    p("서울특별시", "성동구", 37.5612, 127.0378),
    p("서울특별시", "구로구", 37.4954, 126.8875),
    p("서울특별시", "양천구", 37.5270, 126.8656),
    p("서울특별시", "중랑구", 37.6066, 127.0926),
    p("서울특별시", "동작구", 37.5029, 126.9514),
    p("서울특별시", "용산구", 37.5326, 126.9905),
    p("서울특별시", "서대문구", 37.5791, 126.9368),
    p("서울특별시", "도봉구", 37.6688, 127.0471),
];

const GYEONGGI: &[Place] = &[
    p("경기도", "수원시 팔달구", 37.2636, 127.0286),
    p("경기도", "수원시 영통구", 37.2596, 127.0465),
    p("경기도", "성남시 분당구", 37.3828, 127.1189),
    p("경기도", "고양시 일산동구", 37.6584, 126.7700),
    p("경기도", "용인시 수지구", 37.3221, 127.0976),
    p("경기도", "용인시 기흥구", 37.2749, 127.1159),
    p("경기도", "부천시", 37.5035, 126.7660),
    p("경기도", "안산시 단원구", 37.3190, 126.8108),
    p("경기도", "안양시 동안구", 37.3924, 126.9568),
    p("경기도", "화성시", 37.2003, 127.0733),
    p("경기도", "남양주시", 37.6360, 127.2165),
    p("경기도", "의정부시", 37.7381, 127.0337),
    p("경기도", "평택시", 36.9921, 127.1129),
    p("경기도", "시흥시", 37.3800, 126.8029),
    p("경기도", "파주시", 37.7599, 126.7802),
    p("경기도", "김포시", 37.6153, 126.7156),
    p("경기도", "광명시", 37.4786, 126.8646),
    p("경기도", "광주시", 37.4294, 127.2550),
    p("경기도", "하남시", 37.5393, 127.2149),
    p("경기도", "구리시", 37.5943, 127.1296),
    p("경기도", "오산시", 37.1498, 127.0772),
    p("경기도", "이천시", 37.2720, 127.4350),
];

const INCHEON: &[Place] = &[
    p("인천광역시", "남동구", 37.4470, 126.7310),
    p("인천광역시", "부평구", 37.5070, 126.7219),
    p("인천광역시", "연수구", 37.4101, 126.6783),
    p("인천광역시", "미추홀구", 37.4637, 126.6505),
    p("인천광역시", "서구", 37.5455, 126.6760),
];

const BUSAN: &[Place] = &[
    p("부산광역시", "부산진구", 35.1630, 129.0532),
    p("부산광역시", "해운대구", 35.1631, 129.1636),
    p("부산광역시", "동래구", 35.2050, 129.0837),
    p("부산광역시", "사하구", 35.1046, 128.9749),
    p("부산광역시", "북구", 35.1972, 128.9903),
    p("부산광역시", "남구", 35.1366, 129.0843),
    p("부산광역시", "중구", 35.1060, 129.0324),
];

const METRO: &[Place] = &[
    p("대구광역시", "중구", 35.8693, 128.6062),
    p("대구광역시", "수성구", 35.8582, 128.6306),
    p("대구광역시", "달서구", 35.8299, 128.5327),
    p("대구광역시", "북구", 35.8858, 128.5828),
    p("광주광역시", "동구", 35.1460, 126.9232),
    p("광주광역시", "서구", 35.1520, 126.8900),
    p("광주광역시", "북구", 35.1740, 126.9120),
    p("광주광역시", "광산구", 35.1396, 126.7937),
    p("대전광역시", "서구", 36.3551, 127.3838),
    p("대전광역시", "유성구", 36.3624, 127.3562),
    p("대전광역시", "중구", 36.3255, 127.4213),
    p("울산광역시", "남구", 35.5438, 129.3301),
    p("울산광역시", "중구", 35.5693, 129.3328),
    p("세종특별자치시", "세종시", 36.4800, 127.2890),
];

const CITIES: &[Place] = &[
    p("충청북도", "청주시 상당구", 36.6424, 127.4890),
    p("충청남도", "천안시 서북구", 36.8151, 127.1139),
    p("전북특별자치도", "전주시 완산구", 35.8242, 127.1480),
    p("경상남도", "창원시 성산구", 35.2280, 128.6811),
    p("경상남도", "김해시", 35.2285, 128.8894),
    p("경상북도", "포항시 남구", 36.0190, 129.3435),
    p("경상북도", "구미시", 36.1195, 128.3446),
    p("제주특별자치도", "제주시", 33.4996, 126.5312),
    p("제주특별자치도", "서귀포시", 33.2541, 126.5600),
    p("강원특별자치도", "원주시", 37.3422, 127.9202),
    p("강원특별자치도", "춘천시", 37.8813, 127.7298),
    p("강원특별자치도", "강릉시", 37.7519, 128.8761),
    p("전라남도", "순천시", 34.9507, 127.4872),
    p("전라남도", "목포시", 34.8118, 126.3922),
    p("전라남도", "여수시", 34.7604, 127.6622),
    p("전북특별자치도", "익산시", 35.9483, 126.9576),
    p("전북특별자치도", "군산시", 35.9676, 126.7366),
    p("경상남도", "진주시", 35.1800, 128.1076),
    p("경상북도", "경주시", 35.8562, 129.2247),
    p("경상북도", "안동시", 36.5684, 128.7294),
    p("충청남도", "아산시", 36.7898, 127.0018),
    p("충청북도", "충주시", 36.9910, 127.9259),
    p("경상남도", "거제시", 34.8806, 128.6211),
    p("경상남도", "양산시", 35.3350, 129.0372),
];

const COUNTIES: &[Place] = &[
    p("강원특별자치도", "홍천군", 37.6970, 127.8888),
    p("강원특별자치도", "평창군", 37.3708, 128.3903),
    p("강원특별자치도", "영월군", 37.1837, 128.4617),
    p("강원특별자치도", "정선군", 37.3807, 128.6608),
    p("강원특별자치도", "인제군", 38.0697, 128.1707),
    p("강원특별자치도", "철원군", 38.1466, 127.3132),
    p("충청북도", "괴산군", 36.8154, 127.7867),
    p("충청북도", "보은군", 36.4894, 127.7295),
    p("충청북도", "영동군", 36.1750, 127.7764),
    p("충청남도", "금산군", 36.1089, 127.4881),
    p("충청남도", "부여군", 36.2757, 126.9098),
    p("충청남도", "서천군", 36.0803, 126.6919),
    p("충청남도", "홍성군", 36.6012, 126.6608),
    p("충청남도", "예산군", 36.6826, 126.8450),
    p("전북특별자치도", "진안군", 35.7917, 127.4248),
    p("전북특별자치도", "무주군", 36.0068, 127.6608),
    p("전북특별자치도", "임실군", 35.6178, 127.2891),
    p("전북특별자치도", "순창군", 35.3744, 127.1374),
    p("전북특별자치도", "고창군", 35.4358, 126.7020),
    p("전북특별자치도", "부안군", 35.7318, 126.7330),
    p("전라남도", "곡성군", 35.2820, 127.2920),
    p("전라남도", "구례군", 35.2025, 127.4629),
    p("전라남도", "고흥군", 34.6112, 127.2852),
    p("전라남도", "보성군", 34.7714, 127.0800),
    p("전라남도", "장흥군", 34.6817, 126.9070),
    p("전라남도", "강진군", 34.6420, 126.7672),
    p("전라남도", "해남군", 34.5733, 126.5992),
    p("전라남도", "완도군", 34.3110, 126.7550),
    p("전라남도", "진도군", 34.4868, 126.2635),
    p("전라남도", "영광군", 35.2772, 126.5120),
    p("경상북도", "의성군", 36.3527, 128.6970),
    p("경상북도", "청송군", 36.4359, 129.0571),
    p("경상북도", "영덕군", 36.4150, 129.3654),
    p("경상북도", "봉화군", 36.8931, 128.7324),
    p("경상북도", "울진군", 36.9931, 129.4004),
    p("경상북도", "청도군", 35.6474, 128.7340),
    p("경상북도", "성주군", 35.9192, 128.2829),
    p("경상남도", "합천군", 35.5666, 128.1658),
    p("경상남도", "산청군", 35.4156, 127.8734),
    p("경상남도", "함양군", 35.5205, 127.7252),
    p("경상남도", "거창군", 35.6867, 127.9095),
    p("경상남도", "하동군", 35.0674, 127.7513),
    p("경상남도", "남해군", 34.8376, 127.8924),
];

/// Shares close to the national list: about a fifth in Seoul, a quarter in
/// Gyeonggi, then the metropolitan cities, mid-size cities and counties.
const GROUPS: &[Group] = &[
    Group { weight: 22.0, sigma_km: 1.3, places: SEOUL },
    Group { weight: 25.0, sigma_km: 2.5, places: GYEONGGI },
    Group { weight: 5.0, sigma_km: 2.0, places: INCHEON },
    Group { weight: 7.0, sigma_km: 1.8, places: BUSAN },
    Group { weight: 13.0, sigma_km: 2.2, places: METRO },
    Group { weight: 21.0, sigma_km: 3.0, places: CITIES },
    Group { weight: 7.0, sigma_km: 4.0, places: COUNTIES },
];

/// A standard normal sample (Box-Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

fn place(rng: &mut StdRng) -> (&'static Place, f64, f64) {
    let total: f64 = GROUPS.iter().map(|g| g.weight).sum();
    let mut x = rng.gen_range(0.0..total);
    let group = GROUPS
        .iter()
        .find(|g| {
            x -= g.weight;
            x < 0.0
        })
        .unwrap_or(&GROUPS[0]);
    let at = pick(rng, group.places);
    let dlat = normal(rng) * group.sigma_km / repo::KM_PER_DEGREE;
    let dlon = normal(rng) * group.sigma_km / (repo::KM_PER_DEGREE * at.lat.to_radians().cos());
    (at, at.lat + dlat, at.lon + dlon)
}

// ---------------------------------------------------------------------------
// What facilities are
// ---------------------------------------------------------------------------

const NAME_PREFIXES: &[&str] = &[
    "하늘",
    "바른",
    "푸른",
    "새봄",
    "연세",
    "우리",
    "튼튼",
    "밝은",
    "맑은",
    "좋은",
    "참",
    "늘푸른",
    "한빛",
    "미소",
    "사랑",
    "행복",
    "온누리",
    "다온",
    "365",
    "열린",
    "중앙",
    "제일",
    "성모",
    "연합",
    "서울",
    "베스트",
    "굿모닝",
    "하나",
    "미래",
];

/// Primary departments of clinics (의원) with their weights and name words.
const CLINIC_DEPARTMENTS: &[(&str, u32, &str)] = &[
    ("internal_medicine", 26, "내과"),
    ("pediatrics", 9, "소아청소년과"),
    ("family_medicine", 9, "가정의학과"),
    ("orthopedics", 10, "정형외과"),
    ("otolaryngology", 8, "이비인후과"),
    ("dermatology", 6, "피부과"),
    ("ophthalmology", 5, "안과"),
    ("obstetrics_gynecology", 5, "산부인과"),
    ("psychiatry", 5, "정신건강의학과"),
    ("urology", 3, "비뇨의학과"),
    ("rehabilitation", 3, "재활의학과"),
    ("anesthesiology", 5, "마취통증의학과"),
    ("general_surgery", 3, "외과"),
    ("neurology", 2, "신경과"),
    ("plastic_surgery", 4, "성형외과"),
];

fn clinic_department(rng: &mut StdRng) -> (&'static str, &'static str) {
    let total: u32 = CLINIC_DEPARTMENTS.iter().map(|d| d.1).sum();
    let mut x = rng.gen_range(0..total);
    for (slug, weight, word) in CLINIC_DEPARTMENTS {
        if x < *weight {
            return (slug, word);
        }
        x -= weight;
    }
    ("internal_medicine", "내과")
}

fn kind(rng: &mut StdRng) -> ClinicType {
    match rng.gen_range(0..1000) {
        0 => ClinicType::Tertiary,
        1..=9 => ClinicType::General,
        10..=69 => ClinicType::Hospital,
        70..=599 => ClinicType::Clinic,
        600..=819 => ClinicType::Dental,
        _ => ClinicType::Oriental,
    }
}

fn some_departments(rng: &mut StdRng, n: usize, always: &[&'static str]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = always.to_vec();
    let candidates: Vec<&'static str> =
        clinic::load::DEPARTMENTS.iter().copied().filter(|d| *d != "dentistry" && *d != "emergency_medicine").collect();
    while out.len() < n.min(candidates.len() + always.len()) {
        let d = *pick(rng, &candidates);
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

struct Facility {
    id: u64,
    name: String,
    kind: ClinicType,
    sido: &'static str,
    sigungu: &'static str,
    address: String,
    lat: f64,
    lon: f64,
    emergency_room: bool,
    departments: Vec<&'static str>,
    hours: Vec<(Day, u16, u16)>,
}

const WEEKDAYS: [Day; 5] = [Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri];

fn hours(rng: &mut StdRng, kind: ClinicType) -> Vec<(Day, u16, u16)> {
    let mut out = Vec::new();
    // About one in eight has no hours (like rows imported from the national list).
    if rng.gen_bool(0.12) {
        return out;
    }
    match kind {
        ClinicType::Tertiary | ClinicType::General => {
            for d in WEEKDAYS {
                out.push((d, 510, 1050));
            }
            if kind == ClinicType::General {
                out.push((Day::Sat, 510, 750));
            }
        }
        _ if rng.gen_bool(0.005) => {
            // Open around the clock.
            for d in Day::ALL {
                out.push((d, 0, 1440));
            }
        }
        _ => {
            let open = *pick(rng, &[510u16, 540, 540, 540, 570, 600]);
            let close = *pick(rng, &[1080u16, 1080, 1110, 1140, 1200, 1260, 1320]);
            let lunch = rng.gen_bool(0.8);
            for d in WEEKDAYS {
                if lunch {
                    out.push((d, open, 780));
                    out.push((d, 840, close));
                } else {
                    out.push((d, open, close));
                }
            }
            if rng.gen_bool(0.75) {
                out.push((Day::Sat, open, *pick(rng, &[780u16, 840, 900])));
            }
            if rng.gen_bool(0.12) {
                out.push((Day::Sun, 600, 840));
                if rng.gen_bool(0.7) {
                    out.push((Day::Holiday, 600, 840));
                }
            }
        }
    }
    out
}

fn facility(rng: &mut StdRng, id: u64) -> Facility {
    let (at, lat, lon) = place(rng);
    let kind = kind(rng);
    let prefix = *pick(rng, NAME_PREFIXES);
    let (name, departments) = match kind {
        ClinicType::Tertiary => (format!("{prefix}대학교병원"), clinic::load::DEPARTMENTS.to_vec()),
        ClinicType::General => {
            let n = rng.gen_range(10..=16);
            (format!("{prefix}종합병원"), some_departments(rng, n, &["emergency_medicine", "internal_medicine"]))
        }
        ClinicType::Hospital => {
            let n = rng.gen_range(2..=6);
            (format!("{prefix}병원"), some_departments(rng, n, &[]))
        }
        ClinicType::Clinic => {
            let (slug, word) = clinic_department(rng);
            let mut departments = vec![slug];
            if rng.gen_bool(0.3) {
                let extra = some_departments(rng, 1, &[]);
                departments.extend(extra.into_iter().filter(|d| *d != slug));
            }
            (format!("{prefix}{word}의원"), departments)
        }
        ClinicType::Dental => (format!("{prefix}치과의원"), vec!["dentistry"]),
        ClinicType::Oriental => (format!("{prefix}한의원"), Vec::new()),
    };
    let emergency_room = departments.contains(&"emergency_medicine");
    Facility {
        id,
        name: format!("{name} (합성)"),
        kind,
        sido: at.sido,
        sigungu: at.sigungu,
        address: format!("{} {} 합성로 {}", at.sido, at.sigungu, rng.gen_range(1..400)),
        lat: (lat * 1e6).round() / 1e6,
        lon: (lon * 1e6).round() / 1e6,
        emergency_room,
        departments,
        hours: hours(rng, kind),
    }
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// Rows per INSERT for the child tables (4 placeholders each, well under 65,535).
const CHILD_ROWS_PER_INSERT: usize = 5_000;

async fn fill(pool: &MySqlPool, count: u64, seed: u64, batch: usize) -> anyhow::Result<()> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clinics").fetch_one(pool).await?;
    anyhow::ensure!(existing == 0, "clinics already holds {existing} rows: run `recreate` first");
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut departments, mut hours) = (0usize, 0usize);
    let mut next_id = 1u64;
    while next_id <= count {
        let end = (next_id + batch as u64 - 1).min(count);
        let facilities: Vec<Facility> = (next_id..=end).map(|id| facility(&mut rng, id)).collect();
        let mut tx = pool.begin().await?;

        let mut qb = QueryBuilder::new(
            "INSERT INTO clinics (id, slug, name, type, address, sido, sigungu, lat, lon, emergency_room, sample, \
             hours_verified, search_text) ",
        );
        qb.push_values(&facilities, |mut b, f| {
            b.push_bind(f.id)
                .push_bind(format!("synth-{}", f.id))
                .push_bind(f.name.clone())
                .push_bind(f.kind.as_str())
                .push_bind(f.address.clone())
                .push_bind(f.sido)
                .push_bind(f.sigungu)
                .push_bind(f.lat)
                .push_bind(f.lon)
                .push_bind(f.emergency_room)
                .push_bind(true)
                .push_bind(false)
                .push_bind(search_text(&f.name, &f.address, f.sido, f.sigungu));
        });
        qb.build().execute(&mut *tx).await?;

        let dept_rows: Vec<(u64, &str)> =
            facilities.iter().flat_map(|f| f.departments.iter().map(move |d| (f.id, *d))).collect();
        for part in dept_rows.chunks(CHILD_ROWS_PER_INSERT) {
            let mut qb = QueryBuilder::new("INSERT INTO clinic_departments (clinic_id, department) ");
            qb.push_values(part, |mut b, (id, d)| {
                b.push_bind(*id).push_bind(*d);
            });
            qb.build().execute(&mut *tx).await?;
        }
        let hour_rows: Vec<(u64, Day, u16, u16)> =
            facilities.iter().flat_map(|f| f.hours.iter().map(move |(d, o, c)| (f.id, *d, *o, *c))).collect();
        for part in hour_rows.chunks(CHILD_ROWS_PER_INSERT) {
            let mut qb = QueryBuilder::new("INSERT INTO clinic_hours (clinic_id, day, open_min, close_min) ");
            qb.push_values(part, |mut b, (id, d, o, c)| {
                b.push_bind(*id).push_bind(d.as_str()).push_bind(*o).push_bind(*c);
            });
            qb.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        departments += dept_rows.len();
        hours += hour_rows.len();
        next_id = end + 1;
    }
    sqlx::query("ANALYZE TABLE clinics, clinic_departments, clinic_hours").execute(pool).await?;
    println!(
        "wrote {count} facilities, {departments} department rows and {hours} hour rows in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// Plans
// ---------------------------------------------------------------------------

async fn explain(pool: &MySqlPool) -> anyhow::Result<()> {
    let gangnam = Near { lat: 37.4979, lon: 127.0276, radius_km: 3.0 };
    let cases = [
        ("nearby 3 km (강남역)", Filters { near: Some(gangnam), ..Default::default() }),
        (
            "nearby 3 km + department + open_now (Tue 10:30)",
            Filters {
                near: Some(gangnam),
                department: Some("internal_medicine".to_string()),
                open_at: Some((Day::Tue, 630)),
                ..Default::default()
            },
        ),
    ];
    for (label, filters) in cases {
        println!("EXPLAIN {label}:");
        let rows = repo::explain_search(pool, &filters, 1, 20).await?;
        let Some(first) = rows.first() else { continue };
        let headers: Vec<&str> = first.iter().map(|(k, _)| k.as_str()).collect();
        let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
            for (i, (_, v)) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(v.chars().count());
                }
            }
        }
        let line = |cells: Vec<&str>| {
            cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}", w = *w)).collect::<Vec<_>>().join(" | ")
        };
        println!("  {}", line(headers.clone()));
        for row in &rows {
            println!("  {}", line(row.iter().map(|(_, v)| v.as_str()).collect()));
        }
        let started = Instant::now();
        let (items, total) = repo::search(pool, &filters, 1, 20).await?;
        println!(
            "  → {total} matches, first page of {} in {:.1} ms (one query, single connection)\n",
            items.len(),
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    Ok(())
}
