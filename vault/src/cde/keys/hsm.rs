//! The HSM over PKCS#11: finds the token, logs in, owns the KEK and the fingerprint key, and
//! performs the only operations the vault needs (HMAC, wrap and unwrap of data keys, ECDSA
//! signatures over audit checkpoints, archives and exports).

use cryptoki::context::Pkcs11;
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use secrecy::{ExposeSecret, SecretString};
use std::path::PathBuf;
use std::sync::Mutex;
use zeroize::Zeroizing;

/// Label of the key-encrypting key (AES-256, sensitive, never extractable).
pub const KEK_LABEL: &str = "coffer-kek";
/// Label of the HMAC-SHA256 key used for fingerprints (sensitive, never extractable).
pub const FINGERPRINT_KEY_LABEL: &str = "coffer-fingerprint";
/// Label of the ECDSA P-256 key pair that signs audit checkpoints, archives and exports (the
/// private half sensitive and never extractable).
pub const AUDIT_SIGNING_KEY_LABEL: &str = "coffer-audit-signing";
/// DER of the named curve P-256 (OID 1.2.840.10045.3.1.7).
const P256_PARAMS: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const MAX_IDLE_SESSIONS: usize = 32;

/// Where the HSM is and how to log in. The PIN is a secret and never printed.
#[derive(Clone)]
pub struct HsmConfig {
    pub module: PathBuf,
    pub token_label: String,
    pub pin: SecretString,
}

impl std::fmt::Debug for HsmConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HsmConfig")
            .field("module", &self.module)
            .field("token_label", &self.token_label)
            .field("pin", &"<hidden>")
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HsmError {
    #[error("PKCS#11 error: {0}")]
    Pkcs11(#[from] CkError),
    #[error("no token labelled {0:?} in the configured PKCS#11 module")]
    TokenNotFound(String),
    #[error("no uninitialised slot is free for a new token")]
    NoFreeSlot,
    #[error("key {0:?} is missing from the token; run `coffer hsm init`")]
    KeyMissing(&'static str),
    #[error("the HSM returned a key of the wrong length")]
    BadKeyLength,
    #[error("the HSM returned a malformed public key or signature")]
    BadEcValue,
}

/// The security-relevant attributes of a key object, as the token reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyAttributes {
    pub sensitive: bool,
    pub extractable: bool,
    pub never_extractable: bool,
    pub value_readable: bool,
}

/// An open, logged-in token with the vault's two long-lived keys located.
pub struct Hsm {
    ctx: Pkcs11,
    slot: Slot,
    idle: Mutex<Vec<Session>>,
    kek: ObjectHandle,
    fingerprint_key: ObjectHandle,
    audit_signing_key: ObjectHandle,
    /// The signing key's public half, SEC1 uncompressed (65 bytes).
    audit_public_key: Vec<u8>,
    _login: Mutex<Session>,
}

impl std::fmt::Debug for Hsm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hsm(slot {})", self.slot.id())
    }
}

fn find_slot(ctx: &Pkcs11, label: &str) -> Result<Slot, HsmError> {
    for slot in ctx.get_slots_with_initialized_token()? {
        if ctx.get_token_info(slot)?.label().trim_end() == label {
            return Ok(slot);
        }
    }
    Err(HsmError::TokenNotFound(label.to_owned()))
}

fn login(ctx: &Pkcs11, slot: Slot, pin: &SecretString) -> Result<Session, HsmError> {
    let session = ctx.open_rw_session(slot)?;
    let pin = AuthPin::new(pin.expose_secret().into());
    match session.login(UserType::User, Some(&pin)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(session),
        Err(e) => Err(e.into()),
    }
}

fn find_key(session: &Session, label: &'static str) -> Result<Option<ObjectHandle>, HsmError> {
    let template = [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::Token(true),
    ];
    Ok(session.find_objects(&template)?.into_iter().next())
}

