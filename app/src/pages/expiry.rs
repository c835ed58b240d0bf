//! `/console/expiry?…`: the expiry dashboard for support agents and compliance officers: live
//! cards already expired, ending this month and within 30/60/90 days (as tiles and server-drawn
//! SVG charts, by month, brand and channel), the filtered, paged list behind the chosen count
//! with its CSV download, and the lifecycle job's latest runs.

use leptos::prelude::*;

use crate::components::data_table::{Column, DataTable};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::lifecycle::expiry_overview;
use crate::components::feedback::EmptyState;
use crate::components::format::{badge, short_time, words};
use crate::components::page::{Loaded, RequirePermission};
use crate::model::{BucketView, ExpiryDashboard, ExpiryQuery, ExpiryRow, LifecycleRunView};

const PATH: &str = "/console/expiry";

/// The dashboard page.
#[component]
pub fn ExpiryPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        params.with(|p| ExpiryQuery {
            bucket: p.get("bucket").unwrap_or_default(),
            brand: p.get("brand").unwrap_or_default(),
            channel: p.get("channel").unwrap_or_default(),
            after: p.get("after").unwrap_or_default(),
        })
    });
    let data = Resource::new(move || query.get(), expiry_overview);
    view! {
        <Title text="Expiring cards · Coffer" />
        <RequirePermission permission="payment_methods.read" let:_me>
            {
                view! {
                    <div class="page-header">
                        <h1>"Expiring cards"</h1>
                        <p class="muted">
                            "Cards on file that have expired or end soon. Send the customer a \
                             re-verification link from the card's page before it stops working."
                        </p>
                    </div>
                    <Loaded data=data let:d> <Dashboard d /> </Loaded>
                }
            }
        </RequirePermission>
    }
}

fn href(q: &ExpiryQuery) -> String {
    let qs = q.to_query_string(true);
    if qs.is_empty() {
        PATH.to_owned()
    } else {
        format!("{PATH}?{qs}")
    }
}

#[component]
fn Dashboard(d: ExpiryDashboard) -> impl IntoView {
    let selected = d.buckets.iter().find(|b| b.key == d.query.bucket).cloned();
    let leads = d
        .lead_days
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let tiles = d
        .buckets
        .iter()
        .map(|b| {
            let q = ExpiryQuery {
                bucket: b.key.clone(),
                ..Default::default()
            };
            let current = b.key == d.query.bucket;
            let class = if current { "tile tile-current" } else { "tile" };
            let expired = if b.key == "expired" {
                " tile-alert"
            } else {
                ""
            };
            view! {
                <a
                    class=format!("{class}{expired}")
                    href=href(&q)
                    aria-current=current.then_some("true")
                    data-testid=format!("tile-{}", b.key)
                >
                    <span class="tile-count">{b.total}</span>
                    <span class="tile-label">{b.label.clone()}</span>
                </a>
            }
        })
        .collect_view();
    view! {
        <p class="muted small">
            {format!("As of {} · alerts go out {leads} days before a card ends", short_time(&d.as_of))}
        </p>
        <nav class="tiles" aria-label="Expiry periods">{tiles}</nav>
        <div class="chart-grid">
            <section class="card" aria-labelledby="months-heading">
                <h2 id="months-heading">"Cards ending, by month"</h2>
                <MonthChart months=d.months.clone() />
            </section>
            {selected
                .map(|b| {
                    view! {
                        <section class="card" aria-labelledby="breakdown-heading">
                            <h2 id="breakdown-heading">{format!("{}: by brand and channel", b.label)}</h2>
                            <Breakdown bucket=b />
                        </section>
                    }
                })}
        </div>
        <section class="card" aria-labelledby="list-heading">
            <div class="card-header">
                <h2 id="list-heading">"Cards"</h2>
                <a
                    class="button button-secondary"
                    href=format!("/console/expiry.csv?{}", d.query.to_query_string(false))
                    download
                >
                    "Download CSV"
                </a>
            </div>
            <FilterForm d=d.clone() />
            <ExpiryTable rows=d.rows.clone() />
            {d.next_after.clone().map(|after| {
                let next = ExpiryQuery { after, ..d.query.clone() };
                view! {
                    <p class="pager">
                        <a href=href(&next) rel="next">"Next page →"</a>
                    </p>
                }
            })}
        </section>
        <Runs runs=d.runs />
    }
}

/// The list's filter: a plain GET form, so the filter lives in the URL.
#[component]
fn FilterForm(d: ExpiryDashboard) -> impl IntoView {
    let option = |value: String, label: String, current: &str| {
        let selected = value == current;
        view! { <option value=value selected=selected>{label}</option> }
    };
    let buckets = d
        .buckets
        .iter()
        .map(|b| option(b.key.clone(), b.label.clone(), &d.query.bucket))
        .collect_view();
    let brands = d
        .brands
        .iter()
        .map(|b| option(b.clone(), words(b), &d.query.brand))
        .collect_view();
    let channels = d
        .channels
        .iter()
        .map(|c| option(c.clone(), c.clone(), &d.query.channel))
        .collect_view();
    view! {
        <form method="get" action=PATH class="filter-row">
            <div class="field">
                <label for="filter-bucket">"Period"</label>
                <select id="filter-bucket" name="bucket">{buckets}</select>
            </div>
            <div class="field">
                <label for="filter-brand">"Brand"</label>
                <select id="filter-brand" name="brand">
                    <option value="">"All brands"</option>
                    {brands}
                </select>
            </div>
            <div class="field">
                <label for="filter-channel">"Channel"</label>
                <select id="filter-channel" name="channel">
                    <option value="">"All channels"</option>
                    {channels}
                </select>
            </div>
            <button type="submit" class="button">"Apply"</button>
        </form>
    }
}

