//! Boards: creating one in an organisation, listing, opening (the board and the cards a
//! person may see), and joining its real-time room.

use std::sync::Arc;

use serde_json::json;

use crate::boards::access::Access;
use crate::boards::input::{TITLE_MAX, clean_text, new_join_code};
use crate::boards::sealing::{KeyCache, legend_aad, open_string, org_key_owner, seal, seal_str, seal_zones, title_aad};
use crate::boards::service::{Boards, PURPOSE};
use crate::boards::shapes::{BoardView, CardView};
use crate::boards::templates::Template;
use crate::boards::views::{self, BoardSummary};
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::error::CoreError;
use crate::platform::ids::{BoardId, OrgId};
use crate::platform::ports::{BoardRow, StoreError};

impl Boards<'_> {
    /// Creates a board in an organisation the person belongs to (their personal workspace by
    /// default).
    pub async fn create_board(&self, who: &Principal, org: Option<&OrgId>, title: &str) -> Result<BoardView, CoreError> {
        self.create_board_from(who, org, title, None, None).await
    }

    /// Creates a board, from a template when one is named: its zones and categories, titled
    /// in `lang` (`en` or `fr`; by default the creator's language, their account's
    /// preference), become the board's own.
    pub async fn create_board_from(
        &self,
        who: &Principal,
        org: Option<&OrgId>,
        title: &str,
        template: Option<Template>,
        lang: Option<&str>,
    ) -> Result<BoardView, CoreError> {
        self.guard()?;
        let locale = match lang {
            Some(_) => None,
            None => match self.cb.region(&who.region) {
                Ok(r) => r.store.account(&who.subject).await.ok().flatten().map(|a| a.locale),
                Err(_) => None,
            },
        };
        let lang = lang.or(locale.as_deref()).unwrap_or("en");
        let title = clean_text("title", title, TITLE_MAX)?;
        let org = match org {
            Some(o) => o.clone(),
            None => self.orgs(who).await?.into_iter().find(|o| o.personal).map(|o| o.id).ok_or(CoreError::Forbidden)?,
        };
        let (region, _me) = self.org_member(who, &org).await?;
        let now = self.cb.now();
        let id = BoardId::new(now)?;
        let okey = self.cb.keys().current(&region, &org_key_owner(&org)).await?;
        let legend = match template {
            Some(t) => t.legend(lang),
            // The default categories in the creator's language (French everywhere, issue 14).
            None => crate::boards::default_legend::default_legend(lang),
        };
        let zones = template.map(|t| t.zones(lang)).unwrap_or_default();
        let legend_json = serde_json::to_vec(&legend).map_err(|_| CoreError::Internal("legend"))?;
        let mut code = new_join_code()?;
        let mut indexed = false;
        for _ in 0..5 {
            match self.cb.directory().index_board(&id, &org, &region.id, &code).await {
                Ok(()) => {
                    indexed = true;
                    break;
                }
                Err(StoreError::Conflict) => code = new_join_code()?,
                Err(e) => return Err(e.into()),
            }
        }
        if !indexed {
            return Err(CoreError::Internal("could not find a free join code"));
        }
        let row = BoardRow {
            id: id.clone(),
            org_id: org.clone(),
            title: seal_str(&okey, title_aad(&id), &title)?,
            legend: seal(&okey, legend_aad(&id), &legend_json)?,
            created_by: Some(who.subject.clone()),
            created_at: now,
            updated_at: now,
            locked: false,
            controlled: false,
            anonymous: false,
            vote_tokens: 5,
            join_code: code,
            seq: 0,
            votes_hidden: false,
            timer_ends_at: None,
            timer_left_ms: None,
            timer_pauses: false,
            zones: seal_zones(&okey, &id, &zones)?,
        };
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "board.created",
            Some(&who.subject),
            Some(PURPOSE),
            json!({ "board": id, "org": org, "template": template.map(Template::as_str) }),
        );
        region.boards.create_board(&row, audit).await?;
        let access = self.access(who, &id).await?;
        views::board_view(&mut KeyCache::new(self.cb.keys(), &access.region), &access).await
    }

    /// The boards of every organisation the person belongs to.
    pub async fn list(&self, who: &Principal) -> Result<Vec<BoardSummary>, CoreError> {
        let orgs = self.orgs(who).await?;
        let region = self.cb.region(&who.region)?.clone();
        let mut out = Vec::new();
        for o in orgs {
            let okey = self.cb.keys().current(&region, &org_key_owner(&o.id)).await?;
            for b in region.boards.boards_of_org(&o.id).await? {
                out.push(BoardSummary {
                    title: open_string(&okey, title_aad(&b.id), &b.title)?,
                    id: b.id,
                    org_id: o.id.clone(),
                    org_name: o.name.clone(),
                    created_at: crate::platform::clock::rfc3339(b.created_at),
                });
            }
        }
        Ok(out)
    }

    /// The board and the cards the person may see.
    pub async fn open(&self, who: &Principal, board: &BoardId) -> Result<(BoardView, Vec<CardView>), CoreError> {
        self.guard()?;
        let a = self.access(who, board).await?;
        let mut keys = KeyCache::new(self.cb.keys(), &a.region);
        let b = views::board_view(&mut keys, &a).await?;
        let cards = views::card_views(&mut keys, &a).await?;
        Ok((b, cards))
    }

    /// Subscribes to a board's room: the viewer, the room, and the person's presence name.
    pub async fn room(&self, who: &Principal, board: &BoardId) -> Result<(Access, Arc<crate::boards::realtime::Room>, String), CoreError> {
        let a = self.access(who, board).await?;
        // One name per person: members their display name, participants their pseudonym, a
        // generated one on an anonymous board.
        let name = views::shown_name(&mut KeyCache::new(self.cb.keys(), &a.region), &a).await?;
        Ok((a, self.cb.inner.hub.room(board), name))
    }
}
