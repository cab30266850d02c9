//! The texts of the service's shell, forms and errors, in English and French, and how a
//! request's language is chosen: `?lang=` (remembered in the `cb_lang` cookie), else the cookie,
//! else the account's, else `Accept-Language`.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;

#[derive(Debug, serde::Serialize)]
pub struct Texts {
    pub lang: &'static str,
    pub tagline: &'static str,
    pub intro: &'static str,
    pub sign_up: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub profile: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub password_hint: &'static str,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub phone: &'static str,
    pub optional: &'static str,
    pub birth_date: &'static str,
    pub birth_date_hint: &'static str,
    pub region: &'static str,
    pub region_hint: &'static str,
    pub language: &'static str,
    pub create_account: &'static str,
    pub have_account: &'static str,
    pub no_account: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub change_email: &'static str,
    pub change_password: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    pub picture: &'static str,
    pub picture_hint: &'static str,
    pub upload: &'static str,
    pub remove_picture: &'static str,
    pub sessions: &'static str,
    pub sessions_hint: &'static str,
    pub sign_out_everywhere: &'static str,
    pub delete_account: &'static str,
    pub delete_hint: &'static str,
    pub delete_confirm: &'static str,
    pub deleted: &'static str,
    pub privacy_contact: &'static str,
    pub error_prefix: &'static str,
    pub encrypted_note: &'static str,
    pub footer_privacy: &'static str,
    pub footer_cookies: &'static str,
    pub footer_trust: &'static str,
    pub footer_history: &'static str,
    pub boards_link: &'static str,
    pub consents: &'static str,
    pub join_link: &'static str,
    pub password_strength_hint: &'static str,
    pub check_mailbox_title: &'static str,
    pub check_mailbox: &'static str,
    pub activate_title: &'static str,
    pub activate_hint: &'static str,
    pub activate_button: &'static str,
    pub activated: &'static str,
    pub activation_link_invalid: &'static str,
    pub skip_to_content: &'static str,
    pub skip_to_add_idea: &'static str,
    pub nav_account: &'static str,
    pub nav_policy: &'static str,
}

pub const EN: Texts = Texts {
    lang: "en",
    tagline: "Boards for workshops, with a privacy policy the software actually keeps.",
    intro: "Gather ideas on shared boards, in real time. Everything you tell us is encrypted with a key of your own; delete your account and that key is destroyed at once.",
    sign_up: "Sign up",
    sign_in: "Sign in",
    sign_out: "Sign out",
    profile: "Your profile",
    email: "Email address",
    password: "Password",
    password_hint: "At least 12 characters.",
    first_name: "First name",
    last_name: "Last name",
    phone: "Phone",
    optional: "optional",
    birth_date: "Date of birth",
    birth_date_hint: "Used only to check that you are at least 16. It is not stored.",
    region: "Where your data is stored",
    region_hint: "Your boards and account stay in this region.",
    language: "Language",
    create_account: "Create my account",
    have_account: "Already have an account?",
    no_account: "No account yet?",
    save: "Save",
    saved: "Saved.",
    change_email: "Change email address",
    change_password: "Change password",
    current_password: "Current password",
    new_password: "New password",
    picture: "Profile picture",
    picture_hint: "PNG, JPEG or WebP, at most 2 MB. Location and camera details are removed before it is stored.",
    upload: "Upload",
    remove_picture: "Remove picture",
    sessions: "Sessions",
    sessions_hint: "Places where you are signed in.",
    sign_out_everywhere: "Sign out everywhere",
    delete_account: "Delete my account",
    delete_hint: "Your key is destroyed first, so your data becomes unreadable immediately; it is then erased everywhere, backups included, within 60 days.",
    delete_confirm: "Delete my account now",
    deleted: "Your account has been deleted.",
    privacy_contact: "Privacy contact",
    error_prefix: "Please check:",
    encrypted_note: "Stored encrypted with your own key.",
    footer_privacy: "Privacy",
    footer_cookies: "Cookies",
    footer_trust: "Trust centre",
    footer_history: "Policy history",
    boards_link: "Boards",
    consents: "What you agreed to",
    join_link: "Join a board",
    password_strength_hint: "Not a common password, nor letters in a row or repeated: a few unrelated words work well.",
    check_mailbox_title: "Check your mailbox",
    check_mailbox: "If this address can receive email, a message is on its way to it: open the link inside within 48 hours to activate your account. If the address already has an account, its owner has been told instead, and no new account was made.",
    activate_title: "Activate your account",
    activate_hint: "Press the button to activate the account this link was sent for.",
    activate_button: "Activate my account",
    activated: "Your account is active. Sign in.",
    skip_to_content: "Skip to the content",
    skip_to_add_idea: "Skip to adding an idea",
    nav_account: "Your account",
    nav_policy: "Policy and information",
    activation_link_invalid: "This link is invalid or has expired (a link works for 48 hours). Sign up again to get a new one.",
};

