//! `Iban`: a validated International Bank Account Number held in zeroizing memory.

use super::error::InstrumentError;
use super::iban_countries::iban_length;
use super::iban_national::national_check_ok;
use std::fmt;
use zeroize::Zeroizing;

/// The longest IBAN ISO 13616 allows.
const MAX_LEN: usize = 34;

/// An IBAN, normalised to uppercase without spaces, whose country is in the SWIFT registry,
/// whose length matches that country, whose ISO 7064 mod-97 check passes, and whose BBAN passes
/// its country's national check where one exists (BE, ES, FR, IT, MC, NO, PT, SM).
///
/// The characters live in a [`Zeroizing`] buffer; `Debug` shows only the masked form and
/// there is no `Display`, `Clone` or `Serialize`.
pub struct Iban(Zeroizing<String>);

impl Iban {
    /// Parses an IBAN as typed: surrounding whitespace and inner ASCII spaces are removed,
    /// letters are uppercased; anything else that is not ASCII alphanumeric is rejected.
    ///
    /// The BBAN is checked to be alphanumeric, and against its country's national check digits
    /// where the country defines them (`iban_national`); elsewhere the mod-97 check is the line
    /// of defence: it catches every single substitution of a digit by a digit or a letter by a
    /// letter, and most other typing errors.
    pub fn parse(input: &str) -> Result<Iban, InstrumentError> {
        let mut iban = Zeroizing::new(String::with_capacity(MAX_LEN));
        for c in input.trim().chars() {
            match c {
                ' ' => {}
                c if c.is_ascii_alphanumeric() && iban.len() < MAX_LEN => {
                    iban.push(c.to_ascii_uppercase())
                }
                _ => return Err(InstrumentError::Iban),
            }
        }
        let bytes = iban.as_bytes();
        let (Some(country), Some(check)) = (bytes.get(..2), bytes.get(2..4)) else {
            return Err(InstrumentError::Iban);
        };
        let country_ok = country.iter().all(u8::is_ascii_uppercase);
        let length_ok = iban.get(..2).and_then(iban_length) == Some(iban.len());
        // 98 - (n mod 97) always lies in 02..=98.
        let check_ok =
            check.iter().all(u8::is_ascii_digit) && !matches!(check, b"00" | b"01" | b"99");
        if !(country_ok && length_ok && check_ok) || mod97(&iban) != 1 {
            return Err(InstrumentError::Iban);
        }
        let (country, bban) = iban.split_at(4);
        if !national_check_ok(&country[..2], bban) {
            return Err(InstrumentError::Iban);
        }
        Ok(Iban(iban))
    }

    /// The full, normalised IBAN. Use it only to seal the account or compute its fingerprint;
    /// never log, format or persist the result.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The ISO 3166-1 alpha-2 country code.
    pub fn country(&self) -> &str {
        self.0.get(..2).unwrap_or_default()
    }

    /// The last four characters.
    pub fn last4(&self) -> &str {
        self.0
            .get(self.0.len().saturating_sub(4)..)
            .unwrap_or_default()
    }

    /// Country, check digits, one `*` per hidden character, last four: `DE89**************3000`.
    pub fn masked(&self) -> String {
        let len = self.0.len();
        let head = self.0.get(..4).unwrap_or_default();
        format!(
            "{head}{}{}",
            "*".repeat(len.saturating_sub(8)),
            self.last4()
        )
    }
}

impl fmt::Debug for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Iban({})", self.masked())
    }
}

