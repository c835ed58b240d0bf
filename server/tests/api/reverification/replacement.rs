//! A replacement card gets a new token and becomes the default; one already on file takes the typed expiry.

use super::*;

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
