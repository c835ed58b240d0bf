//! PSP tokenization on the relay: a stored card vaulted at Stripe and at Braintree (two GraphQL
//! steps) with the connectors, the PSP's token kept beside ours and shown on the method.

use super::{PAN, connect, connect_braintree, forwarder, stored};
use serde_json::{Value, json};

#[tokio::test]
async fn a_card_is_vaulted_at_stripe_and_braintree_and_keeps_both_tokens() {
    let (app, psp, pm) = stored("cus_tok", PAN).await;
    let stripe = connect(&app, &psp, json!({})).await;
    let braintree = connect_braintree(&app, &psp).await;
    let key = forwarder(&app).await;
    let path = format!("/api/v1/payment_methods/{pm}/psp_tokens");
    let res = app
        .post(
            &key,
            &path,
            &json!({"connection": stripe, "provider": "stripe"}),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let token: Value = res.json().await.unwrap();
    assert_eq!(token["provider"], "stripe");
    assert_eq!(token["token"], "pm_1QstripeDouble");
    let res = app
        .post(
            &key,
            &path,
            &json!({"connection": braintree, "provider": "braintree"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let token: Value = res.json().await.unwrap();
    assert_eq!(token["token"], "cGF5bWVudG1ldGhvZF9idF92YXVsdGVk");
    // Stripe got the number once; Braintree got it in the tokenize step only, then the token.
    let got = psp.received.lock().unwrap().clone();
    assert_eq!(got.len(), 3);
    assert!(got[0].body.contains(&format!("card[number]={PAN}")));
    assert_eq!(got[0].headers["stripe-version"], "2025-08-27.basil");
    assert!(got[1].body.contains(PAN) && got[1].body.contains("tokenizeCreditCard"));
    assert!(!got[2].body.contains(PAN) && got[2].body.contains("tokencc_bt_double"));
    // The method lists both, and the tokens were audited (never the number).
    let method = app.method(&pm).await;
    let tokens = method["psp_tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[0]["provider"], "stripe");
    assert_eq!(tokens[1]["provider"], "braintree");
    assert_eq!(tokens[1]["connection"], braintree.as_str());
    let audit = app.audit().await;
    let created = audit
        .iter()
        .filter(|e| e.action == "payment_method.psp_token_create" && e.outcome == "success")
        .count();
    assert_eq!(created, 2);
    assert!(!format!("{audit:?}").contains(PAN));
}

#[tokio::test]
async fn a_psp_that_refuses_the_card_leaves_no_token() {
    let (app, psp, pm) = stored("cus_no", PAN).await;
    // Wrong key: the double answers 401 with Stripe's error shape.
    let conn = connect(
        &app,
        &psp,
        json!({"auth": {"type": "bearer", "token": "sk_test_wrong"}}),
    )
    .await;
    let key = forwarder(&app).await;
    let path = format!("/api/v1/payment_methods/{pm}/psp_tokens");
    let res = app
        .post(
            &key,
            &path,
            &json!({"connection": conn, "provider": "stripe"}),
        )
        .await;
    assert_eq!(res.status(), 402);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"]["code"], "psp_refused");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("api_key_invalid")
    );
    assert!(app.method(&pm).await.get("psp_tokens").is_none());
    let res = app
        .post(
            &key,
            &path,
            &json!({"connection": conn, "provider": "adyen"}),
        )
        .await;
    assert_eq!(res.status(), 400);
    let failed = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "payment_method.psp_token_create" && e.outcome == "failure")
        .count();
    assert_eq!(failed, 1);
}

#[tokio::test]
async fn deleting_a_method_can_delete_the_psps_copies_too() {
    let (app, psp, pm) = stored("cus_del", PAN).await;
    let stripe = connect(
        &app,
        &psp,
        json!({"routes": [{"method": "POST", "path": "/v1/payment_methods*"}]}),
    )
    .await;
    let braintree = connect_braintree(&app, &psp).await;
    let key = forwarder(&app).await;
    let path = format!("/api/v1/payment_methods/{pm}/psp_tokens");
    for (conn, provider) in [(&stripe, "stripe"), (&braintree, "braintree")] {
        let body = json!({"connection": conn, "provider": provider});
        assert_eq!(app.post(&key, &path, &body).await.status(), 201);
    }
    // The forward scope is needed to reach the PSPs: without it nothing is deleted at all.
    let res = app
        .delete(
            &app.agent_key,
            &format!("/api/v1/payment_methods/{pm}?psp_tokens=delete"),
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .delete(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{pm}?psp_tokens=delete"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["deleted"], true);
    let outcomes = body["psp_tokens"].as_array().unwrap();
    assert_eq!(outcomes.len(), 2);
    assert!(
        outcomes.iter().all(|o| o["deleted"] == true),
        "{outcomes:?}"
    );
    let got = psp.received.lock().unwrap().clone();
    assert!(
        got.iter()
            .any(|r| r.path == "/v1/payment_methods/pm_1QstripeDouble/detach")
    );
    assert!(
        got.iter()
            .any(|r| r.body.contains("deletePaymentMethodFromVault"))
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM psp_tokens WHERE payment_method = '{pm}'"
        ))
        .await,
        0
    );
    let audited = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "payment_method.psp_token_delete" && e.outcome == "success")
        .count();
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn psp_tokens_are_announced_to_the_channel_and_ride_on_the_method_in_webhooks() {
    use crate::webhooks::{Receiver, register, wait_for};
    let (app, psp, pm) = stored("cus_hook", PAN).await;
    let (hooks, url) = Receiver::start(0).await;
    register(&app, &url, None).await;
    let stripe = connect(
        &app,
        &psp,
        json!({"routes": [{"method": "POST", "path": "/v1/payment_methods*"}]}),
    )
    .await;
    let key = forwarder(&app).await;
    let path = format!("/api/v1/payment_methods/{pm}/psp_tokens");
    let body = json!({"connection": stripe, "provider": "stripe"});
    assert_eq!(app.post(&key, &path, &body).await.status(), 201);
    let event_of = |kind: &str| {
        hooks
            .received()
            .into_iter()
            .map(|(_, _, payload)| serde_json::from_str::<Value>(&payload).unwrap())
            .find(|e| e["type"] == kind)
    };
    wait_for(|| event_of("payment_method.psp_token_created").is_some()).await;
    let made = event_of("payment_method.psp_token_created").unwrap();
    assert_eq!(made["data"]["object"]["id"], pm.as_str());
    assert_eq!(made["data"]["psp_token"]["token"], "pm_1QstripeDouble");
    assert_eq!(made["data"]["psp_token"]["provider"], "stripe");
    let tokens = &made["data"]["object"]["psp_tokens"];
    assert_eq!(tokens[0]["token"], "pm_1QstripeDouble");
    assert_eq!(tokens[0]["connection"], stripe.as_str());

    // Deleting ours and theirs: the token's end is announced too, and no payload has the PAN.
    let res = app
        .delete(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{pm}?psp_tokens=delete"),
        )
        .await;
    assert_eq!(res.status(), 200);
    wait_for(|| event_of("payment_method.psp_token_deleted").is_some()).await;
    let gone = event_of("payment_method.psp_token_deleted").unwrap();
    assert_eq!(gone["data"]["psp_token"]["token"], "pm_1QstripeDouble");
    assert!(gone["data"]["object"].get("psp_tokens").is_none());
    for (_, _, payload) in hooks.received() {
        assert!(!payload.contains(PAN));
    }
}
