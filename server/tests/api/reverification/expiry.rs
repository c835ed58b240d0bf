//! A customer confirms a new expiry through a single-use link; links that expired or cannot be used; who may issue one.

use super::*;

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
