//! Board templates (issue 14): a retrospective, a SWOT analysis, a brainstorm and a lean
//! coffee. A template gives a new board its zones (`layout::Zone`) and its categories (the
//! legend), titled in the language the board is made in (English or French); afterwards they
//! are the board's own, renamed, moved or removed by its facilitators like any other. Pure
//! data: no storage, no keys.

use serde::Serialize;

use crate::boards::input::LegendEntry;
use crate::boards::layout::Zone;
use crate::platform::error::CoreError;

/// The templates a board can be made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    Retrospective,
    Swot,
    Brainstorm,
    LeanCoffee,
}

/// A template as `GET /api/v1/board-templates` and the "new board" form show it.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateInfo {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// The titles of the zones it makes, in order.
    pub zones: Vec<&'static str>,
    /// The names of the categories it sets.
    pub categories: Vec<&'static str>,
}

/// (id, English, French, x, y, w, h, colour).
type ZoneSpec = (&'static str, &'static str, &'static str, i64, i64, i64, i64, &'static str);
/// (id, English, French, colour).
type CategorySpec = (&'static str, &'static str, &'static str, &'static str);

const RETRO_ZONES: &[ZoneSpec] = &[
    ("went_well", "Went well", "Ce qui a bien marché", 0, 0, 460, 900, "#e4f5e9"),
    ("to_improve", "To improve", "À améliorer", 480, 0, 460, 900, "#fde9ea"),
    ("actions", "Actions", "Actions", 960, 0, 460, 900, "#e7eefc"),
];
const RETRO_CATEGORIES: &[CategorySpec] =
    &[("praise", "Praise", "Bravo", "#c9f0d3"), ("problem", "Problem", "Problème", "#ffc8dd"), ("idea", "Idea", "Idée", "#fff3a3")];
const SWOT_ZONES: &[ZoneSpec] = &[
    ("strengths", "Strengths", "Forces", 0, 0, 660, 480, "#e4f5e9"),
    ("weaknesses", "Weaknesses", "Faiblesses", 680, 0, 660, 480, "#fde9ea"),
    ("opportunities", "Opportunities", "Opportunités", 0, 500, 660, 480, "#e7eefc"),
    ("threats", "Threats", "Menaces", 680, 500, 660, 480, "#fff1dc"),
];
const SWOT_CATEGORIES: &[CategorySpec] = &[
    ("fact", "Fact", "Fait", "#bde0fe"),
    ("assumption", "Assumption", "Hypothèse", "#fff3a3"),
    ("question", "Question", "Question", "#ffc8dd"),
];
const BRAINSTORM_ZONES: &[ZoneSpec] = &[("ideas", "Ideas", "Idées", 0, 0, 1400, 900, "#f6f3e7")];
const BRAINSTORM_CATEGORIES: &[CategorySpec] = &[
    ("idea", "Idea", "Idée", "#fff3a3"),
    ("question", "Question", "Question", "#bde0fe"),
    ("risk", "Risk", "Risque", "#ffc8dd"),
    ("opportunity", "Opportunity", "Opportunité", "#c9f0d3"),
];
const LEAN_COFFEE_ZONES: &[ZoneSpec] = &[
    ("to_discuss", "To discuss", "À discuter", 0, 0, 460, 900, "#f1f3f7"),
    ("discussing", "Discussing", "En discussion", 480, 0, 460, 900, "#fff1dc"),
    ("discussed", "Discussed", "Discuté", 960, 0, 460, 900, "#e4f5e9"),
];
const LEAN_COFFEE_CATEGORIES: &[CategorySpec] =
    &[("topic", "Topic", "Sujet", "#fff3a3"), ("takeaway", "Takeaway", "À retenir", "#c9f0d3"), ("action", "Action", "Action", "#bde0fe")];

impl Template {
    pub const ALL: [Template; 4] = [Template::Retrospective, Template::Swot, Template::Brainstorm, Template::LeanCoffee];

