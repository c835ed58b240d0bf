//! The payment-method lifecycle: its states, the retention and alert policy, and the calendar
//! arithmetic that turns a card's expiry month into instants (a card is valid through the last
//! day of its month, UTC).

pub use coffer_dlp::calendar;
#[cfg(any(test, feature = "dev-tools"))]
pub mod synthetic;

pub use calendar::{expires_at, month_index, month_label, month_start};

/// A card still on file: usable (active, expiring) or waiting to be re-verified (expired).
pub const LIVE: [&str; 3] = ["active", "expiring", "expired"];
/// The SQL form of [`LIVE`]; the expiry index is partial on exactly this predicate.
pub const LIVE_SQL: &str = "status IN ('active', 'expiring', 'expired')";

/// States a method can be used for an order in.
pub fn usable(status: &str) -> bool {
    matches!(status, "active" | "expiring")
}

/// How long after creation a re-verification link works, by default.
pub const REVERIFY_TTL_DAYS: u32 = 7;

use coffer_dlp::calendar::DAY_MS;

/// Milliseconds in `days` days.
pub fn days_ms(days: u32) -> i64 {
    i64::from(days) * DAY_MS
}

/// The retention and alert policy (PCI DSS 3.2.1: keep card data only as long as needed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecyclePolicy {
    /// Alert lead times in days, longest first (e.g. 60, 30, 7). The longest is also when a
    /// method turns `expiring`.
    pub lead_days: Vec<u32>,
    /// Archive an expired card this many days after its expiry.
    pub archive_expired_after_days: u32,
    /// Archive a method neither used nor re-verified for this many days.
    pub archive_unused_after_days: u32,
    /// Shred (destroy the ciphertext of) archived and replaced methods after this many days.
    pub shred_archived_after_days: u32,
    /// How long a re-verification link works.
    pub reverify_link_days: u32,
}

impl Default for LifecyclePolicy {
    fn default() -> Self {
        LifecyclePolicy {
            lead_days: vec![60, 30, 7],
            archive_expired_after_days: 90,
            archive_unused_after_days: 730,
            shred_archived_after_days: 30,
            reverify_link_days: REVERIFY_TTL_DAYS,
        }
    }
}

/// Why a policy was refused at start.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    #[error("alert lead times must be 1 to 365 days, at least one")]
    LeadDays,
    #[error("{0} must be 1 to 3650 days")]
    Days(&'static str),
}

impl LifecyclePolicy {
    /// Checks the policy and sorts the lead times longest first (duplicates removed).
    pub fn checked(mut self) -> Result<LifecyclePolicy, PolicyError> {
        self.lead_days.sort_unstable_by(|a, b| b.cmp(a));
        self.lead_days.dedup();
        if self.lead_days.is_empty() || self.lead_days.iter().any(|d| !(1..=365).contains(d)) {
            return Err(PolicyError::LeadDays);
        }
        for (name, v) in [
            (
                "archive_expired_after_days",
                self.archive_expired_after_days,
            ),
            ("archive_unused_after_days", self.archive_unused_after_days),
            ("shred_archived_after_days", self.shred_archived_after_days),
            ("reverify_link_days", self.reverify_link_days),
        ] {
            if !(1..=3650).contains(&v) {
                return Err(PolicyError::Days(name));
            }
        }
        Ok(self)
    }

    /// The longest lead time: a card turns `expiring` this many days before its end.
    pub fn window_days(&self) -> u32 {
        self.lead_days.first().copied().unwrap_or(60)
    }

    /// The last expiry month number (`year * 12 + month - 1`) whose cards count as expiring at
    /// `now`: those that end within the window (the job marks them `expiring`; the console flags
    /// them from this, so a card stored since the last run is flagged too).
    pub fn expiring_through(&self, now: i64) -> i64 {
        calendar::ended_by(now + days_ms(self.window_days()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn expiring_follows_the_configured_window_not_a_fixed_one() {
        // 2026-12-04T12:00Z; a card of month m ends at the start of month m + 1.
        let now = 1_796_385_600_000;
        let dec_2026 = 2026 * 12 + 11;
        let policy = |lead: Vec<u32>| LifecyclePolicy {
            lead_days: lead,
            ..Default::default()
        };
        // 60 days ahead is 2027-02-02: cards of December and January have ended by then.
        assert_eq!(policy(vec![60, 30, 7]).expiring_through(now), dec_2026 + 1);
        // December's cards end on 2027-01-01, 28 days on: a 7-day window holds only November's
        // (already ended); on 2026-12-25 it holds December's.
        assert_eq!(policy(vec![7]).expiring_through(now), dec_2026 - 1);
        let christmas = now + 21 * 86_400_000;
        assert_eq!(policy(vec![7]).expiring_through(christmas), dec_2026);
        // 120 days ahead is 2027-04-03: February and March cards too.
        assert_eq!(policy(vec![120, 30]).expiring_through(now), dec_2026 + 3);
    }

    #[test]
    fn lead_times_are_sorted_and_checked() {
        let p = LifecyclePolicy {
            lead_days: vec![7, 60, 30, 7],
            ..Default::default()
        }
        .checked()
        .unwrap();
        assert_eq!(p.lead_days, vec![60, 30, 7]);
        assert_eq!(p.window_days(), 60);
        for bad in [vec![], vec![0], vec![400]] {
            let p = LifecyclePolicy {
                lead_days: bad,
                ..Default::default()
            };
            assert_eq!(p.checked(), Err(PolicyError::LeadDays));
        }
        let p = LifecyclePolicy {
            shred_archived_after_days: 0,
            ..Default::default()
        };
        assert_eq!(
            p.checked(),
            Err(PolicyError::Days("shred_archived_after_days"))
        );
    }

    #[test]
    fn only_active_and_expiring_cards_are_usable() {
        assert!(usable("active") && usable("expiring"));
        for s in ["expired", "archived", "replaced", "shredded"] {
            assert!(!usable(s), "{s}");
        }
    }
}
