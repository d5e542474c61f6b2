//! The change feeds terminals pull from. Sequence numbers are taken from a counter row bumped
//! inside the writing transaction, so they are handed out in commit order: a reader that has seen
//! sequence `s` has seen every change below `s` (DESIGN rule 4).

pub mod feed;
pub mod master;
pub mod stock;
