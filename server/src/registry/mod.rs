//! Branches and the terminals registered under them.

mod branches;
mod fleet;
mod terminals;

pub use branches::*;
pub use fleet::*;
pub use terminals::*;
