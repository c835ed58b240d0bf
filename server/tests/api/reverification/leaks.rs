//! The replacement flow, end to end, leaves no card data in a log line, page, audit row, webhook or column.

use super::*;

/// Log lines of this test's thread (the server runs on the test's single-threaded runtime).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

const CVC: &str = "737";

/// Every way the card data could show up in `hay`, by name.
fn leaks(hay: &str) -> Vec<&'static str> {
    let mut found = Vec::new();
    for (name, pan) in [("old PAN", OLD_PAN), ("new PAN", NEW_PAN)] {
        let spaced = format!(
            "{} {} {} {}",
            &pan[..4],
            &pan[4..8],
            &pan[8..12],
            &pan[12..]
        );
        if hay.contains(pan) || hay.contains(&spaced) || hay.contains(&pan[..12]) {
            found.push(name);
        }
    }
    for pattern in [
        format!("\"{CVC}\""),
        format!("cvc={CVC}"),
        format!("cvc\":\"{CVC}"),
        format!("cvc\\\":\\\"{CVC}"),
        format!("cvc: {CVC}"),
    ] {
        if hay.contains(&pattern) {
            found.push("CVC");
        }
    }
    found
}

#[tokio::test]
async fn the_replacement_flow_leaks_no_card_data_anywhere() {
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(true)
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .finish();
    // tracing caches each call site's interest for the whole process. While one dispatcher is
    // registered it asks the default of whichever thread reaches a call site first: another
    // test's thread, which has none, and the site would stay off here. A second registered
    // dispatcher makes it ask every registered one, this test's capture included.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let _logging = tracing::subscriber::set_default(subscriber);

    let app = spawn_app().await;
    let received = webhook_receiver(&app).await;
    let ny = next_year();
    let mut body = card_body("cus_leak", OLD_PAN);
    body["card"]["cvc"] = CVC.into();
    let res = app
        .post(&app.agent_key, "/api/v1/payment_methods", &body)
        .await;
    assert_eq!(res.status(), 201);
    let old = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(set_default(&app, "cus_leak", &old).await.status(), 200);

    let mut html = Vec::new();
    let mut b = Browser::new(&app);
    let path = link_path(&app, &old).await;
    let replace = format!("{path}?intent=replace");
    html.push(b.get(&path).await);
    let spaced = "5555+5555+5555+4444";
    // Wrong submissions carrying the full PAN and the CVC, in every field they could reach.
    for form in [
        replace_form(NEW_PAN, 10, ny, "12"),
        replace_form(spaced, 1, this_year() - 1, CVC),
        format!("number={NEW_PAN}&exp_month=10&exp_year={ny}&cvc={CVC}&name={NEW_PAN}"),
        format!("number={CVC}&exp_month={NEW_PAN}&exp_year={ny}&cvc={NEW_PAN}"),
    ] {
        let page = b.post_form(&replace, &form).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{form}");
        html.push(page);
    }
    let page = b
        .post_form(
            &format!("{path}?intent=expiry"),
            &format!("exp_month=10&exp_year={NEW_PAN}"),
        )
        .await;
    assert_eq!(page.status, StatusCode::GONE, "the fifth wrong answer");
    html.push(page);

    // A fresh link, and the real replacement.
    let path = link_path(&app, &old).await;
    let done = b
        .post_form(
            &format!("{path}?intent=replace"),
            &replace_form(spaced, 10, ny + 1, CVC),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    html.push(done);
    let new = text(
        &app,
        &format!("SELECT replaced_by FROM payment_methods WHERE id = '{old}'"),
    )
    .await
    .unwrap();
    // The same number again on the new card's link: only its expiry changes (re-sealed).
    let path = link_path(&app, &new).await;
    html.push(b.get(&path).await);
    let same = b
        .post_form(
            &format!("{path}?intent=replace"),
            &replace_form(NEW_PAN, 11, ny + 2, CVC),
        )
        .await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    html.push(same);
    assert_eq!(app.method(&new).await["card"]["exp_month"], 11);
    html.push(b.get(&path).await);
    html.push(b.get(&format!("/c/reverify/{NEW_PAN}")).await);
    html.push(
        b.post_form(
            &format!("/c/reverify/{NEW_PAN}?intent=replace"),
            &replace_form(NEW_PAN, 10, ny, CVC),
        )
        .await,
    );

    // The API, with the PAN where an id or a customer goes.
    let read_only = app
        .key_with("reporting", &[Scope::PaymentMethodsRead])
        .await;
    let mut api = Vec::new();
    for key in [&app.admin_key, &app.agent_key, &read_only] {
        for res in [
            issue(&app, key, NEW_PAN).await,
            app.get(key, &format!("/api/v1/customers/{NEW_PAN}/wallet"))
                .await,
            app.post(
                key,
                &format!("/api/v1/customers/{NEW_PAN}/default_payment_method"),
                &json!({ "payment_method": new }),
            )
            .await,
            app.post(
                key,
                "/api/v1/customers/cus_leak/default_payment_method",
                &json!({ "payment_method": NEW_PAN }),
            )
            .await,
        ] {
            assert!(res.status().is_client_error(), "{}", res.status());
            api.push(res.text().await.unwrap());
        }
    }
    api.push(
        app.get(&app.agent_key, "/api/v1/customers/cus_leak/wallet")
            .await
            .text()
            .await
            .unwrap(),
    );

    // Let the webhook deliveries go out.
    for _ in 0..200 {
        let pending = app
            .count("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'")
            .await;
        if pending == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }

    let mut problems = Vec::new();
    let mut check = |place: String, hay: &str| {
        for leak in leaks(hay) {
            problems.push(format!("{leak} in {place}"));
        }
    };
    for (n, page) in html.iter().enumerate() {
        check(format!("HTML response {n}"), &page.body);
    }
    for (n, body) in api.iter().enumerate() {
        check(format!("API response {n}"), body);
    }
    let audit = app.audit().await;
    assert!(audit.iter().any(|e| e.action == "payment_method.reverify"));
    for row in &audit {
        check(format!("audit row {}", row.id), &format!("{row:?}"));
    }
    let payloads = texts(&app, "SELECT payload FROM webhook_deliveries").await;
    assert!(
        payloads.iter().any(|p| p.contains("replaced_by")),
        "the replacement was announced"
    );
    for p in &payloads {
        check("webhook_deliveries".into(), p);
    }
    for p in received.lock().unwrap().iter() {
        check("a delivered webhook".into(), p);
    }
    let links = texts(
        &app,
        "SELECT id || '|' || customer || '|' || purpose || '|' || COALESCE(use_id, '') || '|' \
         || COALESCE(ceremony, '') || '|' || COALESCE(payment_method, '') FROM customer_links",
    )
    .await;
    assert_eq!(links.len(), 3);
    let token = path.rsplit('/').next().unwrap();
    for l in &links {
        check("customer_links".into(), l);
        assert!(!l.contains(token), "the link token itself is not stored");
    }
    let rows = texts(
        &app,
        "SELECT id || '|' || display || '|' || COALESCE(metadata, '') || '|' || COALESCE(billing_details, '') \
         || '|' || customer || '|' || COALESCE(alias, '') || '|' || channel FROM payment_methods",
    )
    .await;
    for r in &rows {
        check("payment_methods".into(), r);
    }
    let transitions = texts(
        &app,
        "SELECT payment_method || '|' || reason || '|' || actor FROM payment_method_transitions",
    )
    .await;
    for t in &transitions {
        check("payment_method_transitions".into(), t);
    }
    if let Some(db) = &app.sqlite_path {
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{}{suffix}", db.display());
            if let Ok(bytes) = std::fs::read(&file) {
                check(file, &String::from_utf8_lossy(&bytes));
            }
        }
    }
    let log = logs.text();
    // The capture works: the customer page's requests were logged (by route, never by URI).
    assert!(
        log.contains("/c/reverify/{token}"),
        "no request lines captured"
    );
    assert!(!log.contains(token), "a link token reached the logs");
    check("the logs".into(), &log);
    assert!(problems.is_empty(), "{problems:#?}");
}
