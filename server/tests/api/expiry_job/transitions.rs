//! A card walks from active to shredded as the clock moves; archival after two years unused; ended methods cannot be used.

use super::*;

#[tokio::test]
async fn a_card_walks_from_active_to_shredded_as_the_clock_moves() {
    let app = spawn_app().await;
    let month = soon();
    let end = expires_at(month);
    let id = card_expiring(&app, "cus_walk", PAN, month).await;
    let now = now_millis();

    // More than 60 days before its end: nothing to do.
    assert_eq!(run(&app, now).await, RunCounts::default());
    assert_eq!(status_of(&app, &id).await, "active");
    assert!(alerts(&app, &id).await.is_empty());

    // Within 60 days: expiring, with its alerts (the 60-day one due at once).
    let c = run(&app, end - 45 * DAY).await;
    assert_eq!((c.expiring, c.alerts_sent), (1, 1));
    assert_eq!(status_of(&app, &id).await, "expiring");

    // A week before: the 7-day alert (the 30-day one, due too, is superseded).
    let c = run(&app, end - 6 * DAY).await;
    assert_eq!((c.alerts_sent, c.alerts_skipped), (1, 1));
    assert_eq!(status_of(&app, &id).await, "expiring");

    // An hour after its end: expired.
    let c = run(&app, end + HOUR).await;
    assert_eq!(c.expired, 1);
    assert_eq!(status_of(&app, &id).await, "expired");

    // 90 days after its end: archived.
    let archived_at = end + 91 * DAY;
    let c = run(&app, archived_at).await;
    assert_eq!(c.archived_expired, 1);
    assert_eq!(status_of(&app, &id).await, "archived");
    // Not yet shredded 29 days later.
    assert_eq!(
        run(&app, archived_at + 29 * DAY).await,
        RunCounts::default()
    );

    // 30 days after it was archived: shredded (the masked history stays).
    let c = run(&app, archived_at + 31 * DAY).await;
    assert_eq!(c.shredded, 1);
    let shown = app.method(&id).await;
    assert_eq!(shown["status"], "shredded");
    assert_eq!(shown["card"]["last4"], "4242");
    let left = app
        .count(&format!(
            "SELECT COUNT(*) FROM payment_methods WHERE id = '{id}' \
             AND ciphertext IS NULL AND nonce IS NULL AND key_id IS NULL"
        ))
        .await;
    assert_eq!(left, 1);

    // Every change of state, in order, by the job, at the job's clock.
    let t = transitions(&app, &id).await;
    assert_eq!(
        steps(&app, &id).await,
        vec![
            step("active", "expiring", "expiry_window"),
            step("expiring", "expired", "expired"),
            step("expired", "archived", "retention_expired"),
            step("archived", "shredded", "retention"),
        ]
    );
    let at: Vec<i64> = t.iter().map(|t| t.at).collect();
    assert_eq!(
        at,
        vec![
            end - 45 * DAY,
            end + HOUR,
            archived_at,
            archived_at + 31 * DAY
        ]
    );
    assert!(t.iter().all(|t| t.actor == "service:coffer"), "{t:?}");

    // One record per run, at its clock.
    let mut conn = app.vault.store().reader().acquire().await.unwrap();
    let mut runs = lc::recent_runs(&mut conn, 100).await.unwrap();
    drop(conn);
    runs.sort_by_key(|r| r.clock);
    let clocks: Vec<i64> = runs.iter().map(|r| r.clock).collect();
    assert_eq!(
        clocks,
        vec![
            now,
            end - 45 * DAY,
            end - 6 * DAY,
            end + HOUR,
            archived_at,
            archived_at + 29 * DAY,
            archived_at + 31 * DAY
        ]
    );
    assert!(runs.iter().all(|r| r.node == "node-a"));
    let last: Value = serde_json::from_str(&runs.last().unwrap().counts).unwrap();
    assert_eq!(last["shredded"], 1);

    let audit = app.audit().await;
    let of = |action: &str| -> Vec<&coffer_vault::store::AuditRow> {
        audit.iter().filter(|e| e.action == action).collect()
    };
    assert_eq!(of("lifecycle.run").len(), 7);
    assert!(
        of("lifecycle.run")
            .iter()
            .all(|e| e.outcome == "success" && e.actor_type == "service")
    );
    for action in ["payment_method.archive", "payment_method.shred"] {
        let rows = of(action);
        assert_eq!(rows.len(), 1, "{action}");
        assert_eq!(rows[0].resource_id.as_deref(), Some(id.as_str()));
        assert_eq!(rows[0].outcome, "success");
    }
    assert!(
        of("payment_method.archive")[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("retention_expired")
    );
}

#[tokio::test]
async fn only_methods_unused_for_two_years_are_archived() {
    let app = spawn_app().await;
    let used = card(&app, "cus_used", PAN).await;
    let unused = card(&app, "cus_unused", PAN).await;
    let fresh = card(&app, "cus_fresh", PAN).await;
    age(&app, &used, 800).await;
    age(&app, &unused, 800).await;
    let res = use_method(&app, &used).await;
    assert_eq!(res.status(), 201);
    let u: Value = res.json().await.unwrap();
    assert_eq!(u["status"], "approved");

    let c = run(&app, now_millis()).await;
    assert_eq!(c.archived_unused, 1);
    assert_eq!(status_of(&app, &unused).await, "archived");
    assert_eq!(status_of(&app, &used).await, "active");
    assert_eq!(status_of(&app, &fresh).await, "active");
    assert_eq!(
        steps(&app, &unused).await,
        vec![step("active", "archived", "unused")]
    );
    assert!(steps(&app, &used).await.is_empty());
    let archive: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "payment_method.archive")
        .collect();
    assert_eq!(archive.len(), 1);
    assert_eq!(archive[0].resource_id.as_deref(), Some(unused.as_str()));
    assert!(archive[0].detail.as_deref().unwrap().contains("unused"));
    // An archived method is no longer usable.
    assert_eq!(use_method(&app, &unused).await.status(), 409);
}

