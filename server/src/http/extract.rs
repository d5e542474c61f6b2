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
        let media_type = req.content_type();
        let is_json = media_type == "application/json" || media_type.ends_with("+json");
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(json_error(actix_web::error::JsonPayloadError::ContentType));
            }
            let bytes = bytes.await.map_err(|err| {
                if err.as_response_error().status_code() == 413 {
                    ApiError::PayloadTooLarge("the request body is too large".into())
                } else {
                    ApiError::BadRequest(format!("cannot read the body: {err}"))
                }
            })?;
            parse_json_object(&bytes).map(Json)
        })
    }
}

/// Parses a request body that must be one JSON object.
pub fn parse_json_object<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
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
