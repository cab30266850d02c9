//! Input rules for personal fields. Error messages describe the rule, never the value.

use time::Date;

use crate::platform::error::CoreError;

const NAME_MAX_CHARS: usize = 100;

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// A plausible email address: trimmed, one `@`, a dotted domain, no spaces, ≤ 254 bytes.
pub fn email(raw: &str) -> Result<String, CoreError> {
    let e = raw.trim();
    let bad = || CoreError::validation("email", "enter a valid email address, like name@example.org");
    if e.is_empty() || e.len() > 254 || has_control(e) || e.contains(char::is_whitespace) {
        return Err(bad());
    }
    let (local, domain) = e.rsplit_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || local.len() > 64
        || local.contains('@')
        || domain.len() < 3
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return Err(bad());
    }
    Ok(e.to_string())
}

/// A first or last name: 1 to 100 characters, no control characters.
pub fn name(field: &'static str, raw: &str) -> Result<String, CoreError> {
    let n = raw.trim();
    if n.is_empty() {
        return Err(CoreError::validation(field, "this name is required"));
    }
    if n.chars().count() > NAME_MAX_CHARS || has_control(n) {
        return Err(CoreError::validation(field, "a name has at most 100 characters and no control characters"));
    }
    Ok(n.to_string())
}

/// An optional phone number: digits with `+`, spaces, dots, dashes or brackets; 6 to 20 digits.
pub fn phone(raw: Option<&str>) -> Result<Option<String>, CoreError> {
    let Some(p) = raw.map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let digits = p.chars().filter(char::is_ascii_digit).count();
    let allowed = p.chars().all(|c| c.is_ascii_digit() || " +-.()".contains(c));
    let plus_ok = p.chars().skip(1).all(|c| c != '+');
    if !allowed || !plus_ok || !(6..=20).contains(&digits) || p.len() > 32 {
        return Err(CoreError::validation("phone", "enter a phone number with 6 to 20 digits, like +33 1 23 45 67 89"));
    }
    Ok(Some(p.to_string()))
}

/// Parses `YYYY-MM-DD`.
pub fn birth_date(raw: &str) -> Result<Date, CoreError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(raw.trim(), &fmt).map_err(|_| CoreError::validation("birth_date", "enter your date of birth as YYYY-MM-DD"))
}

/// Whole years between `born` and `today`.
pub fn age_on(born: Date, today: Date) -> i32 {
    let mut age = today.year() - born.year();
    if (today.month() as u8, today.day()) < (born.month() as u8, born.day()) {
        age -= 1;
    }
    age
}

/// C-CHILD-1: refuses anyone younger than `minimum` (and dates in the future or absurdly old).
pub fn old_enough(born: Date, today: Date, minimum: u32) -> Result<(), CoreError> {
    if born > today {
        return Err(CoreError::validation("birth_date", "the date of birth is in the future"));
    }
    let age = age_on(born, today);
    if age > 130 {
        return Err(CoreError::validation("birth_date", "enter your real date of birth"));
    }
    if age < i32::try_from(minimum).unwrap_or(i32::MAX) {
        return Err(CoreError::UnderMinimumAge { minimum });
    }
    Ok(())
}

/// The interface languages, `en` and `fr`: `raw` as one of them, or refused as `field`.
pub fn language(field: &'static str, raw: &str) -> Result<&'static str, CoreError> {
    match raw {
        "en" => Ok("en"),
        "fr" => Ok("fr"),
        _ => Err(CoreError::validation(field, "the language must be `en` or `fr`")),
    }
}

/// An account's interface language (none or blank: English).
pub fn locale(raw: Option<&str>) -> Result<String, CoreError> {
    match raw.map(str::trim).unwrap_or("") {
        "" => Ok("en".into()),
        l => language("locale", l).map(String::from),
    }
}

/// Escapes text for HTML or XML content and attribute values (`&`, `<`, `>`, both quotes);
/// control characters other than a line feed are dropped (XML 1.0 cannot carry them). The one
/// escaper of the invoices' XML and the campaigns' HTML.
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn emails() {
        assert!(email(" Ann@Example.org ").is_ok());
        for bad in ["", "a", "a@b", "a@.b.c", "a b@c.de", "@c.de", "a@b..c", "a@c.de.", "x\n@y.z"] {
            assert!(email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn age_boundaries() {
        let today = date!(2026 - 11 - 29);
        assert!(old_enough(date!(2010 - 11 - 29), today, 16).is_ok(), "16 today");
        assert!(matches!(old_enough(date!(2010 - 11 - 30), today, 16), Err(CoreError::UnderMinimumAge { minimum: 16 })));
        assert!(old_enough(date!(2027 - 01 - 01), today, 16).is_err());
        assert!(old_enough(date!(1850 - 01 - 01), today, 16).is_err());
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2024 - 02 - 28)), 15);
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2024 - 02 - 29)), 16);
    }

    #[test]
    fn phones_and_names() {
        assert_eq!(phone(Some(" +33 1 23 45 67 89 ")).unwrap().as_deref(), Some("+33 1 23 45 67 89"));
        assert_eq!(phone(Some("")).unwrap(), None);
        assert!(phone(Some("12+34567")).is_err());
        assert!(phone(Some("call me")).is_err());
        assert!(name("first_name", "  ").is_err());
        assert!(name("first_name", &"x".repeat(101)).is_err());
        assert_eq!(name("first_name", " Zoé ").unwrap(), "Zoé");
    }
}
