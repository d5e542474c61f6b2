//! Budgets per client: every call spends units of a budget that refills evenly over its window
//! (GCRA, by governor), so a client may burst up to the whole budget and then goes at its rate.
//! A call over budget is refused before anything is done for it.
//!
//! Budgets are per process: behind N replicas a client gets up to N times its budget. They guard
//! each hub against a runaway client; nothing's correctness rests on them.

use std::{fmt, num::NonZeroU32, str::FromStr, time::Duration};

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock,
    middleware::StateInformationMiddleware,
};
use serde::{Deserialize, Serialize};

/// Clients tracked per class before idle ones are forgotten.
const MAX_TRACKED: usize = 10_000;

/// `units` per `window_secs`, written `100/30s`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Budget {
    pub units: NonZeroU32,
    pub window_secs: NonZeroU32,
}

impl FromStr for Budget {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        let invalid = || format!("{value:?} is not a budget such as 600/60s (units per seconds)");
        let (units, window) = value.split_once('/').ok_or_else(invalid)?;
        let window = window.strip_suffix('s').ok_or_else(invalid)?;
        Ok(Budget {
            units: units.trim().parse().map_err(|_| invalid())?,
            window_secs: window.trim().parse().map_err(|_| invalid())?,
        })
    }
}

impl TryFrom<String> for Budget {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        value.parse()
    }
}

impl From<Budget> for String {
    fn from(budget: Budget) -> String {
        budget.to_string()
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.units, self.window_secs)
    }
}

impl Budget {
    pub const fn new(units: u32, window_secs: u32) -> Self {
        match (NonZeroU32::new(units), NonZeroU32::new(window_secs)) {
            (Some(units), Some(window_secs)) => Budget { units, window_secs },
            _ => Budget {
                units: NonZeroU32::MIN,
                window_secs: NonZeroU32::MIN,
            },
        }
    }

    fn quota(self) -> Quota {
        let refill = Duration::from_secs(u64::from(self.window_secs.get())) / self.units.get();
        Quota::with_period(refill.max(Duration::from_nanos(1)))
            .unwrap_or_else(|| Quota::per_second(self.units))
            .allow_burst(self.units)
    }

    /// Seconds until `remaining` units have grown back to the whole budget.
    fn seconds_to_full(self, remaining: u32) -> u64 {
        let missing = u64::from(self.units.get().saturating_sub(remaining));
        (missing * u64::from(self.window_secs.get())).div_ceil(u64::from(self.units.get()))
    }

    /// The `RateLimit-Policy` header's value (IETF draft `ratelimit-headers`).
    pub fn policy_header(self, name: &str) -> String {
        format!("\"{name}\";q={};w={}", self.units, self.window_secs)
    }
}

/// What a call spent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spent {
    Allowed { remaining: u32 },
    Refused { retry_after_secs: u64 },
}

/// A budget and what each client has left of it.
pub struct Budgets {
    budget: Budget,
    limiter: DefaultKeyedRateLimiter<String, StateInformationMiddleware>,
}

impl Budgets {
    pub fn new(budget: Budget) -> Self {
        Self {
            budget,
            limiter: RateLimiter::keyed(budget.quota()).with_middleware(),
        }
    }

    pub fn budget(&self) -> Budget {
        self.budget
    }

    /// Spends `cost` units of `client`'s budget, or nothing when they are not there.
    pub fn spend(&self, client: &str, cost: u32) -> Spent {
        if self.limiter.len() > MAX_TRACKED {
            self.limiter.retain_recent();
        }
        let cost = NonZeroU32::new(cost).unwrap_or(NonZeroU32::MIN);
        match self.limiter.check_key_n(&client.to_string(), cost) {
            Ok(Ok(state)) => Spent::Allowed {
                remaining: state.remaining_burst_capacity(),
            },
            Ok(Err(not_until)) => Spent::Refused {
                // The limiter's own clock: making one calibrates it (cpuid), which cost more
                // than the rest of a budget check.
                retry_after_secs: not_until
                    .wait_time_from(self.limiter.clock().now())
                    .as_secs_f64()
                    .ceil() as u64,
            },
            // Dearer than the whole budget: never possible.
            Err(_) => Spent::Refused {
                retry_after_secs: u64::from(self.budget.window_secs.get()),
            },
        }
    }

    /// The `RateLimit` header's value after a call that left `remaining` units.
    pub fn rate_header(&self, name: &str, spent: Spent) -> String {
        let (remaining, reset) = match spent {
            Spent::Allowed { remaining } => (remaining, self.budget.seconds_to_full(remaining)),
            Spent::Refused { retry_after_secs } => (0, retry_after_secs),
        };
        format!("\"{name}\";r={remaining};t={reset}")
    }
}

/// What a REST call is budgeted as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteClass {
    /// Terminals' polls and heartbeats.
    Sync,
    /// Batches of sales.
    Ingest,
    /// Any other read.
    Read,
    /// Any other write.
    Write,
}

impl RouteClass {
    pub fn of(method: &actix_web::http::Method, path: &str) -> Self {
        let reads = matches!(
            *method,
            actix_web::http::Method::GET | actix_web::http::Method::HEAD
        );
        match path.strip_prefix("/api/v1/sync/") {
            Some("transactions") if !reads => RouteClass::Ingest,
            Some(_) => RouteClass::Sync,
            None if reads => RouteClass::Read,
            None => RouteClass::Write,
        }
    }

    /// The policy's name in the headers.
    pub fn name(self) -> &'static str {
        match self {
            RouteClass::Sync => "sync",
            RouteClass::Ingest => "ingest",
            RouteClass::Read => "read",
            RouteClass::Write => "write",
        }
    }
}

/// The REST budgets, one per route class, and the WebSocket commands' budget.
pub struct ClientBudgets {
    sync: Budgets,
    ingest: Budgets,
    read: Budgets,
    write: Budgets,
    pub socket: Budgets,
}

impl ClientBudgets {
    pub fn new(settings: &crate::config::Settings) -> Self {
        Self {
            sync: Budgets::new(settings.budget_sync),
            ingest: Budgets::new(settings.budget_ingest),
            read: Budgets::new(settings.budget_read),
            write: Budgets::new(settings.budget_write),
            socket: Budgets::new(settings.budget_socket),
        }
    }

    pub fn of(&self, class: RouteClass) -> &Budgets {
        match class {
            RouteClass::Sync => &self.sync,
            RouteClass::Ingest => &self.ingest,
            RouteClass::Read => &self.read,
            RouteClass::Write => &self.write,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_reads_and_writes_as_units_per_seconds() {
        let budget: Budget = "100/30s".parse().unwrap();
        assert_eq!(budget, Budget::new(100, 30));
        assert_eq!(budget.to_string(), "100/30s");
        for bad in ["100", "100/30", "0/30s", "100/0s", "x/30s"] {
            assert!(bad.parse::<Budget>().is_err(), "{bad}");
        }
    }

    #[test]
    fn weighted_calls_spend_the_budget_and_a_refused_one_spends_nothing() {
        let budgets = Budgets::new(Budget::new(100, 30));
        for _ in 0..4 {
            assert!(matches!(budgets.spend("a", 25), Spent::Allowed { .. }));
        }
        let Spent::Refused { retry_after_secs } = budgets.spend("a", 25) else {
            panic!("the fifth call of 25 is over 100");
        };
        assert!((1..=8).contains(&retry_after_secs), "{retry_after_secs}");
        assert!(matches!(
            budgets.spend("b", 25),
            Spent::Allowed { remaining: 75 }
        ));
        assert!(matches!(budgets.spend("a", 101), Spent::Refused { .. }));
    }
}
