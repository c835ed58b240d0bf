//! The console's error: a stable code the pages act on, a message safe to show, and the form
//! field it concerns. Never carries user input or a secret.

use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

/// What went wrong, as the pages distinguish it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No session, or it ended (idle timeout, sign-out, account disabled): sign in again.
    Unauthenticated,
    /// Signed in, but the role does not allow this (the refusal was audited).
    Forbidden,
    /// The action needs a fresh TOTP code.
    StepUpRequired,
    /// Email or password wrong, unknown account or locked account: one answer for all.
    InvalidCredentials,
    /// The TOTP or recovery code was wrong or already used.
    InvalidCode,
    /// A form field is wrong (`field` names it).
    InvalidInput,
    NotFound,
    /// The request came from another site (CSRF protection).
    CrossSite,
    /// Too many failed attempts from this address: wait before trying again.
    RateLimited,
    /// The vault could not complete the request (database, HSM, audit log); nothing was done.
    Unavailable,
    /// Transport or encoding failure between browser and server.
    Network,
}

impl ErrorCode {
    /// The HTTP status a server function answers with.
    #[cfg(feature = "ssr")]
    pub fn status(self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials => S::UNAUTHORIZED,
            ErrorCode::Forbidden | ErrorCode::StepUpRequired | ErrorCode::CrossSite => S::FORBIDDEN,
            ErrorCode::InvalidCode | ErrorCode::InvalidInput => S::BAD_REQUEST,
            ErrorCode::NotFound => S::NOT_FOUND,
            ErrorCode::RateLimited => S::TOO_MANY_REQUESTS,
            ErrorCode::Unavailable => S::SERVICE_UNAVAILABLE,
            ErrorCode::Network => S::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The error every console server function returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleError {
    pub code: ErrorCode,
    pub message: String,
    /// The form field (input name) the error is about.
    pub field: Option<String>,
}

impl ConsoleError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ConsoleError {
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ConsoleError {
            code: ErrorCode::InvalidInput,
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }

    pub fn unauthenticated() -> Self {
        ConsoleError::new(
            ErrorCode::Unauthenticated,
            "Your session has ended. Sign in again.",
        )
    }

    /// The message for `field`, if this error is about it.
    pub fn for_field(&self, field: &str) -> Option<String> {
        (self.field.as_deref() == Some(field)).then(|| self.message.clone())
    }
}

impl std::fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConsoleError {}

impl FromServerFnError for ConsoleError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // Argument errors can quote what was typed; say only that the form was malformed.
        let message = match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => {
                "The form could not be read. Reload the page and try again.".to_owned()
            }
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => {
                "The server could not be reached. Check the connection and try again.".to_owned()
            }
            _ => "Something went wrong. Try again.".to_owned(),
        };
        ConsoleError::new(ErrorCode::Network, message)
    }
}
