//! The 19 medical departments (진료과) every API identifies by slug, in one
//! place. Their national codes and descriptions live in the category
//! service's data; this is the list every service validates against.

/// Slug, Korean name, English name; the order is the order of answers.
pub const DEPARTMENTS: [(&str, &str, &str); 19] = [
    ("internal_medicine", "내과", "Internal medicine"),
    ("neurology", "신경과", "Neurology"),
    ("psychiatry", "정신건강의학과", "Psychiatry"),
    ("general_surgery", "외과", "General surgery"),
    ("orthopedics", "정형외과", "Orthopedics"),
    ("neurosurgery", "신경외과", "Neurosurgery"),
    ("thoracic_surgery", "흉부외과", "Thoracic surgery"),
    ("plastic_surgery", "성형외과", "Plastic surgery"),
    ("anesthesiology", "마취통증의학과", "Anesthesiology and pain medicine"),
    ("obstetrics_gynecology", "산부인과", "Obstetrics and gynecology"),
    ("pediatrics", "소아청소년과", "Pediatrics"),
    ("ophthalmology", "안과", "Ophthalmology"),
    ("otolaryngology", "이비인후과", "Otolaryngology (ENT)"),
    ("dermatology", "피부과", "Dermatology"),
    ("urology", "비뇨의학과", "Urology"),
    ("rehabilitation", "재활의학과", "Rehabilitation medicine"),
    ("family_medicine", "가정의학과", "Family medicine"),
    ("emergency_medicine", "응급의학과", "Emergency medicine"),
    ("dentistry", "치과", "Dentistry"),
];

/// Just the slugs, in order.
pub const SLUGS: [&str; 19] = {
    let mut out = [""; 19];
    let mut i = 0;
    while i < 19 {
        out[i] = DEPARTMENTS[i].0;
        i += 1;
    }
    out
};

/// The canonical slug, if `slug` is a department.
pub fn slug(slug: &str) -> Option<&'static str> {
    SLUGS.iter().copied().find(|d| *d == slug)
}

/// Korean and English names of a department.
pub fn names(slug: &str) -> Option<(&'static str, &'static str)> {
    DEPARTMENTS.iter().find(|(s, _, _)| *s == slug).map(|(_, ko, en)| (*ko, *en))
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_are_unique_and_named() {
        let mut slugs = super::SLUGS.to_vec();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), 19);
        assert_eq!(super::names("dentistry"), Some(("치과", "Dentistry")));
        assert_eq!(super::slug("cardiology"), None);
    }
}
