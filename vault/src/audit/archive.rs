//! Retention (PCI DSS 10.5.1): events older than the hot window move to signed, gzip-compressed
//! JSON Lines files and leave the hot table; the archive record (signed in the HSM) keeps the
//! chain linked across the move. Files older than the retention period are deleted; their signed
//! records stay, so the chain still verifies from end to end.

use super::record::EventRecord;
use super::signing;
use super::{AuditEvent, Origin, Outcome};
use crate::access::Actor;
use crate::cde::keys::Hsm;
use crate::error::VaultError;
use crate::store::{self, ArchiveRow, Store, StoredEvent};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use sqlx::Connection;
use std::io::{Read, Write};
use std::path::Path;

/// Events per archive file at most.
pub const MAX_EVENTS_PER_ARCHIVE: i64 = 200_000;

/// What an archive record's signature covers.
pub fn statement(a: &ArchiveRow) -> Vec<u8> {
    format!(
        "coffer.audit.archive.v1\nid={}\nfirst_seq={}\nlast_seq={}\nfirst_prev_hash={}\n\
         last_hash={}\nevents={}\nfirst_at={}\nlast_at={}\nfile={}\nfile_sha256={}\n",
        a.id,
        a.first_seq,
        a.last_seq,
        hex::encode(&a.first_prev_hash),
        hex::encode(&a.last_hash),
        a.event_count,
        a.first_at,
        a.last_at,
        a.file_name,
        hex::encode(&a.file_sha256),
    )
    .into_bytes()
}

pub fn record_signature_valid(a: &ArchiveRow, public_key: &[u8]) -> bool {
    signing::verify(public_key, &statement(a), &a.signature)
}

/// The file name an archive of events `first..=last` is written under.
pub fn file_name(first: i64, last: i64) -> String {
    format!("audit-{first:012}-{last:012}.jsonl.gz")
}

/// Whether the record names exactly the file its events give: a plain name inside the archive
/// directory (never a path, so nothing outside it can be read or deleted through a record).
pub fn well_named(a: &ArchiveRow) -> bool {
    a.first_seq > 0
        && a.last_seq >= a.first_seq
        && a.file_name == file_name(a.first_seq, a.last_seq)
}

/// Reads and checks an archive file: `Ok(None)` if it is gone (deleted at the end of
/// retention), the events if its digest matches its record, `Err` with the reason otherwise.
pub fn check_file(a: &ArchiveRow, dir: &Path) -> Result<Option<Vec<StoredEvent>>, String> {
    if !well_named(a) {
        return Err("its file name is not the one its events give".into());
    }
    let path = dir.join(&a.file_name);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("its file cannot be read ({})", e.kind())),
    };
    if Sha256::digest(&bytes).as_slice() != a.file_sha256.as_slice() {
        return Err("its file was changed (digest mismatch)".into());
    }
    let mut text = String::new();
    GzDecoder::new(bytes.as_slice())
        .read_to_string(&mut text)
        .map_err(|_| "its file is not valid gzip".to_owned())?;
    text.lines()
        .map(|line| {
            serde_json::from_str::<EventRecord>(line)
                .ok()
                .and_then(|r| r.to_stored())
                .ok_or_else(|| "its file holds a malformed line".to_owned())
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn compress(events: &[StoredEvent]) -> Result<Vec<u8>, VaultError> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    for e in events {
        let line =
            serde_json::to_string(&EventRecord::from(e)).map_err(|_| VaultError::Unavailable)?;
        gz.write_all(line.as_bytes())
            .and_then(|_| gz.write_all(b"\n"))
            .map_err(|_| VaultError::Unavailable)?;
    }
    gz.finish().map_err(|_| VaultError::Unavailable)
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!("{name}.partial"));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, dir.join(name))?;
    std::fs::File::open(dir)?.sync_all()
}

