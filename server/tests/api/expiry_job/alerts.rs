//! Expiry alerts: one per lead time, the shortest due one sent signed, and their suppression when the card is updated, replaced or ends.

use super::*;

#[tokio::test]
async fn alerts_are_scheduled_per_lead_time_and_the_shortest_due_one_is_sent_signed() {
    let app = spawn_app().await;
    let (receiver, url) = Receiver::start(0).await;
    let secret = register(&app, &url, None).await;
    let month = soon();
    let end = expires_at(month);
    let id = card_expiring(&app, "cus_alert", PAN, month).await;

    // First seen 20 days before its end: the 60- and 30-day alerts are both due, and only the
    // 30-day one is sent.
    let c = run(&app, end - 20 * DAY).await;
    assert_eq!((c.expiring, c.alerts_sent, c.alerts_skipped), (1, 1, 1));
    let scheduled = alerts(&app, &id).await;
    assert_eq!(scheduled.len(), 3);
    for (a, lead) in scheduled.iter().zip([60, 30, 7]) {
        assert_eq!(a.payment_method, id);
        assert_eq!(a.lead_days, lead);
        assert_eq!(a.expires_month, month);
        assert_eq!(a.fire_at, end - lead * DAY);
    }
    assert_eq!(
        alert_states(&app, &id).await,
        vec![
            alert(60, "skipped", Some("superseded")),
            alert(30, "sent", None),
            alert(7, "pending", None),
        ]
    );

    // A week before: the 7-day alert.
    let c = run(&app, end - 6 * DAY).await;
    assert_eq!((c.alerts_sent, c.alerts_skipped), (1, 0));
    assert_eq!(
        alert_states(&app, &id).await,
        vec![
            alert(60, "skipped", Some("superseded")),
            alert(30, "sent", None),
            alert(7, "sent", None),
        ]
    );
    // Still one row per (method, lead time).
    assert_eq!(alerts(&app, &id).await.len(), 3);

    // Two `payment_method.expiring` events, signed, masked.
    assert_eq!(deliveries_of(&app, "payment_method.expiring").await, 2);
    wait_for(|| receiver.received().len() >= 2).await;
    let mut got = events(&receiver);
    assert_eq!(got.len(), 2);
    got.sort_by_key(|(_, _, e)| -e["data"]["lead_days"].as_i64().unwrap());
    for ((signature, body, event), lead) in got.iter().zip([30, 7]) {
        assert!(coffer_vault::webhook::verify(
            secret.as_bytes(),
            signature,
            body.as_bytes(),
            now_secs(),
            300
        ));
        assert_eq!(event["type"], "payment_method.expiring");
        assert_eq!(event["data"]["lead_days"], lead);
        assert_eq!(event["data"]["expires_at"], end / 1000);
        let object = &event["data"]["object"];
        assert_eq!(object["object"], "payment_method");
        assert_eq!(object["id"], id.as_str());
        assert_eq!(object["status"], "expiring");
        assert_eq!(object["card"]["last4"], "4242");
        assert_eq!(object["card"]["exp_month"], month % 12 + 1);
        assert_eq!(object["card"]["exp_year"], month / 12);
        assert!(!body.contains(PAN), "{body}");
        assert!(!body.contains("ciphertext"));
    }
}

#[tokio::test]
async fn alerts_of_a_card_updated_before_they_fire_are_suppressed() {
    let app = spawn_app().await;
    let (receiver, url) = Receiver::start(0).await;
    register(&app, &url, None).await;
    let month = soon();
    let end = expires_at(month);
    let id = card_expiring(&app, "cus_upd", PAN, month).await;

    let c = run(&app, end - 45 * DAY).await;
    assert_eq!((c.expiring, c.alerts_sent), (1, 1));
    // The customer confirms the card's new expiry: active again, with a later end.
    let later = month + 24;
    let status = reverify(&app, &id, "expiry", &expiry_form(later)).await;
    assert_eq!(status, StatusCode::OK);
    let shown = app.method(&id).await;
    assert_eq!(shown["status"], "active");
    assert_eq!(shown["card"]["exp_year"], later / 12);

    // The 30- and 7-day alerts of the old expiry fall due: suppressed, nothing sent.
    let c = run(&app, end - 6 * DAY).await;
    assert_eq!(
        (c.alerts_sent, c.alerts_suppressed, c.alerts_skipped),
        (0, 2, 0)
    );
    assert_eq!(
        alert_states(&app, &id).await,
        vec![
            alert(60, "sent", None),
            alert(30, "suppressed", Some("updated")),
            alert(7, "suppressed", Some("updated")),
        ]
    );
    // The card no longer ends then.
    assert_eq!(run(&app, end + HOUR).await, RunCounts::default());
    assert_eq!(status_of(&app, &id).await, "active");
    assert_eq!(
        steps(&app, &id).await,
        vec![
            step("active", "expiring", "expiry_window"),
            step("expiring", "active", "reverified"),
        ]
    );
    assert!(
        transitions(&app, &id).await[1]
            .actor
            .starts_with("customer:")
    );

    // Only the 60-day alert went out (and the update itself).
    assert_eq!(deliveries_of(&app, "payment_method.expiring").await, 1);
    until_count(
        &app,
        "SELECT COUNT(*) FROM webhook_deliveries WHERE status <> 'delivered'",
        0,
    )
    .await;
    wait_for(|| receiver.received().len() >= 2).await;
    let mut types: Vec<(String, Value)> = events(&receiver)
        .into_iter()
        .map(|(_, _, e)| (e["type"].as_str().unwrap().to_owned(), e["data"].clone()))
        .collect();
    types.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(types.len(), 2);
    assert_eq!(types[0].0, "payment_method.expiring");
    assert_eq!(types[0].1["lead_days"], 60);
    assert_eq!(types[1].0, "payment_method.updated");
}