fn find_ec(
    session: &Session,
    class: ObjectClass,
    label: &'static str,
) -> Result<Option<ObjectHandle>, HsmError> {
    let template = [
        Attribute::Class(class),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::Token(true),
    ];
    Ok(session.find_objects(&template)?.into_iter().next())
}

fn generate_signing_key(session: &Session) -> Result<(), HsmError> {
    let label = AUDIT_SIGNING_KEY_LABEL.as_bytes().to_vec();
    let public = [
        Attribute::Token(true),
        Attribute::Private(false),
        Attribute::Verify(true),
        Attribute::EcParams(P256_PARAMS.to_vec()),
        Attribute::Label(label.clone()),
    ];
    let private = [
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Modifiable(false),
        Attribute::Sign(true),
        Attribute::Label(label),
    ];
    session.generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private)?;
    Ok(())
}

/// The public point as SEC1 bytes: tokens report CKA_EC_POINT DER-wrapped (an OCTET STRING).
fn public_point(session: &Session, key: ObjectHandle) -> Result<Vec<u8>, HsmError> {
    let attrs = session.get_attributes(key, &[AttributeType::EcPoint])?;
    let point = attrs
        .into_iter()
        .find_map(|a| match a {
            Attribute::EcPoint(p) => Some(p),
            _ => None,
        })
        .ok_or(HsmError::BadEcValue)?;
    match point.as_slice() {
        [0x04, 0x41, rest @ ..] if rest.len() == 65 => Ok(rest.to_vec()),
        [0x04, ..] if point.len() == 65 => Ok(point),
        _ => Err(HsmError::BadEcValue),
    }
}

fn long_lived_key_template(label: &'static str, kind: KeyType) -> Vec<Attribute> {
    let mut template = vec![
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Modifiable(false),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::KeyType(kind),
        Attribute::ValueLen(32.into()),
    ];
    if kind == KeyType::AES {
        template.extend([Attribute::Wrap(true), Attribute::Unwrap(true)]);
    } else {
        template.extend([Attribute::Sign(true), Attribute::Verify(true)]);
    }
    template
}

impl Hsm {
    /// Creates a token in a free slot (development and tests, e.g. SoftHSM2): sets the SO PIN,
    /// the label and the user PIN. Production tokens are provisioned by their custodians.
    pub fn provision_token(config: &HsmConfig, so_pin: &SecretString) -> Result<(), HsmError> {
        // Two threads must not claim the same free slot.
        static PROVISIONING: Mutex<()> = Mutex::new(());
        let _guard = PROVISIONING.lock().unwrap_or_else(|p| p.into_inner());
        let ctx = super::module::context(&config.module)?;
        let free = ctx
            .get_slots_with_token()?
            .into_iter()
            .find(|slot| {
                ctx.get_token_info(*slot)
                    .is_ok_and(|t| !t.token_initialized())
            })
            .ok_or(HsmError::NoFreeSlot)?;
        let so = AuthPin::new(so_pin.expose_secret().into());
        ctx.init_token(free, &so, &config.token_label)?;
        let session = ctx.open_rw_session(free)?;
        session.login(UserType::So, Some(&so))?;
        session.init_pin(&AuthPin::new(config.pin.expose_secret().into()))?;
        session.logout()?;
        Ok(())
    }

