//! The daily review on a real database: each rule fires on a seeded scenario, re-running raises
//! nothing twice, and a flag is reviewed once, with a note, on the record.

use crate::helpers::{TestApp, spawn_app};
use coffer_vault::VaultError;
use coffer_vault::access::{Actor, ReadPaymentMethod, RevealPaymentMethod, ReviewAuditFlag, Role};
use coffer_vault::audit::Origin;
use coffer_vault::audit::review::{ReviewRules, kind};
use coffer_vault::clock::now_millis;
use coffer_vault::service::MethodSearch;
use coffer_vault::store::audit_flags;
use secrecy::SecretString;

fn origin(ip: &str) -> Origin {
    Origin {
        ip: Some(ip.into()),
        ..Origin::default()
    }
}

/// Business hours that exclude the current UTC hour, so a reveal now is "after hours".
fn rules_now_outside_hours() -> ReviewRules {
    let hour = (now_millis() / 3_600_000 % 24) as u8;
    let (start, end) = if hour < 23 { (hour + 1, 24) } else { (0, 23) };
    ReviewRules {
        business_start_hour: start,
        business_end_hour: end,
        denied_reveals: 3,
        read_burst: 12,
        sign_in_failures: 5,
        ..ReviewRules::default()
    }
}

async fn flags(app: &TestApp) -> Vec<audit_flags::FlagRow> {
    let mut conn = app.vault.store().reader().acquire().await.unwrap();
    audit_flags::list(&mut conn, false, 1_000).await.unwrap()
}

fn has(flags: &[audit_flags::FlagRow], kind: &str, subject: &str) -> bool {
    flags.iter().any(|f| f.kind == kind && f.subject == subject)
}

