//! Non-card payment instruments: SEPA (IBAN, BIC), US bank accounts (ABA routing number,
//! account number, holder and account types) and Alipay accounts, each checked on the way in
//! and held so that account numbers are masked in `Debug` and wiped on drop.

mod aba;
mod alipay;
mod bank_account;
mod bic;
mod error;
mod iban;
mod iban_countries;
mod iban_national;

pub use aba::RoutingNumber;
pub use alipay::AlipayAccount;
pub use bank_account::{AccountHolderType, AccountNumber, AccountType};
pub use bic::Bic;
pub use error::InstrumentError;
pub use iban::Iban;
