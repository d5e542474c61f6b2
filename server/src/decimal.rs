//! Decimals as stored: [`entity::Fixed4`] counts 0.0001 units. Values with more digits are refused,
//! never rounded, so what a client sent is what is kept.

use entity::Fixed4;
use rust_decimal::Decimal;

const SCALE: u32 = 4;

/// The stored form of `value`, or why it cannot be stored.
pub fn to_fixed4(value: Decimal) -> Result<Fixed4, String> {
    if value.normalize().scale() > SCALE {
        return Err(format!("must have at most {SCALE} decimal places"));
    }
    let mut scaled = value;
    scaled.rescale(SCALE);
    i64::try_from(scaled.mantissa()).map_err(|_| "is too large".to_string())
}

pub fn from_fixed4(stored: Fixed4) -> Decimal {
    Decimal::new(stored, SCALE).normalize()
}

/// A non-negative decimal in stored form.
pub fn non_negative_fixed4(value: Decimal) -> Result<Fixed4, String> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err("must not be negative".into());
    }
    to_fixed4(value)
}
