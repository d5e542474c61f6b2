//! Throttle of the token endpoint against guessing secrets, which never lets a guesser lock the
//! real client out (OWASP's authentication guidance):
//! - only failures count, per source address and client id: a guesser at one address is slowed
//!   to the configured rate, and the client calling from elsewhere is not touched;
//! - a guard per client id across all addresses (ten times that rate) stops guessing spread over
//!   many addresses; while it holds, addresses that logged in as that client lately still pass.
//!
//! The state is per process: it slows guessing, and nothing's correctness rests on it.

use std::{
    collections::HashMap,
    hash::Hash,
    net::IpAddr,
    num::NonZeroU32,
    sync::Mutex,
    time::{Duration, Instant},
};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};

/// Entries kept per table before expired ones are dropped, so a flood of made-up client ids or
/// addresses cannot grow memory without bound.
const MAX_TRACKED: usize = 10_000;
/// How many times the per-address rate a client id may fail across all addresses.
const DISTRIBUTED_FACTOR: u32 = 10;
/// How long an address that logged in stays known for its client id.
const KNOWN_GOOD_FOR: Duration = Duration::from_secs(24 * 3600);

type AddressAndClient = (IpAddr, String);

pub struct TokenThrottle {
    failures: DefaultKeyedRateLimiter<AddressAndClient>,
    distributed_failures: DefaultKeyedRateLimiter<String>,
    blocked: Expiring<AddressAndClient>,
    under_attack: Expiring<String>,
    known_good: Expiring<AddressAndClient>,
}

/// Keys with an instant until which they hold.
struct Expiring<K>(Mutex<HashMap<K, Instant>>);

impl<K: Eq + Hash + Clone> Expiring<K> {
    fn new() -> Self {
        Self(Mutex::new(HashMap::new()))
    }

    fn set(&self, key: K, until: Instant) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= MAX_TRACKED {
                let now = Instant::now();
                map.retain(|_, until| *until > now);
                if map.len() >= MAX_TRACKED {
                    map.clear();
                }
            }
            map.insert(key, until);
        }
    }

    /// How long `key` still holds, if it does.
    fn remaining(&self, key: &K) -> Option<Duration> {
        let map = self.0.lock().ok()?;
        let left = map.get(key)?.checked_duration_since(Instant::now())?;
        (!left.is_zero()).then_some(left)
    }
}

impl TokenThrottle {
    /// Allows `per_minute` failures per address and client id in a burst, refilled evenly over a
    /// minute.
    pub fn new(per_minute: u32) -> Self {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        let distributed = per_minute
            .saturating_mul(NonZeroU32::new(DISTRIBUTED_FACTOR).unwrap_or(NonZeroU32::MIN));
        Self {
            failures: RateLimiter::keyed(Quota::per_minute(per_minute)),
            distributed_failures: RateLimiter::keyed(Quota::per_minute(distributed)),
            blocked: Expiring::new(),
            under_attack: Expiring::new(),
            known_good: Expiring::new(),
        }
    }

    /// Before the secret is checked: `Err(retry after)` when this address is blocked for this
    /// client id, or the client id is under a spread attack and this address is not known good.
    /// A blocked caller's secret is not checked, so the answer never tells a guesser it was right.
    pub fn check(&self, address: IpAddr, client_id: &str) -> Result<(), Duration> {
        let key = (address, client_id.to_string());
        if let Some(left) = self.blocked.remaining(&key) {
            return Err(left);
        }
        match self.under_attack.remaining(&key.1) {
            Some(left) if self.known_good.remaining(&key).is_none() => Err(left),
            _ => Ok(()),
        }
    }

    /// Counts a failed attempt; `Err(retry after)` when it went over the budget.
    pub fn record_failure(&self, address: IpAddr, client_id: &str) -> Result<(), Duration> {
        if self.failures.len() > MAX_TRACKED {
            self.failures.retain_recent();
            self.distributed_failures.retain_recent();
        }
        let key = (address, client_id.to_string());
        let now = self.failures.clock().now();
        if let Err(not_until) = self.distributed_failures.check_key(&key.1) {
            let wait = not_until.wait_time_from(now);
            self.under_attack.set(key.1.clone(), Instant::now() + wait);
        }
        match self.failures.check_key(&key) {
            Ok(_) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(now);
                self.blocked.set(key, Instant::now() + wait);
                Err(wait)
            }
        }
    }

    /// Remembers that this address knows the client's secret.
    pub fn record_success(&self, address: IpAddr, client_id: &str) {
        self.known_good.set(
            (address, client_id.to_string()),
            Instant::now() + KNOWN_GOOD_FOR,
        );
    }
}
