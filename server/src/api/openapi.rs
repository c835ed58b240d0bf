//! Serves the OpenAPI 3.1 description of the JSON API (`openapi.json`, written by hand and
//! checked against the router by the API tests).

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

pub const DOCUMENT: &str = include_str!("openapi.json");

pub async fn document() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], DOCUMENT)
}
