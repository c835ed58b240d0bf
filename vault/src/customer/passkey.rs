//! The WebAuthn relying party for customers' passkeys: bound to the public URL's host (the RP
//! id) and exact origin, so a passkey challenge answered on another site fails. Passkeys need a
//! domain name: a public URL on an IP address leaves them off (TOTP still works).

use webauthn_rs::prelude::{Url, Webauthn, WebauthnBuilder};

/// The relying party for `public_url`, or `None` if it cannot be one (no domain name).
pub fn relying_party(public_url: &str, merchant_name: &str) -> Option<Webauthn> {
    let origin = Url::parse(public_url).ok()?;
    let rp_id = origin.domain()?.to_owned();
    WebauthnBuilder::new(&rp_id, &origin)
        .ok()?
        .rp_name(merchant_name)
        .build()
        .ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn a_domain_makes_a_relying_party_and_an_ip_does_not() {
        assert!(relying_party("http://localhost:3000", "Shop").is_some());
        assert!(relying_party("https://vault.example.com", "Shop").is_some());
        assert!(relying_party("http://127.0.0.1:3000", "Shop").is_none());
        assert!(relying_party("not a url", "Shop").is_none());
    }
}
