//! The automated daily review (PCI DSS 10.4.1.1): rules run over one UTC day of the log and raise
//! flags for a compliance officer to review. Re-running a day raises nothing twice.

use crate::store::audit_flags::{self, FlagRow};
use crate::store::{self, Store, StoreError};
use sqlx::AnyConnection;

/// Thresholds and business hours for the rules (configurable; these are the defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRules {
    /// Reveals are expected from this hour (UTC, inclusive)…
    pub business_start_hour: u8,
    /// …until this hour (UTC, exclusive).
    pub business_end_hour: u8,
    /// Denied reveals by one actor in a day.
    pub denied_reveals: i64,
    /// Reads of payment data by one staff member within ten minutes.
    pub read_burst: i64,
    /// Failed sign-in steps from one origin in a day.
    pub sign_in_failures: i64,
    /// Validations by one API key within ten minutes (probing numbers).
    pub validate_burst: i64,
    /// Methods stored by one API key within ten minutes.
    pub create_burst: i64,
    /// Rejected numbers (validate or store) from one API key within ten minutes (card testing).
    pub rejected_intake: i64,
}

impl Default for ReviewRules {
    fn default() -> Self {
        ReviewRules {
            business_start_hour: 7,
            business_end_hour: 19,
            denied_reveals: 3,
            read_burst: 100,
            sign_in_failures: 10,
            validate_burst: 300,
            create_burst: 20_000,
            rejected_intake: 50,
        }
    }
}

/// The flag kinds, as stored.
pub mod kind {
    pub const DENIED_REVEALS: &str = "repeated_denied_reveals";
    pub const AFTER_HOURS_REVEAL: &str = "reveal_outside_business_hours";
    pub const READ_BURST: &str = "read_burst";
    pub const NEW_API_KEY: &str = "new_api_key";
    pub const ACCESS_GRANT: &str = "access_grant";
    pub const SIGN_IN_STORM: &str = "failed_sign_in_storm";
    pub const VERIFY_FAILED: &str = "audit_verification_failed";
    pub const BLOCKED_PAGE_CONTENT: &str = "blocked_page_content";
    pub const VALIDATE_BURST: &str = "validate_burst";
    pub const CREATE_BURST: &str = "create_burst";
    pub const REJECTED_INTAKE_BURST: &str = "rejected_intake_burst";
    pub const PRIVILEGED_KEY_ISSUED: &str = "privileged_key_issued";
    pub const PRIVILEGED_KEY_APPROVED: &str = "privileged_key_approved";
}

/// How urgently a flag of `kind` needs a reviewer: `high` (a control may have been bypassed or
/// card data exposed), `medium` (unusual, to explain), `low` (a routine change to confirm).
pub fn severity(kind: &str) -> &'static str {
    match kind {
        kind::VERIFY_FAILED
        | kind::PRIVILEGED_KEY_ISSUED
        | kind::PRIVILEGED_KEY_APPROVED
        | kind::REJECTED_INTAKE_BURST => "high",
        kind::NEW_API_KEY => "low",
        _ => "medium",
    }
}

/// Scopes whose keys reach beyond a channel's masked data (mirrors
/// `Scope::needs_second_approval`, as the audit detail names them).
const PRIVILEGED_SCOPES: [&str; 2] = ["payment_methods:reveal", "channels:all"];

use coffer_dlp::calendar::DAY_MS;
const BURST_WINDOW_MS: i64 = 600_000;
const READS: [&str; 5] = [
    "payment_method.read",
    "payment_method.search",
    "payment_method.list",
    "payment_method.history",
    "payment_method.reveal",
];

/// `YYYY-MM-DD` of the UTC day starting at `start` (unix ms).
pub fn day_name(start: i64) -> String {
    super::record::rfc3339(start).chars().take(10).collect()
}

/// The UTC day (start, unix ms) holding `ms`.
pub fn day_start(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS) * DAY_MS
}

/// An intake rule: (actions, outcome, threshold, flag kind, what the summary says was done).
type IntakeRule<'a> = (&'a [&'a str], Option<&'a str>, i64, &'static str, &'a str);

/// A rule's finding: (kind, subject, summary, (events, first seq, last seq)).
type Finding = (&'static str, String, String, (i64, i64, i64));

struct Raiser<'a> {
    day: String,
    now: i64,
    new: Vec<FlagRow>,
    conn: &'a mut AnyConnection,
}

