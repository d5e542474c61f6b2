//! Client secrets: generated, hashed for storage, verified. Secrets are never stored in clear.

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::DomainError;

const SHA256_PREFIX: &str = "sha256:";

/// A new 256-bit random secret, base64url without padding.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new client id with a readable prefix, e.g. `trm_3f2a…`.
pub fn generate_client_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// Hash of a secret the hub generated: 256 random bits need no slow hash, and SHA-256 keeps the
/// token endpoint fast for thousands of terminals.
pub fn hash_generated_secret(secret: &str) -> String {
    format!(
        "{SHA256_PREFIX}{}",
        hex::encode(Sha256::digest(secret.as_bytes()))
    )
}

/// Hash of a secret a person chose (the bootstrap admin's): argon2id, in PHC string format.
/// Slow by design, so call it off the async workers.
pub fn hash_chosen_secret(secret: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(secret.as_bytes(), &salt)?
        .to_string())
}

/// [`hash_chosen_secret`] on a blocking thread: argon2id takes tens of milliseconds, which the
/// async workers must not spend.
pub async fn hash_chosen_secret_off_workers(secret: String) -> Result<String, DomainError> {
    tokio::task::spawn_blocking(move || hash_chosen_secret(&secret))
        .await
        .map_err(|e| DomainError::internal("the hashing task failed", e))?
        .map_err(|e| DomainError::internal("cannot hash a chosen secret", e))
}

/// [`verify_secret`] on a blocking thread, for the same reason.
pub async fn verify_secret_off_workers(
    stored_hash: String,
    presented: String,
) -> Result<bool, DomainError> {
    tokio::task::spawn_blocking(move || verify_secret(&stored_hash, &presented))
        .await
        .map_err(|e| DomainError::internal("the secret verification task failed", e))
}

/// Checks `presented` against a stored hash of either kind, in constant time for SHA-256.
/// Argon2 verification is slow by design, so call it off the async workers.
pub fn verify_secret(stored_hash: &str, presented: &str) -> bool {
    match stored_hash.strip_prefix(SHA256_PREFIX) {
        Some(_) => {
            let presented_hash = hash_generated_secret(presented);
            presented_hash
                .as_bytes()
                .ct_eq(stored_hash.as_bytes())
                .into()
        }
        None => PasswordHash::new(stored_hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(presented.as_bytes(), &parsed)
                .is_ok()
        }),
    }
}
