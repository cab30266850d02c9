//! The details of errors (the rule that failed, beyond the code's words), English → French:
//! the billing endpoints' rules (subscription, seats, plan, contact, IBAN, VAT id, payment
//! method, webhooks, partners, staff access to contracts), the shared rules of names, emails
//! and phones they use, the JSON reader's messages by their shape, and an import's refusals
//! (`import_details`). `detail_in` gives a
//! detail in the answer's language; a detail not in this catalogue stays as it is. The
//! billing and partner routes apply it to their refusals (`business::billing_api`).

use std::borrow::Cow;

/// (English, French), exact.
pub const DETAILS: &[(&str, &str)] = &[
    ("this field is required", "ce champ est obligatoire"),
    ("a two-letter country code (ISO 3166-1), like FR", "un code pays de deux lettres (ISO 3166-1), comme FR"),
    (
        "a VAT number starts with its two-letter country code, like FR40303265045",
        "un numéro de TVA commence par le code de son pays en deux lettres, comme FR40303265045",
    ),
    ("enter a valid email address, like name@example.org", "saisissez une adresse email valide, comme nom@example.org"),
    (
        "enter a phone number with 6 to 20 digits, like +33 1 23 45 67 89",
        "saisissez un numéro de téléphone de 6 à 20 chiffres, comme +33 1 23 45 67 89",
    ),
    ("a phone number is required", "un numéro de téléphone est obligatoire"),
    ("this name is required", "ce nom est obligatoire"),
    ("a name has at most 100 characters and no control characters", "un nom a au plus 100 caractères et aucun caractère de contrôle"),
    (
        "this is not a valid IBAN (its check digits do not match)",
        "ce n’est pas un IBAN valide (ses chiffres de contrôle ne correspondent pas)",
    ),
    ("give the token of the payment provider's card form", "donnez le jeton du formulaire de carte du prestataire de paiement"),
    ("choose one of the plans of GET /api/v1/plans", "choisissez l’une des offres de GET /api/v1/plans"),
    ("cards are not taken here: choose sepa_debit or transfer", "les cartes ne sont pas acceptées ici : choisissez sepa_debit ou transfer"),
    ("the payment provider does not know this card token", "le prestataire de paiement ne connaît pas ce jeton de carte"),
    ("the payment provider refused this card", "le prestataire de paiement a refusé cette carte"),
    (
        "the bank statement's reference of the transfer (100 characters at most)",
        "la référence du virement sur le relevé bancaire (100 caractères au plus)",
    ),
    ("only an issued invoice can be paid", "seule une facture émise peut être payée"),
    ("only an issued invoice can be credited", "seule une facture émise peut recevoir un avoir"),
    ("this invoice is credited already", "cette facture a déjà son avoir"),
    ("no t= and v1= in the signature header", "pas de t= ni de v1= dans l’en-tête de signature"),
    ("the signature does not verify", "la signature n’est pas vérifiée"),
    ("an event as JSON", "un événement en JSON"),
    ("not an email address", "ce n’est pas une adresse email"),
    ("the last day of the certification, as YYYY-MM-DD", "le dernier jour de la certification, au format AAAA-MM-JJ"),
    ("the certification must end in the future", "la certification doit prendre fin dans le futur"),
    ("no account has this address: the partner signs up first", "aucun compte n’a cette adresse : le partenaire s’inscrit d’abord"),
    ("choose one of the partners of GET /api/v1/partners", "choisissez l’un des partenaires de GET /api/v1/partners"),
    ("contracts are opened for the reason `contract` only", "les contrats ne s’ouvrent que pour le motif `contract`"),
    ("no page or resource has this address", "aucune page ni ressource n’a cette adresse"),
    ("the body could not be read whole", "le corps de la requête n’a pas pu être lu en entier"),
];

/// Details with a number or a name in them: (English, French) templates whose `{}` is kept
/// (matched as the import's templates are, `import_details::parts`).
const SHAPES: &[(&str, &str)] = &[
    ("at most {} characters, no control characters", "au plus {} caractères, sans caractère de contrôle"),
    ("between 1 and {}", "entre 1 et {}"),
    ("the body is larger than {} bytes", "le corps de la requête dépasse {} octets"),
    ("missing field {}", "champ manquant : {}"),
    ("duplicate field {}", "champ en double : {}"),
];

