//! Card numbers never reach the server (PCI DSS SAQ A; C-DATA-3: "a full card number is never
//! stored"): what a payment-card number looks like in text a person sent, so that the web
//! layer can refuse any request body holding one before it reaches a handler, a store or a
//! log. Cards are entered on the payment provider's own fields; clearboard keeps its token.
//!
//! A card number here is 13 to 19 digits, in one piece or in groups separated by single spaces
//! or dashes, passing the Luhn check, starting like a card scheme's issuer numbers (see
//! [`issued_like_a_card`]: Visa, Mastercard, American Express, Diners, JCB, Discover, UnionPay,
//! Maestro, Mir, RuPay), and standing on its own: a run written after a `+` with at most 15
//! digits is a phone number in international writing (E.164), not a card; digits that touch a letter
//! (directly or through a dash) belong to an identifier (a UUID, a hex token, an IBAN) and
//! are not read as a card. Inside a longer run of groups (`ref 12 4111 1111 1111 1111`), any
//! span of whole groups of the right length is tried.
//!
//! It must not keep, log or return the digits it finds: callers only learn that there is one.

/// The fewest and the most digits of a payment-card number (ISO/IEC 7812).
pub const MIN_DIGITS: usize = 13;
pub const MAX_DIGITS: usize = 19;

