//! Card collection for a caller (MOTO) in the console: one call into the vault for the link,
//! which the agent passes on; the card itself never comes through here.

use super::VaultBackend;
use super::errors::map;
use super::methods::refuse_card_numbers;
use super::views::rfc3339;
use async_trait::async_trait;
use coffer_app::ConsoleError;
use coffer_app::backend::CollectBackend;
use coffer_app::model::CollectionLink;
use coffer_vault::access::IssueCardCollection;

#[async_trait]
impl CollectBackend for VaultBackend {
    async fn issue_card_collection(
        &self,
        reference: String,
        reason: String,
    ) -> Result<CollectionLink, ConsoleError> {
        refuse_card_numbers(&reference, "reference")?;
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<IssueCardCollection>(&mut who, None, Some(("customer", &reference)))
            .await?;
        let link = self
            .vault
            .issue_card_collection(&grant, &reference, &reason, &who.req.origin)
            .await
            .map_err(map)?;
        Ok(CollectionLink {
            url: link.url,
            expires_at: rfc3339(link.expires_at),
        })
    }
}
