//! What the person reads about each file of an import that failed, in English and French
//! (the codes come from core's import job; the words never quote the provider).

/// (code, English, French).
const WORDS: &[(&str, &str, &str)] = &[
    (
        "provider_timeout",
        "Google did not answer in time. Try this file again in a moment.",
        "Google n'a pas répondu à temps. Réessayez ce fichier dans un moment.",
    ),
    (
        "provider_unauthorized",
        "Google no longer accepts our access to your Drive. Connect Google Drive again, then retry.",
        "Google n'accepte plus notre accès à votre Drive. Connectez de nouveau Google Drive, puis réessayez.",
    ),
    (
        "provider_rate_limited",
        "Google asks us to slow down. Try this file again in a few minutes.",
        "Google nous demande de ralentir. Réessayez ce fichier dans quelques minutes.",
    ),
    (
        "provider_unavailable",
        "Google failed to give us this file. Try again later.",
        "Google n'a pas pu nous donner ce fichier. Réessayez plus tard.",
    ),
    ("provider_refused", "Google refused to give us this file.", "Google a refusé de nous donner ce fichier."),
    (
        "file_not_found",
        "This file is not in your Drive, or was not picked with the file picker.",
        "Ce fichier n'est pas dans votre Drive, ou n'a pas été choisi avec le sélecteur de fichiers.",
    ),
    ("file_too_large", "This file is larger than a card may hold.", "Ce fichier est plus volumineux que ce qu'une carte peut contenir."),
    (
        "unsupported",
        "This image or video could not be read, so it was not placed.",
        "Cette image ou cette vidéo n'a pas pu être lue ; elle n'a donc pas été placée.",
    ),
    (
        "board_unavailable",
        "The board can no longer take cards from you (deleted, locked or left).",
        "Le tableau ne peut plus recevoir vos cartes (supprimé, verrouillé ou quitté).",
    ),
    ("not_configured", "Google Drive is not configured on this service.", "Google Drive n'est pas configuré sur ce service."),
    ("not_placed", "This file could not be placed on the board.", "Ce fichier n'a pas pu être placé sur le tableau."),
];

/// The words of an outcome code in a language (`en` or `fr`).
pub fn file_error(code: &str, lang: &str) -> &'static str {
    let (_, en, fr) = WORDS.iter().find(|(c, _, _)| *c == code).copied().unwrap_or(WORDS[WORDS.len() - 1]);
    if lang == "fr" { fr } else { en }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_outcome_has_words_in_both_languages() {
        for (code, en, fr) in super::WORDS {
            assert!(!en.is_empty() && !fr.is_empty() && en != fr, "{code}");
        }
        assert_eq!(super::file_error("nonsense", "fr"), super::file_error("not_placed", "fr"));
    }
}