#[component]
fn ExpiryTable(rows: Vec<ExpiryRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <EmptyState>"No cards match this filter."</EmptyState> }.into_any();
    }
    let body = rows
        .into_iter()
        .map(|r| {
            let status = r.status.clone();
            view! {
                <tr>
                    <td>
                        <a href=format!("/payment-methods/{}", r.id)>
                            {format!("{} •••• {}", r.brand, r.last4)}
                        </a>
                    </td>
                    <td>
                        <a class="mono" href=format!("/customers/{}", r.customer)>
                            {r.customer.clone()}
                        </a>
                    </td>
                    <td>{r.expiry}</td>
                    <td>{r.channel}</td>
                    <td>
                        <span class=badge(&status)>{words(&status)}</span>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Expiring cards" testid="expiry-table" columns=vec![Column::Shown("Card"), Column::Shown("Customer"), Column::Shown("Expires"), Column::Shown("Channel"), Column::Shown("Status")]>
                {body}
            </DataTable>
    }
    .into_any()
}

/// Vertical bars: live cards ending in each month from this one to the 90-day horizon.
#[component]
fn MonthChart(months: Vec<(String, i64)>) -> impl IntoView {
    let max = months.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let (width, height, gap) = (360.0_f64, 160.0_f64, 12.0_f64);
    let slot = width / months.len().max(1) as f64;
    let bars = months
        .iter()
        .enumerate()
        .map(|(i, (label, n))| {
            let h = (*n as f64 / max as f64) * (height - 40.0);
            let x = i as f64 * slot + gap / 2.0;
            let y = height - 20.0 - h;
            view! {
                <g>
                    <title>{format!("{label}: {n} cards")}</title>
                    <rect x=x y=y width=slot - gap height=h class="bar" />
                    <text x=x + (slot - gap) / 2.0 y=y - 4.0 text-anchor="middle" class="bar-value">
                        {n.to_string()}
                    </text>
                    <text x=x + (slot - gap) / 2.0 y=height - 4.0 text-anchor="middle" class="bar-label">
                        {label.clone()}
                    </text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg
            class="chart"
            viewBox=format!("0 0 {width} {height}")
            role="img"
            aria-label="Cards ending by month"
            data-testid="month-chart"
        >
            {bars}
        </svg>
    }
}

/// Horizontal bars for one count, by brand and by channel.
#[component]
fn Breakdown(bucket: BucketView) -> impl IntoView {
    view! {
        <div class="breakdown">
            <HBars title="By brand" items=bucket.by_brand testid="brand-chart" />
            <HBars title="By channel" items=bucket.by_channel testid="channel-chart" />
        </div>
    }
}

#[component]
fn HBars(title: &'static str, items: Vec<(String, i64)>, testid: &'static str) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="muted">{format!("{title}: none")}</p> }.into_any();
    }
    let max = items.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    let row_h = 22.0_f64;
    let height = row_h * items.len() as f64;
    let rows = items
        .iter()
        .enumerate()
        .map(|(i, (label, n))| {
            let y = i as f64 * row_h;
            let w = (*n as f64 / max as f64) * 170.0;
            view! {
                <g>
                    <title>{format!("{label}: {n}")}</title>
                    <text x="0" y=y + 15.0 class="bar-label">{label.clone()}</text>
                    <rect x="110" y=y + 4.0 width=w height=row_h - 8.0 class="bar" />
                    <text x=116.0 + w y=y + 15.0 class="bar-value">{n.to_string()}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="hbars">
            <figcaption>{title}</figcaption>
            <svg
                class="chart"
                viewBox=format!("0 0 320 {height}")
                role="img"
                aria-label=title
                data-testid=testid
            >
                {rows}
            </svg>
        </figure>
    }
    .into_any()
}

/// The lifecycle job's latest runs (PCI DSS 3.2.1: the record that retention ran).
#[component]
fn Runs(runs: Vec<LifecycleRunView>) -> impl IntoView {
    let items = runs
        .into_iter()
        .map(|r| {
            view! {
                <li>
                    <strong>{short_time(&r.at)}</strong>
                    {format!(" · {} · {}", r.summary, r.node)}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="runs-heading">
            <h2 id="runs-heading">"Lifecycle job"</h2>
            <p class="muted">
                "Each run turns cards expiring and expired, sends alerts, and archives and shreds \
                 cards past the retention policy."
            </p>
            <ul class="runs" data-testid="runs">{items}</ul>
        </section>
    }
}