/// Whether the digits pass the Luhn check (ISO/IEC 7812-1 annex B).
pub fn luhn(digits: &[u8]) -> bool {
    if digits.is_empty() || digits.iter().any(|d| *d > 9) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(*d);
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn is_sep(b: u8) -> bool {
    b == b' ' || b == b'-'
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

/// Whether the leading digits are those of a payment-card scheme's issuer identification
/// numbers (ISO/IEC 7812; the schemes' published ranges): 4 (Visa), 51–55 and 2221–2720
/// (Mastercard), 2200–2204 (Mir), 34 and 37 (American Express), 300–305, 36, 38, 39
/// (Diners), 35 (JCB), 5 and 6 (Maestro, Discover, UnionPay, RuPay), 81 and 82 (UnionPay,
/// RuPay). Without this, one run of 13 digits in ten passes the Luhn check by chance: a phone
/// number or an order reference would be refused as a card.
pub fn issued_like_a_card(digits: &[u8]) -> bool {
    let n = |k: usize| digits.iter().take(k).fold(0u32, |acc, d| acc * 10 + u32::from(*d));
    if digits.len() < 4 {
        return false;
    }
    match digits[0] {
        4..=6 => true,
        2 => matches!(n(4), 2200..=2204 | 2221..=2720),
        3 => matches!(n(2), 34..=39 | 30) && !(n(2) == 30 && n(3) > 305),
        8 => matches!(n(2), 81 | 82),
        _ => false,
    }
}

/// Whether a run of digit groups holds a card number: the run as a whole, or any span of
/// whole groups with 13 to 19 digits.
fn groups_hold_a_card(groups: &[Vec<u8>]) -> bool {
    for start in 0..groups.len() {
        let mut digits: Vec<u8> = Vec::with_capacity(MAX_DIGITS);
        for g in &groups[start..] {
            digits.extend_from_slice(g);
            if digits.len() > MAX_DIGITS {
                break;
            }
            if digits.len() >= MIN_DIGITS && issued_like_a_card(&digits) && luhn(&digits) {
                return true;
            }
        }
    }
    false
}

/// Whether the text holds something shaped like a payment-card number.
pub fn contains_card_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        // A run: digit groups joined by exactly one separator.
        let start = i;
        let mut groups: Vec<Vec<u8>> = vec![Vec::new()];
        let mut end = i;
        while i < b.len() {
            if b[i].is_ascii_digit() {
                if let Some(g) = groups.last_mut() {
                    g.push(b[i] - b'0');
                }
                i += 1;
                end = i;
            } else if is_sep(b[i]) && i + 1 < b.len() && b[i + 1].is_ascii_digit() {
                groups.push(Vec::new());
                i += 1;
            } else {
                break;
            }
        }
        let before = start.checked_sub(1).map(|p| b[p]);
        let before_sep = start.checked_sub(2).map(|p| b[p]);
        let touches_before = before.is_some_and(is_word) || (before == Some(b'-') && before_sep.is_some_and(|c| c.is_ascii_alphanumeric()));
        let after = b.get(end).copied();
        let after_sep = b.get(end + 1).copied();
        let touches_after = after.is_some_and(is_word) || (after == Some(b'-') && after_sep.is_some_and(|c| c.is_ascii_alphanumeric()));
        let digit_count: usize = groups.iter().map(Vec::len).sum();
        let phone = before == Some(b'+') && digit_count <= 15;
        if !touches_before && !touches_after && !phone && groups_hold_a_card(&groups) {
            return true;
        }
        i = end.max(start + 1);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_valid_numbers_and_refuses_others() {
        let d = |s: &str| s.bytes().map(|b| b - b'0').collect::<Vec<_>>();
        assert!(luhn(&d("4111111111111111")));
        assert!(luhn(&d("79927398713")));
        assert!(!luhn(&d("4111111111111112")));
        assert!(!luhn(&d("79927398710")));
        assert!(!luhn(&[]));
    }

    #[test]
    fn card_numbers_are_found_in_any_usual_writing() {
        for s in [
            "4111111111111111",
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "my card is 4242 4242 4242 4242, expiry 12/30",
            "5555555555554444",
            "378282246310005",            // American Express, 15 digits
            "6011 1111 1111 1117",        // Discover
            "3056930009020004",           // Diners, 14 digits
            "4000 0566 5566 5556 ",       // trailing space
            "ref 12 4111 1111 1111 1111", // inside a longer run of groups
            "(4111111111111111)",
            "\"4111111111111111\"",
            "6304000000000000000", // 19 digits
            "2223003122003222",    // Mastercard, 2-series
            "3566 0020 2036 0505", // JCB
            "6200000000000005",    // UnionPay
        ] {
            assert!(contains_card_number(s), "{s}");
        }
    }

    #[test]
    fn what_is_not_a_card_is_left_alone() {
        for s in [
            "4111111111111112",                     // fails Luhn
            "411111111111",                         // 12 digits
            "41111111111111111111",                 // 20 digits, no span of whole groups
            "+33 6 12 34 56 78",                    // a phone number
            "FR76 3000 6000 0112 3456 7890 189",    // an IBAN
            "FR7630006000011234567890189",          // an IBAN in one piece
            "0190c3e2-7b1d-7123-8456-426614174000", // a UUID
            "deadbeef4111111111111111cafe",         // inside a hex token
            "abc-4111111111111111",                 // glued to a word by a dash
            "4111111111111111-x",
            "2026-12-05",
            "",
            "3312345678903",    // passes Luhn, but no scheme issues numbers starting 33
            "1234567890128",    // passes Luhn, starts with 1 (airlines, not a payment card)
            "0004111111111111", // passes Luhn, starts with 0
        ] {
            assert!(!contains_card_number(s), "{s}");
        }
    }

    #[test]
    fn phone_numbers_in_international_writing_are_never_cards() {
        // Every 8-digit middle of a French and a German number, a tenth of which pass the
        // Luhn check with 13 digits: none is a card (written after `+`, at most 15 digits).
        let mut luhn_valid = 0;
        for k in (0..100_000_000u32).step_by(9_973) {
            for phone in [format!("+33 6 {k:08} 00"), format!("+49 151 {k:08} 0"), format!("+4915{k:08}00")] {
                let digits: Vec<u8> = phone.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
                luhn_valid += usize::from(luhn(&digits));
                assert!(!contains_card_number(&phone), "{phone}");
            }
        }
        assert!(luhn_valid > 1_000, "the sample holds Luhn-valid numbers ({luhn_valid})");
        // A card after a `+` is still a card when the run is longer than a phone can be.
        assert!(contains_card_number("+1 4111 1111 1111 1111"));
    }

    #[test]
    fn random_uuids_and_hex_tokens_are_never_cards() {
        // Identifiers travel in bodies all the time: none may be refused as a card.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let a = next();
            let b = next();
            let uuid =
                format!("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xffff, b >> 48, b & 0xffff_ffff_ffff);
            assert!(!contains_card_number(&uuid), "{uuid}");
            let hex = format!("{a:016x}{b:016x}");
            assert!(!contains_card_number(&hex) || hex.bytes().all(|c| c.is_ascii_digit()), "{hex}");
        }
    }
}
