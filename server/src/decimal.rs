//! Decimals as stored: [`entity::Fixed4`] counts 0.0001 units. Values with more digits are refused,
//! never rounded, so what a client sent is what is kept.

use entity::Fixed4;
use rust_decimal::Decimal;
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{ObjectBuilder, OneOfBuilder, RefOr, Schema, schema::Type},
};

const SCALE: u32 = 4;

/// The stored form of `value`, or why it cannot be stored.
pub fn to_fixed4(value: Decimal) -> Result<Fixed4, String> {
    if value.normalize().scale() > SCALE {
        return Err(format!("must have at most {SCALE} decimal places"));
    }
    let mut scaled = value;
    scaled.rescale(SCALE);
    i64::try_from(scaled.mantissa())
        .map(Fixed4)
        .map_err(|_| "is too large".to_string())
}

/// A decimal written as text in a query: an optional `-`, 1 to 14 digits and an optional
/// fraction of 1 to 4 digits (`3`, `-0.5`); nothing else (no `+`, exponent, spaces or `_`).
pub fn parse_text(text: &str) -> Result<Decimal, String> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let is_digits = |part: &str, max: usize| {
        (1..=max).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
    };
    if !(is_digits(whole, 14) && is_digits(fraction, 4)) {
        return Err(
            "must be a decimal of at most 14 digits and 4 decimal places, such as 3 or -0.5".into(),
        );
    }
    Decimal::from_str_exact(text).map_err(|_| "is too large".to_string())
}

pub fn from_fixed4(stored: Fixed4) -> Decimal {
    Decimal::new(stored.0, SCALE).normalize()
}

/// A non-negative decimal in stored form.
pub fn non_negative_fixed4(value: Decimal) -> Result<Fixed4, String> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err("must not be negative".into());
    }
    to_fixed4(value)
}

/// The grammar of a decimal sent as text; a query's decimals must follow it.
pub const DECIMAL_PATTERN: &str = r"^-?[0-9]+(\.[0-9]+)?$";

/// A decimal in a request body: a string such as `"120.50"` or a JSON number, both parsed
/// exactly (never through a float).
pub struct DecimalInput;

impl PartialSchema for DecimalInput {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(DECIMAL_PATTERN)),
            )
            .item(ObjectBuilder::new().schema_type(Type::Number))
            .description(Some(
                "A decimal: a string such as \"120.50\" or a number; at most four decimal places",
            ))
            .into()
    }
}

impl ToSchema for DecimalInput {}
