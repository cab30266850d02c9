//! The closed sets boards speak in, typed: card kinds, card statuses (controlled mode's
//! approval), organisation roles, invitation statuses and board modes. Stored and sent as the
//! same lowercase strings as before (no migration): `as_str` writes them, `parse` reads them;
//! an unknown value from a person is a validation error, an unknown stored value a corrupt
//! row. Plain data, named by the ports' rows: this file names nothing else of core.

use serde::{Deserialize, Serialize};

macro_rules! closed_set {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vm])* $variant),+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// As stored and sent.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// From its stored or sent form; `None` if it is none of them.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

closed_set!(
    /// What a card holds.
    CardKind {
        Text => "text",
        /// A web address, stored as text and never fetched.
        Link => "link",
        Image => "image",
        Video => "video",
    }
);

impl CardKind {
    /// Images and videos: uploaded, checked by content, stored as sealed blobs.
    pub fn is_media(self) -> bool {
        matches!(self, Self::Image | Self::Video)
    }
}

closed_set!(
    /// Where a card is in controlled mode's approval.
    CardStatus {
        /// Waits for a facilitator: seen only by facilitators and its author, and nobody can
        /// react to it.
        Pending => "pending",
        Published => "published",
    }
);

closed_set!(
    /// A member's role in an organisation.
    OrgRole {
        /// Created the organisation (or inherited it); only an owner makes others owner.
        Owner => "owner",
        /// Invites and removes members, facilitates every board.
        Admin => "admin",
        Member => "member",
    }
);

impl OrgRole {
    /// Owners and admins: invitations, members, and facilitation of every board.
    pub fn manages(self) -> bool {
        matches!(self, Self::Owner | Self::Admin)
    }
}

closed_set!(
    /// A person's role on one board (decided per board by `access`).
    BoardRole {
        /// Organisation owner or admin, or the board's creator: settings, export, moderation.
        Facilitator => "facilitator",
        /// A member of the board's organisation.
        Member => "member",
        /// Someone who joined this board by code, without an account.
        Participant => "participant",
    }
);

closed_set!(
    /// Where an invitation stands.
    InvitationStatus {
        Pending => "pending",
        Accepted => "accepted",
        Revoked => "revoked",
        Expired => "expired",
    }
);

closed_set!(
    /// The modes a facilitator turns on and off, each a setting of the board.
    BoardMode {
        /// Nobody but facilitators changes anything.
        Locked => "locked",
        /// New ideas wait for a facilitator's approval.
        Controlled => "controlled",
        /// Authors are hidden from everyone, facilitators included (fixed when something is
        /// posted).
        Anonymous => "anonymous",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_round_trips_through_its_stored_and_sent_form() {
        fn check<T: Copy + PartialEq + std::fmt::Debug + Serialize>(all: &[T], text: fn(T) -> &'static str, parse: fn(&str) -> Option<T>) {
            for v in all {
                assert_eq!(parse(text(*v)), Some(*v));
                assert_eq!(serde_json::to_value(v).unwrap(), serde_json::json!(text(*v)), "sent as stored");
            }
            assert_eq!(parse("Text"), None, "exact, lowercase");
        }
        check(CardKind::ALL, CardKind::as_str, CardKind::parse);
        check(CardStatus::ALL, CardStatus::as_str, CardStatus::parse);
        check(OrgRole::ALL, OrgRole::as_str, OrgRole::parse);
        check(InvitationStatus::ALL, InvitationStatus::as_str, InvitationStatus::parse);
        check(BoardMode::ALL, BoardMode::as_str, BoardMode::parse);
        check(BoardRole::ALL, BoardRole::as_str, BoardRole::parse);
        assert_eq!(CardKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(), ["text", "link", "image", "video"]);
        assert!(OrgRole::Admin.manages() && !OrgRole::Member.manages() && CardKind::Video.is_media() && !CardKind::Link.is_media());
    }
}
