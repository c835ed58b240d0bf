//! Channel isolation (the security review's item 4), each test performing the attack: a
//! channel's key reaching another channel's methods, uses, mandates and webhook endpoints, a use
//! claiming another channel to dodge the step-up policy, and keys used after their expiry or from
//! outside their allow-list. An OMS-wide key (`channels:all`) reaches them, audited as such.

use crate::helpers::{TestApp, card_body, next_year, spawn_app, spawn_app_with_customer};
use coffer_vault::access::{Actor, Scope};
use coffer_vault::customer::StepUpRule;
use coffer_vault::net::IpNet;
use coffer_vault::service::KeyLimits;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

const PAN: &str = "4242424242424242";

/// Two channels' keys with every scope but `channels:all`, and an OMS-wide read/reveal key.
struct Keys {
    web: String,
    pos: String,
    oms: String,
}

async fn keys(app: &TestApp) -> Keys {
    let channel = [
        Scope::PaymentMethodsRead,
        Scope::PaymentMethodsWrite,
        Scope::PaymentMethodsReveal,
        Scope::PaymentMethodsUse,
        Scope::WebhooksManage,
    ];
    Keys {
        web: app.key_with("web", &channel).await,
        pos: app.key_with("pos", &channel).await,
        oms: app
            .key_with(
                "oms",
                &[
                    Scope::PaymentMethodsRead,
                    Scope::PaymentMethodsReveal,
                    Scope::PaymentMethodsUse,
                    Scope::WebhooksManage,
                    Scope::AllChannels,
                ],
            )
            .await,
    }
}

