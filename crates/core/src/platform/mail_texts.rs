//! The words of the emails that have no family of their own elsewhere (issue 14, "French
//! everywhere: emails"): rights requests, disclosure and erasure notices, the answer to an
//! erasure of someone without an account, the notice to a new owner of an organisation. Each
//! text is in English and French; `{name}` marks what is filled in. The recipient's language
//! is the account's preference when there is an account, else the language of the request
//! that caused the message (the page's or the API request's negotiated language).
//!
//! [`english_fragments`] and [`french_fragments`] give the fixed words of each language that
//! the other says differently: the mail test looks for them in every message sent to a person
//! of the other language.

/// One message (or one piece of a message: then `subject` is empty) in both languages.
pub struct MailText {
    pub key: &'static str,
    pub en: (&'static str, &'static str),
    pub fr: (&'static str, &'static str),
}

/// `en` or `fr`, from a stored or asked language (anything else is English).
pub fn lang(raw: &str) -> &'static str {
    if raw.trim() == "fr" { "fr" } else { "en" }
}

/// The texts, by key.
pub const MAILS: &[MailText] = &[
    MailText {
        key: "request.verify",
        en: (
            "Confirm your privacy request",
            "We received a request ({kind}) made with this email address on {date}.\n\nTo confirm that it is yours, open this link within 72 hours:\n{link}\n\nIf you did not make this request, ignore this message: nothing will happen.\n",
        ),
        fr: (
            "Confirmez votre demande sur vos données personnelles",
            "Nous avons reçu le {date} une demande ({kind}) faite avec cette adresse email.\n\nPour confirmer qu'elle vient de vous, ouvrez ce lien dans les 72 heures :\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message : il ne se passera rien.\n",
        ),
    },
    MailText {
        key: "request.person_confirm.guardian",
        en: (
            "Did you authorise this privacy request?",
            "Someone says they are your parent or legal guardian and asked us, on {date}, for a privacy request ({kind}) about your account.\n\nNothing is done, and none of your data is sent to them, unless you confirm. If you agree, confirm within 7 days:\n{link}\n\nIf you do not, ignore this message: nothing will be done and their documents will be deleted.\n",
        ),
        fr: (
            "Avez-vous autorisé cette demande sur vos données ?",
            "Une personne qui se dit votre parent ou tuteur légal nous a adressé le {date} une demande ({kind}) concernant votre compte.\n\nRien n'est fait, et aucune de vos données ne lui est transmise, sans votre confirmation. Si vous êtes d'accord, confirmez dans les 7 jours :\n{link}\n\nSinon, ignorez ce message : rien ne sera fait et ses documents seront supprimés.\n",
        ),
    },
    MailText {
        key: "request.person_confirm.agent",
        en: (
            "Did you authorise this privacy request?",
            "Someone says they act for you and asked us, on {date}, for a privacy request ({kind}) about your account.\n\nNothing is done, and none of your data is sent to them, unless you confirm. If you agree, confirm within 7 days:\n{link}\n\nIf you do not, ignore this message: nothing will be done and their documents will be deleted.\n",
        ),
        fr: (
            "Avez-vous autorisé cette demande sur vos données ?",
            "Une personne qui dit agir pour vous nous a adressé le {date} une demande ({kind}) concernant votre compte.\n\nRien n'est fait, et aucune de vos données ne lui est transmise, sans votre confirmation. Si vous êtes d'accord, confirmez dans les 7 jours :\n{link}\n\nSinon, ignorez ce message : rien ne sera fait et ses documents seront supprimés.\n",
        ),
    },
    MailText {
        key: "request.lost_address",
        en: (
            "A privacy request about your account",
            "Someone said on {date} that this address is theirs but that they can no longer read it, and asked for a privacy request ({kind}) about the account. Nothing is done until our trained staff have checked their proof of identity.\n\nIf this was not you, write to {contact} so that we refuse it.\n",
        ),
        fr: (
            "Une demande concernant votre compte",
            "Le {date}, une personne a déclaré que cette adresse est la sienne mais qu'elle ne peut plus la lire, et a fait une demande ({kind}) concernant le compte. Rien n'est fait tant que notre personnel formé n'a pas vérifié sa preuve d'identité.\n\nSi ce n'était pas vous, écrivez à {contact} pour que nous la refusions.\n",
        ),
    },
    MailText {
        key: "request.acknowledged",
        en: (
            "We are working on your privacy request",
            "Your request ({kind}) is confirmed and in our queue. We will answer by {date} at the latest. If we need more time, which the law allows only for complex requests, we will tell you why before that date.\n",
        ),
        fr: (
            "Nous traitons votre demande",
            "Votre demande ({kind}) est confirmée et dans notre file. Nous vous répondrons au plus tard le {date}. S'il nous faut plus de temps, ce que la loi ne permet que pour les demandes complexes, nous vous dirons pourquoi avant cette date.\n",
        ),
    },
    MailText {
        key: "request.extended",
        en: (
            "Your privacy request: more time needed",
            "We need more time to answer your request ({kind}). We will answer by {date} at the latest. The reasons:\n\n{reason}\n",
        ),
        fr: (
            "Votre demande : un délai supplémentaire",
            "Il nous faut plus de temps pour répondre à votre demande ({kind}). Nous vous répondrons au plus tard le {date}. Pourquoi :\n\n{reason}\n",
        ),
    },
    MailText {
        key: "request.refused",
        en: (
            "Your privacy request",
            "We cannot do what you asked ({kind}). The reason:\n\n{reason}\n\nYou may complain to a supervisory authority ({authority}) and seek a judicial remedy.\n",
        ),
        fr: (
            "Votre demande sur vos données personnelles",
            "Nous ne pouvons pas faire ce que vous avez demandé ({kind}). Pourquoi :\n\n{reason}\n\nVous pouvez adresser une réclamation à une autorité de contrôle ({authority}) et former un recours en justice.\n",
        ),
    },
    MailText { key: "request.ccpa_refused", en: ("Your privacy request", ""), fr: ("Votre demande sur vos données personnelles", "") },
    MailText { key: "request.answer", en: ("Your privacy request: our answer", ""), fr: ("Votre demande : notre réponse", "") },
    MailText {
        key: "request.answer.know",
        en: ("", "What we collected, used and disclosed about you in the last 12 months, from our own records:\n\n{facts}\n"),
        fr: (
            "",
            "Ce que nous avons collecté, utilisé et communiqué à votre sujet ces 12 derniers mois, d'après nos propres registres :\n\n{facts}\n",
        ),
    },
    MailText {
        key: "request.answer.erased",
        en: (
            "",
            "Your account and the data about you are erased. Your signed receipt (verify it with our published key at {base_url}/.well-known/clearboard-receipts.json):\n\n{receipt}\n\nSignature: {signature}\n",
        ),
        fr: (
            "",
            "Votre compte et les données qui vous concernent sont effacés. Votre reçu signé (vérifiez-le avec notre clé publiée sur {base_url}/.well-known/clearboard-receipts.json) :\n\n{receipt}\n\nSignature : {signature}\n",
        ),
    },
    MailText {
        key: "request.answer.nothing",
        en: ("", "We searched our records and hold no account or data under this address.\n"),
        fr: ("", "Nous avons cherché dans nos registres : nous n'avons ni compte ni données sous cette adresse.\n"),
    },
    MailText {
        key: "request.answer.done",
        en: ("", "Your request ({kind}) is done:\n\n{note}\n"),
        fr: ("", "Votre demande ({kind}) est traitée :\n\n{note}\n"),
    },
    MailText {
        key: "request.answer.erased_without_account",
        en: ("", "We hold no account under this address. What we held is erased, with the keys that sealed it:\n"),
        fr: ("", "Nous n'avons aucun compte sous cette adresse. Ce que nous détenions est effacé, avec les clés qui le protégeaient :\n"),
    },
    MailText {
        key: "request.answer.kept",
        en: ("", "\nWhat the law requires us to keep, and until when:\n"),
        fr: ("", "\nCe que la loi nous oblige à conserver, et jusqu'à quand :\n"),
    },
    MailText {
        key: "request.answer.kept_line",
        en: ("", "- {what} ({reason}), until {until}\n"),
        fr: ("", "- {what} ({reason}), jusqu'au {until}\n"),
    },
    MailText { key: "request.answer.support_tickets", en: ("", "support requests"), fr: ("", "demandes d'assistance") },
    MailText {
        key: "request.answer.registrations",
        en: ("", "registrations for events and trainings"),
        fr: ("", "inscriptions à des événements et formations"),
    },
    MailText { key: "request.answer.applications", en: ("", "job applications"), fr: ("", "candidatures") },
    MailText {
        key: "request.answer.contracts",
        en: ("", "contracts you were the billing contact of"),
        fr: ("", "contrats dont vous étiez le contact de facturation"),
    },
    MailText {
        key: "disclosure.notice",
        en: (
            "Notice: a disclosure of your data",
            "We are required to disclose data about you to {recipient} ({scope}), on the legal basis: {basis}.\n\nYou can see every disclosure in your privacy centre.\n",
        ),
        fr: (
            "Information : une communication de vos données",
            "Nous sommes tenus de communiquer des données vous concernant à {recipient} ({scope}), sur la base légale suivante : {basis}.\n\nVous retrouvez chaque communication dans votre espace confidentialité.\n",
        ),
    },
    MailText {
        key: "erasure.recipient_notice",
        en: (
            "Erasure notice",
            "Data about the person we identify to you as {subject} ({scope} disclosed on {date} under {basis}) has been erased at their request.\n\nPlease erase it from your systems too, and any copies you made (GDPR Art. 17 and 19).\n",
        ),
        fr: (
            "Avis d'effacement",
            "Les données de la personne que nous vous identifions comme {subject} ({scope}, communiquées le {date} au titre de {basis}) ont été effacées à sa demande.\n\nEffacez-les aussi de vos systèmes, avec toutes les copies que vous en avez faites (RGPD, articles 17 et 19).\n",
        ),
    },
    MailText {
        key: "org.passed_on",
        en: (
            "You now own the organisation “{org}”",
            "Hello {name},\n\nThe owner of the organisation “{org}” deleted their account on {date} and chose to pass the organisation on to you: you are now its owner. Its boards, members and settings are unchanged.\n\nYou can manage it, or delete it, from {base_url}/app.\n",
        ),
        fr: (
            "Vous êtes propriétaire de l'organisation « {org} »",
            "Bonjour {name},\n\nLa propriétaire ou le propriétaire de l'organisation « {org} » a supprimé son compte le {date} et vous l'a transmise : vous en êtes désormais propriétaire. Ses tableaux, ses membres et ses réglages ne changent pas.\n\nVous pouvez la gérer, ou la supprimer, depuis {base_url}/app.\n",
        ),
    },
];