impl Raiser<'_> {
    async fn raise(
        &mut self,
        kind: &str,
        subject: &str,
        summary: String,
        (count, lo, hi): (i64, i64, i64),
    ) -> Result<(), StoreError> {
        let flag = FlagRow {
            id: crate::token::random_id("flg"),
            day: self.day.clone(),
            kind: kind.to_owned(),
            subject: subject.to_owned(),
            summary,
            event_count: count,
            first_seq: Some(lo),
            last_seq: Some(hi),
            raised_at: self.now,
            reviewed_at: None,
            reviewed_by: None,
            review_note: None,
        };
        if audit_flags::raise(self.conn, &flag).await? {
            self.new.push(flag);
        }
        Ok(())
    }
}

/// Runs every rule over the UTC day starting at `day` (unix ms) and returns the flags it newly
/// raised.
pub async fn review_day(
    db: &Store,
    day: i64,
    rules: &ReviewRules,
) -> Result<Vec<FlagRow>, StoreError> {
    let mut read = db.reader().acquire().await?;
    let Some(range) =
        store::audit_search::seq_range(&mut read, Some(day), Some(day + DAY_MS)).await?
    else {
        return Ok(Vec::new());
    };
    let mut found: Vec<Finding> = Vec::new();
    let grouped = audit_flags::grouped_counts;

    for (actor, n, lo, hi) in grouped(
        &mut read,
        "actor_id",
        &["payment_method.reveal"],
        Some("denied"),
        range,
        rules.denied_reveals,
    )
    .await?
    {
        let summary = format!("{n} reveal attempts by {actor} were denied");
        found.push((kind::DENIED_REVEALS, actor, summary, (n, lo, hi)));
    }

    let reveals = store::audit_search::by_action_between(
        &mut read,
        "payment_method.reveal",
        "success",
        day,
        day + DAY_MS,
    )
    .await?;
    let mut after_hours: std::collections::BTreeMap<String, (i64, i64, i64)> = Default::default();
    for e in &reveals {
        let hour = (e.event.occurred_at - day) / 3_600_000;
        let (start, end) = (rules.business_start_hour, rules.business_end_hour);
        if hour < i64::from(start) || hour >= i64::from(end) {
            let entry = after_hours
                .entry(e.event.actor_id.clone())
                .or_insert((0, e.seq, e.seq));
            entry.0 += 1;
            entry.2 = e.seq;
        }
    }
    for (actor, counts) in after_hours {
        let summary = format!(
            "{actor} revealed {} payment method(s) outside business hours ({:02}:00–{:02}:00 UTC)",
            counts.0, rules.business_start_hour, rules.business_end_hour
        );
        found.push((kind::AFTER_HOURS_REVEAL, actor, summary, counts));
    }

    let bucket = "actor_type || ':' || actor_id || ':' || CAST(occurred_at / 600000 AS TEXT)";
    for (key, n, lo, hi) in
        grouped(&mut read, bucket, &READS, None, range, rules.read_burst).await?
    {
        let mut parts = key.splitn(3, ':');
        let (Some("staff"), Some(actor), Some(slot)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let from = slot.parse::<i64>().unwrap_or(0) * BURST_WINDOW_MS;
        let time: String = super::record::rfc3339(from)
            .chars()
            .skip(11)
            .take(5)
            .collect();
        let summary = format!("{actor} read payment data {n} times in ten minutes from {time} UTC");
        found.push((kind::READ_BURST, actor.to_owned(), summary, (n, lo, hi)));
    }

    for (action, flag_kind, what) in [
        (
            "api_key.create",
            kind::NEW_API_KEY,
            "A new API key was created",
        ),
        (
            "user.create",
            kind::ACCESS_GRANT,
            "A staff account was created",
        ),
        (
            "user.access_change",
            kind::ACCESS_GRANT,
            "A staff account's access changed",
        ),
    ] {
        let events =
            store::audit_search::by_action_between(&mut read, action, "success", day, day + DAY_MS)
                .await?;
        for e in events {
            let subject = e.event.resource_id.clone().unwrap_or_default();
            let summary = format!("{what} ({subject}) by {}", e.event.actor_id);
            found.push((flag_kind, subject, summary, (1, e.seq, e.seq)));
        }
    }

    // Intake by one API key in ten-minute slots: probing numbers, storing in bulk, or many
    // rejected numbers (the shape of card testing).
    let key_slot = "actor_id || ':' || CAST(occurred_at / 600000 AS TEXT)";
    let intake: [IntakeRule; 3] = [
        (
            &["payment_method.validate"],
            None,
            rules.validate_burst,
            kind::VALIDATE_BURST,
            "validated",
        ),
        (
            &["payment_method.create"],
            Some("success"),
            rules.create_burst,
            kind::CREATE_BURST,
            "stored",
        ),
        (
            &["payment_method.create", "payment_method.validate"],
            Some("failure"),
            rules.rejected_intake,
            kind::REJECTED_INTAKE_BURST,
            "sent rejected numbers for",
        ),
    ];
    for (actions, outcome, min, flag_kind, what) in intake {
        for (key, n, lo, hi) in grouped(&mut read, key_slot, actions, outcome, range, min).await? {
            let Some((actor, slot)) = key.rsplit_once(':') else {
                continue;
            };
            let from = slot.parse::<i64>().unwrap_or(0) * BURST_WINDOW_MS;
            let time: String = super::record::rfc3339(from)
                .chars()
                .skip(11)
                .take(5)
                .collect();
            let summary = format!(
                "API key {actor} {what} {n} payment methods in ten minutes from {time} UTC"
            );
            found.push((flag_kind, actor.to_owned(), summary, (n, lo, hi)));
        }
    }

    // Keys that can reveal card numbers or reach every channel: each issue and each approval.
    for (action, flag_kind, what) in [
        (
            "api_key.create",
            kind::PRIVILEGED_KEY_ISSUED,
            "An API key that can reveal card numbers or reach every channel was issued",
        ),
        (
            "api_key.approve",
            kind::PRIVILEGED_KEY_APPROVED,
            "An API key that can reveal card numbers or reach every channel was approved",
        ),
    ] {
        let events =
            store::audit_search::by_action_between(&mut read, action, "success", day, day + DAY_MS)
                .await?;
        for e in events {
            let detail = e.event.detail.as_deref().unwrap_or_default();
            if !PRIVILEGED_SCOPES.iter().any(|s| detail.contains(s)) {
                continue;
            }
            let subject = e.event.resource_id.clone().unwrap_or_default();
            let summary = format!("{what} ({subject}) by {}", e.event.actor_id);
            found.push((flag_kind, subject, summary, (1, e.seq, e.seq)));
        }
    }

    for (ip, n, lo, hi) in grouped(
        &mut read,
        "origin_ip",
        &["staff.sign_in", "staff.mfa", "staff.step_up"],
        Some("failure"),
        range,
        rules.sign_in_failures,
    )
    .await?
    {
        let summary = format!("{n} failed sign-in steps from {ip}");
        found.push((kind::SIGN_IN_STORM, ip, summary, (n, lo, hi)));
    }

    for (_, n, lo, hi) in grouped(
        &mut read,
        "action",
        &["audit.verify", "audit.checkpoint", "audit.archive_expired"],
        Some("failure"),
        range,
        1,
    )
    .await?
    {
        let summary = format!(
            "Audit log verification, signing or retention found the chain broken {n} time(s)"
        );
        found.push((
            kind::VERIFY_FAILED,
            "audit_chain".to_owned(),
            summary,
            (n, lo, hi),
        ));
    }
    // Any content a browser blocked on one of our pages: a skimmer, an extension, or a page that
    // changed; each page's reports of the day are one flag.
    for (page, n, lo, hi) in grouped(
        &mut read,
        "resource_id",
        &["page.csp_violation"],
        None,
        range,
        1,
    )
    .await?
    {
        let what = if crate::customer::csp::is_payment_page(&page) {
            "the payment page"
        } else {
            "the console page"
        };
        let summary = format!(
            "Browsers blocked content on {what} {page} {n} time(s): check the reports' blocked \
             origins"
        );
        found.push((kind::BLOCKED_PAGE_CONTENT, page, summary, (n, lo, hi)));
    }
    drop(read);

    let mut write = db.writer().acquire().await?;
    let mut raiser = Raiser {
        day: day_name(day),
        now: crate::clock::now_millis(),
        new: Vec::new(),
        conn: &mut write,
    };
    for (flag_kind, subject, summary, counts) in found {
        raiser.raise(flag_kind, &subject, summary, counts).await?;
    }
    Ok(raiser.new)
}
