//! Branches and the terminals registered under them.

mod branches;
mod device_logs;
mod fleet;
mod terminals;

pub use branches::*;
pub use device_logs::*;
pub use fleet::*;
pub use terminals::*;
