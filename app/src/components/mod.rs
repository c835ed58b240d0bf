//! Building blocks shared by the console's pages.

pub mod account_forms;
pub mod audit_filter;
pub mod audit_table;
pub mod chain_status;
pub mod checkbox;
pub mod code_field;
pub mod collect_panel;
pub mod data_table;
pub mod delete_panel;
pub mod details_form;
pub mod export_form;
pub mod feedback;
pub mod flag_card;
pub mod form;
pub mod format;
pub mod guard;
pub mod history_table;
pub mod layout;
pub mod methods_table;
pub mod one_time_secret;
pub mod page;
pub mod reveal_panel;
pub mod reverify_panel;
pub mod search_form;
pub mod status_panel;
