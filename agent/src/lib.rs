//! Reference terminal agent for Hubshake. It talks to the hub over HTTP and listens on its
//! WebSocket, as a real terminal does.

pub mod customers;
pub mod cycle;
pub mod hub;
pub mod local;
pub mod logbook;
pub mod outbox;
pub mod push;
pub mod sell;
pub mod settings;
pub mod shifts;
pub mod swarm;
