//! The words of the error catalogue, in English and French, by message key
//! (`ErrorCode::message_key`): a title (the heading of an error page) and a sentence (the
//! `message` of a JSON error, the explanation of the page). They never name a value the
//! request sent; our own failures (5xx) say only that something went wrong.

use clearboard_core::platform::error_codes::ErrorCode;

/// The words people read for one code, in one language.
#[derive(Debug, serde::Serialize)]
pub struct ErrorWords {
    pub title: &'static str,
    pub message: &'static str,
}

const fn w(title: &'static str, message: &'static str) -> ErrorWords {
    ErrorWords { title, message }
}

/// (message key, English, French)
const WORDS: &[(&str, ErrorWords, ErrorWords)] = &[
    (
        "error.bad_request",
        w("This did not work", "The request could not be handled."),
        w("Cela n’a pas fonctionné", "La requête n’a pas pu être traitée."),
    ),
    (
        "error.malformed_json",
        w("Unreadable request", "The body is not valid JSON."),
        w("Requête illisible", "Le corps de la requête n’est pas du JSON valide."),
    ),
    (
        "error.malformed_query",
        w("Unreadable address", "The query string could not be read: a parameter is missing, repeated or of the wrong type."),
        w("Adresse illisible", "Les paramètres de l’adresse n’ont pas pu être lus : l’un d’eux manque, est répété ou n’a pas le bon type."),
    ),
    (
        "error.malformed_multipart",
        w("Unreadable form", "The form or the file could not be read whole; send it again."),
        w("Formulaire illisible", "Le formulaire ou le fichier n’a pas pu être lu en entier ; envoyez-le à nouveau."),
    ),
    (
        "error.unauthenticated",
        w("Please sign in", "Sign in first: this is for signed-in people."),
        w("Connectez-vous", "Connectez-vous d’abord : ceci est réservé aux personnes connectées."),
    ),
    (
        "error.invalid_credentials",
        w("Sign-in refused", "The email address or password is wrong."),
        w("Connexion refusée", "L’adresse email ou le mot de passe est incorrect."),
    ),
    (
        "error.recovery_code_invalid",
        w("Recovery refused", "This recovery code opens nothing: check it, or it was used to erase what it opened."),
        w("Récupération refusée", "Ce code de récupération n’ouvre rien : vérifiez-le, ou il a servi à effacer ce qu’il ouvrait."),
    ),
    (
        "error.reauthentication_failed",
        w("Password needed", "Your current password is needed for this change, and it was wrong or missing."),
        w("Mot de passe requis", "Votre mot de passe actuel est nécessaire pour ce changement, et il était incorrect ou absent."),
    ),
    (
        "error.forbidden",
        w("Not allowed", "You are not allowed to see or do this."),
        w("Non autorisé", "Vous n’êtes pas autorisé à voir ceci ou à faire cela."),
    ),
    (
        "error.cross_site_request_refused",
        w("Request refused", "This request came from another site and was refused (protection against cross-site request forgery)."),
        w("Requête refusée", "Cette requête venait d’un autre site et a été refusée (protection contre la falsification de requêtes)."),
    ),
    (
        "error.staff_training_required",
        w(
            "Training required",
            "Your confidentiality training is missing or has expired: access to personal data is refused until it is renewed.",
        ),
        w(
            "Formation requise",
            "Votre formation à la confidentialité manque ou a expiré : l’accès aux données personnelles est refusé jusqu’à son renouvellement.",
        ),
    ),
    (
        "error.purpose_denied",
        w("Not allowed by the privacy policy", "The privacy policy does not allow this processing."),
        w("Interdit par la politique de confidentialité", "La politique de confidentialité n’autorise pas ce traitement."),
    ),
    (
        "error.not_found",
        w("Page not found", "There is nothing here: it may have been moved or deleted, or the link is incomplete."),
        w("Page introuvable", "Il n’y a rien ici : cela a peut-être été déplacé ou supprimé, ou le lien est incomplet."),
    ),
    (
        "error.method_not_allowed",
        w("Not possible here", "This address does not accept this kind of request."),
        w("Impossible ici", "Cette adresse n’accepte pas ce type de requête."),
    ),
    (
        "error.request_timeout",
        w("Too slow", "The request took too long to arrive; send it again."),
        w("Trop lent", "La requête a mis trop de temps à arriver ; envoyez-la à nouveau."),
    ),
    (
        "error.conflict",
        w("Not possible now", "This is not possible in the current state of things."),
        w("Impossible pour l’instant", "Ce n’est pas possible dans l’état actuel des choses."),
    ),
    (
        "error.oauth_state_invalid",
        w(
            "Connection not recognised",
            "This answer from the service does not match a connection you started here, or it came too late. Start again from the connect screen.",
        ),
        w(
            "Connexion non reconnue",
            "Cette réponse du service ne correspond à aucune connexion lancée ici, ou elle arrive trop tard. Recommencez depuis l'écran de connexion.",
        ),
    ),
    (
        "error.integration_not_connected",
        w("Service not connected", "Connect the service first: its connect screen says what it reads and why."),
        w("Service non connecté", "Connectez d'abord le service : son écran de connexion indique ce qu'il lit et pourquoi."),
    ),
    (
        "error.email_taken",
        w("Address taken", "An account with this email address already exists."),
        w("Adresse déjà utilisée", "Un compte existe déjà avec cette adresse email."),
    ),
    (
        "error.participation_on_hold",
        w("Time is up", "The time is up: the facilitator has paused participation until they resume it."),
        w("Le temps est écoulé", "Le temps est écoulé : l’animateur a suspendu la participation jusqu’à ce qu’il la reprenne."),
    ),
    (
        "error.results_not_revealed",
        w("Results hidden", "The results of this vote are hidden until the facilitator reveals them."),
        w("Résultats masqués", "Les résultats de ce vote sont masqués jusqu’à ce que l’animateur les révèle."),
    ),
    (
        "error.undo_conflict",
        w("Cannot undo", "Someone else changed this card after you: undoing would overwrite their change, so it was skipped."),
        w(
            "Annulation impossible",
            "Quelqu’un d’autre a modifié cette carte après vous : l’annuler écraserait sa modification, elle a donc été ignorée.",
        ),
    ),
    (
        "error.organisation_choice_required",
        w(
            "Your organisations first",
            "Before your account is deleted, choose for each organisation you own with other members: pass it on to one of them, or delete it with its boards.",
        ),
        w(
            "D’abord vos organisations",
            "Avant la suppression de votre compte, choisissez pour chaque organisation dont vous êtes propriétaire avec d’autres membres : la transmettre à l’un d’eux, ou la supprimer avec ses tableaux.",
        ),
    ),
    (
        "error.link_invalid",
        w("No longer available", "This link is invalid or has expired."),
        w("Plus disponible", "Ce lien n’est pas valable ou a expiré."),
    ),
    (
        "error.export_gone",
        w("Export no longer available", "This export has expired or was revoked; ask for a new one."),
        w("Export plus disponible", "Cet export a expiré ou a été révoqué ; demandez-en un nouveau."),
    ),
    (
        "error.payload_too_large",
        w("Too large", "What was sent is larger than this address accepts."),
        w("Trop volumineux", "Ce qui a été envoyé dépasse ce que cette adresse accepte."),
    ),
    (
        "error.import_too_large",
        w("Archive too large", "The archive goes over one of the import's bounds."),
        w("Archive trop volumineuse", "L’archive dépasse l’une des limites de l’import."),
    ),
    (
        "error.unsupported_media_type",
        w("Wrong kind of content", "This kind of content is not accepted here (for JSON, send `Content-Type: application/json`)."),
        w("Mauvais type de contenu", "Ce type de contenu n’est pas accepté ici (pour du JSON, envoyez `Content-Type: application/json`)."),
    ),
    (
        "error.unsupported_media",
        w("File not accepted", "This file is not one of the accepted kinds (decided by its content, not its name)."),
        w("Fichier refusé", "Ce fichier n’est pas d’un type accepté (décidé d’après son contenu, pas son nom)."),
    ),
    (
        "error.validation_failed",
        w("Please check what you entered", "Something entered is not valid."),
        w("Vérifiez votre saisie", "Une valeur saisie n’est pas valable."),
    ),
    (
        "error.invalid_body",
        w("Unexpected request", "The body does not have the expected fields and types."),
        w("Requête inattendue", "Le corps de la requête n’a pas les champs et les types attendus."),
    ),
    (
        "error.under_minimum_age",
        w("Too young", "You are under the minimum age to create an account."),
        w("Trop jeune", "Vous n’avez pas l’âge minimum pour créer un compte."),
    ),
    (
        "error.unknown_region",
        w("Region not offered", "This region is not offered by this service."),
        w("Région non proposée", "Cette région n’est pas proposée par ce service."),
    ),
    (
        "error.password_too_weak",
        w("Password too easy to guess", "This password is too easy to guess; choose a longer passphrase made of several unrelated words."),
        w(
            "Mot de passe trop facile",
            "Ce mot de passe est trop facile à deviner ; choisissez une phrase de passe plus longue, faite de plusieurs mots sans rapport entre eux.",
        ),
    ),
    (
        "error.import_invalid",
        w("Archive refused", "This is not a clearboard export, or the archive is malformed or unsafe."),
        w("Archive refusée", "Ce n’est pas un export clearboard, ou l’archive est mal formée ou dangereuse."),
    ),
    (
        "error.card_number_refused",
        w(
            "Card numbers are not accepted here",
            "What you sent holds what looks like a payment card number. We never take card numbers: enter your card only in the payment provider's own form. Nothing you sent was kept.",
        ),
        w(
            "Les numéros de carte ne sont pas acceptés ici",
            "Votre envoi contient ce qui ressemble à un numéro de carte de paiement. Nous ne prenons jamais de numéro de carte : saisissez votre carte uniquement dans le formulaire du prestataire de paiement. Rien de votre envoi n’a été conservé.",
        ),
    ),
    (
        "error.upgrade_required",
        w("WebSocket only", "This address is a WebSocket: connect with a WebSocket upgrade."),
        w("WebSocket seulement", "Cette adresse est un WebSocket : connectez-vous avec une mise à niveau WebSocket."),
    ),
    (
        "error.policy_ack_required",
        w("Privacy policy changed", "The privacy policy changed significantly: read it, then acknowledge it to continue."),
        w(
            "La politique de confidentialité a changé",
            "La politique de confidentialité a changé de façon importante : lisez-la, puis prenez-en connaissance pour continuer.",
        ),
    ),
    (
        "error.rate_limited",
        w("Too many attempts", "Too many attempts; wait a little, then try again."),
        w("Trop de tentatives", "Trop de tentatives ; patientez un peu, puis réessayez."),
    ),
    (
        "error.too_many_sockets",
        w("Too many connections", "Too many open connections for one person; close a tab or a device."),
        w("Trop de connexions", "Trop de connexions ouvertes pour une même personne ; fermez un onglet ou un appareil."),
    ),
    (
        "error.internal",
        w("Something went wrong", "Something went wrong on our side. Try again later; if it persists, give us the request reference."),
        w(
            "Une erreur s’est produite",
            "Une erreur s’est produite de notre côté. Réessayez plus tard ; si elle persiste, donnez-nous la référence de la requête.",
        ),
    ),
    (
        "error.unavailable",
        w("Not available right now", "The service is not available right now; try again later."),
        w("Indisponible pour l’instant", "Le service n’est pas disponible pour l’instant ; réessayez plus tard."),
    ),
    (
        "error.busy",
        w("Busy", "The server is busy; try again in a moment."),
        w("Occupé", "Le serveur est occupé ; réessayez dans un instant."),
    ),
];

/// The words of a code in a language (`fr`, else English).
pub fn error_words(code: ErrorCode, lang: &str) -> &'static ErrorWords {
    let key = code.message_key();
    let row = WORDS.iter().find(|(k, _, _)| *k == key).unwrap_or(&WORDS[0]);
    if lang == "fr" { &row.2 } else { &row.1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_words_in_english_and_french_and_no_key_is_left_over() {
        for c in ErrorCode::ALL {
            let key = c.message_key();
            let row = WORDS.iter().find(|(k, _, _)| *k == key);
            let Some((_, en, fr)) = row else { panic!("no words for {key}") };
            for words in [en, fr] {
                assert!(!words.title.is_empty() && words.message.ends_with('.'), "{key}: {words:?}");
            }
            assert_ne!(en.message, fr.message, "{key} is translated");
            assert_eq!(error_words(*c, "fr").message, fr.message);
            assert_eq!(error_words(*c, "en").message, en.message);
        }
        for (k, _, _) in WORDS {
            assert!(ErrorCode::ALL.iter().any(|c| c.message_key() == *k), "{k} belongs to no code");
        }
        assert_eq!(WORDS.len(), ErrorCode::ALL.len());
    }
}