/// Asks to use `id` and expects 409 `payment_method_unusable`, audited as a failure.
async fn assert_unusable(app: &TestApp, id: &str, status: &str) {
    assert_eq!(status_of(app, id).await, status);
    let res = use_method(app, id).await;
    assert_eq!(res.status(), 409, "{status}");
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "payment_method_unusable");
    let refused = app.audit().await.into_iter().any(|e| {
        e.action == "payment_method.use"
            && e.outcome == "failure"
            && e.resource_id.as_deref() == Some(id)
            && e.detail
                .as_deref()
                .is_some_and(|d| d.contains("payment_method_unusable"))
    });
    assert!(refused, "{status}");
}

#[tokio::test]
async fn expired_and_replaced_methods_cannot_be_used() {
    let app = spawn_app().await;
    let replaced = card(&app, "cus_rep", PAN).await;
    let month = soon();
    let form = format!("number={OTHER_PAN}&{}&cvc=123", expiry_form(month + 36));
    assert_eq!(
        reverify(&app, &replaced, "replace", &form).await,
        StatusCode::OK
    );
    assert_unusable(&app, &replaced, "replaced").await;

    let end = expires_at(month);
    let expired = card_expiring(&app, "cus_exp", PAN, month).await;
    // Usable while expiring.
    run(&app, end - 20 * DAY).await;
    assert_eq!(status_of(&app, &expired).await, "expiring");
    assert_eq!(use_method(&app, &expired).await.status(), 201);
    run(&app, end + HOUR).await;
    assert_unusable(&app, &expired, "expired").await;

    // The replaced card was shredded 30 days after it was replaced: gone.
    assert_eq!(status_of(&app, &replaced).await, "shredded");
    let res = use_method(&app, &replaced).await;
    assert_eq!(res.status(), 410);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "payment_method_shredded");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payment_method_uses").await,
        1
    );
}