#[tokio::test]
async fn alerts_of_a_replaced_card_are_suppressed() {
    let app = spawn_app().await;
    let month = soon();
    let end = expires_at(month);
    let id = card_expiring(&app, "cus_repl", PAN, month).await;
    run(&app, end - 45 * DAY).await;

    let form = format!("number={OTHER_PAN}&{}&cvc=123", expiry_form(month + 36));
    assert_eq!(reverify(&app, &id, "replace", &form).await, StatusCode::OK);
    assert_eq!(status_of(&app, &id).await, "replaced");
    let replaced_by = app
        .count(&format!(
            "SELECT COUNT(*) FROM payment_methods WHERE id = '{id}' AND replaced_by IS NOT NULL"
        ))
        .await;
    assert_eq!(replaced_by, 1);

    let c = run(&app, end - 6 * DAY).await;
    assert_eq!((c.alerts_sent, c.alerts_suppressed), (0, 2));
    assert_eq!(
        alert_states(&app, &id).await,
        vec![
            alert(60, "sent", None),
            alert(30, "suppressed", Some("replaced")),
            alert(7, "suppressed", Some("replaced")),
        ]
    );
    // Alerts are decided before the retention steps: the replaced card is shredded after.
    assert_eq!(c.shredded, 1);
    assert_eq!(
        steps(&app, &id).await,
        vec![
            step("active", "expiring", "expiry_window"),
            step("expiring", "replaced", "replaced"),
            step("replaced", "shredded", "retention"),
        ]
    );
    // The replacement card is active and has no alerts.
    let new_cards = app
        .count(
            "SELECT COUNT(*) FROM payment_methods WHERE customer = 'cus_repl' \
             AND status = 'active' AND last4 = '5556'",
        )
        .await;
    assert_eq!(new_cards, 1);
    let new_alerts = app
        .count(
            "SELECT COUNT(*) FROM expiry_alerts a JOIN payment_methods p \
             ON p.id = a.payment_method WHERE p.last4 = '5556'",
        )
        .await;
    assert_eq!(new_alerts, 0);
}

/// An alert still pending when its card ends (the job did not run in between) is not sent:
/// the card is expired, and `payment_method.expired` says so.
#[tokio::test]
async fn alerts_still_pending_when_the_card_ends_are_suppressed_as_expired() {
    let app = spawn_app().await;
    let (_receiver, url) = Receiver::start(0).await;
    register(&app, &url, None).await;
    let month = soon();
    let end = expires_at(month);
    let id = card_expiring(&app, "cus_late", PAN, month).await;
    run(&app, end - 45 * DAY).await;

    let c = run(&app, end + HOUR).await;
    assert_eq!(c.expired, 1);
    assert_eq!((c.alerts_sent, c.alerts_suppressed), (0, 2));
    assert_eq!(
        alert_states(&app, &id).await,
        vec![
            alert(60, "sent", None),
            alert(30, "suppressed", Some("expired")),
            alert(7, "suppressed", Some("expired")),
        ]
    );
    assert_eq!(deliveries_of(&app, "payment_method.expiring").await, 1);
    assert_eq!(deliveries_of(&app, "payment_method.expired").await, 1);
}

/// A card updated to an expiry that is itself soon gets alerts of its own: the old expiry's
/// pending alerts are suppressed and the new expiry's are sent, even when both fall due in the
/// same run.
#[tokio::test]
async fn the_new_expirys_alert_is_sent_when_the_old_ones_are_suppressed_in_the_same_run() {
    let app = spawn_app().await;
    let month = soon();
    let end = expires_at(month);
    let id = card_expiring(&app, "cus_next", PAN, month).await;
    run(&app, end - 45 * DAY).await;
    assert_eq!(
        reverify(&app, &id, "expiry", &expiry_form(month + 1)).await,
        StatusCode::OK
    );

    // 20 days before the old end: the old 30-day alert and the new 60-day one are both due.
    let c = run(&app, end - 20 * DAY).await;
    assert_eq!(c.expiring, 1);
    assert_eq!((c.alerts_sent, c.alerts_suppressed), (1, 1));
    let states: Vec<(i64, i64, String, Option<String>)> = alerts(&app, &id)
        .await
        .into_iter()
        .map(|a| (a.expires_month, a.lead_days, a.status, a.reason))
        .collect();
    assert_eq!(
        states,
        vec![
            (month, 60, "sent".into(), None),
            (month, 30, "suppressed".into(), Some("updated".into())),
            (month, 7, "pending".into(), None),
            (month + 1, 60, "sent".into(), None),
            (month + 1, 30, "pending".into(), None),
            (month + 1, 7, "pending".into(), None),
        ]
    );
}
