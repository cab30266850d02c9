//! Password strength (C-SEC-1, ASVS V6.2.4 and V6.2.12, NIST SP 800-63B §3.1.1.2): a new
//! password is refused when it is one of the most common passwords or when it is easy to guess.
//!
//! The estimate is zxcvbn's (the `zxcvbn` crate, MIT licence, Copyright (c) 2016 Joshua Holmer;
//! a port of Dropbox's zxcvbn, MIT). It embeds public frequency lists: the 30,000 most common
//! passwords of the Xato corpus, English words from Wikipedia and film subtitles, US census
//! names and surnames. A password matching one of them, possibly with l33t substitutions,
//! capitals, reversal or a year appended, is costed at its rank; so every password of the top
//! 10,000 list is refused, and so are keyboard rows, repeats, sequences and dates.
//!
//! Threshold: zxcvbn score 3 ("safely unguessable: moderate protection from offline
//! slow-hash scenario", ≥ 10^8 guesses) or more. What is refused comes with a *reason key*
//! (never zxcvbn's English text): the web layer words it in the person's language.
//!
//! This module owns the rule only; it never sees where the password goes and never logs it.

use zxcvbn::feedback::Warning;
use zxcvbn::matching::patterns::{DictionaryPattern, MatchPattern};
use zxcvbn::{Score, zxcvbn};

use crate::platform::error::CoreError;

/// The shortest password, in characters.
pub const PASSWORD_MIN_CHARS: usize = 12;
/// The longest password, in bytes.
pub const PASSWORD_MAX_BYTES: usize = 1024;

/// Only the first characters are scored: zxcvbn's work grows faster than linearly with the
/// length, and a password this long and strong at the start is strong.
const SCORED_CHARS: usize = 100;

/// Why a password was refused. The key is stable (the web layer maps it to EN/FR text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    /// One of the most common passwords, or a small variation of one.
    Common,
    /// A row or pattern of keys (`qwerty`, `zxcvbn`).
    Keyboard,
    /// Repeated characters or repeated blocks (`aaaa`, `abcabc`).
    Repeats,
    /// A sequence (`abcd`, `6543`).
    Sequence,
    /// A date or a recent year.
    Dates,
    /// A single dictionary word, or names and surnames.
    Words,
    /// Contains the person's own email address or name.
    Personal,
    /// Easy to guess for another reason.
    Guessable,
}

impl Weakness {
    pub fn key(self) -> &'static str {
        match self {
            Self::Common => "common",
            Self::Keyboard => "keyboard",
            Self::Repeats => "repeats",
            Self::Sequence => "sequence",
            Self::Dates => "dates",
            Self::Words => "words",
            Self::Personal => "personal",
            Self::Guessable => "guessable",
        }
    }

    /// The English wording (the core's default; the web layer has EN and FR).
    pub fn english(self) -> &'static str {
        match self {
            Self::Common => "this password is one of the most common passwords, or a small variation of one",
            Self::Keyboard => "rows and patterns of keys on a keyboard are easy to guess",
            Self::Repeats => "repeated characters or repeated groups of characters are easy to guess",
            Self::Sequence => "sequences like abcd or 6543 are easy to guess",
            Self::Dates => "dates and years are easy to guess",
            Self::Words => "a single word or a name is easy to guess",
            Self::Personal => "a password made from your own name or email address is easy to guess",
            Self::Guessable => "this password is too easy to guess",
        }
    }
}

/// Checks a new password's strength. `personal` holds what an attacker aiming at this person
/// would try first (their email address, its local part, their names).
pub fn check(password: &str, personal: &[&str]) -> Result<(), Weakness> {
    let scored: String = password.chars().take(SCORED_CHARS).collect();
    let mut inputs: Vec<String> = Vec::new();
    for p in personal.iter().map(|p| p.trim().to_lowercase()).filter(|p| p.chars().count() >= 3) {
        if let Some((local, _)) = p.split_once('@') {
            inputs.push(local.to_string());
        }
        inputs.push(p);
    }
    let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let entropy = zxcvbn(&scored, &refs);
    if entropy.score() >= Score::Three {
        return Ok(());
    }
    // The user-input dictionary first: the most useful reason to give.
    let personal_hit = entropy.sequence().iter().any(|m| dictionary(m).is_some_and(|d| named(d, "UserInputs")));
    if personal_hit {
        return Err(Weakness::Personal);
    }
    let warning = entropy.feedback().and_then(|f| f.warning());
    Err(match warning {
        Some(
            Warning::ThisIsATop10Password
            | Warning::ThisIsATop100Password
            | Warning::ThisIsACommonPassword
            | Warning::ThisIsSimilarToACommonlyUsedPassword,
        ) => Weakness::Common,
        Some(Warning::StraightRowsOfKeysAreEasyToGuess | Warning::ShortKeyboardPatternsAreEasyToGuess) => Weakness::Keyboard,
        Some(Warning::RepeatsLikeAaaAreEasyToGuess | Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess) => Weakness::Repeats,
        Some(Warning::SequencesLikeAbcAreEasyToGuess) => Weakness::Sequence,
        Some(Warning::RecentYearsAreEasyToGuess | Warning::DatesAreOftenEasyToGuess) => Weakness::Dates,
        Some(
            Warning::AWordByItselfIsEasyToGuess
            | Warning::NamesAndSurnamesByThemselvesAreEasyToGuess
            | Warning::CommonNamesAndSurnamesAreEasyToGuess,
        ) => Weakness::Words,
        None if common_base(&entropy) => Weakness::Common,
        None => Weakness::Guessable,
    })
}

