//! The wallet: usable methods only, the default first, then by latest use.

use super::*;

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
