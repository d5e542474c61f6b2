//! Branches and the terminals registered under them.

mod branches;
mod terminals;

pub use branches::*;
pub use terminals::*;

/// Checks a required free-text field: trimmed, not empty, at most `max` characters.
fn required_text(value: &str, max: usize) -> Result<String, String> {
    let trimmed = value.trim();
    match trimmed.chars().count() {
        0 => Err("must not be empty".into()),
        n if n > max => Err(format!("must be at most {max} characters")),
        _ => Ok(trimmed.to_string()),
    }
}

/// Checks an optional free-text field: absent or blank means none.
fn optional_text(value: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => required_text(text, max).map(Some),
    }
}
