//! What Coffer knows about card numbers without holding one: the Luhn check, the BIN table and
//! brands, the one detector that spots a card number in free text, and the shared calendar.
//! Every crate may use it (the console's wasm too); the `Pan` type itself lives only in the
//! vault's `cde` module.

pub mod brand;
mod brand_table;
pub mod calendar;
pub mod detect;
pub mod luhn;
pub mod mask;

pub use brand::Brand;
pub use detect::contains_card_number;
pub use luhn::{luhn_valid, with_check_digit};
pub use mask::mask_card_numbers;
