//! A connection's client certificate (mTLS): the certificate chain is public and kept in clear,
//! shown to operators as subject, expiry and SHA-256 fingerprint; the private key is secret,
//! sealed with the connection's other credentials and never shown again.

use crate::cde::intake::IntakeError;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The most bytes of PEM accepted for the chain, and for the key.
const MAX_PEM: usize = 16_384;

/// A client certificate as a security admin registers it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientCertificate {
    /// The certificate chain, PEM, leaf first.
    pub cert_pem: String,
    /// The leaf's private key, PEM (PKCS#8, SEC1 or PKCS#1).
    pub key_pem: SecretString,
}

impl std::fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientCertificate(<key hidden>)")
    }
}

/// What operators see of a client certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientCertView {
    pub subject: String,
    /// Unix seconds.
    pub not_after: i64,
    /// SHA-256 of the leaf certificate (DER), lower-case hex.
    pub sha256: String,
}

impl ClientCertificate {
    /// Checks the chain and key: certificates only in `cert_pem`, one private key in `key_pem`,
    /// a leaf that parses and has not expired, and the pair accepted by the TLS client.
    pub(crate) fn check(self, now_secs: i64) -> Result<ClientCertificate, IntakeError> {
        let refuse = |why: &'static str| IntakeError::invalid_because("client_certificate", why);
        let key = self.key_pem.expose_secret();
        if self.cert_pem.len() > MAX_PEM || key.len() > MAX_PEM {
            return Err(refuse("a certificate chain and key of at most 16 KiB each"));
        }
        if !self.cert_pem.contains("-----BEGIN CERTIFICATE-----")
            || self.cert_pem.contains("PRIVATE KEY")
        {
            return Err(refuse(
                "give the PEM certificate chain in cert_pem and the key in key_pem",
            ));
        }
        if !key.contains("PRIVATE KEY-----") || key.contains("CERTIFICATE") {
            return Err(refuse("give one PEM private key in key_pem"));
        }
        let view = describe(&self.cert_pem)
            .ok_or_else(|| refuse("the certificate chain does not parse"))?;
        if view.not_after <= now_secs {
            return Err(refuse("the client certificate has expired"));
        }
        // The TLS client checks that the key is the certificate's when it takes the pair.
        let accepted = reqwest::Identity::from_pem(&self.identity_pem()).is_ok_and(|id| {
            reqwest::Client::builder()
                .use_rustls_tls()
                .identity(id)
                .build()
                .is_ok()
        });
        if !accepted {
            return Err(refuse("the key does not go with the certificate"));
        }
        Ok(self)
    }

    /// Chain and key in one PEM buffer, as the TLS client takes them (wiped on drop).
    pub(crate) fn identity_pem(&self) -> Zeroizing<Vec<u8>> {
        identity_pem(&self.cert_pem, &self.key_pem)
    }
}

/// Chain and key in one PEM buffer (wiped on drop).
pub(crate) fn identity_pem(cert_pem: &str, key_pem: &SecretString) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(cert_pem.len() + MAX_PEM));
    out.extend_from_slice(cert_pem.trim().as_bytes());
    out.push(b'\n');
    out.extend_from_slice(key_pem.expose_secret().trim().as_bytes());
    out.push(b'\n');
    out
}

/// Subject, expiry and fingerprint of the chain's first (leaf) certificate.
pub fn describe(cert_pem: &str) -> Option<ClientCertView> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(cert_pem.trim_start().as_bytes()).ok()?;
    if pem.label != "CERTIFICATE" {
        return None;
    }
    let cert = pem.parse_x509().ok()?;
    Some(ClientCertView {
        subject: cert.subject().to_string().chars().take(200).collect(),
        not_after: cert.validity().not_after.timestamp(),
        sha256: hex::encode(Sha256::digest(&pem.contents)),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    /// A self-signed certificate for CN=coffer-test-client (made by rcgen at test time), its
    /// key, and another key that does not go with it.
    fn made(not_after: (i32, u8, u8)) -> (String, String, String) {
        let mut params = rcgen::CertificateParams::new(vec!["client.test".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "coffer-test-client");
        params.not_before = rcgen::date_time_ymd(2000, 1, 1);
        params.not_after = rcgen::date_time_ymd(not_after.0, not_after.1, not_after.2);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let other = rcgen::KeyPair::generate().unwrap();
        (cert.pem(), key.serialize_pem(), other.serialize_pem())
    }

    fn cert(cert: &str, key: &str) -> ClientCertificate {
        ClientCertificate {
            cert_pem: cert.to_owned(),
            key_pem: SecretString::from(key.to_owned()),
        }
    }

    #[test]
    fn a_certificate_and_its_key_are_accepted_and_described() {
        let (pem, key, _) = made((2100, 1, 1));
        let c = cert(&pem, &key).check(1_800_000_000).unwrap();
        let v = describe(&c.cert_pem).unwrap();
        assert!(v.subject.contains("coffer-test-client"), "{}", v.subject);
        assert_eq!(v.sha256.len(), 64);
        assert_eq!(v.not_after, 4_102_444_800);
        assert!(!format!("{c:?}").contains("PRIVATE"));
    }

    #[test]
    fn swapped_expired_or_mismatched_parts_are_refused_on_the_field() {
        let (pem, key, other) = made((2100, 1, 1));
        let (cert_pem, key_pem, other_key) = (pem.as_str(), key.as_str(), other.as_str());
        let cases = [
            cert(key_pem, cert_pem),
            cert(cert_pem, cert_pem),
            cert(&format!("{cert_pem}{key_pem}"), key_pem),
            cert(
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
                key_pem,
            ),
            cert(cert_pem, other_key),
        ];
        for c in cases {
            let err = c.check(1_800_000_000).unwrap_err();
            assert_eq!(err.param.as_deref(), Some("client_certificate"));
        }
        let (old, old_key, _) = made((2020, 1, 1));
        let expired = cert(&old, &old_key).check(1_800_000_000).unwrap_err();
        assert_eq!(expired.param.as_deref(), Some("client_certificate"));
    }
}