/// Archives the oldest chained events dated before `cutoff` and not after `up_to_seq` (at most
/// [`MAX_EVENTS_PER_ARCHIVE`]; the bound keeps a run from archiving its own `audit.archive`
/// events): writes the file, then in one transaction records the archive,
/// removes its events from the hot table and audits `audit.archive`. Returns the record, or
/// `None` when nothing is old enough.
pub async fn archive_before(
    db: &Store,
    hsm: &Hsm,
    dir: &Path,
    cutoff: i64,
    up_to_seq: i64,
) -> Result<Option<ArchiveRow>, VaultError> {
    // Read on a reader: the SQLite writer is a single connection the hot path needs.
    let mut conn = db.reader().acquire().await?;
    let head = store::audit::head(&mut conn).await?;
    let archives = store::audit_seals::archives(&mut conn).await?;
    let start = archives.last().map_or(head.genesis_seq, |a| a.last_seq);
    let page = store::audit::chain_page(&mut conn, start, MAX_EVENTS_PER_ARCHIVE).await?;
    let events: Vec<StoredEvent> = page
        .into_iter()
        .take_while(|e| e.event.occurred_at < cutoff && e.seq <= up_to_seq)
        .collect();
    drop(conn);
    let (Some(first), Some(last)) = (events.first(), events.last()) else {
        return Ok(None);
    };
    let corrupt = || VaultError::Store(store::StoreError::Corrupt("audit event without hash"));
    let bytes = compress(&events)?;
    let mut row = ArchiveRow {
        id: crate::token::random_id("arc"),
        first_seq: first.seq,
        last_seq: last.seq,
        first_prev_hash: first.prev_hash.clone().ok_or_else(corrupt)?,
        last_hash: last.hash.clone().ok_or_else(corrupt)?,
        event_count: i64::try_from(events.len()).unwrap_or(i64::MAX),
        first_at: first.event.occurred_at,
        last_at: last.event.occurred_at,
        file_name: file_name(first.seq, last.seq),
        file_sha256: Sha256::digest(&bytes).to_vec(),
        signature: Vec::new(),
        created_at: crate::clock::now_millis(),
    };
    row.signature = signing::sign(hsm, &statement(&row))?;
    let (dir2, name) = (dir.to_path_buf(), row.file_name.clone());
    tokio::task::spawn_blocking(move || write_file(&dir2, &name, &bytes))
        .await
        .map_err(|_| VaultError::Unavailable)?
        .map_err(|_| VaultError::Unavailable)?;
    let origin = Origin::default();
    let detail = serde_json::json!({
        "first_seq": row.first_seq, "last_seq": row.last_seq, "events": row.event_count,
        "file": row.file_name, "file_sha256": hex::encode(&row.file_sha256),
    });
    let result: Result<(), VaultError> = async {
        let mut conn = db.writer().acquire().await?;
        let mut tx = conn.begin().await?;
        let latest = store::audit_seals::archives(&mut tx).await?;
        if latest.last().map_or(head.genesis_seq, |a| a.last_seq) != start {
            return Err(VaultError::Unavailable);
        }
        store::audit_seals::insert_archive(&mut tx, &row).await?;
        store::audit_seals::delete_archived_events(&mut tx, row.first_seq, row.last_seq).await?;
        AuditEvent::new(&Actor::SERVICE, "audit.archive", Outcome::Success, &origin)
            .resource("audit_archive", &row.id)
            .detail(detail)
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(e) = result {
        let _ = std::fs::remove_file(dir.join(&row.file_name));
        return Err(e);
    }
    Ok(Some(row))
}

/// Deletes the files of archives whose newest event is older than `expire_before` (the signed
/// records stay). Only records whose signature holds and whose file name is the one their events
/// give are acted on (a record planted in the database cannot name a file to delete); others are
/// audited as `audit.archive_expired` failures and left. Audits `audit.archive_expired` for each
/// file deleted first (fail closed).
pub async fn expire_files(
    db: &Store,
    hsm: &Hsm,
    dir: &Path,
    expire_before: i64,
) -> Result<u64, VaultError> {
    let archives = store::audit_seals::archives(&mut *db.reader().acquire().await?).await?;
    let mut removed = 0;
    for a in archives.iter().filter(|a| a.last_at < expire_before) {
        if !well_named(a) || !record_signature_valid(a, hsm.audit_public_key()) {
            let origin = Origin::default();
            let mut conn = db.writer().acquire().await?;
            let mut tx = conn.begin().await?;
            AuditEvent::new(
                &Actor::SERVICE,
                "audit.archive_expired",
                Outcome::Failure,
                &origin,
            )
            .resource("audit_archive", &a.id)
            .detail(serde_json::json!({ "code": "record_not_trusted" }))
            .write(&mut tx)
            .await?;
            tx.commit().await?;
            tracing::error!(archive = %a.id, "an audit archive record fails its checks; its file is left alone");
            continue;
        }
        let path = dir.join(&a.file_name);
        if !path.exists() {
            continue;
        }
        let origin = Origin::default();
        let mut conn = db.writer().acquire().await?;
        let mut tx = conn.begin().await?;
        AuditEvent::new(
            &Actor::SERVICE,
            "audit.archive_expired",
            Outcome::Success,
            &origin,
        )
        .resource("audit_archive", &a.id)
        .write(&mut tx)
        .await?;
        tx.commit().await?;
        std::fs::remove_file(&path).map_err(|_| VaultError::Unavailable)?;
        removed += 1;
    }
    Ok(removed)
}
