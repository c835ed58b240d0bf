//! The wasm entry point: hydrates Coffer's console in the browser. Nothing else lives here.

/// Called by the generated JS once the wasm module has loaded.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(coffer_app::App);
}
