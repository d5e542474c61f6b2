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