#[tokio::test]
async fn every_rule_fires_on_its_scenario_and_a_flag_is_reviewed_once() {
    let app = spawn_app().await;
    let pm = app.tokenize_card("cus_rev", "4242424242424242").await;
    let pm_id = pm["id"].as_str().unwrap().to_owned();

    // Three denied reveals by one agent (no reveal grant).
    let agent = app.staff_actor(&[Role::SupportAgent], false).await;
    let nosy = agent.id().to_owned();
    for _ in 0..3 {
        let denied = app
            .vault
            .authorize::<RevealPaymentMethod>(
                &agent,
                &origin("10.0.0.5"),
                Some(("payment_method", &pm_id)),
            )
            .await;
        assert!(denied.is_err());
    }
    // A reveal outside business hours (a channel with the reveal scope).
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{pm_id}/reveal"),
            &serde_json::json!({"reason": "refund to original card"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    // A burst of reads by one staff member.
    let reader = app.staff_actor(&[Role::SupportAgent], false).await;
    let bulk = reader.id().to_owned();
    let grant = app
        .vault
        .authorize::<ReadPaymentMethod>(&reader, &origin("10.0.0.6"), None)
        .await
        .unwrap();
    for _ in 0..25 {
        app.vault
            .search_payment_methods(
                &grant,
                &MethodSearch::Customer("cus_rev".into()),
                &origin("10.0.0.6"),
            )
            .await
            .unwrap();
    }
    // A storm of failed sign-ins from one address.
    for _ in 0..5 {
        let r = app
            .vault
            .sign_in(
                "nobody@example.com",
                SecretString::from("wrong password!"),
                &origin("203.0.113.9"),
            )
            .await;
        assert!(r.is_err());
    }
    // A new staff account (spawn_app already created two API keys).
    let created = app
        .vault
        .bootstrap_staff(
            &Actor::host_shell_operator(),
            "new.admin@example.com",
            &[Role::SecurityAdmin],
        )
        .await
        .unwrap();

    let rules = rules_now_outside_hours();
    app.vault.review_day(now_millis(), &rules).await.unwrap();
    let raised = flags(&app).await;
    assert!(has(&raised, kind::DENIED_REVEALS, &nosy), "{raised:#?}");
    let channel = app
        .audit()
        .await
        .into_iter()
        .find(|e| e.action == "payment_method.reveal" && e.outcome == "success")
        .unwrap()
        .actor_id;
    assert!(has(&raised, kind::AFTER_HOURS_REVEAL, &channel));
    assert!(has(&raised, kind::READ_BURST, &bulk));
    assert!(has(&raised, kind::SIGN_IN_STORM, "203.0.113.9"));
    assert!(has(&raised, kind::ACCESS_GRANT, &created.account.id));
    assert_eq!(
        raised
            .iter()
            .filter(|f| f.kind == kind::NEW_API_KEY)
            .count(),
        2,
        "one flag per new API key"
    );
    // Nobody who stayed within the rules is flagged.
    assert!(
        !raised
            .iter()
            .any(|f| f.subject == nosy && f.kind == kind::READ_BURST)
    );
    assert!(!raised.iter().any(|f| f.kind == kind::VERIFY_FAILED));

    // Re-running the day raises nothing twice.
    let again = app.vault.review_day(now_millis(), &rules).await.unwrap();
    assert!(again.is_empty());
    assert_eq!(flags(&app).await.len(), raised.len());

    // A compliance officer reviews one flag, with a note; it cannot be reviewed twice.
    let officer = app.staff_actor(&[Role::ComplianceOfficer], false).await;
    let officer_id = officer.id().to_owned();
    let review = app
        .vault
        .authorize::<ReviewAuditFlag>(&officer, &origin("10.0.0.7"), None)
        .await
        .unwrap();
    let flag = raised
        .iter()
        .find(|f| f.kind == kind::DENIED_REVEALS)
        .unwrap();
    let done = app
        .vault
        .review_flag(
            &review,
            &flag.id,
            "Agent asked for reveal rights by mistake; coached.",
            &origin("10.0.0.7"),
        )
        .await
        .unwrap();
    assert_eq!(done.reviewed_by.as_deref(), Some(officer_id.as_str()));
    assert!(done.reviewed_at.is_some());
    assert!(matches!(
        app.vault
            .review_flag(&review, &flag.id, "again", &origin("10.0.0.7"))
            .await,
        Err(VaultError::NotFound)
    ));
    let audit = app.audit().await;
    let recorded = audit
        .iter()
        .find(|e| e.action == "audit.flag_review")
        .unwrap();
    assert_eq!(recorded.resource_id.as_deref(), Some(flag.id.as_str()));
    assert_eq!(recorded.actor_id, officer_id);
    let mut conn = app.vault.store().reader().acquire().await.unwrap();
    let open = audit_flags::open_days(&mut conn).await.unwrap();
    assert_eq!(open.len(), 1, "today still has unreviewed flags");
    assert_eq!(open[0].1 as usize, raised.len() - 1);
    // Support agents cannot review.
    assert!(
        app.vault
            .authorize::<ReviewAuditFlag>(&agent, &origin("10.0.0.5"), None)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_failed_verification_raises_a_flag() {
    let app = spawn_app().await;
    app.tokenize_card("cus_v", "4242424242424242").await;
    let head = app.count("SELECT MAX(seq) FROM audit_events").await;
    match app.dialect() {
        coffer_vault::store::Dialect::Sqlite => {
            app.exec("DROP TRIGGER audit_events_no_update")
                .await
                .unwrap();
        }
        coffer_vault::store::Dialect::Postgres => {
            app.exec("ALTER TABLE audit_events DISABLE TRIGGER USER")
                .await
                .unwrap();
        }
    }
    app.exec(&format!(
        "UPDATE audit_events SET reason = 'edited' WHERE seq = {head}"
    ))
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let report = app
        .vault
        .verify_audit(
            &Actor::host_shell_operator(),
            dir.path(),
            &Origin::default(),
        )
        .await
        .unwrap();
    assert!(!report.ok());
    app.vault
        .review_day(now_millis(), &ReviewRules::default())
        .await
        .unwrap();
    assert!(has(&flags(&app).await, kind::VERIFY_FAILED, "audit_chain"));
}
