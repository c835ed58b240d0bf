//! A forward's body template: text with placeholders such as `{{ pm_123:number }}` that the vault
//! fills, just before sending, with a stored method's detail, escaped for the body's type (a
//! JSON string's content, or a form value). The caller never sees the values.

use crate::cde::intake::IntakeError;
use zeroize::Zeroizing;

/// The most placeholders in one body, and the most distinct methods they name.
const MAX_PLACEHOLDERS: usize = 50;
pub const MAX_METHODS: usize = 10;
/// The longest template, in bytes.
pub const MAX_TEMPLATE: usize = 64 * 1024;

const FIELDS: [&str; 9] = [
    "number",
    "exp_month",
    "exp_year",
    "name",
    "iban",
    "bic",
    "routing_number",
    "account_number",
    "account",
];

/// How a body is encoded, and so how a value is escaped into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `application/json`: the placeholder stands inside a JSON string.
    Json,
    /// `application/x-www-form-urlencoded`: the placeholder is a form value.
    Form,
}

impl Encoding {
    /// The encoding of a `Content-Type` (parameters such as `charset` ignored).
    pub fn of(content_type: &str) -> Option<Encoding> {
        let essence = content_type.split(';').next()?.trim().to_ascii_lowercase();
        match essence.as_str() {
            "application/json" => Some(Encoding::Json),
            e if e.starts_with("application/") && e.ends_with("+json") => Some(Encoding::Json),
            "application/x-www-form-urlencoded" => Some(Encoding::Form),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part<'a> {
    Text(&'a str),
    Field {
        method: &'a str,
        field: &'static str,
    },
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template<'a> {
    parts: Vec<Part<'a>>,
}

impl<'a> Template<'a> {
    /// Parses `text`. Every `{{` must open a well-formed placeholder, and the literal text may
    /// not itself hold a card number (send it as a placeholder, so it is not in the request).
    pub fn parse(text: &'a str) -> Result<Template<'a>, IntakeError> {
        if text.len() > MAX_TEMPLATE {
            return Err(IntakeError::invalid_because("body", "at most 64 KiB"));
        }
        if coffer_dlp::contains_card_number(text) {
            return Err(IntakeError::invalid_because(
                "body",
                "it holds a card number: name a stored method with a placeholder instead",
            ));
        }
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Text(&rest[..open]));
            }
            let after = &rest[open + 2..];
            let close = after.find("}}").ok_or_else(malformed)?;
            let inner = after[..close].trim();
            let (method, field) = inner.split_once(':').ok_or_else(malformed)?;
            let well_formed = method.len() <= 64
                && method
                    .strip_prefix("pm_")
                    .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric()));
            let field = FIELDS
                .iter()
                .find(|f| **f == field.trim())
                .ok_or_else(malformed)?;
            if !well_formed {
                return Err(malformed());
            }
            parts.push(Part::Field { method, field });
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest));
        }
        let t = Template { parts };
        if t.placeholders() > MAX_PLACEHOLDERS || t.methods().len() > MAX_METHODS {
            return Err(IntakeError::invalid_because(
                "body",
                "at most 50 placeholders naming at most 10 methods",
            ));
        }
        Ok(t)
    }

    fn placeholders(&self) -> usize {
        self.parts
            .iter()
            .filter(|p| matches!(p, Part::Field { .. }))
            .count()
    }

    /// The distinct methods the placeholders name, in first-seen order.
    pub fn methods(&self) -> Vec<&'a str> {
        let mut out: Vec<&str> = Vec::new();
        for p in &self.parts {
            if let Part::Field { method, .. } = p
                && !out.contains(method)
            {
                out.push(method);
            }
        }
        out
    }

    /// The body with every placeholder replaced by `value(method, field)`, escaped for
    /// `encoding`, in zeroizing memory. `None` if a value is missing (that method has no such
    /// detail).
    pub fn render<F>(&self, encoding: Encoding, mut value: F) -> Option<Zeroizing<Vec<u8>>>
    where
        F: FnMut(&str, &str) -> Option<Zeroizing<String>>,
    {
        let mut out = Zeroizing::new(Vec::new());
        for p in &self.parts {
            match p {
                Part::Text(t) => out.extend_from_slice(t.as_bytes()),
                Part::Field { method, field } => {
                    let v = value(method, field)?;
                    escape_into(&mut out, &v, encoding);
                }
            }
        }
        Some(out)
    }
}

