//! The step-up policy: which uses of a stored method need the customer's second factor
//! ("web, EUR ≥ 500.00"), and the money and channel newtypes it is written in.

use std::fmt;

/// An ISO 4217 currency code, kept in lower case (`eur`), as the JSON API writes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Currency(String);

impl Currency {
    pub fn parse(s: &str) -> Option<Currency> {
        let ok = s.len() == 3 && s.bytes().all(|b| b.is_ascii_alphabetic());
        ok.then(|| Currency(s.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// How many minor units a major unit has (ISO 4217 exponent): 0 for JPY-like currencies,
    /// 3 for the dinars, 2 otherwise.
    pub fn exponent(&self) -> u32 {
        const ZERO: &[&str] = &[
            "bif", "clp", "djf", "gnf", "isk", "jpy", "kmf", "krw", "pyg", "rwf", "ugx", "vnd",
            "vuv", "xaf", "xof", "xpf",
        ];
        const THREE: &[&str] = &["bhd", "iqd", "jod", "kwd", "lyd", "omr", "tnd"];
        if ZERO.contains(&self.as_str()) {
            0
        } else if THREE.contains(&self.as_str()) {
            3
        } else {
            2
        }
    }
}

/// An amount in minor units (cents): positive, at most 10^12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Amount(i64);

impl Amount {
    pub const MAX: i64 = 1_000_000_000_000;

    pub fn new(minor: i64) -> Option<Amount> {
        (1..=Self::MAX).contains(&minor).then_some(Amount(minor))
    }

    pub fn minor(self) -> i64 {
        self.0
    }

    /// `500.00 EUR`, `5000 JPY`.
    pub fn display(self, currency: &Currency) -> String {
        let exp = currency.exponent();
        let code = currency.as_str().to_ascii_uppercase();
        if exp == 0 {
            return format!("{} {code}", self.0);
        }
        let unit = 10i64.pow(exp);
        format!(
            "{}.{:0width$} {code}",
            self.0 / unit,
            self.0 % unit,
            width = exp as usize
        )
    }
}

/// A sales channel name (`web`, `mobile`, `pos`, `call_centre`…): 1–32 of `a-z 0-9 _ -`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Channel(String);

impl Channel {
    pub fn parse(s: &str) -> Option<Channel> {
        let ok = (1..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        ok.then(|| Channel(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One rule: uses on `channel` (any channel if `None`) in `currency` at or above `min_amount`
/// need a step-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepUpRule {
    pub channel: Option<Channel>,
    pub currency: Currency,
    pub min_amount: Amount,
}

impl StepUpRule {
    /// `web:eur:50000` or `*:usd:100000` (amount in minor units).
    pub fn parse(s: &str) -> Option<StepUpRule> {
        let mut parts = s.trim().split(':');
        let (channel, currency, amount) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let channel = match channel {
            "*" => None,
            c => Some(Channel::parse(c)?),
        };
        Some(StepUpRule {
            channel,
            currency: Currency::parse(currency)?,
            min_amount: Amount::new(amount.parse().ok()?)?,
        })
    }

    /// Whether the rule applies to uses on `channel` (`None`: a channel no rule can name).
    pub fn covers(&self, channel: Option<&Channel>) -> bool {
        self.channel.as_ref().is_none_or(|c| Some(c) == channel)
    }

    pub fn matches(&self, channel: Option<&Channel>, currency: &Currency, amount: Amount) -> bool {
        self.covers(channel) && &self.currency == currency && amount >= self.min_amount
    }
}

impl fmt::Display for StepUpRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let channel = self.channel.as_ref().map_or("any channel", Channel::as_str);
        write!(
            f,
            "{channel}, ≥ {}",
            self.min_amount.display(&self.currency)
        )
    }
}

/// What happens when a use needs a step-up but the customer has no factor enrolled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unenrolled {
    /// Refuse the use (`failed`, `customer_not_enrolled`): the default, failing closed.
    Decline,
    /// Approve it and say so (`step_up: "not_enrolled"`), leaving the risk to the OMS.
    Approve,
}

impl Unenrolled {
    pub fn parse(s: &str) -> Option<Unenrolled> {
        match s {
            "decline" => Some(Unenrolled::Decline),
            "approve" => Some(Unenrolled::Approve),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Unenrolled::Decline => "decline",
            Unenrolled::Approve => "approve",
        }
    }
}

/// The rules, in configuration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepUpPolicy {
    pub rules: Vec<StepUpRule>,
    pub unenrolled: Unenrolled,
}

impl Default for StepUpPolicy {
    /// 500.00 in euros, dollars and pounds on every channel.
    fn default() -> Self {
        let rules = ["*:eur:50000", "*:usd:50000", "*:gbp:50000"]
            .iter()
            .filter_map(|r| StepUpRule::parse(r))
            .collect();
        StepUpPolicy {
            rules,
            unenrolled: Unenrolled::Decline,
        }
    }
}

impl StepUpPolicy {
    /// Why this use needs a step-up, if it does: `threshold` (a rule's amount is reached),
    /// `currency` (rules exist but none names this currency: an amount in it cannot be judged,
    /// so it is treated as large, failing closed), or `channel` (rules name this currency, but
    /// none covers this channel: likewise failing closed, rather than letting a channel the
    /// rules forgot through at any amount). `channel` is the API key's own.
    pub fn requires(
        &self,
        channel: Option<&Channel>,
        currency: &Currency,
        amount: Amount,
    ) -> Option<&'static str> {
        let for_currency = || self.rules.iter().filter(|r| &r.currency == currency);
        if self.rule_for(channel, currency, amount).is_some() {
            Some("threshold")
        } else if !self.rules.is_empty() && for_currency().next().is_none() {
            Some("currency")
        } else if for_currency().next().is_some() && !for_currency().any(|r| r.covers(channel)) {
            Some("channel")
        } else {
            None
        }
    }

    /// The first rule that asks for a step-up for this use, if any.
    pub fn rule_for(
        &self,
        channel: Option<&Channel>,
        currency: &Currency,
        amount: Amount,
    ) -> Option<&StepUpRule> {
        self.rules
            .iter()
            .find(|r| r.matches(channel, currency, amount))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rules_parse_and_match_at_the_threshold() {
        let rule = StepUpRule::parse("web:eur:50000").unwrap();
        let web = Channel::parse("web").unwrap();
        let pos = Channel::parse("pos").unwrap();
        let eur = Currency::parse("EUR").unwrap();
        let usd = Currency::parse("usd").unwrap();
        assert!(rule.matches(Some(&web), &eur, Amount::new(50_000).unwrap()));
        assert!(!rule.matches(Some(&web), &eur, Amount::new(49_999).unwrap()));
        assert!(!rule.matches(Some(&pos), &eur, Amount::new(90_000).unwrap()));
        assert!(!rule.matches(Some(&web), &usd, Amount::new(90_000).unwrap()));
        assert!(!rule.matches(None, &eur, Amount::new(90_000).unwrap()));
        let any = StepUpRule::parse("*:eur:100").unwrap();
        assert!(any.matches(Some(&pos), &eur, Amount::new(100).unwrap()));
        assert!(any.matches(None, &eur, Amount::new(100).unwrap()));
        assert_eq!(rule.to_string(), "web, ≥ 500.00 EUR");
    }

    #[test]
    fn a_currency_no_rule_names_needs_a_step_up() {
        let policy = StepUpPolicy::default();
        let web = Channel::parse("web").unwrap();
        let web = Some(&web);
        let small = Amount::new(100).unwrap();
        let eur = Currency::parse("eur").unwrap();
        let xxx = Currency::parse("xxx").unwrap();
        assert_eq!(policy.requires(web, &eur, small), None);
        assert_eq!(
            policy.requires(web, &eur, Amount::new(50_000).unwrap()),
            Some("threshold")
        );
        assert_eq!(policy.requires(web, &xxx, small), Some("currency"));
        let none = StepUpPolicy {
            rules: Vec::new(),
            unenrolled: Unenrolled::Decline,
        };
        assert_eq!(none.requires(web, &xxx, small), None);
    }

    /// The attack: rules only for `web`, and a `pos` key charging any amount in euros. Now the
    /// channel the rules forgot gets a step-up, as a currency they forgot does.
    #[test]
    fn a_channel_no_rule_covers_needs_a_step_up() {
        let policy = StepUpPolicy {
            rules: vec![StepUpRule::parse("web:eur:50000").unwrap()],
            unenrolled: Unenrolled::Decline,
        };
        let (web, pos) = (
            Channel::parse("web").unwrap(),
            Channel::parse("pos").unwrap(),
        );
        let eur = Currency::parse("eur").unwrap();
        let huge = Amount::new(10_000_000).unwrap();
        let small = Amount::new(100).unwrap();
        assert_eq!(policy.requires(Some(&web), &eur, small), None);
        assert_eq!(policy.requires(Some(&web), &eur, huge), Some("threshold"));
        assert_eq!(policy.requires(Some(&pos), &eur, huge), Some("channel"));
        assert_eq!(policy.requires(Some(&pos), &eur, small), Some("channel"));
        // A key whose name is no channel name at all is covered only by `*` rules.
        assert_eq!(policy.requires(None, &eur, small), Some("channel"));
        let with_any = StepUpPolicy {
            rules: vec![
                StepUpRule::parse("web:eur:50000").unwrap(),
                StepUpRule::parse("*:eur:100000").unwrap(),
            ],
            unenrolled: Unenrolled::Decline,
        };
        assert_eq!(with_any.requires(Some(&pos), &eur, small), None);
        assert_eq!(with_any.requires(Some(&pos), &eur, huge), Some("threshold"));
    }

    #[test]
    fn malformed_rules_are_refused() {
        for bad in [
            "",
            "web",
            "web:eur",
            "web:eur:0",
            "web:eur:-5",
            "web:euro:100",
            "Web:eur:100",
            "web:eur:100:1",
            "web:eur:1e3",
        ] {
            assert!(StepUpRule::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn amounts_display_with_the_currency_exponent() {
        let a = Amount::new(123_456).unwrap();
        assert_eq!(a.display(&Currency::parse("eur").unwrap()), "1234.56 EUR");
        assert_eq!(a.display(&Currency::parse("jpy").unwrap()), "123456 JPY");
        assert_eq!(a.display(&Currency::parse("kwd").unwrap()), "123.456 KWD");
        assert_eq!(
            Amount::new(5)
                .unwrap()
                .display(&Currency::parse("usd").unwrap()),
            "0.05 USD"
        );
    }

    proptest! {
        #[test]
        fn channel_parse_accepts_only_its_alphabet(s in "\\PC{0,40}") {
            if let Some(c) = Channel::parse(&s) {
                prop_assert_eq!(c.as_str(), s.as_str());
                prop_assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'));
                prop_assert!((1..=32).contains(&s.len()));
            }
        }

        #[test]
        fn amount_bounds_hold(n in any::<i64>()) {
            prop_assert_eq!(Amount::new(n).is_some(), (1..=Amount::MAX).contains(&n));
        }
    }
}
