//! The words of what deleting an account does to one's organisations (issue 14), in English
//! and French: a sentence per organisation, and the label of the box that confirms a deletion.

use clearboard_core::boards::departure::Fate;

/// The sentence for one organisation.
pub fn fate_sentence(name: &str, personal: bool, fate: &Fate, lang: &str) -> String {
    let fr = lang == "fr";
    let what = match (personal, fr) {
        (true, false) => format!("Your personal workspace “{name}”"),
        (true, true) => format!("Votre espace personnel « {name} »"),
        (false, false) => format!("The organisation “{name}”"),
        (false, true) => format!("L’organisation « {name} »"),
    };
    match (fate, fr) {
        (Fate::Deleted { boards: 0 }, false) => format!("{what} will be deleted: you are its last member. It holds no board."),
        (Fate::Deleted { boards: 0 }, true) => format!("{what} sera supprimé(e) : vous en êtes le dernier membre. Il n’y a aucun tableau."),
        (Fate::Deleted { boards }, false) => format!(
            "{what} will be deleted with its {boards} board(s) and everything on them, what participants posted included: you are its last member."
        ),
        (Fate::Deleted { boards }, true) => format!(
            "{what} sera supprimé(e) avec ses {boards} tableau(x) et tout ce qu’ils contiennent, y compris ce que les participants y ont posté : vous en êtes le dernier membre."
        ),
        (Fate::PassesOn { to }, false) => format!("{what} stays; {to}, its longest-standing member, becomes its owner."),
        (Fate::PassesOn { to }, true) => format!("{what} reste ; {to}, son membre le plus ancien, en devient propriétaire."),
        (Fate::Stays, false) => format!("{what} stays as it is; you leave it."),
        (Fate::Stays, true) => format!("{what} reste tel(le) quel(le) ; vous le/la quittez."),
    }
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
