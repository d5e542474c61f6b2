//! Request bodies and query strings parsed so that every error names its field: a wrong value,
//! a missing field and an unknown one all answer 422 with `errors[].field` (`lines[0].quantity`,
//! `to`), which the stock extractors of actix cannot say.

use std::{future::Future, pin::Pin};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;

use super::json_error;
use crate::error::{ApiError, DomainError, FieldError};

/// A JSON object body (`application/json`), limited by the app's `PayloadConfig`.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = json_body(req, payload, Body::Required);
        Box::pin(async move { parse_json_object(&body.await?).map(Json) })
    }
}

/// Whether a route's JSON body may be left out, or may be CSV instead.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Body {
    Required,
    /// JSON, none, or `text/csv` (the caller tells them apart by the media type).
    OptionalOrCsv,
}

/// Whether a request's body is CSV (`text/csv`, in any case).
pub(super) fn is_csv(req: &HttpRequest) -> bool {
    req.content_type().eq_ignore_ascii_case("text/csv")
}

/// Reads a body that must be JSON (`application/json` or `…+json`, in any case); an optional
/// body may also be empty, whatever its media type.
pub(super) fn json_body(
    req: &HttpRequest,
    payload: &mut Payload,
    body: Body,
) -> impl Future<Output = Result<web::Bytes, ApiError>> + 'static {
    // Media types are case-insensitive (RFC 9110 §8.3.1).
    let media_type = req.content_type().to_ascii_lowercase();
    let is_json = media_type == "application/json"
        || media_type.ends_with("+json")
        || (body == Body::OptionalOrCsv && is_csv(req));
    let bytes = web::Bytes::from_request(req, payload);
    async move {
        let bytes = bytes.await.map_err(|err| {
            if err.as_response_error().status_code() == 413 {
                ApiError::PayloadTooLarge("the request body is too large".into())
            } else {
                ApiError::BadRequest(format!("cannot read the body: {err}"))
            }
        })?;
        let left_out = body != Body::Required && bytes.is_empty();
        if !(is_json || left_out) {
            return Err(json_error(actix_web::error::JsonPayloadError::ContentType));
        }
        Ok(bytes)
    }
}

/// Parses a request body that must be one JSON object, with no text a database cannot store.
pub fn parse_json_object<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if let Some(field) = unstorable_text(body) {
        return Err(nul_error(field));
    }
    parse_json_shape(body)
}

fn nul_error(field: String) -> ApiError {
    DomainError::Invalid(vec![FieldError {
        message: "must not hold a NUL character (U+0000), which cannot be stored".into(),
        field,
    }])
    .into()
}

/// The path of the first string (value or key) holding U+0000 in a JSON text. PostgreSQL text
/// cannot hold it, so every backend refuses it alike. JSON can carry it only as the escape
/// `\u0000`: texts without one are not parsed a second time.
pub fn unstorable_text(json: &[u8]) -> Option<String> {
    if !json.windows(6).any(|w| w == b"\\u0000") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(json).ok()?;
    nul_path(&value, String::new())
}

fn nul_path(value: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::String(text) => text.contains('\0').then(|| {
            if path.is_empty() {
                ".".into()
            } else {
                path.clone()
            }
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_path(item, format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                Some(join(&key.replace('\0', "\\u0000")))
            } else {
                nul_path(item, join(key))
            }
        }),
        _ => None,
    }
}

/// Parses a request body that must be one JSON object, leaving its text as it is.
pub fn parse_json_shape<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // serde's derived structs also accept a JSON array of their fields in order; a client that
    // sends one has made a mistake we must not guess about.
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{') {
        serde_json::from_slice::<serde::de::IgnoredAny>(body)
            .map_err(|e| json_error(actix_web::error::JsonPayloadError::Deserialize(e)))?;
        return Err(ApiError::Unprocessable(
            "the body must be a JSON object".into(),
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        if err.inner().is_data() {
            field_error(err.path(), &err.inner().to_string())
        } else {
            ApiError::BadRequest(format!("the body is not valid JSON: {}", err.inner()))
        }
    })?;
    deserializer
        .end()
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

/// A query string whose errors name the parameter.
pub struct Query<T>(pub T);

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs = form_urlencoded::parse(req.query_string().as_bytes());
        if let Some((name, _)) = pairs
            .clone()
            .find(|(name, value)| name.contains('\0') || value.contains('\0'))
        {
            return std::future::ready(Err(nul_error(name.replace('\0', "\\u0000"))));
        }
        let deserializer = serde_urlencoded::Deserializer::new(pairs);
        std::future::ready(
            serde_path_to_error::deserialize(deserializer)
                .map(Query)
                .map_err(|err| field_error(err.path(), &err.inner().to_string())),
        )
    }
}

/// The field an error is about: its path (an unknown field's path ends with it), or for a missing
/// field the path of the object that lacks it plus its name.
fn field_error(path: &serde_path_to_error::Path, message: &str) -> ApiError {
    let named = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name);
    let parent = path.to_string();
    let field = match (parent.as_str(), named) {
        (".", Some(name)) => name.to_string(),
        (parent, Some(name)) => format!("{parent}.{name}"),
        (parent, None) => parent.to_string(),
    };
    DomainError::Invalid(vec![FieldError {
        field,
        message: message.to_string(),
    }])
    .into()
}
