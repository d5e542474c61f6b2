//! Access tokens (RFC 9068 JWT profile, RFC 8725 practices): HS256 only, `typ: at+jwt`, a `kid`
//! that must name the hub's key, and iss/aud/exp/nbf/iat/jti always set and checked.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Utc;
use entity::signing_key;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait, QueryOrder,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::Settings;

const ALGORITHM: Algorithm = Algorithm::HS256;
const TOKEN_TYPE: &str = "at+jwt";
const MIN_KEY_BYTES: usize = 32;

/// What a token is about: an admin client or a terminal of a branch.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Principal {
    Admin {
        client_id: String,
        credential_version: i32,
    },
    Terminal {
        client_id: String,
        terminal_id: Uuid,
        branch_id: Uuid,
        credential_version: i32,
    },
    /// A sales channel (a web shop): its own orders and availability only.
    Channel {
        client_id: String,
        channel_id: Uuid,
        credential_version: i32,
    },
}

impl Principal {
    pub fn scope(&self) -> &'static str {
        match self {
            Principal::Admin { .. } => "admin",
            Principal::Terminal { .. } => "terminal",
            Principal::Channel { .. } => "channel",
        }
    }

    fn client_id(&self) -> &str {
        match self {
            Principal::Admin { client_id, .. }
            | Principal::Terminal { client_id, .. }
            | Principal::Channel { client_id, .. } => client_id,
        }
    }

    /// The client's credential version the token was issued under.
    pub fn credential_version(&self) -> i32 {
        match self {
            Principal::Admin {
                credential_version, ..
            }
            | Principal::Terminal {
                credential_version, ..
            }
            | Principal::Channel {
                credential_version, ..
            } => *credential_version,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct AccessClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: i64,
    nbf: i64,
    iat: i64,
    jti: String,
    client_id: String,
    scope: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    terminal_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    branch_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    channel_id: Option<Uuid>,
    /// The client's credential version at issue (absent in tokens from before versions: 0).
    #[serde(default)]
    ver: i32,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the configured signing key must be at least {MIN_KEY_BYTES} bytes")]
    TooShort,
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error("the stored signing key is not base64url: {0}")]
    Corrupt(base64::DecodeError),
}

/// Issues and verifies access tokens with the hub's one signing key.
pub struct TokenService {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    lifetime: Duration,
}

impl TokenService {
    /// Uses the configured key, or the one kept in the database, or creates and keeps a new one.
    pub async fn load(db: &DatabaseConnection, settings: &Settings) -> Result<Self, KeyError> {
        let (kid, secret) = match &settings.signing_key {
            Some(configured) if configured.len() < MIN_KEY_BYTES => return Err(KeyError::TooShort),
            Some(configured) => {
                let digest = Sha256::digest(configured.as_bytes());
                (
                    format!("cfg-{}", &hex::encode(digest)[..16]),
                    configured.as_bytes().to_vec(),
                )
            }
            None => stored_key(db).await?,
        };
        let mut validation = Validation::new(ALGORITHM);
        validation.set_issuer(&[&settings.token_issuer]);
        validation.set_audience(&[&settings.token_audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        Ok(Self {
            kid,
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
            validation,
            issuer: settings.token_issuer.clone(),
            audience: settings.token_audience.clone(),
            lifetime: Duration::from_secs(settings.token_lifetime_secs),
        })
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    pub fn issue(&self, principal: &Principal) -> Result<String, jsonwebtoken::errors::Error> {
        let now = Utc::now().timestamp();
        let (terminal_id, branch_id, channel_id) = match principal {
            Principal::Admin { .. } => (None, None, None),
            Principal::Terminal {
                terminal_id,
                branch_id,
                ..
            } => (Some(*terminal_id), Some(*branch_id), None),
            Principal::Channel { channel_id, .. } => (None, None, Some(*channel_id)),
        };
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            sub: principal.client_id().to_string(),
            aud: self.audience.clone(),
            exp: now + self.lifetime.as_secs() as i64,
            nbf: now,
            iat: now,
            jti: Uuid::new_v4().to_string(),
            client_id: principal.client_id().to_string(),
            scope: principal.scope().to_string(),
            terminal_id,
            branch_id,
            channel_id,
            ver: principal.credential_version(),
        };
        let mut header = Header::new(ALGORITHM);
        header.typ = Some(TOKEN_TYPE.into());
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.encoding)
    }

    /// Verifies signature, algorithm, type, key id and claims; returns who the token is for.
    pub fn verify(&self, token: &str) -> Result<Principal, String> {
        self.verify_with_expiry(token)
            .map(|(principal, _)| principal)
    }

    /// [`verify`](Self::verify), with when the token expires (for a socket, which outlives a
    /// request).
    pub fn verify_with_expiry(
        &self,
        token: &str,
    ) -> Result<(Principal, chrono::DateTime<Utc>), String> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| format!("malformed token: {e}"))?;
        if header.typ.as_deref() != Some(TOKEN_TYPE) {
            return Err(format!("token type must be {TOKEN_TYPE}"));
        }
        if header.kid.as_deref() != Some(self.kid.as_str()) {
            return Err("token is signed with a key this hub does not hold".into());
        }
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map_err(|e| format!("token refused: {e}"))?
            .claims;
        let expires_at = chrono::DateTime::from_timestamp(claims.exp, 0)
            .ok_or("the token's expiry is not a time")?;
        let principal = match (
            claims.scope.as_str(),
            claims.terminal_id,
            claims.branch_id,
            claims.channel_id,
        ) {
            ("admin", None, None, None) => Principal::Admin {
                client_id: claims.sub,
                credential_version: claims.ver,
            },
            ("terminal", Some(terminal_id), Some(branch_id), None) => Principal::Terminal {
                client_id: claims.sub,
                terminal_id,
                branch_id,
                credential_version: claims.ver,
            },
            ("channel", None, None, Some(channel_id)) => Principal::Channel {
                client_id: claims.sub,
                channel_id,
                credential_version: claims.ver,
            },
            _ => return Err("token scope and claims do not agree".into()),
        };
        Ok((principal, expires_at))
    }
}

/// Key id of the key generated on first start; fixed, so that replicas starting together on an
/// empty database collide on the insert and the loser reads the winner's key.
const FIRST_GENERATED_KID: &str = "k1";

/// The newest stored key, created on first use.
async fn stored_key(db: &DatabaseConnection) -> Result<(String, Vec<u8>), KeyError> {
    let newest = || {
        signing_key::Entity::find()
            .order_by_desc(signing_key::Column::CreatedAt)
            .one(db)
    };
    let key = match newest().await? {
        Some(key) => key,
        None => {
            let mut secret = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut secret);
            let inserted = signing_key::ActiveModel {
                kid: Set(FIRST_GENERATED_KID.into()),
                secret: Set(URL_SAFE_NO_PAD.encode(secret)),
                created_at: Set(Utc::now()),
            }
            .insert(db)
            .await;
            match inserted {
                Ok(key) => key,
                Err(_) => newest()
                    .await?
                    .ok_or(DbErr::RecordNotFound("signing key".into()))?,
            }
        }
    };
    let secret = URL_SAFE_NO_PAD
        .decode(&key.secret)
        .map_err(KeyError::Corrupt)?;
    Ok((key.kid, secret))
}
