//! payment_method.* webhooks that exhaust their retries are listed and can be replayed.

use super::*;

#[tokio::test]
async fn dead_payment_method_events_are_listed_and_can_be_replayed() {
    let app = spawn_app().await;
    let (_down, down_url) = Receiver::start(usize::MAX).await;
    let (flaky, flaky_url) = Receiver::start(3).await;
    register(&app, &down_url, None).await;
    let secret = register(&app, &flaky_url, None).await;
    // An old unused method is archived now: `payment_method.archived` to both endpoints.
    let id = card(&app, "cus_dead", PAN).await;
    age(&app, &id, 800).await;
    assert_eq!(run(&app, now_millis()).await.archived_unused, 1);
    assert_eq!(deliveries_of(&app, "payment_method.archived").await, 2);

    // Both fail three tries (the test app's maximum) and are dead.
    until_count(
        &app,
        "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'dead' AND attempts = 3",
        2,
    )
    .await;
    assert!(flaky.received().is_empty());

    let grant = app
        .vault
        .authorize::<ManageWebhookDeliveries>(
            &app.staff_actor(&[Role::SecurityAdmin], false).await,
            &Origin::default(),
            None,
        )
        .await
        .unwrap();
    let dead = app
        .vault
        .dead_letters(&grant, 50, &Origin::default())
        .await
        .unwrap();
    assert_eq!(dead.len(), 2);
    for d in &dead {
        assert_eq!(d.event_type, "payment_method.archived");
        assert_eq!(d.attempts, 3);
        assert_eq!(d.last_error.as_deref(), Some("HTTP 500"));
        assert!(d.url == down_url || d.url == flaky_url);
    }
    assert_eq!(dead[0].event_id, dead[1].event_id);
    let to_flaky = dead.iter().find(|d| d.url == flaky_url).unwrap();

    // Replayed, the flaky endpoint (now answering) gets it.
    app.vault
        .replay_dead_letter(&grant, &to_flaky.id, &Origin::default())
        .await
        .unwrap();
    wait_for(|| !flaky.received().is_empty()).await;
    let (signature, body, event) = events(&flaky).remove(0);
    assert!(coffer_vault::webhook::verify(
        secret.as_bytes(),
        &signature,
        body.as_bytes(),
        now_secs(),
        300
    ));
    assert_eq!(event["type"], "payment_method.archived");
    assert_eq!(event["id"], to_flaky.event_id.as_str());
    assert_eq!(event["data"]["object"]["id"], id.as_str());
    assert_eq!(event["data"]["object"]["status"], "archived");
    assert!(!body.contains(PAN));
    until_count(
        &app,
        &format!(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE id = '{}' AND status = 'delivered'",
            to_flaky.id
        ),
        1,
    )
    .await;
    let dead = app
        .vault
        .dead_letters(&grant, 50, &Origin::default())
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].url, down_url);

    // Replaying a delivery that is not dead (delivered, or unknown) is NotFound, audited.
    for not_dead in [to_flaky.id.as_str(), "whd_unknown"] {
        let err = app
            .vault
            .replay_dead_letter(&grant, not_dead, &Origin::default())
            .await
            .unwrap_err();
        assert!(matches!(err, VaultError::NotFound), "{err:?}");
    }
    let replays: Vec<(String, Option<String>)> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "webhook_delivery.replay")
        .map(|e| (e.outcome, e.resource_id))
        .collect();
    assert_eq!(
        replays,
        vec![
            ("success".to_owned(), Some(to_flaky.id.clone())),
            ("failure".to_owned(), Some(to_flaky.id.clone())),
            ("failure".to_owned(), Some("whd_unknown".to_owned())),
        ]
    );
    let listed = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "webhook_delivery.list")
        .count();
    assert_eq!(listed, 2);
}
