//! The details of an import's refusals (`import_invalid`, `import_too_large`), English →
//! French (issue 14: French everywhere). They name the rule an archive broke and numbers, never
//! what the archive holds. Templates mark each number or nested rule with `{}`; a nested rule
//! (a zone's) is translated in turn by `details::detail_in`.

/// (English, French) templates; `{}` is a part kept (translated itself when it is a rule).
pub const TEMPLATES: &[(&str, &str)] = &[
    ("this is not a ZIP archive (or its end is damaged)", "ce n’est pas une archive ZIP (ou sa fin est endommagée)"),
    ("the archive's directory is damaged", "le répertoire de l’archive est endommagé"),
    ("archives in several parts cannot be imported", "les archives en plusieurs parties ne peuvent pas être importées"),
    ("the archive holds {} files; an import reads at most {}", "l’archive contient {} fichiers ; un import en lit au plus {}"),
    (
        "the archive's directory is {} bytes; an import reads at most {}",
        "le répertoire de l’archive fait {} octets ; un import en lit au plus {}",
    ),
    (
        "the archive's files add up to more than {} bytes once uncompressed (an import takes at most that)",
        "les fichiers de l’archive dépassent {} octets une fois décompressés (un import n’en prend pas plus)",
    ),
    ("the archive names the same file twice", "l’archive nomme deux fois le même fichier"),
    (
        "the archive is compressed more than {}:1 overall: this is how ZIP bombs are made",
        "l’archive est compressée à plus de {}:1 en tout : c’est ainsi que sont faites les bombes ZIP",
    ),
    ("a file name in the archive is longer than {} bytes", "un nom de fichier de l’archive dépasse {} octets"),
    ("encrypted files cannot be imported", "les fichiers chiffrés ne peuvent pas être importés"),
    (
        "a file in the archive uses a compression method an import does not read (only stored and deflated)",
        "un fichier de l’archive utilise une méthode de compression qu’un import ne lit pas (seulement stocké et deflate)",
    ),
    ("a file name in the archive is not valid UTF-8", "un nom de fichier de l’archive n’est pas en UTF-8 valide"),
    ("a file name in the archive points outside it", "un nom de fichier de l’archive pointe hors de celle-ci"),
    (
        "a file in the archive is {} bytes once uncompressed; an import reads at most {} per file",
        "un fichier de l’archive fait {} octets une fois décompressé ; un import en lit au plus {} par fichier",
    ),
    (
        "a file in the archive is compressed more than {}:1: this is how ZIP bombs are made",
        "un fichier de l’archive est compressé à plus de {}:1 : c’est ainsi que sont faites les bombes ZIP",
    ),
    (
        "files in the archive overlap: this is how some ZIP bombs are made",
        "des fichiers de l’archive se chevauchent : c’est ainsi que sont faites certaines bombes ZIP",
    ),
    ("the archive's directory and its files disagree", "le répertoire de l’archive et ses fichiers ne concordent pas"),
    (
        "a file in the archive is {} bytes once uncompressed; at most {} are read for it",
        "un fichier de l’archive fait {} octets une fois décompressé ; au plus {} en sont lus",
    ),
    (
        "the archive holds another archive; an import reads clearboard exports only",
        "l’archive en contient une autre ; un import ne lit que des exports clearboard",
    ),
    ("a file in the archive is damaged", "un fichier de l’archive est endommagé"),
    (
        "a file in the archive is larger than the archive says: this is how some ZIP bombs are made",
        "un fichier de l’archive est plus grand que ne le dit l’archive : c’est ainsi que sont faites certaines bombes ZIP",
    ),
    ("a file in the archive is shorter than the archive says", "un fichier de l’archive est plus court que ne le dit l’archive"),
    (
        "a file in the archive is damaged (its checksum does not match)",
        "un fichier de l’archive est endommagé (sa somme de contrôle ne correspond pas)",
    ),
    ("data.json does not read as a clearboard export", "data.json ne se lit pas comme un export clearboard"),
    ("the archive has no data.json: is it a clearboard export?", "l’archive n’a pas de data.json : est-ce un export clearboard ?"),
    ("this export's format or version is not supported", "le format ou la version de cet export n’est pas pris en charge"),
    (
        "data.json lists {} boards and {} cards; an import takes at most {} boards and {} cards",
        "data.json liste {} tableaux et {} cartes ; un import en prend au plus {} tableaux et {} cartes",
    ),
    (
        "data.json lists {} comments and {} likes; an import takes at most {} comments and {} likes",
        "data.json liste {} commentaires et {} j’aime ; un import en prend au plus {} commentaires et {} j’aime",
    ),
    ("a media path in data.json is invalid", "un chemin de média de data.json est invalide"),
    ("a media file named in data.json is missing", "un fichier média nommé dans data.json manque"),
    ("data.json names the same media file for two cards", "data.json nomme le même fichier média pour deux cartes"),
    (
        "data.json's boards and cards take {} bytes; an import takes at most {} at once",
        "les tableaux et cartes de data.json font {} octets ; un import en prend au plus {} à la fois",
    ),
    ("board {} of data.json has {} zones; a board has at most {}", "le tableau {} de data.json a {} zones ; un tableau en a au plus {}"),
    ("zone {} of board {} in data.json is refused: {}", "la zone {} du tableau {} de data.json est refusée : {}"),
    ("its position and size are whole numbers", "sa position et sa taille sont des nombres entiers"),
    ("positions are between -100000 and 100000", "les positions sont comprises entre -100000 et 100000"),
    ("sizes are between 80 and 20000", "les tailles sont comprises entre 80 et 20000"),
    ("colours are written #RRGGBB", "les couleurs s’écrivent #RRVVBB"),
    ("at most 24 zones on a board", "au plus 24 zones par tableau"),
];