    /// Creates the KEK and the fingerprint key in the token if they are not there yet.
    /// Returns the labels of the keys it created (empty when both already existed).
    pub fn init_keys(config: &HsmConfig) -> Result<Vec<&'static str>, HsmError> {
        let ctx = super::module::context(&config.module)?;
        let slot = find_slot(&ctx, &config.token_label)?;
        let session = login(&ctx, slot, &config.pin)?;
        let mut created = Vec::new();
        if find_key(&session, KEK_LABEL)?.is_none() {
            session.generate_key(
                &Mechanism::AesKeyGen,
                &long_lived_key_template(KEK_LABEL, KeyType::AES),
            )?;
            created.push(KEK_LABEL);
        }
        if find_key(&session, FINGERPRINT_KEY_LABEL)?.is_none() {
            let template = long_lived_key_template(FINGERPRINT_KEY_LABEL, KeyType::GENERIC_SECRET);
            session.generate_key(&Mechanism::GenericSecretKeyGen, &template)?;
            created.push(FINGERPRINT_KEY_LABEL);
        }
        if find_ec(&session, ObjectClass::PRIVATE_KEY, AUDIT_SIGNING_KEY_LABEL)?.is_none() {
            generate_signing_key(&session)?;
            created.push(AUDIT_SIGNING_KEY_LABEL);
        }
        Ok(created)
    }

    /// Opens the configured token, logs in and locates the keys; fails if any is missing.
    pub fn open(config: &HsmConfig) -> Result<Hsm, HsmError> {
        let ctx = super::module::context(&config.module)?;
        let slot = find_slot(&ctx, &config.token_label)?;
        let session = login(&ctx, slot, &config.pin)?;
        let kek = find_key(&session, KEK_LABEL)?.ok_or(HsmError::KeyMissing(KEK_LABEL))?;
        let fingerprint_key = find_key(&session, FINGERPRINT_KEY_LABEL)?
            .ok_or(HsmError::KeyMissing(FINGERPRINT_KEY_LABEL))?;
        let missing = HsmError::KeyMissing(AUDIT_SIGNING_KEY_LABEL);
        let audit_signing_key =
            find_ec(&session, ObjectClass::PRIVATE_KEY, AUDIT_SIGNING_KEY_LABEL)?.ok_or(missing)?;
        let public = find_ec(&session, ObjectClass::PUBLIC_KEY, AUDIT_SIGNING_KEY_LABEL)?
            .ok_or(HsmError::KeyMissing(AUDIT_SIGNING_KEY_LABEL))?;
        let audit_public_key = public_point(&session, public)?;
        Ok(Hsm {
            ctx,
            slot,
            idle: Mutex::new(Vec::new()),
            kek,
            fingerprint_key,
            audit_signing_key,
            audit_public_key,
            _login: Mutex::new(session),
        })
    }

    fn with_session<R>(
        &self,
        f: impl FnOnce(&Session) -> Result<R, CkError>,
    ) -> Result<R, HsmError> {
        let pooled = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let session = match pooled {
            Some(s) => s,
            None => self.ctx.open_rw_session(self.slot)?,
        };
        let result = f(&session);
        // A session that saw an error is dropped (closed) rather than reused.
        if result.is_ok() {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < MAX_IDLE_SESSIONS {
                idle.push(session);
            }
        }
        Ok(result?)
    }

    /// HMAC-SHA256 of `data` under the fingerprint key, computed inside the HSM.
    pub fn hmac(&self, data: &[u8]) -> Result<[u8; 32], HsmError> {
        let mac =
            self.with_session(|s| s.sign(&Mechanism::Sha256Hmac, self.fingerprint_key, data))?;
        mac.try_into().map_err(|_| HsmError::BadKeyLength)
    }

    /// Generates a fresh AES-256 data key in the HSM and returns it twice: in clear (zeroizing
    /// memory, for use now) and wrapped under the KEK with AES key wrap with padding (to store).
    pub fn new_data_key(&self) -> Result<(Zeroizing<[u8; 32]>, Vec<u8>), HsmError> {
        self.with_session(|s| {
            let template = [
                Attribute::Token(false),
                Attribute::Sensitive(false),
                Attribute::Extractable(true),
                Attribute::KeyType(KeyType::AES),
                Attribute::ValueLen(32.into()),
            ];
            let dek = s.generate_key(&Mechanism::AesKeyGen, &template)?;
            let wrapped = s.wrap_key(&Mechanism::AesKeyWrapPad, self.kek, dek);
            let value = read_value(s, dek);
            s.destroy_object(dek)?;
            Ok((value?, wrapped?))
        })
        .and_then(|(value, wrapped)| Ok((to_key(value)?, wrapped)))
    }

    /// Unwraps a stored data key under the KEK into zeroizing memory.
    pub fn unwrap_data_key(&self, wrapped: &[u8]) -> Result<Zeroizing<[u8; 32]>, HsmError> {
        let value = self.with_session(|s| {
            let template = [
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::AES),
                Attribute::Token(false),
                Attribute::Sensitive(false),
                Attribute::Extractable(true),
            ];
            let dek = s.unwrap_key(&Mechanism::AesKeyWrapPad, self.kek, wrapped, &template)?;
            let value = read_value(s, dek);
            s.destroy_object(dek)?;
            value
        })?;
        to_key(value)
    }

    /// ECDSA P-256 over a SHA-256 digest with the audit signing key, inside the HSM: the
    /// signature as `r || s` (64 bytes).
    pub fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>, HsmError> {
        let signature =
            self.with_session(|s| s.sign(&Mechanism::Ecdsa, self.audit_signing_key, digest))?;
        if signature.len() == 64 {
            Ok(signature)
        } else {
            Err(HsmError::BadEcValue)
        }
    }

    /// The audit signing key's public half, SEC1 uncompressed (65 bytes).
    pub fn audit_public_key(&self) -> &[u8] {
        &self.audit_public_key
    }

    /// Reports the protection attributes of one of the long-lived keys (for tests and posture).
    pub fn key_attributes(&self, label: &'static str) -> Result<KeyAttributes, HsmError> {
        let handle = match label {
            KEK_LABEL => self.kek,
            AUDIT_SIGNING_KEY_LABEL => self.audit_signing_key,
            _ => self.fingerprint_key,
        };
        self.with_session(|s| {
            let types = [
                AttributeType::Sensitive,
                AttributeType::Extractable,
                AttributeType::NeverExtractable,
            ];
            let attrs = s.get_attributes(handle, &types)?;
            let flag = |want: AttributeType| {
                attrs.iter().any(|a| {
                    matches!(
                        (a, want),
                        (Attribute::Sensitive(true), AttributeType::Sensitive)
                            | (Attribute::Extractable(true), AttributeType::Extractable)
                            | (
                                Attribute::NeverExtractable(true),
                                AttributeType::NeverExtractable
                            )
                    )
                })
            };
            let value_readable = s
                .get_attributes(handle, &[AttributeType::Value])
                .map(|v| v.iter().any(|a| matches!(a, Attribute::Value(_))))
                .unwrap_or(false);
            Ok(KeyAttributes {
                sensitive: flag(AttributeType::Sensitive),
                extractable: flag(AttributeType::Extractable),
                never_extractable: flag(AttributeType::NeverExtractable),
                value_readable,
            })
        })
    }

    /// Tries to wrap the KEK itself out of the token (it must refuse: the KEK is non-extractable).
    pub fn try_export_kek(&self) -> Result<Vec<u8>, HsmError> {
        self.with_session(|s| s.wrap_key(&Mechanism::AesKeyWrapPad, self.kek, self.kek))
    }

    /// A cheap liveness probe: one HMAC over a constant.
    pub fn ping(&self) -> Result<(), HsmError> {
        self.hmac(b"coffer.readyz").map(|_| ())
    }
}

fn read_value(session: &Session, key: ObjectHandle) -> Result<Zeroizing<Vec<u8>>, CkError> {
    let attrs = session.get_attributes(key, &[AttributeType::Value])?;
    let mut out = Zeroizing::new(Vec::new());
    for attr in attrs {
        if let Attribute::Value(mut v) = attr {
            out.extend_from_slice(&v);
            zeroize::Zeroize::zeroize(&mut v);
        }
    }
    Ok(out)
}

fn to_key(value: Zeroizing<Vec<u8>>) -> Result<Zeroizing<[u8; 32]>, HsmError> {
    let mut key = Zeroizing::new([0u8; 32]);
    if value.len() != 32 {
        return Err(HsmError::BadKeyLength);
    }
    key.copy_from_slice(&value);
    Ok(key)
}
