//! `/search?q=…`: payment methods found by customer reference, token, or BIN and last 4.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::methods::search;
use crate::components::feedback::{ErrorNotice, Loading};
use crate::components::methods_table::MethodsTable;
use crate::components::page::RequirePermission;
use crate::components::search_form::SearchForm;
use crate::error::ConsoleError;
use crate::model::SearchResults;

/// The search box (prefilled) and the results.
#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let q = Memo::new(move |_| {
        query
            .with(|query| query.get("q"))
            .filter(|q| !q.trim().is_empty())
    });
    let results = Resource::new(
        move || q.get(),
        |q| async move {
            match q {
                Some(q) => search(q).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <Title text="Search · Coffer" />
        <RequirePermission permission="payment_methods.read" let:_me>
            {
                view! {
                    <div class="page-header">
                        <h1>"Search payment methods"</h1>
                    </div>
                    <section class="card search-card">
                        {move || view! { <SearchForm value=q.get() /> }}
                    </section>
                    <Transition fallback=Loading>
                        {move || Suspend::new(async move { results_view(results.await) })}
                    </Transition>
                }
            }
        </RequirePermission>
    }
}

fn results_view(results: Result<Option<SearchResults>, ConsoleError>) -> AnyView {
    match results {
        Ok(Some(results)) => view! { <Results results /> }.into_any(),
        Ok(None) => view! {
            <p class="muted">
                "Search by customer reference (exact), token (pm_…), or the first 6 and \
                 last 4 digits of a card (424242…4242)."
            </p>
        }
        .into_any(),
        // A query refused by the search rules, typed into the address bar.
        Err(error) if error.field.as_deref() == Some("q") => view! {
            <p class="alert alert-error" role="alert">
                {error.message}
            </p>
        }
        .into_any(),
        Err(error) => view! { <ErrorNotice error /> }.into_any(),
    }
}

#[component]
fn Results(results: SearchResults) -> impl IntoView {
    let count = results.methods.len();
    let how = match results.interpreted_as.as_str() {
        "customer" => "customer reference",
        "token" => "token",
        "bin_last4" => "first 6 and last 4 digits",
        "last4" => "last 4 digits",
        other => other,
    }
    .to_owned();
    let summary = format!(
        "{count} {} for “{}”, searched by {how}.",
        if count == 1 { "result" } else { "results" },
        results.query
    );
    let empty = format!("No payment methods match “{}”.", results.query);
    view! {
        <section class="card" aria-labelledby="results-heading">
            <div class="card-header">
                <h2 id="results-heading">"Results"</h2>
                <p class="muted" role="status">{summary}</p>
            </div>
            {results
                .truncated
                .then(|| {
                    view! {
                        <p class="alert alert-warn">
                            "Only the first results are shown. Narrow the search to see the rest."
                        </p>
                    }
                })}
            <MethodsTable methods=results.methods empty />
        </section>
    }
}