/// The parts of `detail` in the places of `template`'s `{}`, if it has that shape (each part
/// ends at the first occurrence of the literal text that follows it).
pub fn parts<'a>(template: &str, detail: &'a str) -> Option<Vec<&'a str>> {
    let mut pieces = template.split("{}");
    let first = pieces.next().unwrap_or_default();
    let mut rest = detail.strip_prefix(first)?;
    let mut out = Vec::new();
    for literal in pieces {
        let end = if literal.is_empty() { rest.len() } else { rest.find(literal)? };
        out.push(&rest[..end]);
        rest = &rest[end + literal.len()..];
    }
    rest.is_empty().then_some(out)
}

/// `template` with `parts` in its `{}`, in order.
pub fn fill(template: &str, parts: &[String]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    for (i, piece) in template.split("{}").enumerate() {
        if i > 0 {
            out.push_str(parts.get(i - 1).map(String::as_str).unwrap_or_default());
        }
        out.push_str(piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::i18n::details::detail_in;

    #[test]
    fn every_import_refusal_reads_in_french_with_its_numbers_and_nested_rule() {
        for (en, fr) in TEMPLATES {
            assert_eq!(en.matches("{}").count(), fr.matches("{}").count(), "{en}");
            assert_ne!(en, fr);
        }
        assert_eq!(
            detail_in("the archive holds 20000 files; an import reads at most 10000", "fr"),
            "l’archive contient 20000 fichiers ; un import en lit au plus 10000"
        );
        assert_eq!(
            detail_in("zone 2 of board 1 in data.json is refused: sizes are between 80 and 20000", "fr"),
            "la zone 2 du tableau 1 de data.json est refusée : les tailles sont comprises entre 80 et 20000"
        );
        assert_eq!(
            detail_in("zone 1 of board 3 in data.json is refused: at most 80 characters, no control characters", "fr"),
            "la zone 1 du tableau 3 de data.json est refusée : au plus 80 caractères, sans caractère de contrôle"
        );
        assert_eq!(detail_in("the archive's directory is damaged", "en"), "the archive's directory is damaged");
        assert_eq!(parts("a {} b {}", "a 1 b 2"), Some(vec!["1", "2"]));
        assert_eq!(parts("a {} b", "a 1 c"), None);
    }

    /// The templates are the import's own words: each is found in the code that refuses.
    #[test]
    fn the_templates_are_the_importers_words() {
        let sources = [
            include_str!("../../../../core/src/privacy/rights/exports/zipread.rs"),
            include_str!("../../../../core/src/privacy/rights/exports/plan.rs"),
            include_str!("../../../../core/src/boards/layout.rs"),
        ]
        .concat();
        for (en, _) in TEMPLATES {
            // The literal pieces between the numbers appear in the sources (the numbers are
            // format arguments there).
            for piece in en.split("{}").filter(|p| p.len() > 12) {
                assert!(sources.contains(piece.trim()), "not an importer's words any more: {piece:?}");
            }
        }
    }
}
