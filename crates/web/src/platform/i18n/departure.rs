//! The words of what deleting an account does to one's organisations (issue 14), in English
//! and French: a sentence per organisation (with its members and boards counts), the two ways
//! out for one the person owns alone with other members, and the label of the box that
//! confirms a deletion.

use clearboard_core::boards::departure::{Fate, OrgFate};

/// The sentence for one organisation.
pub fn fate_sentence(o: &OrgFate, lang: &str) -> String {
    let fr = lang == "fr";
    let name = &o.name;
    let what = match (o.personal, fr) {
        (true, false) => format!("Your personal workspace “{name}”"),
        (true, true) => format!("Votre espace personnel « {name} »"),
        (false, false) => format!("The organisation “{name}”"),
        (false, true) => format!("L’organisation « {name} »"),
    };
    let (m, b) = (o.members, o.boards);
    let size = if fr { format!("{m} membre(s), {b} tableau(x)") } else { format!("{m} member(s), {b} board(s)") };
    match (&o.fate, fr) {
        (Fate::Deleted, false) if b == 0 => format!("{what} ({size}) will be deleted with you: you are its last member."),
        (Fate::Deleted, true) if b == 0 => format!("{what} ({size}) sera supprimé(e) avec vous : vous en êtes le dernier membre."),
        (Fate::Deleted, false) => format!(
            "{what} ({size}) will be deleted with you, with its {b} board(s) and everything on them, what participants posted included: you are its last member."
        ),
        (Fate::Deleted, true) => format!(
            "{what} ({size}) sera supprimé(e) avec vous, avec ses {b} tableau(x) et tout ce qu’ils contiennent, y compris ce que les participants y ont posté : vous en êtes le dernier membre."
        ),
        (Fate::Choose { .. }, false) => {
            format!("{what} ({size}) has other members: pass it on to one of them, or delete it with its boards.")
        }
        (Fate::Choose { .. }, true) => {
            format!("{what} ({size}) a d’autres membres : transmettez-la à l’un d’eux, ou supprimez-la avec ses tableaux.")
        }
        (Fate::Stays, false) => format!("{what} ({size}) stays as it is; you leave it."),
        (Fate::Stays, true) => format!("{what} ({size}) reste tel(le) quel(le) ; vous le/la quittez."),
    }
}

/// The label of the choice that passes an organisation on (followed by the member to pick).
pub fn pass_on_label(lang: &str) -> &'static str {
    if lang == "fr" { "La transmettre à" } else { "Pass it on to" }
}

/// The label of the choice that deletes an organisation with its boards.
pub fn delete_label(lang: &str) -> &'static str {
    if lang == "fr" { "La supprimer avec ses tableaux" } else { "Delete it with its boards" }
}

/// The label of the box that confirms the deletion of an organisation and its boards.
pub fn confirm_label(name: &str, lang: &str) -> String {
    if lang == "fr" {
        format!("Je confirme la suppression de « {name} » et de ses tableaux")
    } else {
        format!("I confirm the deletion of “{name}” and its boards")
    }
}

/// Why a deletion was refused when a box was left unticked.
pub fn unconfirmed_detail(lang: &str) -> &'static str {
    if lang == "fr" {
        "Cochez la case de chaque organisation qui serait supprimée, ou passez-en d’abord la propriété à quelqu’un d’autre."
    } else {
        "Tick the box of each organisation that would be deleted, or first hand its ownership to someone else."
    }
}
