//! What a console request answers when it cannot do what was asked: the login page for a missing
//! session, otherwise an HTML page with the problem the API would answer (same status, same
//! detail, same field errors).

use actix_web::{HttpResponse, ResponseError, http::StatusCode, http::header};

use super::layout;
use crate::error::{ApiError, DomainError};

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No session, or one that ended: log in first.
    #[error("log in first")]
    LoginRequired,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<DomainError> for ConsoleError {
    fn from(err: DomainError) -> Self {
        Self::Api(err.into())
    }
}

impl ConsoleError {
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::Api(ApiError::Forbidden(detail.into()))
    }
}

impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        match self {
            ConsoleError::LoginRequired => StatusCode::SEE_OTHER,
            ConsoleError::Api(err) => err.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ConsoleError::LoginRequired => HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/console/login"))
                .finish(),
            ConsoleError::Api(err) => {
                let mut page = layout::problem_page(self.status_code(), &err.problem());
                if let Some(seconds) = err.retry_after_secs() {
                    page.headers_mut()
                        .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
                }
                page
            }
        }
    }
}
