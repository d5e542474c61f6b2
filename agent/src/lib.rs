//! Reference terminal agent for Hubshake. It talks to the hub only over HTTP, as a real terminal does.

pub mod cycle;
pub mod hub;
pub mod local;
pub mod outbox;
pub mod sell;
pub mod settings;
pub mod swarm;
