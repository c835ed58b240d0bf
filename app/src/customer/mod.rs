//! Customers' pages (no staff login): enrolling and removing second factors, and answering a
//! step-up challenge. Rendered on the server to plain HTML (no wasm bundle to download on a
//! phone); forms post back; the only script is the passkey helper.

mod card_form;
mod collect;
mod enrol;
mod layout;
mod reverify;
mod step_up;

pub use collect::{collect_done, collect_page};
pub use enrol::{
    FactorItem, Proof, TotpSetup, done_page, enrol_landing, factors_page, link_expired, totp_setup,
};
pub use reverify::{ReverifyForm, ReverifyView, reverify_done, reverify_page};
pub use step_up::{ChallengeView, challenge_page, challenge_result};
