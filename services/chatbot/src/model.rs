//! Request and response bodies of the account routes, and their validation.

use kit::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const DISPLAY_NAME_MAX_CHARS: usize = 50;
pub const MAX_LIST_ITEMS: usize = 50;
pub const MAX_ITEM_CHARS: usize = 100;
pub const MAX_EMAIL_CHARS: usize = 254;

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignupRequest {
    pub email: String,
    pub password: String,
    pub display_name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserSummary {
    pub id: String,
    pub email: String,
    pub display_name: String,
}

/// What signup, login and refresh answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenPair {
    pub user: UserSummary,
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
        }
    }

    pub fn parse(s: &str) -> Option<Sex> {
        match s {
            "female" => Some(Sex::Female),
            "male" => Some(Sex::Male),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub birth_year: Option<i32>,
    pub sex: Option<Sex>,
    pub pregnant: Option<bool>,
    pub allergies: Vec<String>,
    /// Drug ids.
    pub medications: Vec<u64>,
    pub chronic_conditions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Profile {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub health: Health,
}

/// Present fields are changed; `null` clears a nullable health field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    pub display_name: Option<String>,
    pub health: Option<HealthPatch>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthPatch {
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<i32>)]
    pub birth_year: Option<Option<i32>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<Sex>)]
    pub sex: Option<Option<Sex>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<bool>)]
    pub pregnant: Option<Option<bool>>,
    pub allergies: Option<Vec<String>>,
    /// Drug ids (positive integers).
    pub medications: Option<Vec<i64>>,
    pub chronic_conditions: Option<Vec<String>>,
}

/// Tells a present `null` from an absent field.
fn some<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> std::result::Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Trimmed, lowercased and checked.
pub fn normalise_email(raw: &str) -> Result<String> {
    let email = raw.trim().to_lowercase();
    let invalid = || Error::validation("email", "email must look like name@example.com");
    if email.is_empty() || email.chars().count() > MAX_EMAIL_CHARS {
        return Err(invalid());
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let ok = !local.is_empty()
        && local.chars().count() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && email.chars().all(|c| !c.is_whitespace() && !c.is_control());
    if ok {
        Ok(email)
    } else {
        Err(invalid())
    }
}

/// The password rules, all in the message so a client can show them.
pub fn check_password(password: &str, email: &str) -> Result<()> {
    const RULES: &str = "passwords need 10 to 128 characters, not all the same character, and must not contain the \
                         part of your email before the @";
    let n = password.chars().count();
    let fail = |why: &str| Err(Error::validation("password", format!("{why}; {RULES}")));
    if n < PASSWORD_MIN_CHARS {
        return fail("the password is too short");
    }
    if n > PASSWORD_MAX_CHARS {
        return fail("the password is too long");
    }
    let mut chars = password.chars();
    if let Some(first) = chars.next() {
        if chars.all(|c| c == first) {
            return fail("the password repeats one character");
        }
    }
    let local = email.split('@').next().unwrap_or("");
    if local.chars().count() >= 3 && password.to_lowercase().contains(local) {
        return fail("the password contains your email name");
    }
    Ok(())
}

pub fn check_display_name(raw: &str) -> Result<String> {
    let name = raw.trim().to_string();
    let n = name.chars().count();
    if n == 0 || n > DISPLAY_NAME_MAX_CHARS {
        return Err(Error::validation(
            "display_name",
            format!("display_name must be 1 to {DISPLAY_NAME_MAX_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::validation("display_name", "display_name must not contain control characters"));
    }
    Ok(name)
}

fn check_strings(field: &str, items: Vec<String>) -> Result<Vec<String>> {
    if items.len() > MAX_LIST_ITEMS {
        return Err(Error::validation(field, format!("{field} may list at most {MAX_LIST_ITEMS} items")));
    }
    items
        .into_iter()
        .map(|s| {
            let s = s.trim().to_string();
            let n = s.chars().count();
            if n == 0 || n > MAX_ITEM_CHARS {
                Err(Error::validation(field, format!("each {field} entry must be 1 to {MAX_ITEM_CHARS} characters")))
            } else {
                Ok(s)
            }
        })
        .collect()
}

impl HealthPatch {
    /// Applies the patch to `health`, validating each present field.
    pub fn apply(self, health: &mut Health, current_year: i32) -> Result<()> {
        if let Some(year) = self.birth_year {
            if let Some(y) = year {
                if !(1900..=current_year).contains(&y) {
                    return Err(Error::validation(
                        "birth_year",
                        format!("birth_year must be between 1900 and {current_year}"),
                    ));
                }
            }
            health.birth_year = year;
        }
        if let Some(sex) = self.sex {
            health.sex = sex;
        }
        if let Some(pregnant) = self.pregnant {
            health.pregnant = pregnant;
        }
        if let Some(items) = self.allergies {
            health.allergies = check_strings("allergies", items)?;
        }
        if let Some(items) = self.chronic_conditions {
            health.chronic_conditions = check_strings("chronic_conditions", items)?;
        }
        if let Some(ids) = self.medications {
            if ids.len() > MAX_LIST_ITEMS {
                return Err(Error::validation(
                    "medications",
                    format!("medications may list at most {MAX_LIST_ITEMS} items"),
                ));
            }
            health.medications =
                ids.into_iter()
                    .map(|id| {
                        u64::try_from(id).ok().filter(|id| *id > 0).ok_or_else(|| {
                            Error::validation("medications", "medications are drug ids: positive integers")
                        })
                    })
                    .collect::<Result<_>>()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_normalise() {
        assert_eq!(normalise_email("  Kim@Example.COM ").ok().as_deref(), Some("kim@example.com"));
        for bad in ["", "kim", "kim@", "@x.com", "kim@x", "a b@x.com", "kim@x..com", "a@b@c.com"] {
            assert!(normalise_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn password_rules() {
        let email = "minsu@example.com";
        assert!(check_password("correct horse", email).is_ok());
        assert!(check_password("short", email).is_err());
        assert!(check_password("aaaaaaaaaaaa", email).is_err());
        assert!(check_password("my-MINSU-pass-1", email).is_err());
        assert!(check_password(&"ab".repeat(65), email).is_err());
    }

    #[test]
    fn health_patch_validates() {
        let mut h = Health::default();
        let patch: HealthPatch =
            serde_json::from_str(r#"{"birth_year":1990,"sex":"female","medications":[1,2]}"#).expect("json");
        patch.apply(&mut h, 2026).expect("valid");
        assert_eq!(h.birth_year, Some(1990));
        assert_eq!(h.medications, vec![1, 2]);
        let clear: HealthPatch = serde_json::from_str(r#"{"birth_year":null}"#).expect("json");
        clear.apply(&mut h, 2026).expect("valid");
        assert_eq!(h.birth_year, None);
        assert_eq!(h.sex, Some(Sex::Female));
        let bad: HealthPatch = serde_json::from_str(r#"{"medications":[0]}"#).expect("json");
        assert!(bad.apply(&mut h, 2026).is_err());
        let bad: HealthPatch = serde_json::from_str(r#"{"birth_year":1800}"#).expect("json");
        assert!(bad.apply(&mut h, 2026).is_err());
    }
}