/// The name of a kind of rights request in `lang` (English keeps the kind's code, which the
/// forms and the API show).
pub fn kind_name(lang: &str, kind: &str) -> String {
    if lang != "fr" {
        return kind.to_string();
    }
    match kind {
        "access" => "droit d'accès",
        "portability" => "droit à la portabilité",
        "rectification" => "droit de rectification",
        "erasure" => "droit à l'effacement",
        "restriction" => "droit à la limitation",
        "objection" => "droit d'opposition",
        "ccpa_know" => "CCPA, droit de savoir",
        "ccpa_delete" => "CCPA, droit à la suppression",
        other => other,
    }
    .to_string()
}

fn text(key: &str) -> &'static MailText {
    MAILS.iter().find(|m| m.key == key).unwrap_or(&MAILS[0])
}

/// `template` with each `{name}` of `args` replaced by its value, in one pass (a value that
/// holds braces is not read again).
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('}').map(|j| (&after[..j], j)).and_then(|(name, j)| args.iter().find(|(k, _)| *k == name).map(|(_, v)| (v, j))) {
            Some((v, j)) => {
                out.push_str(v);
                rest = &after[j + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The subject and body of message `key` in `lang`, filled with `args`.
pub fn render(key: &str, lang: &str, args: &[(&str, &str)]) -> (String, String) {
    let t = text(key);
    let (s, b) = if lang == "fr" { t.fr } else { t.en };
    (fill(s, args), fill(b, args))
}

/// The body (or piece) of `key` in `lang`, filled with `args`.
pub fn piece(key: &str, lang: &str, args: &[(&str, &str)]) -> String {
    render(key, lang, args).1
}

/// The subject of `key` in `lang`.
pub fn subject(key: &str, lang: &str) -> String {
    render(key, lang, &[]).0
}

/// The fixed words of `mine` (split at each `{name}` and each line) that `other` does not
/// contain, at least 12 characters long.
fn fragments(pick: impl Fn(&MailText) -> [(&'static str, &'static str); 2]) -> Vec<&'static str> {
    let mut out = Vec::new();
    for m in MAILS {
        let [mine, other] = pick(m);
        for t in [mine.0, mine.1] {
            for piece in t.split(['{', '}', '\n']).map(str::trim) {
                if piece.chars().count() >= 12 && !other.0.contains(piece) && !other.1.contains(piece) {
                    out.push(piece);
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The fixed English words of the messages that French says differently.
pub fn english_fragments() -> Vec<&'static str> {
    fragments(|m| [m.en, m.fr])
}

/// The fixed French words of the messages that English says differently.
pub fn french_fragments() -> Vec<&'static str> {
    fragments(|m| [m.fr, m.en])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_has_both_languages_with_the_same_blanks() {
        let names = |t: &str| {
            let mut v: Vec<String> = t.split('{').skip(1).filter_map(|s| s.split('}').next()).map(str::to_string).collect();
            v.sort();
            v
        };
        for m in MAILS {
            assert_eq!(m.en.0.is_empty(), m.fr.0.is_empty(), "{}", m.key);
            assert_eq!(m.en.1.is_empty(), m.fr.1.is_empty(), "{}", m.key);
            assert_eq!(names(m.en.1), names(m.fr.1), "{}: the same blanks", m.key);
            assert_ne!(m.en, m.fr, "{}", m.key);
        }
        let keys: std::collections::HashSet<_> = MAILS.iter().map(|m| m.key).collect();
        assert_eq!(keys.len(), MAILS.len(), "keys are unique");
    }

    #[test]
    fn blanks_are_filled_once_and_unknown_braces_stay() {
        assert_eq!(fill("a {x} b {y} {z}", &[("x", "{y}"), ("y", "2")]), "a {y} b 2 {z}");
        let (s, b) = render("request.extended", "fr", &[("kind", "x"), ("date", "2027-01-01"), ("reason", "r")]);
        assert!(s.contains("délai") && b.contains("2027-01-01") && !b.contains('{'));
        assert!(english_fragments().contains(&"We need more time to answer your request ("));
        assert!(!english_fragments().iter().any(|f| french_fragments().contains(f)));
    }
}
