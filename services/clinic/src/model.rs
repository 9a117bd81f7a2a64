//! The clinic service's API types.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::hours::{KoreaMoment, WeekHours};

/// Kind of facility (요양기관 종별), coarsened to six groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ClinicType {
    /// 상급종합병원
    Tertiary,
    /// 종합병원
    General,
    /// 병원, 요양병원, 정신병원
    Hospital,
    /// 의원, 보건소, 보건지소, 보건진료소
    Clinic,
    /// 치과병원, 치과의원
    Dental,
    /// 한방병원, 한의원
    Oriental,
}

impl ClinicType {
    pub const ALL: [ClinicType; 6] = [
        ClinicType::Tertiary,
        ClinicType::General,
        ClinicType::Hospital,
        ClinicType::Clinic,
        ClinicType::Dental,
        ClinicType::Oriental,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClinicType::Tertiary => "tertiary",
            ClinicType::General => "general",
            ClinicType::Hospital => "hospital",
            ClinicType::Clinic => "clinic",
            ClinicType::Dental => "dental",
            ClinicType::Oriental => "oriental",
        }
    }

    pub fn parse(s: &str) -> Option<ClinicType> {
        ClinicType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words of the name or address (1-100 characters, every word must
    /// match; `강남 내과`). Omit to browse.
    pub q: Option<String>,
    /// A department slug, e.g. `pediatrics`, `dentistry`, `emergency_medicine`.
    pub department: Option<String>,
    /// Part of the province/city (시도) or district (시군구) name: `서울`,
    /// `강남구`, `전남`, `광주`. Short province names also match the full
    /// ones (`경북` → 경상북도).
    pub region: Option<String>,
    /// `tertiary`, `general`, `hospital`, `clinic`, `dental` or `oriental`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    /// `true` keeps only facilities open at the moment (Korea time; public
    /// holidays use the facility's holiday hours). Facilities whose hours are
    /// unknown are left out. `false` (default) does not filter.
    #[param(value_type = Option<bool>)]
    pub open_now: Option<String>,
    /// Latitude (WGS84) to sort by distance; requires `lon`.
    pub lat: Option<f64>,
    /// Longitude (WGS84); requires `lat`.
    pub lon: Option<f64>,
    /// Search radius around `lat`/`lon` in km, 0 < r ≤ 100 (default 10).
    pub radius_km: Option<f64>,
    /// 1-based page number (default 1).
    pub page: Option<i64>,
    /// Page size, 1..=100 (default 20).
    pub size: Option<i64>,
    /// RFC 3339 instant at which `open_now` is evaluated instead of now,
    /// e.g. `2026-09-25T10:00:00+09:00`.
    #[param(value_type = Option<String>, format = DateTime)]
    pub at: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DetailParams {
    /// RFC 3339 instant at which `open_now` is evaluated instead of now.
    #[param(value_type = Option<String>, format = DateTime)]
    pub at: Option<String>,
}

/// A hospital or clinic.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Clinic {
    pub id: u64,
    pub slug: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ClinicType,
    /// Department slugs, in a fixed order.
    pub departments: Vec<String>,
    pub address: String,
    /// Province or metropolitan city, e.g. 서울특별시.
    pub sido: String,
    /// District, e.g. 강남구.
    pub sigungu: String,
    pub lat: f64,
    pub lon: f64,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub emergency_room: bool,
    /// A fictional demonstration entry.
    pub sample: bool,
    /// Whether the hours were checked with the facility; call ahead otherwise.
    pub hours_verified: bool,
    pub hours: WeekHours,
    /// Open at the evaluated moment (now, or `at`); `null` when the hours are unknown.
    pub open_now: Option<bool>,
    /// Great-circle distance from `lat`/`lon` in km (2 decimals); only in nearby searches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
}

impl Clinic {
    /// Sets `open_now` for the moment (cached items carry the hours, not the answer).
    pub fn evaluate(mut self, moment: &KoreaMoment) -> Clinic {
        self.open_now = self.hours.open_at(moment);
        self
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SearchPage {
    /// Nearest first with `lat`/`lon`, else by name.
    pub items: Vec<Clinic>,
    pub total: u64,
    pub page: u64,
    pub size: u64,
}