pub const FR: Texts = Texts {
    lang: "fr",
    tagline: "Des tableaux pour vos ateliers, avec une politique de confidentialité que le logiciel respecte vraiment.",
    intro: "Rassemblez des idées sur des tableaux partagés, en temps réel. Tout ce que vous nous confiez est chiffré avec une clé qui vous est propre ; supprimez votre compte et cette clé est détruite aussitôt.",
    sign_up: "Créer un compte",
    sign_in: "Se connecter",
    sign_out: "Se déconnecter",
    profile: "Votre profil",
    email: "Adresse e-mail",
    password: "Mot de passe",
    password_hint: "Au moins 12 caractères.",
    first_name: "Prénom",
    last_name: "Nom",
    phone: "Téléphone",
    optional: "facultatif",
    birth_date: "Date de naissance",
    birth_date_hint: "Sert uniquement à vérifier que vous avez au moins 16 ans. Elle n'est pas conservée.",
    region: "Lieu de stockage de vos données",
    region_hint: "Vos tableaux et votre compte restent dans cette région.",
    language: "Langue",
    create_account: "Créer mon compte",
    have_account: "Vous avez déjà un compte ?",
    no_account: "Pas encore de compte ?",
    save: "Enregistrer",
    saved: "Enregistré.",
    change_email: "Changer d'adresse e-mail",
    change_password: "Changer de mot de passe",
    current_password: "Mot de passe actuel",
    new_password: "Nouveau mot de passe",
    picture: "Photo de profil",
    picture_hint: "PNG, JPEG ou WebP, 2 Mo au plus. Le lieu et les détails de l'appareil sont retirés avant l'enregistrement.",
    upload: "Envoyer",
    remove_picture: "Retirer la photo",
    sessions: "Sessions",
    sessions_hint: "Les endroits où vous êtes connecté.",
    sign_out_everywhere: "Se déconnecter partout",
    delete_account: "Supprimer mon compte",
    delete_hint: "Votre clé est détruite en premier : vos données deviennent illisibles immédiatement, puis sont effacées partout, sauvegardes comprises, sous 60 jours.",
    delete_confirm: "Supprimer mon compte maintenant",
    deleted: "Votre compte a été supprimé.",
    privacy_contact: "Contact confidentialité",
    error_prefix: "Veuillez vérifier :",
    encrypted_note: "Conservé chiffré avec votre propre clé.",
    footer_privacy: "Confidentialité",
    footer_cookies: "Cookies",
    footer_trust: "Centre de confiance",
    footer_history: "Historique de la politique",
    boards_link: "Tableaux",
    consents: "Ce que vous avez accepté",
    join_link: "Rejoindre un tableau",
    password_strength_hint: "Pas un mot de passe courant, ni des touches qui se suivent ou répétées : quelques mots sans rapport entre eux conviennent bien.",
    check_mailbox_title: "Consultez votre boîte mail",
    check_mailbox: "Si cette adresse peut recevoir des emails, un message y est en route : ouvrez le lien qu'il contient dans les 48 heures pour activer votre compte. Si l'adresse a déjà un compte, c'est son titulaire qui a été prévenu, et aucun nouveau compte n'a été créé.",
    activate_title: "Activez votre compte",
    activate_hint: "Appuyez sur le bouton pour activer le compte pour lequel ce lien a été envoyé.",
    activate_button: "Activer mon compte",
    activated: "Votre compte est actif. Connectez-vous.",
    skip_to_content: "Aller au contenu",
    skip_to_add_idea: "Aller à l’ajout d’une idée",
    nav_account: "Votre compte",
    nav_policy: "Politique et informations",
    activation_link_invalid: "Ce lien n'est pas valable ou a expiré (un lien fonctionne 48 heures). Inscrivez-vous à nouveau pour en recevoir un autre.",
};

