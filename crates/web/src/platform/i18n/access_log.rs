//! The access log in plain language (issue 14): who ("you", "a member of our staff", "the
//! service, automatically"), what (the part of your data and what happened to it) and when, in
//! English or French, from the audit entries' codes (`account.updated`, `staff:…`). The codes
//! stay in the JSON the privacy centre offers for download.

/// Who acted, for the person whose log it is (`me`: their subject id).
pub fn who(actor: &str, me: &str, lang: &str) -> &'static str {
    let fr = lang == "fr";
    match actor.split_once(':') {
        Some(("subject", id)) if id == me => {
            if fr {
                "Vous"
            } else {
                "You"
            }
        }
        Some(("subject", _)) => {
            if fr {
                "Une autre personne"
            } else {
                "Another person"
            }
        }
        Some(("staff", _)) => {
            if fr {
                "Un membre de notre équipe"
            } else {
                "A member of our staff"
            }
        }
        _ if actor == "cli" => {
            if fr {
                "Un opérateur du service"
            } else {
                "An operator of the service"
            }
        }
        _ => {
            if fr {
                "Le service, automatiquement"
            } else {
                "The service, automatically"
            }
        }
    }
}

/// (room of the code, English, French)
const ROOMS: &[(&str, &str, &str)] = &[
    ("account", "Your account", "Votre compte"),
    ("auth", "Signing in", "La connexion"),
    ("session", "Your sign-in sessions", "Vos sessions"),
    ("sessions", "Your sign-in sessions", "Vos sessions"),
    ("board", "A board", "Un tableau"),
    ("card", "A card", "Une carte"),
    ("org", "An organisation", "Une organisation"),
    ("export", "A copy of your data", "Une copie de vos données"),
    ("request", "A request about your data", "Une demande sur vos données"),
    ("consent", "Your consents", "Vos consentements"),
    ("staff", "Our staff's access", "L'accès de notre équipe"),
    ("support", "Your support requests", "Vos demandes d'assistance"),
    ("contract", "Your contract", "Votre contrat"),
    ("billing_contact", "Your billing details", "Vos coordonnées de facturation"),
    ("invoice", "An invoice", "Une facture"),
    ("payment", "A payment", "Un paiement"),
    ("integration", "A connected service", "Un service connecté"),
    ("participant", "Your participation in a board", "Votre participation à un tableau"),
    ("policy", "The privacy policy", "La politique de confidentialité"),
    ("data", "Your data", "Vos données"),
    ("transfer", "A transfer of your data", "Un transfert de vos données"),
    ("legal_hold", "Data kept for a legal obligation", "Des données conservées pour une obligation légale"),
    ("programmes", "Your registration", "Votre inscription"),
    ("careers", "Your application", "Votre candidature"),
    ("outreach", "Our newsletters", "Nos lettres d'information"),
    ("campaign", "Our newsletters", "Nos lettres d'information"),
];

/// (last word of the code, English, French)
const DEEDS: &[(&str, &str, &str)] = &[
    ("created", "created", "création"),
    ("updated", "changed", "modification"),
    ("changed", "changed", "modification"),
    ("deleted", "deleted", "suppression"),
    ("erased", "erased", "effacement"),
    ("read", "read", "consultation"),
    ("viewed", "read", "consultation"),
    ("opened", "opened", "consultation"),
    ("accessed", "read", "consultation"),
    ("exported", "exported", "export"),
    ("downloaded", "downloaded", "téléchargement"),
    ("ready", "ready", "prête"),
    ("requested", "asked for", "demande"),
    ("sent", "sent", "envoi"),
    ("signed_in", "signed in", "connexion"),
    ("signed_out", "signed out", "déconnexion"),
    ("revoked", "ended", "fin"),
    ("revoked_all", "all ended", "toutes terminées"),
    ("activated", "activated", "activation"),
    ("acknowledged", "read and acknowledged", "prise de connaissance"),
    ("granted", "given", "accord donné"),
    ("withdrawn", "withdrawn", "accord retiré"),
    ("recorded", "recorded", "enregistrement"),
    ("picture_removed", "picture removed", "photo retirée"),
    ("picture_set", "picture changed", "photo changée"),
    ("joined", "joined", "arrivée"),
    ("left", "left", "départ"),
    ("closed", "closed", "clôture"),
    ("answered", "answered", "réponse"),
];

/// What happened, for a person: "Your account — changed" / "Votre compte — modification".
/// A code this table does not know keeps its words, in a form a person can read.
pub fn what(action: &str, lang: &str) -> String {
    let fr = lang == "fr";
    let (room, deed) = action.split_once('.').unwrap_or((action, ""));
    let room_words = ROOMS.iter().find(|r| r.0 == room).map(|r| if fr { r.2 } else { r.1 });
    let deed_words = DEEDS.iter().find(|d| d.0 == deed).map(|d| if fr { d.2 } else { d.1 });
    let plain = |s: &str| s.replace('_', " ");
    let room = room_words.map_or_else(|| plain(room), str::to_string);
    match (deed_words, deed.is_empty()) {
        (Some(d), _) => format!("{room} — {d}"),
        (None, true) => room,
        (None, false) => format!("{room} — {}", plain(deed)),
    }
}

/// An RFC 3339 instant as people read it: "2026-12-06 01:30 UTC".
pub fn when(rfc3339: &str) -> String {
    match rfc3339.get(..16) {
        Some(day_time) => format!("{} UTC", day_time.replacen('T', " ", 1)),
        None => rfc3339.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_reads_as_sentences_in_both_languages() {
        assert_eq!(who("subject:abc", "abc", "en"), "You");
        assert_eq!(who("staff:xyz", "abc", "fr"), "Un membre de notre équipe");
        assert_eq!(who("system", "abc", "fr"), "Le service, automatiquement");
        assert_eq!(what("account.updated", "en"), "Your account — changed");
        assert_eq!(what("account.updated", "fr"), "Votre compte — modification");
        assert_eq!(what("mystery.thing_done", "en"), "mystery — thing done");
        assert_eq!(when("2026-12-06T01:30:12Z"), "2026-12-06 01:30 UTC");
    }
}
