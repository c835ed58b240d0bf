//! Building blocks shared by the console's pages.

pub mod status_panel;
