//! Customer link tokens: 256 random bits in a link's URL (or the customer's cookie), stored only
//! as their SHA-256, so a copy of the database cannot open a link. A link is single-use and
//! expires; what it may do is its purpose.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// How long an enrolment link stays valid once issued.
pub const ENROL_TTL_MS: i64 = 24 * 60 * 60 * 1000;
/// How long a customer's session (after redeeming an enrolment link) lasts.
pub const SESSION_TTL_MS: i64 = 15 * 60 * 1000;
/// How long a step-up challenge stays open.
pub const STEP_UP_TTL_MS: i64 = 10 * 60 * 1000;
/// Wrong answers allowed per challenge.
pub const MAX_ATTEMPTS: i64 = 5;
/// Wrong answers a customer may give across all their challenges in [`LOCKOUT_WINDOW_MS`]:
/// beyond it every challenge fails unanswered, so new uses do not buy new guesses.
pub const MAX_WRONG_PER_WINDOW: i64 = 10;
/// The window of [`MAX_WRONG_PER_WINDOW`].
pub const LOCKOUT_WINDOW_MS: i64 = 60 * 60 * 1000;

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// Sent to the customer by the OMS; redeemed once for a session.
    Enrol,
    /// The customer's cookie while they manage their factors.
    Session,
    /// One use's challenge.
    StepUp,
    /// A customer confirms a new expiry or replaces a card.
    Reverify,
    /// A caller types a card for a call-centre agent (MOTO) on their own device.
    Collect,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Enrol => "enrol",
            LinkPurpose::Session => "session",
            LinkPurpose::StepUp => "step_up",
            LinkPurpose::Reverify => "reverify",
            LinkPurpose::Collect => "collect",
        }
    }
}

/// A fresh token (to hand out once) and the id it is stored under.
pub struct LinkToken {
    token: SecretString,
    id: String,
}

impl LinkToken {
    pub fn generate() -> LinkToken {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let id = id_of_unchecked(&token);
        LinkToken {
            token: SecretString::from(token),
            id,
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn expose(&self) -> &str {
        self.token.expose_secret()
    }
}

impl std::fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LinkToken(<hidden>)")
    }
}

fn id_of_unchecked(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The stored id of a token presented by a browser, if it is well formed (43 base64url
/// characters); anything else cannot name a link.
pub fn id_of(token: &str) -> Option<String> {
    let ok = token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| id_of_unchecked(token))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_only_as_their_digest() {
        let a = LinkToken::generate();
        let b = LinkToken::generate();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 43);
        assert_eq!(id_of(a.expose()).unwrap(), a.id());
        assert!(!a.id().contains(a.expose()));
        assert_eq!(format!("{a:?}"), "LinkToken(<hidden>)");
    }

    #[test]
    fn malformed_tokens_name_no_link() {
        assert!(id_of("").is_none());
        assert!(id_of(&"a".repeat(42)).is_none());
        assert!(id_of(&format!("{}=", "a".repeat(42))).is_none());
        assert!(id_of(&"a".repeat(43)).is_some());
    }
}
