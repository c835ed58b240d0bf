//! Runs of the job: idempotent at one clock, each step once under concurrency, and the lease between nodes.

use super::*;

#[tokio::test]
async fn a_second_run_at_the_same_clock_changes_nothing() {
    let app = spawn_app().await;
    let (_receiver, url) = Receiver::start(0).await;
    register(&app, &url, None).await;
    let month = soon();
    let end = expires_at(month);
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(card_expiring(&app, &format!("cus_idem{i}"), PAN, month).await);
    }
    // And a card unused for two years: archived at the first clock, shredded at the third.
    let old = card(&app, "cus_idem_old", PAN).await;
    age(&app, &old, 800).await;

    for at in [end - 20 * DAY, end + HOUR, end + 91 * DAY, end + 130 * DAY] {
        let first = run(&app, at).await;
        assert_ne!(
            first,
            RunCounts::default(),
            "the first run at {at} has work"
        );
        let alerts_before = alert_table(&app).await;
        let transitions_before = app
            .count("SELECT COUNT(*) FROM payment_method_transitions")
            .await;
        let deliveries_before = app.count("SELECT COUNT(*) FROM webhook_deliveries").await;
        assert_eq!(run(&app, at).await, RunCounts::default());
        assert_eq!(alert_table(&app).await, alerts_before);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM payment_method_transitions")
                .await,
            transitions_before
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM webhook_deliveries").await,
            deliveries_before
        );
    }
    for id in &ids {
        assert_eq!(status_of(&app, id).await, "shredded");
        assert_eq!(alerts(&app, id).await.len(), 3);
        assert_eq!(transitions(&app, id).await.len(), 4);
    }
    assert_eq!(status_of(&app, &old).await, "shredded");
}

/// Sums the counts of the runs that got the lease.
fn total(runs: &[Option<coffer_vault::service::LifecycleRun>]) -> RunCounts {
    let mut t = RunCounts::default();
    for c in runs.iter().flatten().map(|r| &r.counts) {
        t.expiring += c.expiring;
        t.alerts_sent += c.alerts_sent;
        t.alerts_suppressed += c.alerts_suppressed;
        t.alerts_skipped += c.alerts_skipped;
        t.expired += c.expired;
        t.archived_expired += c.archived_expired;
        t.archived_unused += c.archived_unused;
        t.shredded += c.shredded;
    }
    t
}

#[tokio::test]
async fn concurrent_runs_do_each_step_once() {
    let app = spawn_app().await;
    let month = soon();
    let end = expires_at(month);
    const N: u64 = 30;
    for i in 0..N {
        card_expiring(&app, &format!("cus_many{i}"), PAN, month).await;
    }

    // Two nodes: the lease lets one through at a time.
    let (a, b) = tokio::join!(
        app.vault.run_lifecycle("node-a", end - 20 * DAY),
        app.vault.run_lifecycle("node-b", end - 20 * DAY),
    );
    let runs = [a.unwrap(), b.unwrap()];
    assert!(runs.iter().any(Option::is_some));
    let t = total(&runs);
    assert_eq!((t.expiring, t.alerts_sent, t.alerts_skipped), (N, N, N));

    // The same node twice (both hold the lease): every step is still done once.
    let (a, b) = tokio::join!(
        app.vault.run_lifecycle("node-a", end + HOUR),
        app.vault.run_lifecycle("node-a", end + HOUR),
    );
    let runs = [a.unwrap(), b.unwrap()];
    let t = total(&runs);
    // (The 7-day alerts, due since a week, are suppressed: the cards have ended.)
    assert_eq!((t.expired, t.alerts_sent, t.alerts_suppressed), (N, 0, N));

    let n = i64::try_from(N).unwrap();
    assert_eq!(app.count("SELECT COUNT(*) FROM expiry_alerts").await, 3 * n);
    let doubled = app
        .count(
            "SELECT COUNT(*) FROM (SELECT payment_method, lead_days FROM expiry_alerts \
             GROUP BY payment_method, lead_days HAVING COUNT(*) > 1) d",
        )
        .await;
    assert_eq!(doubled, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM expiry_alerts WHERE status = 'sent'")
            .await,
        n
    );
    for (to, want) in [("expiring", n), ("expired", n)] {
        let once = app
            .count(&format!(
                "SELECT COUNT(*) FROM (SELECT payment_method FROM payment_method_transitions \
                 WHERE to_status = '{to}' GROUP BY payment_method HAVING COUNT(*) = 1) d"
            ))
            .await;
        assert_eq!(once, want, "{to}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payment_method_transitions")
            .await,
        2 * n
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payment_methods WHERE status = 'expired'")
            .await,
        n
    );
}

#[tokio::test]
async fn the_lease_is_held_by_one_node_until_released_or_expired() {
    let app = spawn_app().await;
    let mut conn = app.vault.store().writer().acquire().await.unwrap();
    let c = &mut *conn;
    let name = "test-job";
    assert!(lc::acquire_lease(c, name, "a", 1_000, 2_000).await.unwrap());
    assert!(!lc::acquire_lease(c, name, "b", 1_500, 2_500).await.unwrap());
    // The holder may renew it.
    assert!(lc::acquire_lease(c, name, "a", 1_600, 3_000).await.unwrap());
    assert!(!lc::acquire_lease(c, name, "b", 2_500, 3_500).await.unwrap());
    lc::release_lease(c, name, "a", 2_600).await.unwrap();
    assert!(lc::acquire_lease(c, name, "b", 2_700, 4_000).await.unwrap());
    assert!(!lc::acquire_lease(c, name, "a", 2_800, 5_000).await.unwrap());
    // Only the holder can release it.
    lc::release_lease(c, name, "a", 2_900).await.unwrap();
    assert!(!lc::acquire_lease(c, name, "a", 3_000, 5_000).await.unwrap());
    // b never released it: once its time is up, another node takes over.
    assert!(!lc::acquire_lease(c, name, "a", 3_999, 5_000).await.unwrap());
    assert!(lc::acquire_lease(c, name, "a", 4_000, 5_000).await.unwrap());
    assert!(!lc::acquire_lease(c, name, "b", 4_500, 6_000).await.unwrap());
    drop(conn);

    // The job's own lease: a node that holds it keeps the others out.
    let mut conn = app.vault.store().writer().acquire().await.unwrap();
    let now = now_millis();
    assert!(
        lc::acquire_lease(&mut conn, "lifecycle", "node-x", now, now + 60_000)
            .await
            .unwrap()
    );
    drop(conn);
    assert!(!ran(&app, "node-a", now).await);
    assert_eq!(app.count("SELECT COUNT(*) FROM lifecycle_runs").await, 0);
    let mut conn = app.vault.store().writer().acquire().await.unwrap();
    lc::release_lease(&mut conn, "lifecycle", "node-x", now)
        .await
        .unwrap();
    drop(conn);
    assert!(ran(&app, "node-a", now).await);
}

/// A run at another clock (`coffer lifecycle run --at`) must not lock the scheduler's nodes
/// out: the lease is about the wall clock, not the clock the policy is applied at.
#[tokio::test]
async fn a_run_at_a_future_clock_does_not_hold_the_lease_until_then() {
    let app = spawn_app().await;
    let now = now_millis();
    assert!(ran(&app, "coffer-cli", now + 400 * DAY).await);
    assert!(ran(&app, "node-a", now).await);
    // And one at a past clock is not refused either.
    assert!(ran(&app, "coffer-cli", now - 400 * DAY).await);
}
