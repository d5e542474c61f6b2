//! People of head office who use the web console: their accounts and their sessions. The console's
//! pages call the same domain functions as the API, with the same roles.

pub mod sessions;
pub mod users;

/// The roles people have are those of API clients.
pub use entity::admin_client::ClientRole;