async fn store(app: &TestApp, key: &str, customer: &str) -> Value {
    let res = app
        .post(key, "/api/v1/payment_methods", &card_body(customer, PAN))
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    res.json().await.unwrap()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn other_channel_denials(app: &TestApp, action: &str) -> usize {
    app.audit()
        .await
        .iter()
        .filter(|e| {
            e.action == action
                && e.outcome == "denied"
                && e.detail.as_deref() == Some(r#"{"code":"other_channel"}"#)
        })
        .count()
}

#[tokio::test]
async fn a_key_cannot_reach_another_channels_methods_and_an_oms_wide_key_can_audited() {
    let app = spawn_app().await;
    let k = keys(&app).await;
    let card = store(&app, &k.web, "cus_iso").await;
    let pm = id(&card);
    let path = format!("/api/v1/payment_methods/{pm}");

    // The attack: the POS key asks for the web channel's card every way it can.
    assert_eq!(app.get(&k.pos, &path).await.status(), 404);
    let reveal = app
        .post(
            &k.pos,
            &format!("{path}/reveal"),
            &json!({ "reason": "ticket 1" }),
        )
        .await;
    assert_eq!(reveal.status(), 404);
    assert!(!reveal.text().await.unwrap().contains(PAN));
    let uses = app
        .post(
            &k.pos,
            &format!("{path}/uses"),
            &json!({ "amount": 100, "currency": "eur", "order_reference": "o1" }),
        )
        .await;
    assert_eq!(uses.status(), 404);
    let link = app
        .post(&k.pos, &format!("{path}/reverifications"), &json!({}))
        .await;
    assert_eq!(link.status(), 404);
    let default = app
        .post(
            &k.pos,
            "/api/v1/customers/cus_iso/default_payment_method",
            &json!({ "payment_method": pm }),
        )
        .await;
    assert_eq!(default.status(), 404);
    assert_eq!(app.delete(&k.pos, &path).await.status(), 404);
    let list: Value = app
        .get(&k.pos, "/api/v1/customers/cus_iso/payment_methods")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"].as_array().unwrap().len(), 0);
    let wallet: Value = app
        .get(&k.pos, "/api/v1/customers/cus_iso/wallet")
        .await
        .json()
        .await
        .unwrap();
    assert!(!wallet.to_string().contains(&pm), "{wallet}");
    // Nothing was changed, and each attempt is on the record as a cross-channel denial.
    assert_eq!(app.get(&k.web, &path).await.status(), 200);
    for action in [
        "payment_method.read",
        "payment_method.reveal",
        "payment_method.use",
        "payment_method.reverification_create",
        "payment_method.default_set",
        "payment_method.delete",
    ] {
        assert_eq!(other_channel_denials(&app, action).await, 1, "{action}");
    }

    // The OMS-wide key reaches it, and each access says so.
    let seen: Value = app.get(&k.oms, &path).await.json().await.unwrap();
    assert_eq!(seen["id"], card["id"]);
    // Fingerprints are the owning channel's, whoever reads them.
    assert_eq!(seen["card"]["fingerprint"], card["card"]["fingerprint"]);
    let revealed = app
        .post(
            &k.oms,
            &format!("{path}/reveal"),
            &json!({ "reason": "chargeback 7" }),
        )
        .await;
    assert_eq!(revealed.status(), 200);
    let all: Value = app
        .get(&k.oms, "/api/v1/customers/cus_iso/payment_methods")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["data"].as_array().unwrap().len(), 1);
    let audit = app.audit().await;
    for action in [
        "payment_method.read",
        "payment_method.reveal",
        "payment_method.list",
    ] {
        assert!(
            audit.iter().any(|e| e.action == action
                && e.outcome == "success"
                && e.detail
                    .as_deref()
                    .is_some_and(|d| d.contains("\"cross_channel\":true"))),
            "{action} by the OMS-wide key is audited as cross-channel"
        );
    }
}

#[tokio::test]
async fn the_same_card_stored_by_two_channels_tells_neither_about_the_other() {
    let app = spawn_app().await;
    let k = keys(&app).await;
    let web = store(&app, &k.web, "cus_both").await;
    // The attack: the POS key stores a guess for the web channel's customer. Before, a 200 with
    // the web channel's token said "this customer has this card" (and handed over the token).
    let res = app
        .post(
            &k.pos,
            "/api/v1/payment_methods",
            &card_body("cus_both", PAN),
        )
        .await;
    assert_eq!(res.status(), 201);
    let pos: Value = res.json().await.unwrap();
    assert_ne!(pos["id"], web["id"]);
    assert_ne!(pos["card"]["fingerprint"], web["card"]["fingerprint"]);
    // Within a channel, duplicates are still found.
    let again = app
        .post(
            &k.pos,
            "/api/v1/payment_methods",
            &card_body("cus_both", PAN),
        )
        .await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap()["id"], pos["id"]);
    // The renewal attack: a later expiry from another channel re-sealed the card on file. Now it
    // renews only the sender's own method; the web channel's card is untouched.
    let mut later = card_body("cus_both", PAN);
    later["card"]["exp_year"] = json!(next_year() + 2);
    let renewed = app.post(&k.pos, "/api/v1/payment_methods", &later).await;
    assert_eq!(renewed.status(), 200);
    let renewed: Value = renewed.json().await.unwrap();
    assert_eq!(renewed["id"], pos["id"]);
    assert_eq!(renewed["card"]["exp_year"], json!(next_year() + 2));
    let web_now: Value = app
        .get(&k.web, &format!("/api/v1/payment_methods/{}", id(&web)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(web_now["card"]["exp_year"], web["card"]["exp_year"]);
}

#[tokio::test]
async fn uses_mandates_and_webhook_endpoints_are_bound_to_their_channel() {
    let app = spawn_app().await;
    let k = keys(&app).await;
    let pm = id(&store(&app, &k.web, "cus_bound").await);
    let body = json!({ "amount": 100, "currency": "eur", "order_reference": "o-1" });
    let made: Value = app
        .post(&k.web, &format!("/api/v1/payment_methods/{pm}/uses"), &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(made["channel"], "web");
    let use_path = format!(
        "/api/v1/payment_methods/{pm}/uses/{}",
        made["id"].as_str().unwrap()
    );
    assert_eq!(app.get(&k.pos, &use_path).await.status(), 404);
    assert_eq!(app.get(&k.web, &use_path).await.status(), 200);
    assert_eq!(app.get(&k.oms, &use_path).await.status(), 200);

    let setup =
        json!({ "reference": "sub-1", "amount": 100, "currency": "eur", "order_reference": "o-2" });
    let res = app
        .post(
            &k.web,
            &format!("/api/v1/payment_methods/{pm}/mandates"),
            &setup,
        )
        .await;
    assert_eq!(res.status(), 201);
    let mandate: Value = res.json().await.unwrap();
    let mandate_path = format!("/api/v1/mandates/{}", mandate["id"].as_str().unwrap());
    assert_eq!(app.get(&k.pos, &mandate_path).await.status(), 404);
    let confirm = app
        .post(
            &k.pos,
            &format!("{mandate_path}/confirm"),
            &json!({ "network_transaction_id": "nti-1" }),
        )
        .await;
    assert_eq!(confirm.status(), 404);
    assert_eq!(app.delete(&k.pos, &mandate_path).await.status(), 404);
    assert_eq!(app.get(&k.web, &mandate_path).await.status(), 200);
    for action in [
        "payment_method.use_read",
        "mandate.read",
        "mandate.confirm",
        "mandate.cancel",
    ] {
        assert_eq!(other_channel_denials(&app, action).await, 1, "{action}");
    }

    // Endpoints: a channel's key registers for its own channel only.
    let own = app
        .post(
            &k.pos,
            "/api/v1/webhook_endpoints",
            &json!({ "url": "http://127.0.0.1:9/a" }),
        )
        .await;
    assert_eq!(own.status(), 201);
    let own: Value = own.json().await.unwrap();
    assert_eq!(own["channel"], "pos");
    let foreign = app
        .post(
            &k.pos,
            "/api/v1/webhook_endpoints",
            &json!({ "url": "http://127.0.0.1:9/b", "channel": "web" }),
        )
        .await;
    assert_eq!(foreign.status(), 400);
    let everyone = app
        .post(
            &k.oms,
            "/api/v1/webhook_endpoints",
            &json!({ "url": "http://127.0.0.1:9/c" }),
        )
        .await;
    assert_eq!(everyone.status(), 201);
    assert!(everyone.json::<Value>().await.unwrap()["channel"].is_null());
    let web_listed: Value = app
        .get(&k.web, "/api/v1/webhook_endpoints")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        web_listed["data"].as_array().unwrap().len(),
        0,
        "{web_listed}"
    );
    let disable = app
        .delete(
            &k.web,
            &format!("/api/v1/webhook_endpoints/{}", own["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(disable.status(), 404);
    let oms_listed: Value = app
        .get(&k.oms, "/api/v1/webhook_endpoints")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(oms_listed["data"].as_array().unwrap().len(), 2);
    // The web channel's use events go to no POS endpoint: only the all-channel one is queued.
    let queued = app
        .count(&format!(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = '{}'",
            own["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(queued, 0);
}

#[tokio::test]
async fn a_use_cannot_claim_another_channel_and_the_keys_channel_decides_the_step_up() {
    // Rules for the web channel only: before, a POS key could send `"channel": "web"` or any
    // channel no rule names and charge any amount without the customer.
    let app = spawn_app_with_customer(|c| {
        c.policy.rules = vec![StepUpRule::parse("web:eur:50000").unwrap()];
    })
    .await;
    let pos = app
        .key_with(
            "pos",
            &[Scope::PaymentMethodsWrite, Scope::PaymentMethodsUse],
        )
        .await;
    let pm = id(&store(&app, &pos, "cus_pol").await);
    let path = format!("/api/v1/payment_methods/{pm}/uses");
    let claim = app
        .post(
            &pos,
            &path,
            &json!({ "amount": 100, "currency": "eur", "order_reference": "o", "channel": "web" }),
        )
        .await;
    assert_eq!(claim.status(), 400);
    assert_eq!(
        claim.json::<Value>().await.unwrap()["error"]["param"],
        "channel"
    );
    let big: Value = app
        .post(
            &pos,
            &path,
            &json!({ "amount": 10_000_000, "currency": "eur", "order_reference": "o" }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(big["channel"], "pos");
    assert_ne!(big["status"], "approved", "{big}");
    assert_eq!(big["step_up"], "channel");
}

#[tokio::test]
async fn keys_stop_at_their_expiry_and_outside_their_allow_list() {
    let app = spawn_app().await;
    let create = |limits: KeyLimits| {
        let vault = app.vault.clone();
        async move {
            vault
                .create_api_key_with(
                    &Actor::host_shell_operator(),
                    "limited",
                    &[Scope::PaymentMethodsRead],
                    &limits,
                )
                .await
                .unwrap()
        }
    };
    let path = "/api/v1/customers/cus_lim/payment_methods";
    let soon = create(KeyLimits {
        expires_at: Some(coffer_vault::clock::now_millis() + 1_500),
        allowed_ips: Vec::new(),
    })
    .await;
    assert_eq!(app.get(soon.key.expose_secret(), path).await.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(1_700)).await;
    assert_eq!(app.get(soon.key.expose_secret(), path).await.status(), 401);

    let elsewhere = create(KeyLimits {
        expires_at: None,
        allowed_ips: vec![IpNet::parse("10.0.0.0/8").unwrap()],
    })
    .await;
    assert_eq!(
        app.get(elsewhere.key.expose_secret(), path).await.status(),
        401
    );
    let here = create(KeyLimits {
        expires_at: None,
        allowed_ips: vec![IpNet::parse("127.0.0.1").unwrap()],
    })
    .await;
    assert_eq!(app.get(here.key.expose_secret(), path).await.status(), 200);

    let audit = app.audit().await;
    for (key, code) in [(&soon.id, "key_expired"), (&elsewhere.id, "ip_not_allowed")] {
        assert!(
            audit.iter().any(|e| e.action == "auth.api_key"
                && e.outcome == "denied"
                && e.resource_id.as_deref() == Some(key.as_str())
                && e.detail.as_deref() == Some(&format!(r#"{{"code":"{code}"}}"#))),
            "{code}"
        );
    }
}
