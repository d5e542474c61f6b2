//! Per-client-id throttle of the token endpoint, against guessing secrets.

use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Keys kept before idle ones are dropped, so a flood of made-up client ids cannot grow memory.
const MAX_TRACKED_CLIENT_IDS: usize = 10_000;

pub struct TokenThrottle {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl TokenThrottle {
    /// Allows `per_minute` attempts per client id in a burst, refilled evenly over a minute.
    pub fn new(per_minute: u32) -> Self {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
        }
    }

    /// Counts an attempt for `client_id`; false when it is over its budget. Every attempt counts,
    /// not only failures, so the answer never tells a guesser whether a secret was right.
    pub fn allow(&self, client_id: &str) -> bool {
        if self.limiter.len() > MAX_TRACKED_CLIENT_IDS {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&client_id.to_string()).is_ok()
    }
}
