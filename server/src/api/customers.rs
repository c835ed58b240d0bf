//! `/api/v1/customers/{customer}/mfa/enrollments`: the OMS asks for a customer's enrolment link.

use super::error::ApiError;
use super::extract::{Client, Ctx};
use super::grant::{Target, grant};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffer_vault::access::CreateEnrolmentLink;
use coffer_vault::intake::{CustomerRef, IntakeError};
use serde_json::json;

/// `POST /api/v1/customers/{customer}/mfa/enrollments` — scope `customers:mfa`; audit
/// `customer_mfa.link_create`. 201 with a single-use link (24 h) to pass to the customer. The
/// request body, if any, is ignored.
pub async fn create_enrollment(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(customer): Path<String>,
) -> Result<Response, ApiError> {
    let customer = CustomerRef::parse(&customer)
        .ok_or_else(|| ApiError::intake(IntakeError::invalid("customer")))?;
    let grant =
        grant::<CreateEnrolmentLink>(&state, &ctx, &actor, Target::Customer(customer.as_str()))
            .await?;
    let link = state
        .vault
        .issue_enrolment_link(&grant, customer.as_str(), &ctx.origin)
        .await?;
    let body = json!({
        "object": "mfa_enrollment_link",
        "customer": customer.as_str(),
        "url": link.url,
        "expires_at": link.expires_at / 1000,
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
