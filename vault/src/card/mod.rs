//! Card data parsing: PAN, brand, expiry, security code and cardholder name, each checked on
//! the way in and held so that secrets are masked in `Debug` and wiped on drop.

mod brand;
mod brand_table;
mod cvc;
mod error;
mod expiry;
mod holder;
mod pan;

pub use brand::Brand;
pub use cvc::Cvc;
pub use error::CardError;
pub use expiry::{Expiry, YearMonth};
pub use holder::HolderName;
pub use pan::{Pan, luhn_valid};

pub(crate) use pan::with_check_digit;
