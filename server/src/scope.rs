//! Branch scope: the branches a caller may read or write. The caller hands it out
//! ([`crate::auth::caller::Caller::branch_scope`]) and every domain function that touches a
//! branch's data takes it, so another branch's object is "not found" by one rule everywhere,
//! whatever the route, and a new route cannot forget the check.

use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use crate::error::DomainError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BranchScope(Reach);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    Every,
    One(Uuid),
    Nothing,
}

impl BranchScope {
    /// Every branch: an admin's scope, or the hub's own work (start-up, the CLI).
    pub(crate) fn every() -> Self {
        Self(Reach::Every)
    }

    /// One branch: a terminal's own.
    pub(crate) fn one(branch_id: Uuid) -> Self {
        Self(Reach::One(branch_id))
    }

    /// No branch at all: a sales channel's, which reads stock only as its availability.
    pub(crate) fn none() -> Self {
        Self(Reach::Nothing)
    }

    pub fn admits(&self, branch_id: Uuid) -> bool {
        match self.0 {
            Reach::Every => true,
            Reach::One(own) => own == branch_id,
            Reach::Nothing => false,
        }
    }

    /// `branch_id` if the scope reaches it; another branch does not exist for this caller.
    pub fn branch(&self, branch_id: Uuid) -> Result<Uuid, DomainError> {
        self.object(branch_id, branch_id, "branch")
    }

    /// `object` (of `branch_id`) if the scope reaches its branch, or "`what` not found".
    pub fn object<T>(
        &self,
        branch_id: Uuid,
        object: T,
        what: &'static str,
    ) -> Result<T, DomainError> {
        if self.admits(branch_id) {
            Ok(object)
        } else {
            Err(DomainError::NotFound(what))
        }
    }

    /// This scope limited to the branch asked for (a list's filter), or all of it when none.
    pub fn narrowed(self, asked: Option<Uuid>) -> Result<Self, DomainError> {
        match asked {
            Some(branch_id) => self.branch(branch_id).map(Self::one),
            None => Ok(self),
        }
    }

    /// The single branch this scope is, if it is one (a terminal's default for its requests).
    pub fn single(&self) -> Option<Uuid> {
        match self.0 {
            Reach::Every | Reach::Nothing => None,
            Reach::One(branch_id) => Some(branch_id),
        }
    }

    /// A query condition limiting `column`, a branch id, to this scope.
    pub fn condition(&self, column: impl ColumnTrait) -> Condition {
        match self.0 {
            Reach::Every => Condition::all(),
            Reach::One(branch_id) => Condition::all().add(column.eq(branch_id)),
            Reach::Nothing => Condition::any(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_branch_admits_only_itself_and_hides_others() {
        let (own, other) = (Uuid::now_v7(), Uuid::now_v7());
        let scope = BranchScope::one(own);
        assert!(scope.admits(own) && !scope.admits(other));
        assert!(matches!(
            scope.branch(other),
            Err(DomainError::NotFound("branch"))
        ));
        assert_eq!(scope.narrowed(None).ok(), Some(scope));
        assert!(scope.narrowed(Some(other)).is_err());
        assert_eq!(scope.single(), Some(own));
    }

    #[test]
    fn every_branch_narrows_to_the_one_asked_for() {
        let asked = Uuid::now_v7();
        let scope = BranchScope::every();
        assert!(scope.admits(asked));
        assert_eq!(scope.single(), None);
        assert_eq!(
            scope.narrowed(Some(asked)).ok(),
            Some(BranchScope::one(asked))
        );
    }
}
