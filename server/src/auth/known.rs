//! Callers this process lately found allowed in. While the feed watcher is healthy a request's
//! "still active" check is answered from here; every change of credentials anywhere (announced
//! through the `credentials` stream) makes all of it stale at once.

use std::{collections::HashMap, sync::Mutex};

use sea_orm::{DatabaseConnection, DbErr};

use super::{caller::Caller, jwt::Principal};
use crate::sync::heads::Heads;

/// Callers kept at most; past that the table starts again empty.
const MAX_KNOWN: usize = 100_000;

#[derive(Default)]
pub struct KnownCallers(Mutex<Known>);

#[derive(Default)]
struct Known {
    /// The credentials generation the callers were learnt under.
    generation: u64,
    callers: HashMap<Principal, Caller>,
}

impl KnownCallers {
    /// Who is behind a verified token, if still allowed in (see [`super::current_caller`]).
    pub async fn current_caller(
        &self,
        db: &DatabaseConnection,
        heads: &Heads,
        principal: Principal,
    ) -> Result<Option<Caller>, DbErr> {
        // Read before the database: a change announced while it is asked makes the answer stale.
        let generation = heads.credentials_generation();
        if heads.is_healthy()
            && let Some(caller) = self.lookup(&principal, generation)
        {
            return Ok(Some(caller));
        }
        let caller = super::current_caller(db, principal.clone()).await?;
        if let Some(caller) = &caller {
            self.remember(principal, caller.clone(), generation, heads);
        }
        Ok(caller)
    }

    fn lookup(&self, principal: &Principal, generation: u64) -> Option<Caller> {
        let known = self.0.lock().ok()?;
        (known.generation == generation)
            .then(|| known.callers.get(principal).cloned())
            .flatten()
    }

    fn remember(&self, principal: Principal, caller: Caller, generation: u64, heads: &Heads) {
        let Ok(mut known) = self.0.lock() else {
            return;
        };
        // Checked under the lock: credentials changed while the database was asked.
        if heads.credentials_generation() != generation {
            return;
        }
        if known.generation != generation || known.callers.len() >= MAX_KNOWN {
            known.callers.clear();
            known.generation = generation;
        }
        known.callers.insert(principal, caller);
    }
}
