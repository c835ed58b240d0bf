//! CSV lines for the files operators open in spreadsheets (audit exports, expiry exports):
//! RFC 4180 quoting, and formula injection defused (OWASP's list: a field that starts with `=`,
//! `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a spreadsheet shows it as
//! text instead of running it). The one writer every export uses.

/// Whether a spreadsheet could take `value` for a formula.
fn formula_like(value: &str) -> bool {
    matches!(
        value.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    )
}

/// Appends one field to `out`.
pub fn field(out: &mut String, value: &str) {
    let guarded = formula_like(value);
    let needs_quotes = guarded || value.contains([',', '"', '\n', '\r']) || value.starts_with(' ');
    if needs_quotes {
        out.push('"');
        if guarded {
            out.push('\'');
        }
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// Appends `fields` as one line (ending in `\n`).
pub fn line<S: AsRef<str>>(out: &mut String, fields: &[S]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, f.as_ref());
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quotes_and_defuses_formulas() {
        let mut out = String::new();
        line(
            &mut out,
            &[
                "plain",
                "a,b",
                "say \"hi\"",
                "=cmd()",
                "-1",
                "line\nbreak",
                "\t=x",
                "\r=y",
                "@SUM",
                "+1",
            ],
        );
        assert_eq!(
            out,
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"'=cmd()\",\"'-1\",\"line\nbreak\",\"'\t=x\",\
             \"'\r=y\",\"'@SUM\",\"'+1\"\n"
        );
    }

    /// Reads one line back as a spreadsheet's CSV reader would (quotes only).
    fn read_back(line: &str) -> Vec<String> {
        let mut fields = vec![String::new()];
        let (mut quoted, mut chars) = (false, line.trim_end_matches('\n').chars().peekable());
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    chars.next();
                    fields.last_mut().unwrap().push('"');
                }
                ('"', _) => quoted = !quoted,
                (',', false) => fields.push(String::new()),
                (c, _) => fields.last_mut().unwrap().push(c),
            }
        }
        fields
    }

    proptest! {
        /// Every field comes back whole (with the guard where it was added), and no field
        /// starts with a character a spreadsheet would evaluate.
        #[test]
        fn fields_survive_and_none_reads_as_a_formula(values in prop::collection::vec(".{0,12}", 1..6)) {
            let mut out = String::new();
            line(&mut out, &values);
            let back = read_back(&out);
            prop_assert_eq!(back.len(), values.len());
            for (got, sent) in back.iter().zip(&values) {
                prop_assert!(!formula_like(got) || got.is_empty());
                let expected = if formula_like(sent) { format!("'{sent}") } else { sent.clone() };
                prop_assert_eq!(got, &expected);
            }
        }
    }
}
