//! The texts of the consent window (C-COOK-3), in English and French. The purposes it lists
//! come from the policy's cookie list.

/// Fixed texts of the consent window that every page carries until a visitor has chosen.
#[derive(Debug, serde::Serialize)]
pub struct ConsentTexts {
    pub close: &'static str,
    pub title: &'static str,
    pub text: &'static str,
    pub list: &'static str,
    pub reject: &'static str,
    pub accept: &'static str,
    pub settings: &'static str,
    pub save: &'static str,
}

pub const CONSENT_EN: ConsentTexts = ConsentTexts {
    close: "Close (refuses non-essential cookies)",
    title: "Cookies",
    text: "We use essential cookies to run this site. With your permission we would also count visits, anonymously and first-party only. Refusing is as easy as accepting, and you can change your mind at any time from the Cookies link at the bottom of every page.",
    list: "Cookie list",
    reject: "Reject all",
    accept: "Accept all",
    settings: "Choose purpose by purpose",
    save: "Save my choice",
};

pub const CONSENT_FR: ConsentTexts = ConsentTexts {
    close: "Fermer (refuse les cookies non essentiels)",
    title: "Cookies",
    text: "Nous utilisons des cookies essentiels au fonctionnement du site. Avec votre accord, nous compterions aussi les visites, de manière anonyme et sans aucun tiers. Refuser est aussi simple qu'accepter, et vous pouvez changer d'avis à tout moment grâce au lien Cookies en bas de chaque page.",
    list: "Liste des cookies",
    reject: "Tout refuser",
    accept: "Tout accepter",
    settings: "Choisir finalité par finalité",
    save: "Enregistrer mon choix",
};

pub fn consent_texts(lang: &str) -> &'static ConsentTexts {
    if lang == "fr" { &CONSENT_FR } else { &CONSENT_EN }
}
