//! `GET /console/expiry.csv?bucket=…&brand=…&channel=…`: the expiry list as a CSV download
//! (masked: brand and last 4), behind the console's session. Permission
//! `payment_methods.read`. Audit: `lifecycle.expiry_export` with the filter and row count.

use super::backend::{Req, VaultBackend};
use crate::api::extract::Ctx;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use coffer_app::model::ExpiryQuery;
use std::sync::Arc;
use tower_sessions::Session;

/// The download's path.
pub const PATH: &str = "/console/expiry.csv";

/// The route, with the backend as its state.
pub fn routes(backend: Arc<VaultBackend>) -> Router {
    Router::new().route(PATH, get(download)).with_state(backend)
}

async fn download(
    State(backend): State<Arc<VaultBackend>>,
    session: Session,
    ctx: Ctx,
    Query(query): Query<ExpiryQuery>,
) -> Response {
    match backend
        .do_expiry_export(Req::new(session, ctx.origin.clone()), query)
        .await
    {
        Ok(csv) => {
            let mut response = csv.into_response();
            let headers = response.headers_mut();
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            headers.insert(
                CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"coffer-expiring-cards.csv\""),
            );
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => {
            let status = StatusCode::from_u16(error.code.status().as_u16())
                .unwrap_or(StatusCode::BAD_REQUEST);
            (status, error.message).into_response()
        }
    }
}
