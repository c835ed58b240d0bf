//! `/payment-methods/:id`: one payment method, masked, with its facts and history; the reveal,
//! delete and edit-details panels when the member's permissions allow them.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::methods::{
    DeletePaymentMethod, EditPaymentMethod, RevealPaymentMethod, payment_method,
};
use crate::components::delete_panel::DeletePanel;
use crate::components::details_form::DetailsForm;
use crate::components::feedback::{ErrorNotice, Loading};
use crate::components::form::{FormSuccess, action_ok, success_count};
use crate::components::format::{badge, short_time, words};
use crate::components::guard::RequireSignIn;
use crate::components::history_table::HistoryTable;
use crate::components::reveal_panel::RevealPanel;
use crate::components::reverify_panel::ReverifyPanel;
use crate::model::{Me, MethodDetail};

/// The method's page.
#[component]
pub fn MethodPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let reveal = ServerAction::<RevealPaymentMethod>::new();
    let delete = ServerAction::<DeletePaymentMethod>::new();
    let edit = ServerAction::<EditPaymentMethod>::new();
    // Revealed details belong to one method: drop them when the page shows another.
    Effect::watch(
        move || id.get(),
        move |_, _, _| {
            reveal.clear();
            delete.clear();
            edit.clear();
        },
        false,
    );
    // After a reveal, delete or edit the history (and status, details) changed.
    let (revealed, deleted, edited) = (
        success_count(reveal),
        success_count(delete),
        success_count(edit),
    );
    let detail = Resource::new(
        move || (id.get(), revealed.get(), deleted.get(), edited.get()),
        |(id, ..)| payment_method(id),
    );
    view! {
        <Title text="Payment method · Coffer" />
        <RequireSignIn let:me>
            <Transition fallback=Loading>
                {move || {
                    let me = me.clone();
                    Suspend::new(async move {
                        match detail.await {
                            Ok(detail) => {
                                view! { <Method detail me reveal delete edit /> }.into_any()
                            }
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </RequireSignIn>
    }
}

#[component]
fn Method(
    detail: MethodDetail,
    me: Me,
    reveal: ServerAction<RevealPaymentMethod>,
    delete: ServerAction<DeletePaymentMethod>,
    edit: ServerAction<EditPaymentMethod>,
) -> impl IntoView {
    let s = detail.summary;
    let last4: String = s
        .masked
        .chars()
        .filter(char::is_ascii_digit)
        .rev()
        .take(4)
        .collect();
    let last4: String = last4.chars().rev().collect();
    let heading = if last4.len() == 4 {
        format!("{} •••• {last4}", s.label)
    } else {
        format!("{} {}", s.label, s.masked)
    };
    let customer_href = format!("/customers/{}", crate::search_query::encode(&s.customer));
    let facts = detail
        .facts
        .into_iter()
        .map(|(label, value)| view! { <dt>{label}</dt> <dd>{value}</dd> })
        .collect_view();
    let (id, step_up) = (s.id.clone(), me.step_up_until);
    let reverifiable = s.kind == "card"
        && matches!(s.status.as_str(), "active" | "expiring" | "expired")
        && me.can("payment_methods.reverify");
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/search">"Search"</a>
            " / "
            <a href=customer_href.clone()>{format!("Customer {}", s.customer)}</a>
            " / "
            <span aria-current="page">"Payment method"</span>
        </nav>
        <div class="page-header">
            <h1>{heading}</h1>
            <p>
                <span class=badge(&s.status)>{words(&s.status)}</span>
                {s
                    .expiring_soon
                    .then(|| view! { " " <span class=badge("expiring")>"Expiring"</span> })}
            </p>
        </div>
        <FormSuccess
            done=action_ok(delete)
            message="Payment method deleted. Its details were destroyed and cannot be recovered."
        />
        <div class="grid grid-detail">
            <section class="card" aria-labelledby="summary-heading">
                <h2 id="summary-heading">"Summary"</h2>
                <dl class="facts">
                    <dt>"Type"</dt>
                    <dd>{s.label} " (" {words(&s.kind)} ")"</dd>
                    <dt>"Number"</dt>
                    <dd class="masked">{s.masked}</dd>
                    {s.expiry.map(|expiry| view! { <dt>"Expiry"</dt> <dd>{expiry}</dd> })}
                    <dt>"Token"</dt>
                    <dd><code>{s.id}</code></dd>
                    <dt>"Customer"</dt>
                    <dd><a href=customer_href>{s.customer}</a></dd>
                    <dt>"Created"</dt>
                    <dd>{short_time(&s.created_at)}</dd>
                    <dt>"Channel"</dt>
                    <dd>{s.channel}</dd>
                    {facts}
                </dl>
            </section>
            <div class="stack">
                {reverifiable.then(|| view! { <ReverifyPanel id=id.clone() /> })}
                {detail
                    .can_reveal
                    .then(|| {
                        view! { <RevealPanel id=id.clone() step_up_until=step_up reveal /> }
                    })}
                {detail
                    .can_delete
                    .then(|| {
                        view! { <DeletePanel id=id.clone() step_up_until=step_up delete /> }
                    })}
            </div>
        </div>
        {detail
            .editable
            .map(|details| view! { <DetailsForm id=id.clone() details action=edit /> })}
        <section class="card" aria-labelledby="history-heading">
            <h2 id="history-heading">"History"</h2>
            <HistoryTable history=detail.history />
        </section>
    }
}