/// The JSON reader's messages (already stripped of the client's values): a prefix and its
/// French; what follows `expected` is translated too.
const READER: &[(&str, &str)] = &[
    ("unknown variant …, ", "valeur inconnue, "),
    ("unknown field …, ", "champ inconnu, "),
    ("invalid type: ", "type invalide : "),
    ("invalid value: ", "valeur invalide : "),
    ("invalid length ", "longueur invalide "),
];

fn expected_fr(rest: &str) -> String {
    rest.replace("expected one of ", "attendu l’une de ces valeurs : ")
        .replace("expected ", "attendu : ")
        .replace("there are no fields", "aucun champ n’est accepté")
        .replace(" at line ", " à la ligne ")
        .replace(" column ", ", colonne ")
        .replace("a string", "une chaîne")
        .replace("a sequence", "une liste")
        .replace("a map", "un objet")
        .replace("a boolean", "un booléen")
        .replace("integer", "entier")
        .replace("string", "chaîne")
        .replace("map", "objet")
        .replace("sequence", "liste")
        .replace("EOF while parsing a value", "fin du texte au milieu d’une valeur")
        .replace("EOF while parsing an object", "fin du texte au milieu d’un objet")
        .replace("EOF while parsing a list", "fin du texte au milieu d’une liste")
        .replace("EOF while parsing a string", "fin du texte au milieu d’une chaîne")
        .replace("trailing characters", "caractères en trop")
        .replace("trailing comma", "virgule en trop")
        .replace("key must be a string", "une clé doit être une chaîne")
        .replace("invalid number", "nombre invalide")
        .replace("control character (\\u0000-\\u001F) found while parsing a string", "caractère de contrôle dans une chaîne")
}

/// `detail` in `lang` (`fr`, else as it is).
pub fn detail_in<'a>(detail: &'a str, lang: &str) -> Cow<'a, str> {
    if lang != "fr" {
        return Cow::Borrowed(detail);
    }
    // The JSON reader says where: translated apart, after the rest.
    if let Some(i) = detail.find(" at line ").filter(|i| *i > 0) {
        let (what, at) = detail.split_at(i);
        return Cow::Owned(format!("{}{}", detail_in(what, lang), expected_fr(at)));
    }
    if let Some((_, fr)) = DETAILS.iter().find(|(en, _)| *en == detail) {
        return Cow::Borrowed(fr);
    }
    // Shapes and an import's refusals: their numbers and names kept, a nested rule (a zone's)
    // translated in turn.
    for (en, fr) in SHAPES.iter().chain(super::import_details::TEMPLATES) {
        if let Some(parts) = super::import_details::parts(en, detail) {
            let parts: Vec<String> = parts.into_iter().map(|p| detail_in(p, lang).into_owned()).collect();
            return Cow::Owned(super::import_details::fill(fr, &parts));
        }
    }
    for (prefix, fr) in READER {
        if let Some(rest) = detail.strip_prefix(prefix) {
            return Cow::Owned(format!("{fr}{}", expected_fr(rest)));
        }
    }
    if detail.starts_with("expected ") || detail.starts_with("EOF while") || detail.contains(" at line ") {
        return Cow::Owned(expected_fr(detail));
    }
    Cow::Borrowed(detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_translated_exactly_by_shape_and_left_alone_in_english() {
        for (en, fr) in DETAILS {
            assert_eq!(detail_in(en, "fr"), *fr);
            assert_eq!(detail_in(en, "en"), *en);
            assert_ne!(en, fr);
        }
        assert_eq!(detail_in("between 1 and 100000", "fr"), "entre 1 et 100000");
        assert_eq!(detail_in("at most 120 characters, no control characters", "fr"), "au plus 120 caractères, sans caractère de contrôle");
        assert_eq!(detail_in("missing field `plan`", "fr"), "champ manquant : `plan`");
        assert_eq!(detail_in("missing field `seats` at line 1 column 9", "fr"), "champ manquant : `seats` à la ligne 1, colonne 9");
        assert_eq!(
            detail_in("unknown variant …, expected one of `card`, `sepa_debit`, `transfer`", "fr"),
            "valeur inconnue, attendu l’une de ces valeurs : `card`, `sepa_debit`, `transfer`"
        );
        assert_eq!(detail_in("invalid type: …, expected i64", "fr"), "type invalide : …, attendu : i64");
        assert_eq!(detail_in("a detail of another room", "fr"), "a detail of another room");
    }
}
