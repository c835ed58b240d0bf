//! The normalised payment-method model: one `Instrument` for every type, and the masked view
//! that is all anyone outside a reveal ever sees.

mod instrument;
mod view;

pub use instrument::Instrument;
pub(crate) use instrument::card_secret_with_expiry;
pub use view::{DeletedView, PaymentMethodView, RevealedBody};
