//! The HTML document around the console: head, hydration scripts and `<body>`.

use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos_meta::MetaTags;

use crate::app::App;

/// The full HTML page the server renders for every console route (and for the 404 fallback).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    /// The release binary reads `Leptos.toml`; its output name must match the stylesheet href.
    #[test]
    fn leptos_toml_parses_and_names_the_site_coffer() {
        let parsed = leptos::config::get_config_from_str(include_str!("../../Leptos.toml"));
        assert!(
            matches!(&parsed, Ok(options) if &*options.output_name == "coffer"
                && &*options.site_pkg_dir == "pkg"),
            "{:?}",
            parsed.map(|options| options.output_name)
        );
    }
}
