//! The enrolment QR code as SVG path data (no image crates, no inline HTML).

use qrcodegen::{QrCode, QrCodeEcc};

/// The quiet zone around the code, in modules.
const BORDER: i32 = 4;

/// `(size, path)`: the view-box size in modules and a path drawing every dark module.
pub fn svg_path(text: &str) -> Option<(u32, String)> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = qr.size();
    let mut path = String::with_capacity(usize::try_from(size * size * 4).unwrap_or(0));
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{} {}h1v1h-1z", x + BORDER, y + BORDER));
            }
        }
    }
    Some((u32::try_from(size + 2 * BORDER).ok()?, path))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn draws_a_square_code_with_a_quiet_zone() {
        let (size, path) =
            svg_path("otpauth://totp/Coffer:a%40b.c?secret=ABC&issuer=Coffer").unwrap();
        assert!(size >= 21 + 8);
        assert!(
            path.starts_with("M4 4h1v1h-1z"),
            "finder pattern corner is dark"
        );
    }
}
