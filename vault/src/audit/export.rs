//! Signed exports of audit search results (for assessors): CSV or JSON Lines, with a last line
//! carrying the ECDSA P-256 signature (made in the HSM) over SHA-256 of every byte before it.
//! Checkable with `coffer audit verify-export` or with OpenSSL and the public key alone.

use super::record::EventRecord;
use super::signing;
use crate::store::StoredEvent;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256};

/// The two export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    JsonLines,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s {
            "csv" => Some(ExportFormat::Csv),
            "jsonl" | "ndjson" => Some(ExportFormat::JsonLines),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::JsonLines => "jsonl",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::JsonLines => "application/x-ndjson",
        }
    }
}

/// The marker that starts the signature line.
pub const SIGNATURE_PREFIX: &str = "#coffer-signature ";

const CSV_HEADER: [&str; 18] = [
    "seq",
    "time",
    "occurred_at_ms",
    "id",
    "actor_type",
    "actor_id",
    "action",
    "outcome",
    "resource_type",
    "resource_id",
    "origin_ip",
    "user_agent",
    "channel",
    "request_id",
    "reason",
    "detail",
    "prev_hash",
    "hash",
];

/// The export body (before the signature line).
pub fn body(format: ExportFormat, events: &[StoredEvent]) -> String {
    let mut out = String::new();
    match format {
        ExportFormat::Csv => {
            crate::csv::line(&mut out, &CSV_HEADER);
            for e in events {
                let r = EventRecord::from(e);
                let ev = &r.event;
                let o = |v: &Option<String>| v.clone().unwrap_or_default();
                let fields = [
                    r.seq.to_string(),
                    r.time.clone(),
                    ev.occurred_at.to_string(),
                    ev.id.clone(),
                    ev.actor_type.clone(),
                    ev.actor_id.clone(),
                    ev.action.clone(),
                    ev.outcome.clone(),
                    o(&ev.resource_type),
                    o(&ev.resource_id),
                    o(&ev.origin_ip),
                    o(&ev.user_agent),
                    o(&ev.channel),
                    o(&ev.request_id),
                    o(&ev.reason),
                    o(&ev.detail),
                    o(&r.prev_hash),
                    o(&r.hash),
                ];
                let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
                crate::csv::line(&mut out, &refs);
            }
        }
        ExportFormat::JsonLines => {
            for e in events {
                if let Ok(line) = serde_json::to_string(&EventRecord::from(e)) {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// The signature line: key id, digest and DER signature (base64), space-separated `k=v`.
pub fn signature_line(body: &str, public_key: &[u8], signature_rs: &[u8]) -> String {
    let der = signing::to_der(signature_rs).unwrap_or_default();
    format!(
        "{SIGNATURE_PREFIX}alg=ES256 key_id={} sha256={} signature={}\n",
        signing::key_id(public_key),
        hex::encode(Sha256::digest(body.as_bytes())),
        B64.encode(der)
    )
}

/// Why an export did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("the file has no Coffer signature line")]
    Unsigned,
    #[error("the signature line is malformed")]
    Malformed,
    #[error("the file was signed by another key ({0})")]
    OtherKey(String),
    #[error("the content does not match its signature (the file was changed)")]
    BadSignature,
}

/// Checks an export file against `public_key`: returns the number of data lines on success.
pub fn verify(file: &str, public_key: &[u8]) -> Result<usize, ExportError> {
    let trimmed = file.strip_suffix('\n').ok_or(ExportError::Unsigned)?;
    let cut = trimmed.rfind('\n').map_or(0, |i| i + 1);
    let (body, line) = file.split_at(cut);
    let fields = line
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or(ExportError::Unsigned)?
        .trim_end();
    let get = |k: &str| {
        fields
            .split(' ')
            .find_map(|kv| kv.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
    };
    let key_id = get("key_id").ok_or(ExportError::Malformed)?;
    if key_id != signing::key_id(public_key) {
        return Err(ExportError::OtherKey(key_id.to_owned()));
    }
    let signature = get("signature")
        .and_then(|s| B64.decode(s).ok())
        .ok_or(ExportError::Malformed)?;
    if !signing::verify(public_key, body.as_bytes(), &signature) {
        return Err(ExportError::BadSignature);
    }
    Ok(body.lines().count())
}
