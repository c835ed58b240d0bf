//! Vault results as the console's view models: masked summaries, history lines, accounts,
//! keys, the enrolment page and the reveal's fields.

use crate::console::qr;
use coffer_app::model::*;
use coffer_vault::model::{PaymentMethodView, RevealedBody};
use coffer_vault::service::{ApiKeyInfo, HistoryRecord, PendingEnrolment};
use coffer_vault::staff::{StaffAccount, totp};
use serde_json::Value;
use std::time::Duration;

/// RFC 3339 (UTC, seconds) of unix milliseconds.
pub fn rfc3339(ms: i64) -> String {
    coffer_vault::audit::record::rfc3339(ms - ms.rem_euclid(1000))
}

pub fn me_of(
    account: &StaffAccount,
    permissions: Vec<String>,
    until: Option<i64>,
    idle: Duration,
) -> Me {
    Me {
        user_id: account.id.clone(),
        email: account.email.clone(),
        roles: account
            .roles
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
        permissions,
        step_up_until: until,
        idle_timeout_secs: idle.as_secs(),
        can_replace_authenticator: false,
    }
}

pub fn enrolment(p: &PendingEnrolment) -> Option<Enrolment> {
    let uri = totp::uri(&p.key, &p.email)?;
    let (qr_size, qr_path) = qr::svg_path(&uri)?;
    Some(Enrolment {
        email: p.email.clone(),
        manual_key: totp::manual_key(&p.key),
        otpauth_uri: uri,
        qr_size,
        qr_path,
        recovery_codes: p.recovery_codes.clone(),
    })
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The masked summary of a method. `expiring_through` is the vault policy's last expiring month
/// number now ([`coffer_vault::lifecycle::LifecyclePolicy::expiring_through`]).
pub fn summary(v: &PaymentMethodView, expiring_through: i64) -> MethodSummary {
    let d = v.details.get(&v.kind).cloned().unwrap_or(Value::Null);
    let last4 = text(&d, "last4").unwrap_or_default();
    let (label, masked, expiry, soon) = match v.kind.as_str() {
        "card" => {
            let brand = text(&d, "brand").unwrap_or_else(|| "card".into());
            let masked = match text(&d, "bin") {
                Some(bin) => format!("{bin} •••• {last4}"),
                None => format!("•••• {last4}"),
            };
            let month = d.get("exp_month").and_then(Value::as_i64).unwrap_or(0);
            let year = d.get("exp_year").and_then(Value::as_i64).unwrap_or(0);
            (
                brand_label(&brand),
                masked,
                Some(format!("{month:02}/{year}")),
                year * 12 + month - 1 <= expiring_through,
            )
        }
        "sepa_debit" => (
            "SEPA Direct Debit".to_owned(),
            text(&d, "masked_iban").unwrap_or_else(|| format!("•••• {last4}")),
            None,
            false,
        ),
        "us_bank_account" => (
            "US bank account (ACH)".to_owned(),
            format!("•••• {last4}"),
            None,
            false,
        ),
        "alipay" => (
            "Alipay".to_owned(),
            text(&d, "masked_account").unwrap_or_else(|| format!("•••• {last4}")),
            None,
            false,
        ),
        other => (other.to_owned(), format!("•••• {last4}"), None, false),
    };
    MethodSummary {
        id: v.id.clone(),
        customer: v.customer.clone(),
        kind: v.kind.clone(),
        label,
        masked,
        expiry,
        expiring_soon: soon && matches!(v.status.as_str(), "active" | "expiring" | "expired"),
        status: v.status.clone(),
        created_at: rfc3339(v.created * 1000),
        channel: v.channel.clone(),
    }
}

pub fn brand_label(brand: &str) -> String {
    match brand {
        "visa" => "Visa".into(),
        "mastercard" => "Mastercard".into(),
        "amex" => "American Express".into(),
        "discover" => "Discover".into(),
        "jcb" => "JCB".into(),
        "diners" => "Diners Club".into(),
        "unionpay" => "UnionPay".into(),
        other => {
            let mut c = other.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    }
}

/// Masked facts for the method page, beyond the summary.
pub fn facts(v: &PaymentMethodView) -> Vec<(String, String)> {
    let d = v.details.get(&v.kind).cloned().unwrap_or(Value::Null);
    let mut out = Vec::new();
    let fields: &[(&str, &str)] = match v.kind.as_str() {
        "card" => &[("alias", "Alias (fails Luhn)")],
        "sepa_debit" => &[("country", "Country"), ("bic", "BIC")],
        "us_bank_account" => &[
            ("routing_number", "Routing number"),
            ("account_holder_type", "Holder type"),
            ("account_type", "Account type"),
        ],
        "alipay" => &[("account_kind", "Account kind")],
        _ => &[],
    };
    for (key, label) in fields {
        if let Some(value) = text(&d, key) {
            out.push(((*label).to_owned(), value));
        }
    }
    if let Some(name) = v
        .billing_details
        .as_ref()
        .and_then(|b| b.get("name"))
        .and_then(Value::as_str)
    {
        out.push(("Billing name".to_owned(), name.to_owned()));
    }
    if let Some(nickname) = v
        .metadata
        .get(coffer_vault::intake::NICKNAME_KEY)
        .and_then(Value::as_str)
    {
        out.push(("Nickname".to_owned(), nickname.to_owned()));
    }
    for t in &v.psp_tokens {
        let provider = match t.provider.as_str() {
            "stripe" => "Stripe",
            "braintree" => "Braintree",
            other => other,
        };
        out.push((
            format!("{provider} token"),
            format!("{} (via {})", t.token, t.connection),
        ));
    }
    out
}

pub fn history(records: &[HistoryRecord]) -> Vec<HistoryEntry> {
    records
        .iter()
        .map(|r| HistoryEntry {
            at: rfc3339(r.event.occurred_at),
            action: r.event.action.clone(),
            outcome: r.event.outcome.clone(),
            actor: r.actor_label.clone(),
            channel: r.event.channel.clone(),
            reason: r.event.reason.clone(),
            origin_ip: r.event.origin_ip.clone(),
        })
        .collect()
}

pub fn user(a: &StaffAccount) -> UserSummary {
    let now = coffer_vault::clock::now_millis();
    let status = if a.is_disabled() {
        "disabled"
    } else if a.is_locked(now) {
        "locked"
    } else if a.must_change_password {
        "password_change_required"
    } else {
        "active"
    };
    UserSummary {
        id: a.id.clone(),
        email: a.email.clone(),
        roles: a.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        can_reveal: a.can_reveal,
        mfa_enrolled: a.mfa_enrolled,
        status: status.to_owned(),
        locked_until: a.locked_until.filter(|t| *t > now).map(rfc3339),
        disabled_reason: a.disabled_reason.clone(),
        last_active_at: Some(rfc3339(a.last_active_at)),
        created_at: rfc3339(a.created_at),
    }
}

/// A key as listed, its issuer and approver by email where they are staff, for viewer `me`.
pub fn api_key(
    k: &ApiKeyInfo,
    emails: &std::collections::HashMap<String, String>,
    me: &str,
    now: i64,
) -> ApiKeySummary {
    let person = |id: &Option<String>| {
        id.as_ref()
            .map(|id| emails.get(id).cloned().unwrap_or_else(|| id.clone()))
    };
    let status = if k.revoked_at.is_some() {
        "revoked"
    } else if k.approved_at.is_none() {
        "pending_approval"
    } else if k.expires_at.is_some_and(|t| t <= now) {
        "expired"
    } else {
        "active"
    };
    ApiKeySummary {
        id: k.id.clone(),
        name: k.name.clone(),
        scopes: k.scopes.clone(),
        created_at: rfc3339(k.created_at),
        revoked_at: k.revoked_at.map(rfc3339),
        status: status.to_owned(),
        created_by: person(&k.created_by),
        approved_by: person(&k.approved_by),
        expires_at: k.expires_at.map(rfc3339),
        allowed_ips: k.allowed_ips.clone(),
        can_approve: status == "pending_approval" && k.created_by.as_deref() != Some(me),
    }
}

/// The reveal's clear fields as the vault labels them, still in zeroizing memory.
pub fn revealed(body: &RevealedBody) -> RevealedSecret {
    RevealedSecret {
        fields: body
            .labelled_fields()
            .into_iter()
            .map(|(label, value)| (label.to_owned(), value))
            .collect(),
    }
}