/// ISO 7064 MOD 97-10 of an uppercase alphanumeric IBAN: the first four characters are moved
/// to the end, letters count as 10..=35, and the remainder is computed digit by digit so no
/// big integer is needed.
pub(crate) fn mod97(iban: &str) -> u32 {
    let (head, tail) = iban.split_at_checked(4).unwrap_or((iban, ""));
    tail.bytes().chain(head.bytes()).fold(0, |r, b| match b {
        b'0'..=b'9' => (r * 10 + u32::from(b - b'0')) % 97,
        b'A'..=b'Z' => (r * 100 + u32::from(b - b'A') + 10) % 97,
        _ => r,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::super::iban_countries::IBAN_LENGTHS;
    use super::*;
    use proptest::prelude::*;

    const VALID: &[&str] = &[
        "DE89370400440532013000",
        "GB82WEST12345698765432",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300",
        "BE68539007547034",
        "CH9300762011623852957",
        "AT611904300234573201",
        "ES9121000418450200051332",
        "IT60X0542811101000000123456",
        "NO9386011117947",
        "MT84MALT011000012345MTLCAST001S",
        "PT50000201231234567890154",
        "MC5811222000010123456789030",
        "SM86U0322509800000000270100",
    ];

    /// `country` + correct check digits + `bban`.
    fn make_iban(country: &str, bban: &str) -> String {
        let check = 98 - mod97(&format!("{country}00{bban}"));
        format!("{country}{check:02}{bban}")
    }

    #[test]
    fn valid_ibans_parse_and_normalise() {
        for iban in VALID {
            let parsed = Iban::parse(iban).unwrap_or_else(|e| panic!("{iban}: {e}"));
            assert_eq!(parsed.expose(), *iban);
            assert_eq!(parsed.country(), &iban[..2]);
            assert_eq!(parsed.last4(), &iban[iban.len() - 4..]);
        }
        let spaced = Iban::parse("  de89 3704 0044 0532 0130 00\n").unwrap();
        assert_eq!(spaced.expose(), "DE89370400440532013000");
    }

    #[test]
    fn one_character_changed_is_invalid() {
        assert!(Iban::parse("DE89370400440532013001").is_err());
        assert!(Iban::parse("DE88370400440532013000").is_err());
        assert!(Iban::parse("GB82WEST12345698765431").is_err());
        assert!(Iban::parse("GB82WESU12345698765432").is_err());
        assert!(Iban::parse("FR1420041010050500013M02607").is_err());
    }

    #[test]
    fn wrong_length_or_unknown_country_is_invalid() {
        for bad in [
            "DE8937040044053201300",   // 21
            "DE893704004405320130000", // 23
            "US12345678901234567890",
            "XX89370400440532013000",
            "D",
            "",
            "DE",
            "DE89",
        ] {
            assert_eq!(
                Iban::parse(bad).unwrap_err(),
                InstrumentError::Iban,
                "{bad}"
            );
        }
        // A correct checksum cannot rescue a wrong length.
        assert!(Iban::parse(&make_iban("DE", "3704004405320130001")).is_err());
        assert!(Iban::parse(&make_iban("DE", "370400440532013000")).is_ok());
    }

    #[test]
    fn bad_characters_and_check_digits_are_invalid() {
        for bad in [
            "DE89-3704-0044-0532-0130-00",
            "DE89\t370400440532013000",
            "DE89370400440532013ÄÖ",
            "1E89370400440532013000",
            "DEA9370400440532013000",
        ] {
            assert_eq!(
                Iban::parse(bad).unwrap_err(),
                InstrumentError::Iban,
                "{bad}"
            );
        }
        // Check digits 98 and 01 are congruent mod 97; only 02..=98 are ever issued.
        let with_98 = (0..10_000u32)
            .map(|n| make_iban("NL", &format!("ABNA{n:010}")))
            .find(|iban| &iban[2..4] == "98")
            .unwrap();
        assert!(Iban::parse(&with_98).is_ok());
        let forged = format!("NL01{}", &with_98[4..]);
        assert_eq!(mod97(&forged), 1);
        assert!(Iban::parse(&forged).is_err());
    }

    #[test]
    fn a_valid_mod97_with_a_wrong_national_check_is_invalid() {
        // Spain: the account's check digit changed, the IBAN check digits recomputed so mod-97
        // still passes. Only the national check can tell.
        let forged = make_iban("ES", "21000418460200051332");
        assert_eq!(mod97(&forged), 1);
        assert!(Iban::parse(&forged).is_err());
        for (country, bban) in [
            ("BE", "539007547035"),
            ("FR", "20041010050500013M02607"),
            ("IT", "Y0542811101000000123456"),
            ("PT", "000201231234567890155"),
            ("NO", "86011117948"),
        ] {
            let iban = make_iban(country, bban);
            assert_eq!(mod97(&iban), 1);
            assert!(Iban::parse(&iban).is_err(), "{iban}");
        }
    }

    #[test]
    fn masked_and_debug_hide_the_middle() {
        let iban = Iban::parse("DE89370400440532013000").unwrap();
        assert_eq!(iban.masked(), "DE89**************3000");
        assert_eq!(format!("{iban:?}"), "Iban(DE89**************3000)");
        for raw in VALID {
            let iban = Iban::parse(raw).unwrap();
            let shown = format!("{iban:?} {iban:#?}");
            assert!(!shown.contains(raw));
            assert!(!shown.contains(&raw[4..raw.len() - 4]));
            let e = Iban::parse(&raw[..raw.len() - 1]).unwrap_err();
            assert!(!format!("{e} {e:?}").chars().any(|c| c.is_ascii_digit()));
        }
    }

    /// Countries whose BBAN carries a national check (generated with it below).
    const NATIONAL: [&str; 8] = ["BE", "ES", "FR", "MC", "IT", "SM", "PT", "NO"];

    /// A BBAN for a `NATIONAL` country from 30 random digits, with its national check.
    fn national_bban(country: &str, draw: &str) -> Option<String> {
        use super::super::iban_national::*;
        let d: Vec<u32> = draw.chars().map(|c| c.to_digit(10).unwrap()).collect();
        let n = |r: std::ops::Range<usize>| draw[r].parse::<u64>().unwrap();
        Some(match country {
            "BE" => format!("{}{:02}", &draw[..10], belgium_check(&d[..10])),
            "ES" => {
                let head: Vec<u32> = [0, 0].into_iter().chain(d[..8].iter().copied()).collect();
                let (d1, d2) = (spain_digit(&head), spain_digit(&d[8..18]));
                format!("{}{d1}{d2}{}", &draw[..8], &draw[8..18])
            }
            "FR" | "MC" => format!(
                "{}{:02}",
                &draw[..21],
                france_key(n(0..5), n(5..10), n(10..21))
            ),
            "IT" | "SM" => format!("{}{}", italy_cin(&draw[..22])?, &draw[..22]),
            "PT" => format!("{}{:02}", &draw[..19], portugal_check(&d[..19])),
            "NO" => format!("{}{}", &draw[..10], norway_digit(&d[..10])?),
            _ => return None,
        })
    }

    fn valid_iban() -> impl Strategy<Value = String> {
        let plain = (0..IBAN_LENGTHS.len(), "[0-9A-Z]{30}").prop_filter_map(
            "a country with a national check",
            |(i, pool)| {
                let (country, len) = IBAN_LENGTHS[i];
                (!NATIONAL.contains(&country)).then(|| make_iban(country, &pool[..len - 4]))
            },
        );
        let national = (0..NATIONAL.len(), "[0-9]{30}").prop_filter_map(
            "no national check digit for this draw",
            |(i, draw)| {
                let country = NATIONAL[i];
                national_bban(country, &draw).map(|bban| make_iban(country, &bban))
            },
        );
        prop_oneof![plain, national]
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = Iban::parse(&s);
        }

        #[test]
        fn generated_ibans_parse_for_every_country(iban in valid_iban()) {
            let parsed = Iban::parse(&iban).unwrap();
            prop_assert_eq!(parsed.expose(), iban.as_str());
            let shown = format!("{parsed:?}");
            prop_assert!(!shown.contains(&iban));
        }

        #[test]
        fn single_substitution_within_class_fails(iban in valid_iban(), pos in 0usize..34, shift in 1u8..26) {
            let pos = pos % iban.len();
            let mut bytes = iban.clone().into_bytes();
            bytes[pos] = match bytes[pos] {
                d @ b'0'..=b'9' => b'0' + (d - b'0' + shift % 9 + 1) % 10,
                l => b'A' + (l - b'A' + shift) % 26,
            };
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert_ne!(&changed, &iban);
            prop_assert!(Iban::parse(&changed).is_err(), "{}", changed);
        }

        #[test]
        fn known_valid_ibans_fail_on_any_same_class_change(i in 0usize..14, pos in 0usize..34, shift in 1u8..26) {
            let iban = VALID[i];
            let pos = pos % iban.len();
            let mut bytes = iban.as_bytes().to_vec();
            bytes[pos] = match bytes[pos] {
                d @ b'0'..=b'9' => b'0' + (d - b'0' + shift % 9 + 1) % 10,
                l => b'A' + (l - b'A' + shift) % 26,
            };
            prop_assert!(Iban::parse(std::str::from_utf8(&bytes).unwrap()).is_err());
        }
    }
}
