//! Payment methods in the console: search, a customer's methods, one method with its history,
//! reveal (permission + step-up + reason) and delete (permission + step-up).

use super::errors::map;
use super::{VaultBackend, views};
use async_trait::async_trait;
use coffer_app::backend::MethodsBackend;
use coffer_app::model::{CustomerView, MethodDetail, RevealedSecret, SearchResults};
use coffer_app::search_query::{self, SearchKind};
use coffer_app::{ConsoleError, ErrorCode};
use coffer_vault::access::{
    DeletePaymentMethod, Permission, ReadPaymentMethod, ReadPaymentMethodHistory,
    RevealPaymentMethod,
};
use coffer_vault::service::{MethodSearch, SEARCH_LIMIT};

const PM: &str = "payment_method";

/// The vault's own detector, on anything typed that is used as a key: a card number inside it,
/// however separated, is refused without echo (it must not reach a query, an audit row or a URL).
pub(super) fn refuse_card_numbers(text: &str, field: &str) -> Result<(), ConsoleError> {
    if coffer_dlp::contains_card_number(text) {
        return Err(ConsoleError::field(
            field,
            "Full card numbers are not accepted. Search with the first 6 and last 4 digits, \
             for example 424242…4242.",
        ));
    }
    Ok(())
}

/// A search query as it may appear in a URL: the console's rules, then the vault's detector.
pub(super) fn check_search(query: &str) -> Result<String, ConsoleError> {
    let query = search_query::check(query)?;
    refuse_card_numbers(&query, "q")?;
    Ok(query)
}

#[async_trait]
impl MethodsBackend for VaultBackend {
    async fn check_search(&self, query: String) -> Result<String, ConsoleError> {
        check_search(&query)
    }

    async fn search(&self, query: String) -> Result<SearchResults, ConsoleError> {
        let query = check_search(&query)?;
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ReadPaymentMethod>(&mut who, None, None)
            .await?;
        let (search, interpreted_as) = match search_query::classify(&query) {
            SearchKind::Token(id) => (MethodSearch::Token(id), "token"),
            SearchKind::BinLast4 { bin, last4 } => {
                (MethodSearch::BinLast4 { bin, last4 }, "bin_last4")
            }
            SearchKind::Customer(c) => (MethodSearch::Customer(c), "customer"),
        };
        let found = self
            .vault
            .search_payment_methods(&grant, &search, &who.req.origin)
            .await
            .map_err(map)?;
        let limit = usize::try_from(SEARCH_LIMIT).unwrap_or(50);
        Ok(SearchResults {
            query,
            interpreted_as: interpreted_as.to_owned(),
            truncated: found.len() > limit,
            methods: found
                .iter()
                .take(limit)
                .map(|m| views::summary(m, self.expiring_through()))
                .collect(),
        })
    }

    async fn customer(&self, reference: String) -> Result<CustomerView, ConsoleError> {
        let reference = reference.trim().to_owned();
        refuse_card_numbers(&reference, "reference")?;
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ReadPaymentMethod>(&mut who, None, Some(("customer", &reference)))
            .await?;
        let page = self
            .vault
            .list_for_customer(&grant, &reference, None, 100, &who.req.origin)
            .await
            .map_err(map)?;
        let through = self.expiring_through();
        let mut methods: Vec<_> = page
            .data
            .iter()
            .map(|m| views::summary(m, through))
            .collect();
        methods.reverse();
        let reverifications = self.reverifications(&grant, &reference).await?;
        Ok(CustomerView {
            reference,
            methods,
            reverifications,
        })
    }

    async fn payment_method(&self, id: String) -> Result<MethodDetail, ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ReadPaymentMethod>(&mut who, None, Some((PM, &id)))
            .await?;
        let view = self
            .vault
            .get(&grant, &id, &who.req.origin)
            .await
            .map_err(map)?;
        let staff = who.staff();
        let history = if staff.has(Permission::PaymentMethodsHistory) {
            let grant = self
                .authorize_with::<ReadPaymentMethodHistory>(&mut who, None, Some((PM, &id)))
                .await?;
            let records = self
                .vault
                .payment_method_history(&grant, &id, &who.req.origin)
                .await
                .map_err(map)?;
            views::history(&records)
        } else {
            Vec::new()
        };
        let active = view.status == "active";
        Ok(MethodDetail {
            summary: views::summary(&view, self.expiring_through()),
            facts: views::facts(&view),
            history,
            can_reveal: active && staff.has(Permission::PaymentMethodsReveal),
            can_delete: active && staff.has(Permission::PaymentMethodsDelete),
            editable: (view.status != "shredded" && staff.has(Permission::PaymentMethodsEdit))
                .then(|| super::edit::editable(&view)),
        })
    }

    async fn reveal(
        &self,
        id: String,
        reason: String,
        code: Option<String>,
    ) -> Result<RevealedSecret, ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<RevealPaymentMethod>(&mut who, code, Some((PM, &id)))
            .await?;
        let body = self
            .vault
            .reveal(&grant, &id, &reason, None, &who.req.origin)
            .await
            .map_err(|e| {
                let mut err = map(e);
                if err.code == ErrorCode::InvalidInput {
                    err.field = Some("reason".to_owned());
                    err.message =
                        "Give a reason or ticket number (3 to 500 characters, no card numbers)."
                            .to_owned();
                }
                err
            })?;
        Ok(views::revealed(&body))
    }

    async fn delete_payment_method(
        &self,
        id: String,
        code: Option<String>,
    ) -> Result<(), ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<DeletePaymentMethod>(&mut who, code, Some((PM, &id)))
            .await?;
        self.vault
            .delete(&grant, &id, &who.req.origin)
            .await
            .map_err(map)?;
        Ok(())
    }
}
