//! What the board's script says to assistive technologies, in English and French: the
//! accessible names of cards and their reaction buttons, and the announcements of others'
//! changes in the board's polite live region (`assets/board/names.js`, `announce.js`).
//! `{author}`, `{text}`, `{n}` are filled in by the script.

/// Names and announcements of the board page (serialised into the page's data as `a11y`).
#[derive(Debug, serde::Serialize)]
pub struct BoardA11y {
    pub card_by: &'static str,
    pub card_anonymous: &'static str,
    pub one_vote: &'static str,
    pub votes: &'static str,
    pub votes_hidden: &'static str,
    pub yours: &'static str,
    pub pending: &'static str,
    pub like: &'static str,
    pub vote: &'static str,
    pub unvote: &'static str,
    pub comments: &'static str,
    pub added: &'static str,
    pub added_anonymous: &'static str,
    pub edited: &'static str,
    pub removed: &'static str,
    pub commented: &'static str,
    pub someone: &'static str,
}

pub const BOARD_A11Y_EN: BoardA11y = BoardA11y {
    card_by: "Card by {author}: {text}",
    card_anonymous: "Card: {text}",
    one_vote: "1 vote",
    votes: "{n} votes",
    votes_hidden: "votes hidden",
    yours: "{n} of them yours",
    pending: "awaiting approval",
    like: "Like, {n}",
    vote: "Vote, {votes}",
    unvote: "Take back one of your votes",
    comments: "Comments, {n}",
    added: "New card by {author}: {text}",
    added_anonymous: "New card: {text}",
    edited: "Card changed: {text}",
    removed: "A card was removed: {text}",
    commented: "New comment on the card {text}",
    someone: "someone",
};

pub const BOARD_A11Y_FR: BoardA11y = BoardA11y {
    card_by: "Carte de {author} : {text}",
    card_anonymous: "Carte : {text}",
    one_vote: "1 vote",
    votes: "{n} votes",
    votes_hidden: "votes masqués",
    yours: "dont {n} de vous",
    pending: "en attente de validation",
    like: "J’aime, {n}",
    vote: "Voter, {votes}",
    unvote: "Retirer un de vos votes",
    comments: "Commentaires, {n}",
    added: "Nouvelle carte de {author} : {text}",
    added_anonymous: "Nouvelle carte : {text}",
    edited: "Carte modifiée : {text}",
    removed: "Une carte a été retirée : {text}",
    commented: "Nouveau commentaire sur la carte {text}",
    someone: "quelqu’un",
};

/// The board's accessible names and announcements in a language.
pub fn board_a11y(lang: &str) -> &'static BoardA11y {
    if lang == "fr" { &BOARD_A11Y_FR } else { &BOARD_A11Y_EN }
}
