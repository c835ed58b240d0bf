//! Idempotency keys: the HTTP layer asks here before running a create, and stores the answer.

use super::Vault;
use crate::error::VaultError;
use crate::store::{self, IdempotencyBegin};

impl Vault {
    /// Claims `key` for this client and request hash, or reports a replay or a conflict.
    pub async fn idempotency_begin(
        &self,
        client: &str,
        key: &str,
        request_hash: &str,
    ) -> Result<IdempotencyBegin, VaultError> {
        let mut conn = self.store.writer().acquire().await?;
        Ok(store::idempotency::begin(
            &mut conn,
            client,
            key,
            request_hash,
            crate::clock::now_millis(),
        )
        .await?)
    }

    /// Stores the answer to replay (masked views and errors only; never a reveal).
    pub async fn idempotency_complete(
        &self,
        client: &str,
        key: &str,
        status: u16,
        body: &str,
    ) -> Result<(), VaultError> {
        let mut conn = self.store.writer().acquire().await?;
        Ok(store::idempotency::complete(&mut conn, client, key, status, body).await?)
    }

    /// Releases the key after a server-side failure so the client can retry.
    pub async fn idempotency_abandon(&self, client: &str, key: &str) -> Result<(), VaultError> {
        let mut conn = self.store.writer().acquire().await?;
        Ok(store::idempotency::abandon(&mut conn, client, key).await?)
    }
}

impl Vault {
    /// A keyed digest of a request body (HMAC in the HSM), to tell a replay from a different
    /// request under the same key. Keyed because the body contains a PAN (PCI DSS 3.5.1.1).
    pub fn request_digest(&self, body: &[u8]) -> Result<String, VaultError> {
        let mut input = zeroize::Zeroizing::new(Vec::with_capacity(body.len() + 16));
        input.extend_from_slice(b"idempotency\0");
        input.extend_from_slice(body);
        Ok(hex::encode(self.hsm.hmac(&input)?))
    }
}