/// Whether a part of the password is a common password (zxcvbn only warns about it when it is
/// the whole password).
fn common_base(entropy: &zxcvbn::Entropy) -> bool {
    entropy.sequence().iter().any(|m| dictionary(m).is_some_and(|d| named(d, "Passwords") && d.rank <= 10_000))
}

fn dictionary(m: &zxcvbn::Match) -> Option<&DictionaryPattern> {
    match &m.pattern {
        MatchPattern::Dictionary(d) => Some(d),
        _ => None,
    }
}

/// The crate does not export its dictionary type's name, only its `Debug` form.
fn named(d: &DictionaryPattern, name: &str) -> bool {
    format!("{:?}", d.dictionary_name) == name
}

/// A new password: at least 12 characters, at most 1 KiB, not the email address, and not easy
/// to guess (see `password_strength`: not a common password, zxcvbn score 3 or more, not made
/// from the person's own `names` or address).
pub fn new_password(field: &'static str, pw: &str, email: &str, names: &[&str]) -> Result<(), CoreError> {
    if pw.chars().count() < PASSWORD_MIN_CHARS {
        return Err(CoreError::validation(field, format!("a password needs at least {PASSWORD_MIN_CHARS} characters")));
    }
    if pw.len() > PASSWORD_MAX_BYTES {
        return Err(CoreError::validation(field, "a password has at most 1024 bytes"));
    }
    if pw.trim().eq_ignore_ascii_case(email.trim()) {
        return Err(CoreError::validation(field, "the password cannot be your email address"));
    }
    let mut personal = vec![email];
    personal.extend_from_slice(names);
    check(pw, &personal).map_err(|w| CoreError::PasswordTooWeak { field, reason: w.key(), message: w.english() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_findings_passwords_are_refused_with_a_reason() {
        assert!(check("password1234", &[]).is_err());
        assert_eq!(check("aaaaaaaaaaaaaaa", &[]), Err(Weakness::Repeats));
        assert_eq!(check("qwertyuiopasdf", &[]).map_err(|w| w == Weakness::Keyboard || w == Weakness::Common), Err(true));
        assert!(check("abcdefghijklmnop", &[]).is_err());
        assert!(check("iloveyou123456", &[]).is_err());
    }

    #[test]
    fn top_10000_passwords_are_refused_even_padded_to_length() {
        for p in ["trustno1trustno1", "Password1234!", "letmein123456", "monkey12345678"] {
            assert!(check(p, &[]).is_err(), "{p} was accepted");
        }
    }

    #[test]
    fn own_name_or_address_is_refused() {
        assert_eq!(check("zoe.martin@example.org", &["zoe.martin@example.org"]), Err(Weakness::Personal));
    }

    #[test]
    fn passphrases_and_random_strings_pass() {
        for p in [
            "correct horse battery staple",
            "pw CnryPass3fa9c1d2e7b0 long enough",
            "officer password kept long 7Q",
            "Vélo-rouge sous 3 nuages",
        ] {
            assert_eq!(check(p, &[]), Ok(()), "{p} was refused");
        }
        // A long password is scored on its first 100 characters only (bounded work).
        let long = format!("correct horse battery staple {}", "a".repeat(900));
        assert_eq!(check(&long, &[]), Ok(()));
        assert_eq!(check(&"x7#Qm".repeat(200), &[]), Err(Weakness::Repeats));
    }

    #[test]
    fn new_passwords_follow_the_rules() {
        assert!(new_password("password", "short", "a@b.cd", &[]).is_err());
        assert!(new_password("password", "a@b.cd.long.enough", "a@b.cd.long.enough", &[]).is_err());
        assert!(new_password("password", "long enough passphrase", "a@b.cd", &[]).is_ok());
        for weak in ["password1234", "aaaaaaaaaaaaaaa"] {
            assert!(
                matches!(new_password("password", weak, "a@b.cd", &[]), Err(CoreError::PasswordTooWeak { field: "password", .. })),
                "{weak}"
            );
        }
    }
}
