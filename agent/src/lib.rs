//! Reference terminal agent for Hubshake. It talks to the hub only over HTTP, as a real terminal does.

pub mod hub;
pub mod settings;
