//! Card data parsing: PAN, brand, expiry, security code and cardholder name, each checked on
//! the way in and held so that secrets are masked in `Debug` and wiped on drop.

mod cvc;
mod error;
mod expiry;
mod holder;
mod pan;

pub use cvc::Cvc;
pub use error::CardError;
pub use expiry::{Expiry, YearMonth};
pub use holder::HolderName;
pub use pan::Pan;
