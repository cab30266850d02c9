//! The landing page's demonstration board (issue 14: the landing page shows the product), in
//! English and French: a static picture of a workshop board made of HTML, with no script and
//! nothing fetched from anywhere.

/// One demonstration card: its category, its text, its votes.
#[derive(Debug, serde::Serialize)]
pub struct DemoCard {
    pub category: &'static str,
    pub text: &'static str,
    pub votes: u32,
    /// The category's colour class (`demo-idea`, `demo-question`, `demo-risk`).
    pub class: &'static str,
}

#[derive(Debug, serde::Serialize)]
pub struct LandingTexts {
    pub demo_title: &'static str,
    pub demo_caption: &'static str,
    pub demo_board: &'static str,
    pub votes: &'static str,
    pub one_vote: &'static str,
    pub cards: [DemoCard; 5],
    pub points: [&'static str; 3],
}

pub const LANDING_EN: LandingTexts = LandingTexts {
    demo_title: "What a board looks like",
    demo_caption: "A retrospective in progress: ideas, questions and risks on cards, voted by the team. An example, not a live board.",
    demo_board: "Example board: Team retrospective",
    votes: "votes",
    one_vote: "vote",
    cards: [
        DemoCard { category: "Idea", text: "Shorter stand-ups, fifteen minutes at most", votes: 5, class: "demo-idea" },
        DemoCard { category: "Idea", text: "Pair on the release checklist", votes: 3, class: "demo-idea" },
        DemoCard { category: "Question", text: "Who reviews the customer feedback each week?", votes: 2, class: "demo-question" },
        DemoCard { category: "Risk", text: "The test server is down every Monday morning", votes: 4, class: "demo-risk" },
        DemoCard { category: "Question", text: "Can we try a silent brainstorm next time?", votes: 1, class: "demo-question" },
    ],
    points: [
        "Everyone adds cards at the same time and sees the others' as they appear.",
        "Participants join with a code and a pseudonym: no account, and what they post can be erased by them.",
        "Votes can stay hidden until the facilitator reveals them; a timer keeps the pace.",
    ],
};

pub const LANDING_FR: LandingTexts = LandingTexts {
    demo_title: "À quoi ressemble un tableau",
    demo_caption: "Une rétrospective en cours : des idées, des questions et des risques sur des cartes, votés par l’équipe. Un exemple, pas un tableau en direct.",
    demo_board: "Tableau d’exemple : rétrospective d’équipe",
    votes: "votes",
    one_vote: "vote",
    cards: [
        DemoCard { category: "Idée", text: "Des points quotidiens plus courts, quinze minutes au plus", votes: 5, class: "demo-idea" },
        DemoCard { category: "Idée", text: "Faire la liste de contrôle des versions à deux", votes: 3, class: "demo-idea" },
        DemoCard { category: "Question", text: "Qui relit les retours des clients chaque semaine ?", votes: 2, class: "demo-question" },
        DemoCard { category: "Risque", text: "Le serveur de test est en panne tous les lundis matin", votes: 4, class: "demo-risk" },
        DemoCard {
            category: "Question",
            text: "Peut-on essayer un remue-méninges silencieux la prochaine fois ?",
            votes: 1,
            class: "demo-question",
        },
    ],
    points: [
        "Chacun ajoute des cartes en même temps et voit celles des autres apparaître.",
        "Les participants rejoignent avec un code et un pseudonyme : sans compte, et ils peuvent effacer ce qu’ils ont posté.",
        "Les votes peuvent rester masqués jusqu’à ce que l’animateur les révèle ; un minuteur donne le rythme.",
    ],
};

pub fn landing_texts(lang: &str) -> &'static LandingTexts {
    if lang == "fr" { &LANDING_FR } else { &LANDING_EN }
}
