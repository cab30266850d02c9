//! The texts of pages for people without an account, in English and French: participants
//! (the recovery code shown at join, coming back with it, seeing, downloading and erasing what
//! they posted) and visitors (their consent record and page views on the cookies page).

/// Texts of participants' pages.
#[derive(Debug, serde::Serialize)]
pub struct ParticipantTexts {
    pub joined_title: &'static str,
    pub code_intro: &'static str,
    pub code_once: &'static str,
    pub continue_to_board: &'static str,
    pub recover_title: &'static str,
    pub recover_intro: &'static str,
    pub recovery_code: &'static str,
    pub recover: &'static str,
    pub yours_title: &'static str,
    pub yours_intro: &'static str,
    pub pseudonym: &'static str,
    pub board: &'static str,
    pub joined_at: &'static str,
    pub cards: &'static str,
    pub comments: &'static str,
    pub reactions: &'static str,
    pub nothing: &'static str,
    pub download: &'static str,
    pub erase: &'static str,
    pub erase_hint: &'static str,
    pub erased_title: &'static str,
    pub erased_body: &'static str,
    pub not_participant: &'static str,
}

pub const PARTICIPANT_EN: ParticipantTexts = ParticipantTexts {
    joined_title: "You joined the board",
    code_intro: "This is your recovery code. With it you can come back after your session has ended, see what you posted, download it and erase it, at /participants/recover.",
    code_once: "It is shown only this once and we keep only a fingerprint of it: write it down or save it somewhere safe.",
    continue_to_board: "Go to the board",
    recover_title: "Come back as a participant",
    recover_intro: "Enter the recovery code you were given when you joined a board without an account.",
    recovery_code: "Recovery code",
    recover: "Continue",
    yours_title: "What you posted",
    yours_intro: "Everything you posted on this board as a participant without an account. You can download it or erase it all.",
    pseudonym: "Pseudonym",
    board: "Board",
    joined_at: "Joined",
    cards: "Your ideas",
    comments: "Your comments",
    reactions: "Likes and votes",
    nothing: "Nothing.",
    download: "Download it all (JSON)",
    erase: "Erase everything I posted",
    erase_hint: "Your key is destroyed first, then your ideas, comments, likes, votes and pseudonym. This cannot be undone, and your recovery code stops working.",
    erased_title: "Everything you posted is erased",
    erased_body: "Your key was destroyed, then your ideas, comments, likes, votes and pseudonym were deleted. Your recovery code no longer opens anything.",
    not_participant: "This page is for participants who joined a board without an account.",
};

pub const PARTICIPANT_FR: ParticipantTexts = ParticipantTexts {
    joined_title: "Vous avez rejoint le tableau",
    code_intro: "Voici votre code de récupération. Il vous permet de revenir après la fin de votre session, de voir ce que vous avez publié, de le télécharger et de l'effacer, sur /participants/recover.",
    code_once: "Il n'est affiché que cette fois et nous n'en gardons qu'une empreinte : notez-le ou enregistrez-le en lieu sûr.",
    continue_to_board: "Aller au tableau",
    recover_title: "Revenir en tant que participant",
    recover_intro: "Saisissez le code de récupération reçu lorsque vous avez rejoint un tableau sans compte.",
    recovery_code: "Code de récupération",
    recover: "Continuer",
    yours_title: "Ce que vous avez publié",
    yours_intro: "Tout ce que vous avez publié sur ce tableau en tant que participant sans compte. Vous pouvez le télécharger ou tout effacer.",
    pseudonym: "Pseudonyme",
    board: "Tableau",
    joined_at: "Arrivée",
    cards: "Vos idées",
    comments: "Vos commentaires",
    reactions: "Mentions « j'aime » et votes",
    nothing: "Rien.",
    download: "Tout télécharger (JSON)",
    erase: "Effacer tout ce que j'ai publié",
    erase_hint: "Votre clé est détruite d'abord, puis vos idées, commentaires, mentions « j'aime », votes et votre pseudonyme. C'est irréversible, et votre code de récupération cesse de fonctionner.",
    erased_title: "Tout ce que vous avez publié est effacé",
    erased_body: "Votre clé a été détruite, puis vos idées, commentaires, mentions « j'aime », votes et votre pseudonyme ont été supprimés. Votre code de récupération n'ouvre plus rien.",
    not_participant: "Cette page est destinée aux participants qui ont rejoint un tableau sans compte.",
};

pub fn participant_texts(lang: &str) -> &'static ParticipantTexts {
    if lang == "fr" { &PARTICIPANT_FR } else { &PARTICIPANT_EN }
}

/// Texts of a visitor's own records on the cookies page.
#[derive(Debug, serde::Serialize)]
pub struct VisitorTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub choices: &'static str,
    pub purpose: &'static str,
    pub choice: &'static str,
    pub granted: &'static str,
    pub refused: &'static str,
    pub how: &'static str,
    pub when: &'static str,
    pub proof: &'static str,
    pub page_views: &'static str,
    pub page: &'static str,
    pub ip_address: &'static str,
    pub system: &'static str,
    pub browser: &'static str,
    pub language: &'static str,
    pub none: &'static str,
    pub erase: &'static str,
    pub erase_hint: &'static str,
    pub erased: &'static str,
}

pub const VISITOR_EN: VisitorTexts = VisitorTexts {
    title: "What we hold about this browser",
    intro: "Found only by the random identifiers in this browser's cookies: your recorded cookie choices and, if you accepted statistics, the pages you visited.",
    choices: "Your recorded choices",
    purpose: "Purpose",
    choice: "Choice",
    granted: "accepted",
    refused: "refused",
    how: "How",
    when: "When",
    proof: "Proof",
    page_views: "Your page views",
    page: "Page",
    ip_address: "IP address",
    system: "Operating system",
    browser: "Browser",
    language: "Language",
    none: "None.",
    erase: "Erase my choices and page views",
    erase_hint: "Your records are deleted and the cookies removed from this browser; we will ask for your choice again.",
    erased: "Your recorded choices and page views are erased, and the cookies are removed from this browser.",
};

pub const VISITOR_FR: VisitorTexts = VisitorTexts {
    title: "Ce que nous détenons au sujet de ce navigateur",
    intro: "Retrouvé uniquement grâce aux identifiants aléatoires des cookies de ce navigateur : vos choix en matière de cookies et, si vous avez accepté les statistiques, les pages que vous avez consultées.",
    choices: "Vos choix enregistrés",
    purpose: "Finalité",
    choice: "Choix",
    granted: "accepté",
    refused: "refusé",
    how: "Comment",
    when: "Quand",
    proof: "Preuve",
    page_views: "Vos pages consultées",
    page: "Page",
    ip_address: "Adresse IP",
    system: "Système d'exploitation",
    browser: "Navigateur",
    language: "Langue",
    none: "Aucune.",
    erase: "Effacer mes choix et mes pages consultées",
    erase_hint: "Vos enregistrements sont supprimés et les cookies retirés de ce navigateur ; nous vous redemanderons votre choix.",
    erased: "Vos choix enregistrés et vos pages consultées sont effacés, et les cookies sont retirés de ce navigateur.",
};

pub fn visitor_texts(lang: &str) -> &'static VisitorTexts {
    if lang == "fr" { &VISITOR_FR } else { &VISITOR_EN }
}
