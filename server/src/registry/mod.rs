//! Branches and the terminals registered under them.

mod branches;
mod terminals;

pub use branches::*;
pub use terminals::*;
