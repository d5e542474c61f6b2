//! Checks of free-form input shared by every area; each returns the cleaned value or a message.

use sea_orm::{ActiveEnum, Iterable};

/// A required text: trimmed, not empty, at most `max` characters.
pub fn required_text(value: &str, max: usize) -> Result<String, String> {
    let trimmed = value.trim();
    match trimmed.chars().count() {
        0 => Err("must not be empty".into()),
        n if n > max => Err(format!("must be at most {max} characters")),
        _ => Ok(trimmed.to_string()),
    }
}

/// An optional text: absent or blank means none.
pub fn optional_text(value: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => required_text(text, max).map(Some),
    }
}

/// A short code (branch, staff, customer, payment method): letters, digits, '-' and '_', kept in
/// upper case because MySQL compares codes case-insensitively and the other databases must agree.
pub fn code(value: &str, max: usize) -> Result<String, String> {
    let code = required_text(value, max)?.to_uppercase();
    if code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(code)
    } else {
        Err("may contain only letters, digits, '-' and '_'".into())
    }
}

/// The words a stored enum accepts, in their stored spelling.
pub fn words<E: ActiveEnum<Value = String> + Iterable>() -> Vec<String> {
    E::iter().map(|word| word.to_value()).collect()
}

/// One of a stored enum's words, in any case.
pub fn one_of<E: ActiveEnum<Value = String> + Iterable>(value: &str) -> Result<E, String> {
    let wanted = value.trim().to_lowercase();
    E::iter()
        .find(|word| word.to_value() == wanted)
        .ok_or_else(|| format!("must be one of {}", words::<E>().join(", ")))
}
