//! Instants as people ask for them: an RFC 3339 date-time, or a plain date meaning that day in
//! the branch's time zone.

use std::str::FromStr;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use entity::branch;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde::{Deserialize, Deserializer};
use uuid::Uuid;

use crate::error::DomainError;

/// A query's instant: `2026-12-01T08:00:00Z` as it is, or `2026-12-01` for that day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateOrInstant {
    Instant(DateTime<Utc>),
    Date(NaiveDate),
}

impl FromStr for DateOrInstant {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
            return Ok(Self::Date(date));
        }
        DateTime::parse_from_rfc3339(value)
            .map(|at| Self::Instant(at.with_timezone(&Utc)))
            .map_err(|_| "must be a date (2026-12-01) or an RFC 3339 date-time".into())
    }
}

impl<'de> Deserialize<'de> for DateOrInstant {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl DateOrInstant {
    /// The instant itself, or the start of the day in `zone`.
    pub fn start(self, zone: Tz) -> DateTime<Utc> {
        match self {
            Self::Instant(at) => at,
            Self::Date(date) => start_of_day(date, zone),
        }
    }

    /// The instant itself, or the start of the next day in `zone`: an end bound that takes
    /// the whole of a named day.
    pub fn end(self, zone: Tz) -> DateTime<Utc> {
        match self {
            Self::Instant(at) => at,
            Self::Date(date) => {
                start_of_day(date.checked_add_days(Days::new(1)).unwrap_or(date), zone)
            }
        }
    }
}

fn start_of_day(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    // A day that starts in a gap of a DST change starts at its first instant that exists.
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    zone.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
        })
        .map_or_else(|| midnight.and_utc(), |at| at.with_timezone(&Utc))
}

/// A branch's time zone (404 for no such branch).
pub async fn branch_time_zone(
    db: &impl ConnectionTrait,
    branch_id: Uuid,
) -> Result<Tz, DomainError> {
    let branch = branch::Entity::find_by_id(branch_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("branch"))?;
    Ok(Tz::from_str(&branch.time_zone).unwrap_or(Tz::UTC))
}

/// Today's date in a time zone.
pub fn today(zone: Tz) -> NaiveDate {
    Utc::now().with_timezone(&zone).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_that_day_in_the_zone() {
        let date: DateOrInstant = "2026-12-01".parse().unwrap();
        let manila: Tz = "Asia/Manila".parse().unwrap();
        assert_eq!(date.start(manila).to_rfc3339(), "2026-11-30T16:00:00+00:00");
        assert_eq!(date.end(manila).to_rfc3339(), "2026-12-01T16:00:00+00:00");
        let at: DateOrInstant = "2026-12-01T08:00:00+08:00".parse().unwrap();
        assert_eq!(at.start(manila).to_rfc3339(), "2026-12-01T00:00:00+00:00");
        assert!("2026-13-01".parse::<DateOrInstant>().is_err());
    }
}

/// The pattern of a span as a query gives it: a count and a unit (`90s`, `15m`, `2h`, `7d`).
pub const SPAN_PATTERN: &str = "^[0-9]{1,9}[smhd]$";

/// A span of time in the [`SPAN_PATTERN`] form.
pub fn parse_span(value: &str) -> Result<chrono::Duration, String> {
    let invalid = || "must be a count and a unit s, m, h or d, such as 15m or 2h".to_string();
    let unit = value.chars().last().ok_or_else(invalid)?;
    let count = &value[..value.len() - unit.len_utf8()];
    if count.is_empty() || count.len() > 9 || !count.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let count: i64 = count.parse().map_err(|_| invalid())?;
    let unit_secs = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return Err(invalid()),
    };
    chrono::Duration::try_seconds(count * unit_secs).ok_or_else(invalid)
}

#[cfg(test)]
mod span_tests {
    use super::parse_span;

    #[test]
    fn spans_are_a_count_and_a_unit() {
        assert_eq!(parse_span("90s").map(|d| d.num_seconds()), Ok(90));
        assert_eq!(parse_span("15m").map(|d| d.num_seconds()), Ok(900));
        assert_eq!(parse_span("2h").map(|d| d.num_seconds()), Ok(7_200));
        assert_eq!(parse_span("7d").map(|d| d.num_seconds()), Ok(604_800));
        assert_eq!(
            parse_span("999999999d").map(|d| d.num_days()),
            Ok(999_999_999)
        );
        for bad in [
            "",
            "m",
            "15",
            "1.5h",
            "-1h",
            "15 m",
            "1w",
            "1234567890s",
            "1é",
        ] {
            assert!(parse_span(bad).is_err(), "{bad}");
        }
    }
}