fn malformed() -> IntakeError {
    IntakeError::invalid_because(
        "body",
        "a placeholder is written {{ pm_<id>:<field> }} with field number, exp_month, exp_year, name, iban, bic, routing_number, account_number or account",
    )
}

/// Appends `v` escaped. The escaped copy is built straight into `out` (zeroizing), never in a
/// temporary string.
fn escape_into(out: &mut Zeroizing<Vec<u8>>, v: &str, encoding: Encoding) {
    match encoding {
        Encoding::Json => {
            for c in v.chars() {
                match c {
                    '"' => out.extend_from_slice(b"\\\""),
                    '\\' => out.extend_from_slice(b"\\\\"),
                    c if (c as u32) < 0x20 => {
                        out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
                    }
                    c => {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                }
            }
        }
        Encoding::Form => {
            for chunk in url::form_urlencoded::byte_serialize(v.as_bytes()) {
                out.extend_from_slice(chunk.as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use proptest::prelude::*;

    fn values(_: &str, field: &str) -> Option<Zeroizing<String>> {
        let v = match field {
            "number" => "4242424242424242",
            "exp_month" => "07",
            "name" => "Zoë \"Q\" O'Neil & Co",
            _ => return None,
        };
        Some(Zeroizing::new(v.to_owned()))
    }

    #[test]
    fn json_and_form_bodies_are_filled_and_escaped() {
        let t =
            Template::parse(r#"{"number":"{{ pm_a1:number }}","name":"{{pm_a1:name}}"}"#).unwrap();
        assert_eq!(t.methods(), ["pm_a1"]);
        let body = t.render(Encoding::Json, values).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["number"], "4242424242424242");
        assert_eq!(v["name"], "Zoë \"Q\" O'Neil & Co");
        let t = Template::parse("type=card&card[number]={{ pm_a1:number }}&billing_details[name]={{ pm_a1:name }}&card[exp_month]={{ pm_b2:exp_month }}").unwrap();
        assert_eq!(t.methods(), ["pm_a1", "pm_b2"]);
        let body = t.render(Encoding::Form, values).unwrap();
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(&body).into_owned().collect();
        assert_eq!(pairs[1], ("card[number]".into(), "4242424242424242".into()));
        assert_eq!(pairs[2].1, "Zoë \"Q\" O'Neil & Co");
        assert_eq!(pairs[3].1, "07");
    }

    #[test]
    fn a_missing_value_renders_nothing() {
        let t = Template::parse("x={{ pm_a:iban }}").unwrap();
        assert!(t.render(Encoding::Form, values).is_none());
    }

    #[test]
    fn bad_templates_are_refused() {
        for bad in [
            "{{ pm_a:cvc }}",
            "{{ pm_a }}",
            "{{ pm_:number }}",
            "{{ cus_a:number }}",
            "{{ pm_a:number",
            "card=4242424242424242",
            "{{ pm_a-b:number }}",
        ] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
        let many: String = (0..11)
            .map(|i| format!("{{{{ pm_m{i}:number }}}}"))
            .collect();
        assert!(Template::parse(&many).is_err());
        assert_eq!(
            Encoding::of("application/json; charset=utf-8"),
            Some(Encoding::Json)
        );
        assert_eq!(
            Encoding::of("application/vnd.api+json"),
            Some(Encoding::Json)
        );
        assert_eq!(
            Encoding::of("application/x-www-form-urlencoded"),
            Some(Encoding::Form)
        );
        assert_eq!(Encoding::of("text/xml"), None);
    }

    proptest! {
        #[test]
        fn any_name_stays_one_json_string(name in "\\PC{0,40}") {
            let t = Template::parse(r#"{"n":"{{ pm_a:name }}"}"#).unwrap();
            let body = t.render(Encoding::Json, |_, _| Some(Zeroizing::new(name.clone()))).unwrap();
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            prop_assert_eq!(v["n"].as_str().unwrap(), name.as_str());
        }

        #[test]
        fn any_name_stays_one_form_value(name in "\\PC{0,40}") {
            let t = Template::parse("a=1&n={{ pm_a:name }}&b=2").unwrap();
            let body = t.render(Encoding::Form, |_, _| Some(Zeroizing::new(name.clone()))).unwrap();
            let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
            prop_assert_eq!(pairs.len(), 3);
            prop_assert_eq!(&pairs[1].1, &name);
        }
    }
}
