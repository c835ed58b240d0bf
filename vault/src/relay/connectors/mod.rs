//! PSP tokenization connectors: each says, as forward templates (placeholders only: a connector
//! never sees a card number), how to vault a stored card at one PSP and where the PSP's token is
//! in its answers. Adding Adyen or a network-token service is one more file here.

mod braintree;
mod stripe;

/// One request of a connector, as a forward sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub method: &'static str,
    pub path: String,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, &'static str)>,
    /// The body template (`{{ pm_…:number }}` and the like).
    pub body: String,
}

/// What a connector makes of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// The PSP's token for the card: done.
    Token(String),
    /// Send this next (a token from the last answer, never card data).
    Then(Step),
    /// The PSP refused or answered something else (its code, if it gave one).
    Failed(Option<String>),
}

/// A PSP that can vault a card.
pub trait Connector: Sync {
    /// `stripe`, `braintree`, …: what `psp_tokens[].provider` says.
    fn provider(&self) -> &'static str;
    /// The first request that vaults payment method `pm` (a card).
    fn first(&self, pm: &str) -> Step;
    /// What to do with the answer (`status`, `body`) to step `step` (0 for the first).
    fn next(&self, step: usize, status: u16, body: &str) -> Next;
    /// The request that deletes `token` at the PSP (no card data).
    fn delete(&self, token: &str) -> Step;
    /// Whether the answer to [`Connector::delete`] says it is gone.
    fn deleted(&self, status: u16, body: &str) -> bool;
}

/// The connector for `provider`, if there is one.
pub fn connector(provider: &str) -> Option<&'static dyn Connector> {
    match provider {
        "stripe" => Some(&stripe::Stripe),
        "braintree" => Some(&braintree::Braintree),
        _ => None,
    }
}

/// A PSP token as ours carries it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PspToken {
    pub provider: String,
    pub connection: String,
    pub token: String,
    /// Unix seconds.
    pub created: i64,
}

/// A token is short, printable and nothing card-like (it is shown and audited).
pub(crate) fn plausible_token(t: &str) -> bool {
    (1..=128).contains(&t.len())
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.:".contains(&b))
        && !coffer_dlp::contains_card_number(t)
}
