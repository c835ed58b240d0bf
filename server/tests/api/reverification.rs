//! Re-verification links and the customer page, the wallet and default method, and uses of
//! methods that are no longer usable.

use crate::customer_pages::{Browser, Page, element_text, path_of};
use crate::helpers::{TestApp, card_body, next_year, spawn_app};
use axum::routing::post;
use coffer_vault::access::Scope;
use coffer_vault::store::AuditRow;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// The card on file (Visa debit: BIN 400005, last 4 5556).
const OLD_PAN: &str = "4000056655665556";
/// The replacement (Mastercard, last 4 4444).
const NEW_PAN: &str = "5555555555554444";

fn this_year() -> i64 {
    crate::helpers::this_year()
}

/// Stores a card for `customer` and returns its id.
/// Stores a card through the agent's key (channel `call-centre`, which issues the links).
async fn card(app: &TestApp, customer: &str, number: &str) -> String {
    let res = app
        .post(
            &app.agent_key,
            "/api/v1/payment_methods",
            &crate::helpers::card_body(customer, number),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn issue(app: &TestApp, key: &str, id: &str) -> reqwest::Response {
    app.post(
        key,
        &format!("/api/v1/payment_methods/{id}/reverifications"),
        &json!({}),
    )
    .await
}

/// Issues a link for `id` with the agent's key (asserting 201) and returns its path.
async fn link_path(app: &TestApp, id: &str) -> String {
    let res = issue(app, &app.agent_key, id).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    path_of(body["url"].as_str().unwrap())
}

async fn reveal(app: &TestApp, id: &str) -> Value {
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{id}/reveal"),
            &json!({"reason": "re-verification test"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn wallet(app: &TestApp, customer: &str) -> Vec<Value> {
    let res = app
        .get(
            &app.agent_key,
            &format!("/api/v1/customers/{customer}/wallet"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["object"], "list");
    body["data"].as_array().unwrap().clone()
}

fn ids(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn set_default(app: &TestApp, customer: &str, id: &str) -> reqwest::Response {
    // The admin key is OMS-wide: it may set the default of any channel's method.
    app.post(
        &app.admin_key,
        &format!("/api/v1/customers/{customer}/default_payment_method"),
        &json!({ "payment_method": id }),
    )
    .await
}

/// Asks to use `id` for a small order (below any step-up threshold).
async fn use_method(app: &TestApp, id: &str) -> reqwest::Response {
    app.post(
        &app.admin_key,
        &format!("/api/v1/payment_methods/{id}/uses"),
        &json!({ "amount": 500, "currency": "eur", "order_reference": "ord_rv" }),
    )
    .await
}

/// One text value (or NULL) from the database.
async fn text(app: &TestApp, sql: &str) -> Option<String> {
    use sqlx::Row;
    let row = sqlx::query(sql)
        .fetch_one(app.vault.store().reader())
        .await
        .expect("query");
    row.try_get::<Option<String>, _>(0).expect("text")
}

/// Every value of the first (text) column.
async fn texts(app: &TestApp, sql: &str) -> Vec<String> {
    use sqlx::Row;
    sqlx::query(sql)
        .fetch_all(app.vault.store().reader())
        .await
        .expect("query")
        .iter()
        .map(|r| r.try_get::<String, _>(0).expect("text"))
        .collect()
}

async fn audit_of(app: &TestApp, action: &str) -> Vec<AuditRow> {
    app.audit()
        .await
        .into_iter()
        .filter(|e| e.action == action)
        .collect()
}

fn replace_form(number: &str, month: i64, year: i64, cvc: &str) -> String {
    format!("number={number}&exp_month={month:02}&exp_year={year}&cvc={cvc}&name=Ada+Lovelace")
}

fn expiry_form(month: i64, year: i64) -> String {
    format!("exp_month={month:02}&exp_year={year}")
}

fn tries_left(page: &Page) -> String {
    page.body
        .split("class=\"hint\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_default()
        .to_owned()
}

/// A webhook receiver that answers 200 and keeps the bodies, registered for every channel.
async fn webhook_receiver(app: &TestApp) -> Arc<Mutex<Vec<String>>> {
    let got = Arc::new(Mutex::new(Vec::new()));
    let keep = got.clone();
    let router = axum::Router::new().route(
        "/hook",
        post(move |body: String| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push(body);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let res = app
        .post(
            &app.admin_key,
            "/api/v1/webhook_endpoints",
            &json!({ "url": url }),
        )
        .await;
    assert_eq!(res.status(), 201);
    got
}

/// The payloads of the `payment_method.updated` deliveries about `id`.
async fn updates_about(app: &TestApp, id: &str) -> Vec<Value> {
    texts(
        app,
        "SELECT payload FROM webhook_deliveries WHERE event_type = 'payment_method.updated' ORDER BY created_at",
    )
    .await
    .iter()
    .map(|p| serde_json::from_str::<Value>(p).unwrap())
    .filter(|p| p["data"]["object"]["id"] == id)
    .collect()
}

#[tokio::test]
async fn a_customer_confirms_a_new_expiry_through_a_single_use_link() {
    let app = spawn_app().await;
    webhook_receiver(&app).await;
    let id = card(&app, "cus_exp", OLD_PAN).await;
    // The expiry job found it close to its end.
    app.exec(&format!(
        "UPDATE payment_methods SET status = 'expiring' WHERE id = '{id}'"
    ))
    .await
    .unwrap();
    let ny = next_year();
    let path = link_path(&app, &id).await;
    assert!(path.starts_with("/c/reverify/"), "{path}");

    // The page shows the card masked: brand and last 4, never more.
    let mut b = Browser::new(&app);
    let page = b.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        element_text(&page.body, "data-testid=\"card\""),
        Some("Visa •••• 5556")
    );
    assert_eq!(
        element_text(&page.body, "data-testid=\"expiry\""),
        Some(format!("12/{ny}").as_str())
    );
    assert!(!page.body.contains(OLD_PAN));
    assert!(!page.body.contains("400005"), "the BIN is not shown");
    assert_eq!(tries_left(&page), "5 tries left");

    // The same or an earlier expiry is refused, and nothing changes.
    for (month, year) in [(12, ny), (6, ny)] {
        let refused = b
            .post_form(&format!("{path}?intent=expiry"), &expiry_form(month, year))
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(
            refused.body.contains("must be later than the one on file"),
            "{}",
            refused.body
        );
    }
    let unchanged = app.method(&id).await;
    assert_eq!(unchanged["status"], "expiring");
    assert_eq!(unchanged["card"]["exp_month"], 12);
    assert_eq!(unchanged["card"]["exp_year"], ny);
    assert_eq!(reveal(&app, &id).await["card"]["exp_month"], 12);
    assert_eq!(tries_left(&b.get(&path).await), "3 tries left");

    // A later expiry is taken.
    let done = b
        .post_form(&format!("{path}?intent=expiry"), &expiry_form(3, ny + 2))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(
        element_text(&done.body, "data-testid=\"result\""),
        Some(format!("Your card now shows the expiry 03/{}.", ny + 2).as_str())
    );
    let updated = app.method(&id).await;
    assert_eq!(updated["status"], "active");
    assert_eq!(updated["card"]["exp_month"], 3);
    assert_eq!(updated["card"]["exp_year"], ny + 2);
    assert_eq!(updated["card"]["last4"], "5556");
    // The secret was sealed again with the new expiry.
    let revealed = reveal(&app, &id).await;
    assert_eq!(revealed["card"]["number"], OLD_PAN);
    assert_eq!(revealed["card"]["exp_month"], 3);
    assert_eq!(revealed["card"]["exp_year"], ny + 2);
    assert_eq!(revealed["card"]["name"], "Ada Lovelace");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM payment_method_transitions WHERE payment_method = '{id}' \
             AND from_status = 'expiring' AND to_status = 'active' AND reason = 'reverified'"
        ))
        .await,
        1
    );

    // Single use: neither the form nor the page works again, from any browser.
    let again = b
        .post_form(&format!("{path}?intent=expiry"), &expiry_form(4, ny + 2))
        .await;
    assert_eq!(again.status, StatusCode::GONE);
    assert_eq!(b.get(&path).await.status, StatusCode::GONE);
    let mut other = Browser::new(&app);
    assert_eq!(other.get(&path).await.status, StatusCode::GONE);
    assert_eq!(app.method(&id).await["card"]["exp_month"], 3);

    // The OMS hears of it, with what changed.
    let updates = updates_about(&app, &id).await;
    assert_eq!(updates.len(), 1, "{updates:?}");
    let data = &updates[0]["data"];
    assert_eq!(data["object"]["status"], "active");
    assert_eq!(data["object"]["card"]["exp_year"], ny + 2);
    assert_eq!(data["previous_attributes"]["status"], "expiring");
    assert_eq!(data["previous_attributes"]["exp_month"], 12);
    assert_eq!(data["previous_attributes"]["exp_year"], ny);

    let created = audit_of(&app, "payment_method.reverification_create").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].outcome, "success");
    assert_eq!(created[0].channel.as_deref(), Some("call-centre"));
    let reverify = audit_of(&app, "payment_method.reverify").await;
    let outcomes: Vec<&str> = reverify.iter().map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes, ["failure", "failure", "success"]);
    for e in &reverify {
        assert_eq!(e.actor_type, "customer");
        assert_eq!(e.actor_id, "cus_exp");
        assert_eq!(e.resource_id.as_deref(), Some(id.as_str()));
    }
    assert!(reverify[2].detail.as_deref().unwrap().contains("expiry"));
}

#[tokio::test]
async fn a_replacement_card_gets_a_new_token_and_becomes_the_default() {
    let app = spawn_app().await;
    let ny = next_year();
    let old = card(&app, "cus_rep", OLD_PAN).await;
    let other = card(&app, "cus_rep", "4242424242424242").await;
    assert_eq!(set_default(&app, "cus_rep", &old).await.status(), 200);
    let path = link_path(&app, &old).await;
    let form_path = format!("{path}?intent=replace");
    let stored = app.count("SELECT COUNT(*) FROM payment_methods").await;

    // Invalid cards are refused with the field's error, and nothing is stored.
    let mut b = Browser::new(&app);
    let cases = [
        (
            replace_form("4000056655665557", 10, ny, "123"),
            "Your card number is incorrect.",
        ),
        (
            replace_form(NEW_PAN, 1, this_year() - 1, "123"),
            "Your card has expired.",
        ),
        (
            replace_form(NEW_PAN, 10, ny, "12"),
            "security code is invalid.",
        ),
    ];
    for (n, (form, message)) in cases.iter().enumerate() {
        let refused = b.post_form(&form_path, form).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{form}");
        assert!(
            refused.body.contains(message),
            "{message}: {}",
            refused.body
        );
        assert!(
            refused.body.contains("<details open"),
            "the replace form is open"
        );
        assert!(!refused.body.contains(NEW_PAN));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM payment_methods").await,
            stored
        );
        let attempts = app
            .count("SELECT attempts FROM customer_links WHERE purpose = 'reverify'")
            .await;
        assert_eq!(attempts, i64::try_from(n).unwrap() + 1);
    }
    assert_eq!(tries_left(&b.get(&path).await), "2 tries left");
    let codes: Vec<String> = audit_of(&app, "payment_method.reverify")
        .await
        .into_iter()
        .map(|e| {
            assert_eq!(e.outcome, "failure");
            e.detail.unwrap()
        })
        .collect();
    assert_eq!(codes.len(), 3);
    for (detail, code) in codes
        .iter()
        .zip(["invalid_number", "expired_card", "invalid_cvc"])
    {
        assert!(detail.contains(code), "{detail}");
    }

    // A valid replacement.
    let done = b
        .post_form(&form_path, &replace_form(NEW_PAN, 10, ny + 1, "123"))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(
        element_text(&done.body, "data-testid=\"result\""),
        Some("Your new card Mastercard •••• 4444 replaces the old one.")
    );
    assert!(!done.body.contains(NEW_PAN));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payment_methods").await,
        stored + 1
    );
    let new = text(
        &app,
        &format!("SELECT replaced_by FROM payment_methods WHERE id = '{old}'"),
    )
    .await
    .expect("replaced_by is set");
    assert_ne!(new, old);
    assert!(new.starts_with("pm_"), "{new}");

    let old_view = app.method(&old).await;
    let new_view = app.method(&new).await;
    assert_eq!(old_view["status"], "replaced");
    assert_eq!(new_view["status"], "active");
    assert_eq!(new_view["customer"], "cus_rep");
    assert_eq!(new_view["channel"], old_view["channel"]);
    assert_eq!(new_view["card"]["brand"], "mastercard");
    assert_eq!(new_view["card"]["last4"], "4444");
    assert_eq!(new_view["card"]["exp_month"], 10);
    assert_eq!(new_view["card"]["exp_year"], ny + 1);
    let revealed = reveal(&app, &new).await;
    assert_eq!(revealed["card"]["number"], NEW_PAN);
    assert!(revealed["card"].get("cvc").is_none());
    // The old card details are untouched under the old token.
    assert_eq!(reveal(&app, &old).await["card"]["number"], OLD_PAN);

    // The old method cannot be used any more; the new one can.
    let refused = use_method(&app, &old).await;
    assert_eq!(refused.status(), 409);
    let e: Value = refused.json().await.unwrap();
    assert_eq!(e["error"]["code"], "payment_method_unusable");
    let approved = use_method(&app, &new).await;
    assert_eq!(approved.status(), 201);
    assert_eq!(
        approved.json::<Value>().await.unwrap()["status"],
        "approved"
    );

    // It was the default: the replacement is now.
    let list = wallet(&app, "cus_rep").await;
    assert_eq!(ids(&list), [new.clone(), other.clone()]);
    assert_eq!(list[0]["default"], true);
    assert_eq!(list[1]["default"], false);

    let creates = audit_of(&app, "payment_method.create").await;
    let by_customer: Vec<&AuditRow> = creates
        .iter()
        .filter(|e| e.actor_type == "customer")
        .collect();
    assert_eq!(by_customer.len(), 1);
    assert_eq!(by_customer[0].actor_id, "cus_rep");
    assert_eq!(by_customer[0].outcome, "success");
    assert_eq!(by_customer[0].resource_id.as_deref(), Some(new.as_str()));
    let detail: Value = serde_json::from_str(by_customer[0].detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["replaces"], old.as_str());
    let success = audit_of(&app, "payment_method.reverify")
        .await
        .into_iter()
        .find(|e| e.outcome == "success")
        .unwrap();
    assert_eq!(success.resource_id.as_deref(), Some(old.as_str()));
    assert!(success.detail.as_deref().unwrap().contains(&new));

    // The link is spent, and the replaced method cannot get a new one.
    assert_eq!(b.get(&path).await.status, StatusCode::GONE);
    assert_eq!(issue(&app, &app.agent_key, &old).await.status(), 400);

    // Five wrong submissions kill a link: the fifth already answers 410.
    let path = link_path(&app, &new).await;
    let form_path = format!("{path}?intent=replace");
    let stored = app.count("SELECT COUNT(*) FROM payment_methods").await;
    for left in (1..=4).rev() {
        let refused = b
            .post_form(&form_path, &replace_form("4000056655665557", 10, ny, "123"))
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        let expected = if left == 1 {
            "1 try left".to_owned()
        } else {
            format!("{left} tries left")
        };
        assert_eq!(tries_left(&refused), expected);
    }
    let fifth = b
        .post_form(&form_path, &replace_form("4000056655665557", 10, ny, "123"))
        .await;
    assert_eq!(fifth.status, StatusCode::GONE);
    assert_eq!(b.get(&path).await.status, StatusCode::GONE);
    let valid = b
        .post_form(&form_path, &replace_form("2223003122003222", 10, ny, "123"))
        .await;
    assert_eq!(valid.status, StatusCode::GONE);
    let expiry = b
        .post_form(&format!("{path}?intent=expiry"), &expiry_form(1, ny + 3))
        .await;
    assert_eq!(expiry.status, StatusCode::GONE);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payment_methods").await,
        stored
    );
    assert_eq!(app.method(&new).await["card"]["exp_year"], ny + 1);
}

