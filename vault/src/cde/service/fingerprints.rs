//! Fingerprints as clients see them: a second HMAC inside the HSM over the owning channel and the
//! internal fingerprint, so a value one channel sees can never be compared with anything another
//! channel can produce. Also fills them in for methods stored before they existed.

use crate::error::VaultError;
use crate::service::Vault;
use crate::store;

/// Domain tag of the channel-scoped fingerprint.
const CHANNEL_FP: &[u8] = b"coffer.fingerprint.channel.v1\0";

/// Rows the backfill takes per batch.
const BACKFILL_BATCH: i64 = 500;

impl Vault {
    /// The fingerprint `channel` sees for a method whose internal fingerprint is `internal`
    /// (hex): HMAC-SHA256 in the HSM over a domain tag, the channel and the internal value.
    pub(crate) fn channel_fingerprint(
        &self,
        channel: &str,
        internal: &str,
    ) -> Result<String, VaultError> {
        let mut input = Vec::with_capacity(CHANNEL_FP.len() + channel.len() + 1 + internal.len());
        input.extend_from_slice(CHANNEL_FP);
        input.extend_from_slice(channel.as_bytes());
        input.push(0);
        input.extend_from_slice(internal.as_bytes());
        Ok(hex::encode(self.hsm.hmac(&input)?))
    }

    /// Gives every unshredded method stored before channel fingerprints existed its own, a batch
    /// at a time (no card is decrypted: the internal fingerprint suffices). Returns how many it
    /// set. Run once at start by the server; idempotent.
    pub async fn backfill_channel_fingerprints(&self) -> Result<u64, VaultError> {
        let mut done = 0;
        loop {
            let batch = {
                let mut conn = self.store.reader().acquire().await?;
                store::payment_methods::unscoped(&mut conn, BACKFILL_BATCH).await?
            };
            if batch.is_empty() {
                return Ok(done);
            }
            let mut scoped = Vec::with_capacity(batch.len());
            for (id, channel, internal) in &batch {
                scoped.push((id, self.channel_fingerprint(channel, internal)?));
            }
            let mut tx = self.store.writer().begin().await?;
            for (id, fp) in &scoped {
                store::payment_methods::set_channel_fingerprint(&mut tx, id, fp).await?;
            }
            tx.commit().await?;
            done += batch.len() as u64;
            if (batch.len() as i64) < BACKFILL_BATCH {
                return Ok(done);
            }
        }
    }
}
