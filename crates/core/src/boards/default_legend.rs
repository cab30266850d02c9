//! The categories a new board starts with (issue 14: French everywhere), named in the language
//! of the person who creates it. Categories are board content afterwards: facilitators rename
//! them, and nobody's later language changes them.

use crate::boards::input::{DEFAULT_COLOR, LegendEntry};

/// Idea, Question, Risk — or Idée, Question, Risque.
pub fn default_legend(lang: &str) -> Vec<LegendEntry> {
    let fr = lang == "fr";
    vec![
        LegendEntry { id: "idea".into(), name: if fr { "Idée" } else { "Idea" }.into(), color: DEFAULT_COLOR.into() },
        LegendEntry { id: "question".into(), name: "Question".into(), color: "#bde0fe".into() },
        LegendEntry { id: "risk".into(), name: if fr { "Risque" } else { "Risk" }.into(), color: "#ffc8dd".into() },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_categories_follow_the_language() {
        let names = |l| default_legend(l).into_iter().map(|e| e.name).collect::<Vec<_>>();
        assert_eq!(names("en"), ["Idea", "Question", "Risk"]);
        assert_eq!(names("fr"), ["Idée", "Question", "Risque"]);
        assert_eq!(default_legend("fr").iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["idea", "question", "risk"], "ids stay");
    }
}