    pub fn as_str(self) -> &'static str {
        match self {
            Template::Retrospective => "retrospective",
            Template::Swot => "swot",
            Template::Brainstorm => "brainstorm",
            Template::LeanCoffee => "lean_coffee",
        }
    }

    /// The template of this id, or a validation error naming the field.
    pub fn parse(s: &str) -> Result<Template, CoreError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| CoreError::validation("template", "one of retrospective, swot, brainstorm, lean_coffee"))
    }

    fn specs(self) -> (&'static [ZoneSpec], &'static [CategorySpec]) {
        match self {
            Template::Retrospective => (RETRO_ZONES, RETRO_CATEGORIES),
            Template::Swot => (SWOT_ZONES, SWOT_CATEGORIES),
            Template::Brainstorm => (BRAINSTORM_ZONES, BRAINSTORM_CATEGORIES),
            Template::LeanCoffee => (LEAN_COFFEE_ZONES, LEAN_COFFEE_CATEGORIES),
        }
    }

    fn words(self, fr: bool) -> (&'static str, &'static str) {
        match (self, fr) {
            (Template::Retrospective, false) => {
                ("Retrospective", "Look back on a period: what went well, what to improve, and the actions to take.")
            }
            (Template::Retrospective, true) => {
                ("Rétrospective", "Revenir sur une période : ce qui a bien marché, ce qui est à améliorer, et les actions à mener.")
            }
            (Template::Swot, false) => ("SWOT analysis", "Strengths, weaknesses, opportunities and threats, in four quadrants."),
            (Template::Swot, true) => ("Analyse SWOT", "Forces, faiblesses, opportunités et menaces, en quatre quadrants."),
            (Template::Brainstorm, false) => ("Brainstorm", "One open space for every idea, sorted by category."),
            (Template::Brainstorm, true) => ("Remue-méninges", "Un espace ouvert pour toutes les idées, classées par catégorie."),
            (Template::LeanCoffee, false) => {
                ("Lean coffee", "Topics proposed and voted on, then moved from to discuss to discussing to discussed.")
            }
            (Template::LeanCoffee, true) => {
                ("Lean coffee", "Des sujets proposés et votés, qui passent de « à discuter » à « en discussion » puis « discuté ».")
            }
        }
    }

    /// The zones a board made from this template starts with, titled in `lang`.
    pub fn zones(self, lang: &str) -> Vec<Zone> {
        let fr = lang == "fr";
        self.specs()
            .0
            .iter()
            .map(|(id, en, fr_t, x, y, w, h, color)| Zone {
                id: (*id).into(),
                title: (if fr { *fr_t } else { *en }).into(),
                x: *x,
                y: *y,
                w: *w,
                h: *h,
                color: (*color).into(),
            })
            .collect()
    }

    /// The categories a board made from this template starts with, named in `lang`.
    pub fn legend(self, lang: &str) -> Vec<LegendEntry> {
        let fr = lang == "fr";
        self.specs()
            .1
            .iter()
            .map(|(id, en, fr_n, color)| LegendEntry {
                id: (*id).into(),
                name: (if fr { *fr_n } else { *en }).into(),
                color: (*color).into(),
            })
            .collect()
    }

    pub fn info(self, lang: &str) -> TemplateInfo {
        let fr = lang == "fr";
        let (name, description) = self.words(fr);
        let (zones, categories) = self.specs();
        TemplateInfo {
            id: self.as_str(),
            name,
            description,
            zones: zones.iter().map(|z| if fr { z.2 } else { z.1 }).collect(),
            categories: categories.iter().map(|c| if fr { c.2 } else { c.1 }).collect(),
        }
    }
}

/// Every template, described in `lang`.
pub fn catalogue(lang: &str) -> Vec<TemplateInfo> {
    Template::ALL.into_iter().map(|t| t.info(lang)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boards::input::clean_legend;
    use crate::boards::layout::clean_zone;

    #[test]
    fn every_template_makes_valid_zones_and_categories_in_both_languages() {
        for t in Template::ALL {
            assert_eq!(Template::parse(t.as_str()).unwrap(), t);
            for lang in ["en", "fr"] {
                let zones = t.zones(lang);
                assert!(!zones.is_empty());
                for z in &zones {
                    assert_eq!(clean_zone(z.clone()).unwrap(), *z, "{} {lang}", t.as_str());
                }
                assert_eq!(clean_legend(t.legend(lang)).unwrap(), t.legend(lang));
                assert_eq!(t.info(lang).zones.len(), zones.len());
            }
        }
        assert_eq!(Template::Swot.zones("en").len(), 4);
        assert_eq!(Template::Retrospective.zones("fr")[1].title, "À améliorer");
        assert!(Template::parse("kanban").is_err());
    }
}
