//! What people send about boards, checked before anything is stored: the shapes of new cards,
//! card and board changes, legends, and the rules for text, links, colours, positions and
//! join codes. Errors name the rule, never the value. Pure functions: no storage, no keys.

use serde::{Deserialize, Serialize};

use crate::platform::error::CoreError;

/// Longest card text (characters), as in workshop tools: ideas are short.
pub const CARD_TEXT_MAX: usize = 500;
pub const COMMENT_MAX: usize = 1000;
pub const TITLE_MAX: usize = 120;
pub const IMAGE_MAX_BYTES: usize = 10 * 1024 * 1024;
pub const VIDEO_MAX_BYTES: usize = 50 * 1024 * 1024;
pub(super) const DEFAULT_COLOR: &str = "#fff3a3";

/// One entry of a board's colour legend and categories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegendEntry {
    pub id: String,
    pub name: String,
    pub color: String,
}

/// A change to a board's title or settings (facilitators).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardPatch {
    pub title: Option<String>,
    pub legend: Option<Vec<LegendEntry>>,
    pub locked: Option<bool>,
    pub controlled: Option<bool>,
    pub anonymous: Option<bool>,
    pub vote_tokens: Option<i64>,
    /// `true` opens a voting session whose counts stay hidden; `false` reveals them.
    pub votes_hidden: Option<bool>,
}

/// What a facilitator does to the board's countdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerAction {
    /// Starts (or restarts) a countdown of `seconds`; with `pause_participation`, only
    /// facilitators can add, edit or vote once it ends.
    Start { seconds: i64, pause_participation: bool },
    /// Stops the countdown where it is.
    Pause,
    /// Goes on from where it was paused; once ended, lets everyone take part again.
    Resume,
    /// Takes the countdown away (and lets everyone take part again).
    Stop,
}

/// The verbs of a [`TimerRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerVerb {
    Start,
    Pause,
    Resume,
    Stop,
}

/// The body of `POST /api/v1/boards/{id}/timer`: flat, so that every field is checked
/// whatever the action (`seconds` and `pause_participation` only matter to `start`).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimerRequest {
    pub action: TimerVerb,
    #[serde(default)]
    pub seconds: Option<i64>,
    #[serde(default)]
    pub pause_participation: Option<bool>,
}

/// A countdown started without a duration lasts five minutes.
pub const TIMER_DEFAULT_SECONDS: i64 = 300;

impl TimerRequest {
    /// The action asked; a duration out of bounds is refused whatever the action.
    pub fn action(self) -> Result<TimerAction, CoreError> {
        let seconds = self.seconds.unwrap_or(TIMER_DEFAULT_SECONDS);
        if !(1..=TIMER_MAX_SECONDS).contains(&seconds) {
            return Err(CoreError::validation("seconds", format!("between 1 and {TIMER_MAX_SECONDS} seconds")));
        }
        Ok(match self.action {
            TimerVerb::Start => TimerAction::Start { seconds, pause_participation: self.pause_participation.unwrap_or(false) },
            TimerVerb::Pause => TimerAction::Pause,
            TimerVerb::Resume => TimerAction::Resume,
            TimerVerb::Stop => TimerAction::Stop,
        })
    }
}

/// The longest countdown: four hours.
pub const TIMER_MAX_SECONDS: i64 = 4 * 3600;

/// A new card.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCard {
    pub kind: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub x: Option<i64>,
    #[serde(default)]
    pub y: Option<i64>,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
}

/// A change to a card. Fields left out are not touched; last writer wins per field.
/// `base_version` is the version the client saw (a change based on an older version still
/// applies, field by field; the response says which version resulted).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardPatch {
    #[serde(default)]
    pub base_version: Option<i64>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub x: Option<i64>,
    #[serde(default)]
    pub y: Option<i64>,
    #[serde(default)]
    pub color: Option<String>,
    /// `Some(None)` clears the category.
    #[serde(default, deserialize_with = "double_option")]
    pub category: Option<Option<String>>,
}

fn double_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

pub(super) fn valid_color(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|x| x.is_ascii_hexdigit())
}

pub(super) fn clean_text(field: &'static str, s: &str, max: usize) -> Result<String, CoreError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(CoreError::validation(field, "this text is empty"));
    }
    if t.chars().count() > max {
        return Err(CoreError::validation(field, format!("at most {max} characters")));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(CoreError::validation(field, "control characters are not allowed"));
    }
    Ok(t.to_string())
}

/// A link card's URL: http or https, at most 2,048 bytes, no spaces. It is never fetched.
pub fn clean_url(s: &str) -> Result<String, CoreError> {
    let u = s.trim();
    let bad = || CoreError::validation("url", "give a web address starting with https:// or http://");
    let rest = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://")).ok_or_else(bad)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || u.len() > 2048 || u.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    Ok(u.to_string())
}

pub(super) fn clean_legend(entries: Vec<LegendEntry>) -> Result<Vec<LegendEntry>, CoreError> {
    if entries.len() > 50 {
        return Err(CoreError::validation("legend", "at most 50 categories"));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let id_ok = !e.id.is_empty() && e.id.len() <= 16 && e.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !id_ok || !seen.insert(e.id.clone()) {
            return Err(CoreError::validation("legend", "each category needs a distinct id of 1 to 16 letters, digits, - or _"));
        }
        if !valid_color(&e.color) {
            return Err(CoreError::validation("legend", "colours are written #RRGGBB"));
        }
        out.push(LegendEntry { id: e.id, name: clean_text("legend", &e.name, 40)?, color: e.color.to_lowercase() });
    }
    Ok(out)
}

pub(super) fn clamp_pos(v: i64) -> Result<i64, CoreError> {
    if (-100_000..=100_000).contains(&v) { Ok(v) } else { Err(CoreError::validation("x", "positions are between -100000 and 100000")) }
}

pub(super) fn new_join_code() -> Result<String, CoreError> {
    // 10 characters from an unambiguous alphabet: 50 bits, typed by people at a workshop.
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let raw = clearboard_vault::random::bytes::<10>()?;
    Ok(raw.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_not_fetched() {
        assert!(clean_url("https://example.org/a?b=c").is_ok());
        for bad in ["javascript:alert(1)", "ftp://x", "https://", "https://exa mple.org", "data:text/html,x", "http:///x"] {
            assert!(clean_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn legends_are_validated() {
        let ok = vec![LegendEntry { id: "a".into(), name: "A".into(), color: "#ABCDEF".into() }];
        assert_eq!(clean_legend(ok).unwrap()[0].color, "#abcdef");
        let dup = vec![LegendEntry { id: "a".into(), name: "A".into(), color: "#abcdef".into() }; 2];
        assert!(clean_legend(dup).is_err());
        let bad = vec![LegendEntry { id: "a".into(), name: "A".into(), color: "red".into() }];
        assert!(clean_legend(bad).is_err());
    }

    #[test]
    fn join_codes_are_unambiguous() {
        let c = new_join_code().unwrap();
        assert_eq!(c.len(), 10);
        assert!(!c.contains(['0', 'O', '1', 'I', 'L']));
    }
}