/// Texts for a language code.
pub fn texts(lang: &str) -> &'static Texts {
    if lang == "fr" { &FR } else { &EN }
}

/// The language asked for in the query string (`?lang=fr`), if any.
pub fn from_query(query: Option<&str>) -> Option<&'static Texts> {
    query?.split('&').find_map(|kv| match kv {
        "lang=fr" => Some(&FR),
        "lang=en" => Some(&EN),
        _ => None,
    })
}

/// The functional cookie that remembers a chosen language (declared in the policy as a
/// preference: no consent needed, C-COOK-1).
pub const LANG_COOKIE: &str = "cb_lang";

/// The language a request's `cb_lang` cookie remembers, if any.
pub fn from_cookie(headers: &HeaderMap) -> Option<&'static Texts> {
    headers.get_all(axum::http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        match kv.trim().strip_prefix(LANG_COOKIE)?.strip_prefix('=')? {
            "fr" => Some(&FR),
            "en" => Some(&EN),
            _ => None,
        }
    })
}

/// The `Set-Cookie` value that remembers `lang` for a year (HttpOnly, SameSite=Lax, host-only).
pub fn lang_cookie(lang: &str, secure: bool) -> axum::http::HeaderValue {
    let lang = if lang == "fr" { "fr" } else { "en" };
    let secure = if secure { "; Secure" } else { "" };
    axum::http::HeaderValue::from_str(&format!("{LANG_COOKIE}={lang}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{secure}"))
        .unwrap_or_else(|_| axum::http::HeaderValue::from_static(""))
}

/// The language the request's cookie remembers, else the browser's preferred one among ours.
pub fn from_headers(headers: &HeaderMap) -> &'static Texts {
    if let Some(t) = from_cookie(headers) {
        return t;
    }
    let al = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let first = al.split(',').next().unwrap_or("").trim().to_ascii_lowercase();
    if first.starts_with("fr") { &FR } else { &EN }
}

/// Why a new password was refused (issue 11), by `clearboard_core::identity::password_strength` key:
/// the detail of a `password_too_weak` error, whose words say the rest.
pub fn password_weakness(lang: &str, reason: &str) -> &'static str {
    let fr = lang == "fr";
    match (reason, fr) {
        ("common", false) => "it is one of the most common passwords, or a small variation of one",
        ("common", true) => "c'est l'un des mots de passe les plus courants, ou une petite variante de l'un d'eux",
        ("keyboard", false) => "rows and patterns of keys on a keyboard are easy to guess",
        ("keyboard", true) => "les touches qui se suivent sur un clavier sont faciles à deviner",
        ("repeats", false) => "repeated characters or groups of characters are easy to guess",
        ("repeats", true) => "les caractères ou groupes de caractères répétés sont faciles à deviner",
        ("sequence", false) => "sequences like abcd or 6543 are easy to guess",
        ("sequence", true) => "les suites comme abcd ou 6543 sont faciles à deviner",
        ("dates", false) => "dates and years are easy to guess",
        ("dates", true) => "les dates et les années sont faciles à deviner",
        ("words", false) => "a single word or a name is easy to guess",
        ("words", true) => "un mot seul ou un nom est facile à deviner",
        ("personal", false) => "a password made from your own name or email address is easy to guess",
        ("personal", true) => "un mot de passe fait de votre nom ou de votre adresse email est facile à deviner",
        (_, false) => "it would be found quickly by someone trying likely passwords",
        (_, true) => "il serait trouvé rapidement par quelqu'un qui essaie les mots de passe probables",
    }
}
/// The language of an API answer: `?lang=`, else the language the body names, else
/// `Accept-Language`.
pub fn answer_lang(headers: &axum::http::HeaderMap, uri: &axum::http::Uri, body_locale: Option<&str>) -> &'static Texts {
    from_query(uri.query())
        .or_else(|| body_locale.filter(|l| matches!(*l, "en" | "fr")).map(texts))
        .unwrap_or_else(|| from_headers(headers))
}
