//! `README.txt` of an export: the information owed with an access answer (GDPR Art. 15(1)–(2),
//! C-DSR-3), rendered from the policy the service runs under, in the person's language (their
//! account's preference, English or French; issue 14).

use crate::platform::clock::{Millis, rfc3339};
use crate::platform::context::Clearboard;

/// The fixed words of the README, per language.
struct Words {
    title: &'static str,
    generated: &'static str,
    controller: &'static str,
    contact: &'static str,
    dpo: &'static str,
    policy: &'static str,
    files: &'static str,
    list: &'static str,
    categories: &'static str,
    source: &'static str,
    purpose: &'static str,
    basis: &'static str,
    recipient: &'static str,
    transfer: &'static str,
    kept: &'static str,
    from: &'static str,
    rights_title: &'static str,
    rights: &'static str,
    complain: &'static str,
}

const EN: Words = Words {
    title: "Your data held by this clearboard service\r\n=========================================",
    generated: "Generated",
    controller: "Controller",
    contact: "Privacy contact",
    dpo: "Data protection officer",
    policy: "Policy version",
    files: "Files\r\n-----",
    list: "data.json     everything below, machine-readable (JSON Schema: export-schema.json)\r\ncsv/          one table per category and list\r\nmedia/        your original images and videos",
    categories: "Categories, purposes, legal bases, recipients, retention and source\r\n--------------------------------------------------------------------",
    source: "Source",
    purpose: "Purpose",
    basis: "legal basis",
    recipient: "Recipient",
    transfer: "Transfer to",
    kept: "Kept",
    from: "from",
    rights_title: "Your rights\r\n-----------",
    rights: "You may ask for access to, correction or erasure of your data, restriction of or objection to its processing, and a copy to take elsewhere (portability); you may withdraw any consent at any time without affecting what was done before. Most of this is self-service in the privacy centre (/me/privacy); anything else through /privacy/requests.",
    complain: "You may complain to a supervisory authority",
};

const FR: Words = Words {
    title: "Vos données conservées par ce service clearboard\r\n================================================",
    generated: "Produit le",
    controller: "Responsable du traitement",
    contact: "Contact vie privée",
    dpo: "Délégué à la protection des données",
    policy: "Version de la politique",
    files: "Fichiers\r\n--------",
    list: "data.json     tout ce qui suit, lisible par une machine (schéma JSON : export-schema.json)\r\ncsv/          un tableau par catégorie et par liste\r\nmedia/        vos images et vidéos d'origine",
    categories: "Catégories, finalités, bases légales, destinataires, conservation et source\r\n---------------------------------------------------------------------------",
    source: "Source",
    purpose: "Finalité",
    basis: "base légale",
    recipient: "Destinataire",
    transfer: "Transfert vers",
    kept: "Conservation",
    from: "à compter de",
    rights_title: "Vos droits\r\n----------",
    rights: "Vous pouvez demander l'accès à vos données, leur rectification ou leur effacement, la limitation de leur traitement ou vous y opposer, et en recevoir une copie à emporter ailleurs (portabilité) ; vous pouvez retirer un consentement à tout moment, sans effet sur ce qui a été fait avant. L'essentiel se fait vous-même dans le centre de confidentialité (/me/privacy) ; le reste par /privacy/requests.",
    complain: "Vous pouvez adresser une réclamation à une autorité de contrôle",
};

/// The language of an export: `fr` when the person's account prefers French, else `en`.
pub(super) fn lang_of(locale: Option<&str>) -> &'static str {
    if locale.is_some_and(|l| l.trim().starts_with("fr")) { "fr" } else { "en" }
}

/// `README.txt` in `lang` (`en` or `fr`) for the categories present in the export.
pub(super) fn readme(cb: &Clearboard, lang: &str, categories: &[String], generated: Millis) -> String {
    let w = if lang == "fr" { &FR } else { &EN };
    let p = cb.policy();
    let d = p.doc();
    let t = |x: &clearboard_policy::model::Text| if lang == "fr" { x.fr.clone() } else { x.en.clone() };
    let colon = if lang == "fr" { " :" } else { ":" };
    let mut s = String::new();
    s.push_str(&format!("{}\r\n\r\n", w.title));
    s.push_str(&format!(
        "{}{colon} {}\r\n{}{colon} {}, {}\r\n{}{colon} {}\r\n",
        w.generated,
        rfc3339(generated),
        w.controller,
        d.controller.name,
        d.controller.address,
        w.contact,
        d.controller.privacy_contact
    ));
    if let Some(dpo) = &d.controller.dpo_contact {
        s.push_str(&format!("{}{colon} {dpo}\r\n", w.dpo));
    }
    s.push_str(&format!("{}{colon} {}\r\n\r\n", w.policy, p.digest()));
    s.push_str(&format!("{}\r\n{}\r\n\r\n", w.files, w.list));
    s.push_str(&format!("{}\r\n", w.categories));
    for c in &d.categories {
        if !categories.contains(&c.id) {
            continue;
        }
        s.push_str(&format!("\r\n* {} ({})\r\n  {}\r\n  {}{colon} {}\r\n", t(&c.title), c.id, t(&c.description), w.source, t(&c.source)));
        for pu in d.purposes.iter().filter(|pu| pu.categories.contains(&c.id)) {
            let basis = pu.legal_basis.map(|b| b.label(lang)).unwrap_or("—");
            s.push_str(&format!("  {}{colon} {} ({}{colon} {basis})\r\n", w.purpose, t(&pu.title), w.basis));
            for r in p.recipients_for(&pu.id).filter(|r| r.categories.contains(&c.id)) {
                s.push_str(&format!("    {}{colon} {} — {} ({})\r\n", w.recipient, t(&r.name), r.kind.label(lang), t(&r.location)));
                if let Some(tr) = r.transfer.as_deref().and_then(|id| p.transfer(id)) {
                    let mech = tr.mechanism.map(|m| m.label(lang)).unwrap_or("—");
                    s.push_str(&format!("      {} {}{colon} {mech}. {}\r\n", w.transfer, tr.to, t(&tr.description)));
                }
            }
        }
        for r in p.retention_of(&c.id) {
            s.push_str(&format!("  {}{colon} {} ({} {} {})\r\n", w.kept, t(&r.description), r.period().label(lang), w.from, r.trigger));
        }
    }
    s.push_str(&format!("\r\n{}\r\n{}\r\n", w.rights_title, w.rights));
    s.push_str(&format!("{}{colon} {}.\r\n", w.complain, t(&d.controller.supervisory_authority)));
    s
}