#[tokio::test]
async fn expired_links_and_methods_that_cannot_be_reverified() {
    let app = spawn_app().await;
    let ny = next_year();
    let id = card(&app, "cus_late", OLD_PAN).await;
    let path = link_path(&app, &id).await;
    app.exec("UPDATE customer_links SET expires_at = 0 WHERE purpose = 'reverify'")
        .await
        .unwrap();
    let mut b = Browser::new(&app);
    let page = b.get(&path).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains("This link has expired"));
    assert_eq!(
        b.post_form(&format!("{path}?intent=expiry"), &expiry_form(1, ny + 3))
            .await
            .status,
        StatusCode::GONE
    );
    assert_eq!(
        b.post_form(
            &format!("{path}?intent=replace"),
            &replace_form(NEW_PAN, 1, ny + 3, "123")
        )
        .await
        .status,
        StatusCode::GONE
    );
    assert_eq!(app.method(&id).await["card"]["exp_year"], ny);
    assert_eq!(app.count("SELECT COUNT(*) FROM payment_methods").await, 1);
    // An unknown token is the same page.
    assert_eq!(
        b.get("/c/reverify/not-a-real-token").await.status,
        StatusCode::GONE
    );

    // A link whose card was deleted after it was sent no longer works.
    let path = link_path(&app, &id).await;
    assert_eq!(b.get(&path).await.status, StatusCode::OK);
    let res = app
        .delete(&app.admin_key, &format!("/api/v1/payment_methods/{id}"))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(b.get(&path).await.status, StatusCode::GONE);
    assert_eq!(
        b.post_form(&format!("{path}?intent=expiry"), &expiry_form(1, ny + 3))
            .await
            .status,
        StatusCode::GONE
    );

    // Neither a shredded method nor a non-card one gets a link; the refusals are audited.
    let sepa = app
        .post(
            &app.agent_key,
            "/api/v1/payment_methods",
            &json!({"customer": "cus_late", "type": "sepa_debit", "sepa_debit": {"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"}}),
        )
        .await;
    assert_eq!(sepa.status(), 201);
    let sepa = sepa.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let links = app
        .count("SELECT COUNT(*) FROM customer_links WHERE purpose = 'reverify'")
        .await;
    for refused in [&id, &sepa] {
        let res = issue(&app, &app.agent_key, refused).await;
        assert_eq!(res.status(), 400);
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["error"]["code"], "parameter_invalid");
        assert_eq!(e["error"]["param"], "payment_method");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM customer_links WHERE purpose = 'reverify'")
            .await,
        links
    );
    let failures: Vec<AuditRow> = audit_of(&app, "payment_method.reverification_create")
        .await
        .into_iter()
        .filter(|e| e.outcome == "failure")
        .collect();
    let refused: Vec<&str> = failures
        .iter()
        .map(|e| e.resource_id.as_deref().unwrap())
        .collect();
    assert_eq!(refused, [id.as_str(), sepa.as_str()]);
    for e in &failures {
        assert_eq!(e.channel.as_deref(), Some("call-centre"));
        assert!(e.detail.as_deref().unwrap().contains("not_reverifiable"));
    }
}

