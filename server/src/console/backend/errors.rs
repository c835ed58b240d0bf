//! Vault errors as the console shows them: stable codes, safe messages, the form field.

use coffer_app::{ConsoleError, ErrorCode};
use coffer_vault::VaultError;

/// Maps a vault error. Storage, HSM and crypto failures are logged here with their detail and
/// shown as "unavailable" (nothing was done: the vault fails closed).
pub fn map(e: VaultError) -> ConsoleError {
    match e {
        VaultError::Invalid(i) => ConsoleError {
            code: ErrorCode::InvalidInput,
            message: i.message.clone(),
            field: i.param.clone(),
        },
        VaultError::Unauthenticated => ConsoleError::unauthenticated(),
        VaultError::Denied(d) if d.step_up => ConsoleError {
            code: ErrorCode::StepUpRequired,
            message: "Enter a fresh code from your authenticator app to confirm this action."
                .to_owned(),
            field: Some("code".to_owned()),
        },
        VaultError::Denied(_) => ConsoleError::new(
            ErrorCode::Forbidden,
            "You do not have permission to do this. The attempt was recorded.",
        ),
        VaultError::InvalidCode => ConsoleError {
            code: ErrorCode::InvalidCode,
            message: "That code is wrong or was already used. Wait for a new code and try again."
                .to_owned(),
            field: Some("code".to_owned()),
        },
        VaultError::NotFound => ConsoleError::new(ErrorCode::NotFound, "Not found."),
        VaultError::Shredded => ConsoleError::new(
            ErrorCode::NotFound,
            "This payment method was deleted; its number no longer exists.",
        ),
        other => {
            let incident = coffer_vault::token::random_id("inc");
            tracing::error!(incident = %incident, error = %other, "console request failed");
            ConsoleError::new(
                ErrorCode::Unavailable,
                format!(
                    "The vault could not complete this request; nothing was changed. Incident {incident}."
                ),
            )
        }
    }
}

/// Like [`map`], but a wrong code is reported on `field`.
pub fn code_error(e: VaultError, field: &str) -> ConsoleError {
    let mut err = map(e);
    if err.code == ErrorCode::InvalidCode {
        err.field = Some(field.to_owned());
    }
    err
}