#[tokio::test]
async fn issuing_a_link_needs_the_write_scope() {
    let app = spawn_app().await;
    let id = card(&app, "cus_scope", OLD_PAN).await;
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let res = issue(&app, &app.agent_key, &id).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["object"], "reverification_link");
    assert_eq!(body["payment_method"], id.as_str());
    let url = body["url"].as_str().unwrap();
    assert!(url.starts_with("http://localhost:"), "{url}");
    assert!(url.contains("/c/reverify/"), "{url}");
    let expires = body["expires_at"].as_u64().unwrap();
    let week = 7 * 24 * 3600;
    assert!(
        (before + week - 5..=before + week + 60).contains(&expires),
        "{expires}"
    );

    let read_only = app
        .key_with("reporting", &[Scope::PaymentMethodsRead])
        .await;
    let res = issue(&app, &read_only, &id).await;
    assert_eq!(res.status(), 403);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"]["code"], "insufficient_scope");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM customer_links WHERE purpose = 'reverify'")
            .await,
        1
    );
    let denied = audit_of(&app, "payment_method.reverification_create")
        .await
        .into_iter()
        .find(|e| e.outcome == "denied")
        .unwrap();
    assert_eq!(denied.channel.as_deref(), Some("reporting"));
    assert_eq!(denied.resource_id.as_deref(), Some(id.as_str()));
    // Reading the wallet is fine with that key; choosing the default is not.
    let res = app
        .get(&read_only, "/api/v1/customers/cus_scope/wallet")
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .post(
            &read_only,
            "/api/v1/customers/cus_scope/default_payment_method",
            &json!({ "payment_method": id }),
        )
        .await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn the_wallet_lists_usable_methods_default_first_then_by_latest_use() {
    let app = spawn_app().await;
    let ny = next_year();
    let mut made = Vec::new();
    for pan in [
        "4242424242424242",
        OLD_PAN,
        NEW_PAN,
        "2223003122003222",
        "5200828282828210",
        "4111111111111111",
    ] {
        made.push(card(&app, "cus_w", pan).await);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let [a, b, c, expired, shredded, old] = <[String; 6]>::try_from(made).unwrap();
    let stranger = card(&app, "cus_stranger", "4242424242424242").await;

    // One replaced, one expired, one shredded.
    let path = link_path(&app, &old).await;
    let done = Browser::new(&app)
        .post_form(
            &format!("{path}?intent=replace"),
            &replace_form("6011111111111117", 8, ny, "123"),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let replacement = text(
        &app,
        &format!("SELECT replaced_by FROM payment_methods WHERE id = '{old}'"),
    )
    .await
    .unwrap();
    app.exec(&format!(
        "UPDATE payment_methods SET status = 'expired' WHERE id = '{expired}'"
    ))
    .await
    .unwrap();
    let res = app
        .delete(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{shredded}"),
        )
        .await;
    assert_eq!(res.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;

    // No default yet: most recent first (creation, as nothing was used).
    assert_eq!(
        ids(&wallet(&app, "cus_w").await),
        [replacement.clone(), c.clone(), b.clone(), a.clone()]
    );

    for id in [&c, &a] {
        assert_eq!(use_method(&app, id).await.status(), 201);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let res = set_default(&app, "cus_w", &b).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["id"], b.as_str());
    assert_eq!(body["default"], true);

    let list = wallet(&app, "cus_w").await;
    assert_eq!(
        ids(&list),
        [b.clone(), a.clone(), c.clone(), replacement.clone()]
    );
    let defaults: Vec<bool> = list
        .iter()
        .map(|m| m["default"].as_bool().unwrap())
        .collect();
    assert_eq!(defaults, [true, false, false, false]);
    for m in &list {
        assert_eq!(m["customer"], "cus_w");
        assert_eq!(m["status"], "active");
        assert!(m["card"]["last4"].is_string());
        assert!(m["card"].get("number").is_none());
    }

    // Another customer's method cannot be made the default: 404, audited, nothing changes.
    let res = set_default(&app, "cus_w", &stranger).await;
    assert_eq!(res.status(), 404);
    // Nor can a method that is not usable.
    for unusable in [&expired, &shredded, &old] {
        assert_eq!(set_default(&app, "cus_w", unusable).await.status(), 404);
    }
    assert_eq!(ids(&wallet(&app, "cus_w").await)[0], b);
    let failures: Vec<AuditRow> = audit_of(&app, "payment_method.default_set")
        .await
        .into_iter()
        .filter(|e| e.outcome == "failure")
        .collect();
    assert_eq!(failures.len(), 4);
    assert_eq!(failures[0].resource_id.as_deref(), Some(stranger.as_str()));
    assert_eq!(failures[0].channel.as_deref(), Some("web-checkout"));
    assert!(
        failures[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("resource_missing")
    );
    assert_eq!(
        text(
            &app,
            "SELECT payment_method FROM customer_default_methods_by_channel WHERE customer = 'cus_w'"
        )
        .await
        .as_deref(),
        Some(b.as_str())
    );
    // The other customer's wallet is their own.
    assert_eq!(ids(&wallet(&app, "cus_stranger").await), [stranger]);

    // The latest use moves a method up; the default stays first.
    assert_eq!(use_method(&app, &replacement).await.status(), 201);
    assert_eq!(
        ids(&wallet(&app, "cus_w").await),
        [b.clone(), replacement.clone(), a.clone(), c.clone()]
    );
    assert_eq!(set_default(&app, "cus_w", &c).await.status(), 200);
    assert_eq!(ids(&wallet(&app, "cus_w").await), [c, replacement, a, b]);
}

/// Log lines of this test's thread (the server runs on the test's single-threaded runtime).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

const CVC: &str = "737";

/// Every way the card data could show up in `hay`, by name.
fn leaks(hay: &str) -> Vec<&'static str> {
    let mut found = Vec::new();
    for (name, pan) in [("old PAN", OLD_PAN), ("new PAN", NEW_PAN)] {
        let spaced = format!(
            "{} {} {} {}",
            &pan[..4],
            &pan[4..8],
            &pan[8..12],
            &pan[12..]
        );
        if hay.contains(pan) || hay.contains(&spaced) || hay.contains(&pan[..12]) {
            found.push(name);
        }
    }
    for pattern in [
        format!("\"{CVC}\""),
        format!("cvc={CVC}"),
        format!("cvc\":\"{CVC}"),
        format!("cvc\\\":\\\"{CVC}"),
        format!("cvc: {CVC}"),
    ] {
        if hay.contains(&pattern) {
            found.push("CVC");
        }
    }
    found
}

#[tokio::test]
async fn the_replacement_flow_leaks_no_card_data_anywhere() {
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(true)
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .finish();
    // tracing caches each call site's interest for the whole process. While one dispatcher is
    // registered it asks the default of whichever thread reaches a call site first: another
    // test's thread, which has none, and the site would stay off here. A second registered
    // dispatcher makes it ask every registered one, this test's capture included.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let _logging = tracing::subscriber::set_default(subscriber);

    let app = spawn_app().await;
    let received = webhook_receiver(&app).await;
    let ny = next_year();
    let mut body = card_body("cus_leak", OLD_PAN);
    body["card"]["cvc"] = CVC.into();
    let res = app
        .post(&app.agent_key, "/api/v1/payment_methods", &body)
        .await;
    assert_eq!(res.status(), 201);
    let old = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(set_default(&app, "cus_leak", &old).await.status(), 200);

    let mut html = Vec::new();
    let mut b = Browser::new(&app);
    let path = link_path(&app, &old).await;
    let replace = format!("{path}?intent=replace");
    html.push(b.get(&path).await);
    let spaced = "5555+5555+5555+4444";
    // Wrong submissions carrying the full PAN and the CVC, in every field they could reach.
    for form in [
        replace_form(NEW_PAN, 10, ny, "12"),
        replace_form(spaced, 1, this_year() - 1, CVC),
        format!("number={NEW_PAN}&exp_month=10&exp_year={ny}&cvc={CVC}&name={NEW_PAN}"),
        format!("number={CVC}&exp_month={NEW_PAN}&exp_year={ny}&cvc={NEW_PAN}"),
    ] {
        let page = b.post_form(&replace, &form).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{form}");
        html.push(page);
    }
    let page = b
        .post_form(
            &format!("{path}?intent=expiry"),
            &format!("exp_month=10&exp_year={NEW_PAN}"),
        )
        .await;
    assert_eq!(page.status, StatusCode::GONE, "the fifth wrong answer");
    html.push(page);

    // A fresh link, and the real replacement.
    let path = link_path(&app, &old).await;
    let done = b
        .post_form(
            &format!("{path}?intent=replace"),
            &replace_form(spaced, 10, ny + 1, CVC),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    html.push(done);
    let new = text(
        &app,
        &format!("SELECT replaced_by FROM payment_methods WHERE id = '{old}'"),
    )
    .await
    .unwrap();
    // The same number again on the new card's link: only its expiry changes (re-sealed).
    let path = link_path(&app, &new).await;
    html.push(b.get(&path).await);
    let same = b
        .post_form(
            &format!("{path}?intent=replace"),
            &replace_form(NEW_PAN, 11, ny + 2, CVC),
        )
        .await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    html.push(same);
    assert_eq!(app.method(&new).await["card"]["exp_month"], 11);
    html.push(b.get(&path).await);
    html.push(b.get(&format!("/c/reverify/{NEW_PAN}")).await);
    html.push(
        b.post_form(
            &format!("/c/reverify/{NEW_PAN}?intent=replace"),
            &replace_form(NEW_PAN, 10, ny, CVC),
        )
        .await,
    );

    // The API, with the PAN where an id or a customer goes.
    let read_only = app
        .key_with("reporting", &[Scope::PaymentMethodsRead])
        .await;
    let mut api = Vec::new();
    for key in [&app.admin_key, &app.agent_key, &read_only] {
        for res in [
            issue(&app, key, NEW_PAN).await,
            app.get(key, &format!("/api/v1/customers/{NEW_PAN}/wallet"))
                .await,
            app.post(
                key,
                &format!("/api/v1/customers/{NEW_PAN}/default_payment_method"),
                &json!({ "payment_method": new }),
            )
            .await,
            app.post(
                key,
                "/api/v1/customers/cus_leak/default_payment_method",
                &json!({ "payment_method": NEW_PAN }),
            )
            .await,
        ] {
            assert!(res.status().is_client_error(), "{}", res.status());
            api.push(res.text().await.unwrap());
        }
    }
    api.push(
        app.get(&app.agent_key, "/api/v1/customers/cus_leak/wallet")
            .await
            .text()
            .await
            .unwrap(),
    );

    // Let the webhook deliveries go out.
    for _ in 0..200 {
        let pending = app
            .count("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'")
            .await;
        if pending == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }

    let mut problems = Vec::new();
    let mut check = |place: String, hay: &str| {
        for leak in leaks(hay) {
            problems.push(format!("{leak} in {place}"));
        }
    };
    for (n, page) in html.iter().enumerate() {
        check(format!("HTML response {n}"), &page.body);
    }
    for (n, body) in api.iter().enumerate() {
        check(format!("API response {n}"), body);
    }
    let audit = app.audit().await;
    assert!(audit.iter().any(|e| e.action == "payment_method.reverify"));
    for row in &audit {
        check(format!("audit row {}", row.id), &format!("{row:?}"));
    }
    let payloads = texts(&app, "SELECT payload FROM webhook_deliveries").await;
    assert!(
        payloads.iter().any(|p| p.contains("replaced_by")),
        "the replacement was announced"
    );
    for p in &payloads {
        check("webhook_deliveries".into(), p);
    }
    for p in received.lock().unwrap().iter() {
        check("a delivered webhook".into(), p);
    }
    let links = texts(
        &app,
        "SELECT id || '|' || customer || '|' || purpose || '|' || COALESCE(use_id, '') || '|' \
         || COALESCE(ceremony, '') || '|' || COALESCE(payment_method, '') FROM customer_links",
    )
    .await;
    assert_eq!(links.len(), 3);
    let token = path.rsplit('/').next().unwrap();
    for l in &links {
        check("customer_links".into(), l);
        assert!(!l.contains(token), "the link token itself is not stored");
    }
    let rows = texts(
        &app,
        "SELECT id || '|' || display || '|' || COALESCE(metadata, '') || '|' || COALESCE(billing_details, '') \
         || '|' || customer || '|' || COALESCE(alias, '') || '|' || channel FROM payment_methods",
    )
    .await;
    for r in &rows {
        check("payment_methods".into(), r);
    }
    let transitions = texts(
        &app,
        "SELECT payment_method || '|' || reason || '|' || actor FROM payment_method_transitions",
    )
    .await;
    for t in &transitions {
        check("payment_method_transitions".into(), t);
    }
    if let Some(db) = &app.sqlite_path {
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{}{suffix}", db.display());
            if let Ok(bytes) = std::fs::read(&file) {
                check(file, &String::from_utf8_lossy(&bytes));
            }
        }
    }
    let log = logs.text();
    // The capture works: the customer page's requests were logged (by route, never by URI).
    assert!(
        log.contains("/c/reverify/{token}"),
        "no request lines captured"
    );
    assert!(!log.contains(token), "a link token reached the logs");
    check("the logs".into(), &log);
    assert!(problems.is_empty(), "{problems:#?}");
}

/// A replacement the customer already has on file (another live card of theirs) takes the typed
/// expiry and becomes active again, rather than an expired copy becoming the replacement.
#[tokio::test]
async fn a_replacement_that_is_already_on_file_takes_the_typed_expiry() {
    let app = spawn_app().await;
    let ny = next_year();
    let old = card(&app, "cus_dup", OLD_PAN).await;
    let dup = card(&app, "cus_dup", NEW_PAN).await;
    app.exec(&format!(
        "UPDATE payment_methods SET status = 'expired' WHERE id = '{dup}'"
    ))
    .await
    .unwrap();
    assert_eq!(set_default(&app, "cus_dup", &old).await.status(), 200);
    let path = link_path(&app, &old).await;
    let done = Browser::new(&app)
        .post_form(
            &format!("{path}?intent=replace"),
            &replace_form(NEW_PAN, 10, ny + 3, "123"),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(app.method(&old).await["status"], "replaced");
    let view = app.method(&dup).await;
    assert_eq!(view["status"], "active");
    assert_eq!(view["card"]["exp_month"], 10);
    assert_eq!(view["card"]["exp_year"], ny + 3);
    assert_eq!(reveal(&app, &dup).await["card"]["exp_year"], ny + 3);
    let list = wallet(&app, "cus_dup").await;
    assert_eq!(ids(&list), std::slice::from_ref(&dup));
    assert_eq!(list[0]["default"], true);
    assert_eq!(use_method(&app, &dup).await.status(), 201);
}
