//! Navigational data and statistics (C-DATA-8, C-USE-4).
//!
//! Page views of the public website are collected first-party and only with the visitor's
//! consent to statistics (and never under Global Privacy Control): the analytics cookie's random
//! id, the address (sealed with a key of that visitor; only a truncated prefix is kept in clear),
//! the time, operating system, browser and major version, language and page. Withdrawing or
//! objecting deletes the visitor's page views and destroys their key.
//!
//! Statistics are computed from these rows and published only in aggregate: every cell counts
//! distinct people and is suppressed below k (default 10); each person's weight in a cell is
//! bounded; optional Laplace noise (configured ε) is drawn deterministically per cell and
//! window, so asking twice gives the same answer and averaging cannot remove it. There is no
//! row-level export.
//!
//! Takes the whole context (`Clearboard`): statistics read the policy, the keyring and subject
//! keys (sealed addresses), the settings (k, ε) and every region's consent store.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::platform::clock::{MINUTE, Millis};
use crate::platform::context::Clearboard;
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::ports::PageViewRow;

/// Pages of the public website whose views are counted.
pub const COUNTED_PAGES: &[&str] = &["/", "/privacy", "/cookies", "/trust", "/signup", "/signin", "/join", "/privacy/history"];

/// The funnel published in statistics.
pub const FUNNEL: &[&str] = &["/", "/signup"];

/// Per person and cell, at most this many page views or visits count.
pub const MAX_CONTRIBUTION: u64 = 10;

/// A visit is over after this long without a page view.
const VISIT_GAP: Millis = 30 * MINUTE;

/// One page view as it arrives.
#[derive(Debug, Clone)]
pub struct Visit<'a> {
    pub visitor_id: &'a str,
    pub ip: IpAddr,
    pub user_agent: &'a str,
    pub accept_language: &'a str,
    pub page: &'a str,
}

pub(crate) fn visitor_key_owner(visitor: &str) -> SubjectId {
    SubjectId::from_stored(format!("visitor:{visitor}"))
}

/// The address with its host part removed (/24 for IPv4, /48 for IPv6).
pub fn ip_prefix(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v) => {
            let o = v.octets();
            format!("{}.{}.{}.0/24", o[0], o[1], o[2])
        }
        IpAddr::V6(v) => {
            let s = v.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
    }
}

/// Operating system, browser and major version from a User-Agent, coarsely.
pub fn parse_user_agent(ua: &str) -> (&'static str, &'static str, String) {
    let os = if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("CrOS") {
        "ChromeOS"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        "other"
    };
    let version_after = |marker: &str| -> Option<String> {
        let rest = &ua[ua.find(marker)? + marker.len()..];
        let v: String = rest.chars().take_while(char::is_ascii_digit).collect();
        (!v.is_empty()).then_some(v)
    };
    let (browser, version) = if let Some(v) = version_after("Edg/") {
        ("Edge", v)
    } else if let Some(v) = version_after("Firefox/") {
        ("Firefox", v)
    } else if let Some(v) = version_after("Chrome/") {
        ("Chrome", v)
    } else if ua.contains("Safari/") {
        ("Safari", version_after("Version/").unwrap_or_default())
    } else {
        ("other", String::new())
    };
    (os, browser, version)
}

/// The first language tag of an Accept-Language header, tidied.
pub fn first_language(header: &str) -> String {
    let tag: String = header
        .split([',', ';'])
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphabetic() || *c == '-')
        .take(8)
        .collect();
    if tag.is_empty() { "unknown".into() } else { tag }
}

/// A published number: `None` when suppressed (fewer than k people).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cell {
    pub value: Option<u64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PageCell {
    pub page: String,
    pub views: Cell,
    pub visitors: Cell,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FunnelStep {
    pub page: String,
    pub visitors: Cell,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DayCell {
    pub day: String,
    pub visitors: Cell,
}

/// Aggregated statistics for a window.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stats {
    pub from: String,
    pub to: String,
    pub k: u64,
    pub epsilon: Option<f64>,
    pub visitors: Cell,
    pub visits: Cell,
    pub page_views: Cell,
    pub pages: Vec<PageCell>,
    pub sections: Vec<PageCell>,
    pub days: Vec<DayCell>,
    pub funnel: Vec<FunnelStep>,
    pub suppressed_cells: usize,
}

/// The aggregation, as a pure function of the rows (tested on its own).
pub struct Aggregator {
    pub k: u64,
    pub epsilon: Option<f64>,
    /// Keys the deterministic noise (so it cannot be predicted from outside).
    pub noise_key: [u8; 32],
    pub window: (Millis, Millis),
}

impl Aggregator {
    /// Laplace noise for one cell, drawn deterministically from the cell's name and window.
    fn noise(&self, cell: &str, sensitivity: f64) -> f64 {
        let Some(eps) = self.epsilon.filter(|e| *e > 0.0) else { return 0.0 };
        let mut h = Sha256::new();
        h.update(self.noise_key);
        h.update(cell.as_bytes());
        h.update(self.window.0.to_be_bytes());
        h.update(self.window.1.to_be_bytes());
        let d = h.finalize();
        let mut b = [0u8; 8];
        b.copy_from_slice(&d[..8]);
        // Uniform in (-0.5, 0.5), then the inverse CDF of Laplace(0, sensitivity / ε).
        let u = (u64::from_be_bytes(b) >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
        let u = u.clamp(-0.499_999_999, 0.499_999_999);
        -(sensitivity / eps) * u.signum() * (1.0 - 2.0 * u.abs()).ln()
    }

    /// A published cell: suppressed when fewer than k distinct people, else the (noisy) count.
    fn cell(&self, name: &str, people: u64, count: u64, sensitivity: f64, suppressed: &mut usize) -> Cell {
        if people < self.k {
            *suppressed += 1;
            return Cell { value: None };
        }
        let v = (count as f64 + self.noise(name, sensitivity)).round().max(0.0) as u64;
        Cell { value: Some(v) }
    }

    pub fn aggregate(&self, rows: &[PageViewRow]) -> Stats {
        let mut suppressed = 0;
        let mut by_visitor: BTreeMap<&str, Vec<&PageViewRow>> = BTreeMap::new();
        for r in rows {
            by_visitor.entry(r.visitor_id.as_str()).or_default().push(r);
        }
        let people = by_visitor.len() as u64;
        // Visits: a new visit after 30 minutes of silence; each person counts at most 10.
        let mut visits = 0;
        let mut views_total = 0;
        let mut page_views: HashMap<&str, (BTreeSet<&str>, u64)> = HashMap::new();
        let mut sections: HashMap<String, (BTreeSet<&str>, u64)> = HashMap::new();
        let mut days: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
        for (visitor, vs) in &by_visitor {
            let mut n = 0;
            let mut last: Option<Millis> = None;
            let mut per_page: HashMap<&str, u64> = HashMap::new();
            let mut per_section: HashMap<String, u64> = HashMap::new();
            for v in vs {
                if last.is_none_or(|l| v.at - l > VISIT_GAP) {
                    n += 1;
                }
                last = Some(v.at);
                let c = per_page.entry(v.page.as_str()).or_default();
                *c = (*c + 1).min(MAX_CONTRIBUTION);
                let section = format!("/{}", v.page.trim_start_matches('/').split('/').next().unwrap_or(""));
                let s = per_section.entry(section).or_default();
                *s = (*s + 1).min(MAX_CONTRIBUTION);
                days.entry(crate::platform::clock::date_of(v.at).to_string()).or_default().insert(visitor);
            }
            visits += n.min(MAX_CONTRIBUTION);
            views_total += (vs.len() as u64).min(MAX_CONTRIBUTION);
            for (p, c) in per_page {
                let e = page_views.entry(p).or_default();
                e.0.insert(visitor);
                e.1 += c;
            }
            for (p, c) in per_section {
                let e = sections.entry(p).or_default();
                e.0.insert(visitor);
                e.1 += c;
            }
        }
        let mut pages: Vec<PageCell> = page_views
            .iter()
            .map(|(p, (who, n))| PageCell {
                page: (*p).to_string(),
                views: self.cell(&format!("page-views:{p}"), who.len() as u64, *n, MAX_CONTRIBUTION as f64, &mut suppressed),
                visitors: self.cell(&format!("page-visitors:{p}"), who.len() as u64, who.len() as u64, 1.0, &mut suppressed),
            })
            .collect();
        pages.sort_by(|a, b| a.page.cmp(&b.page));
        let mut secs: Vec<PageCell> = sections
            .iter()
            .map(|(p, (who, n))| PageCell {
                page: p.clone(),
                views: self.cell(&format!("section-views:{p}"), who.len() as u64, *n, MAX_CONTRIBUTION as f64, &mut suppressed),
                visitors: self.cell(&format!("section-visitors:{p}"), who.len() as u64, who.len() as u64, 1.0, &mut suppressed),
            })
            .collect();
        secs.sort_by(|a, b| a.page.cmp(&b.page));
        let days = days
            .iter()
            .map(|(d, who)| DayCell {
                day: d.clone(),
                visitors: self.cell(&format!("day:{d}"), who.len() as u64, who.len() as u64, 1.0, &mut suppressed),
            })
            .collect();
        // The funnel: people who saw each step after the previous one.
        let mut funnel = Vec::new();
        let mut reached: BTreeMap<&str, Millis> = by_visitor.keys().map(|v| (*v, Millis::MIN)).collect();
        for step in FUNNEL {
            let mut next = BTreeMap::new();
            for (v, after) in &reached {
                if let Some(t) = by_visitor[v].iter().find(|r| r.page == *step && r.at >= *after).map(|r| r.at) {
                    next.insert(*v, t);
                }
            }
            funnel.push(FunnelStep {
                page: (*step).to_string(),
                visitors: self.cell(&format!("funnel:{step}"), next.len() as u64, next.len() as u64, 1.0, &mut suppressed),
            });
            reached = next;
        }
        Stats {
            from: crate::platform::clock::rfc3339(self.window.0),
            to: crate::platform::clock::rfc3339(self.window.1),
            k: self.k,
            epsilon: self.epsilon,
            visitors: self.cell("visitors", people, people, 1.0, &mut suppressed),
            visits: self.cell("visits", people, visits, MAX_CONTRIBUTION as f64, &mut suppressed),
            page_views: self.cell("page-views", people, views_total, MAX_CONTRIBUTION as f64, &mut suppressed),
            pages,
            sections: secs,
            days,
            funnel,
            suppressed_cells: suppressed,
        }
    }
}

pub struct Navigation<'a> {
    cb: &'a Clearboard,
}

impl Clearboard {
    pub fn navigation(&self) -> Navigation<'_> {
        Navigation { cb: self }
    }
}

impl Navigation<'_> {
    fn region(&self) -> Result<&crate::platform::context::RegionHandle, CoreError> {
        self.cb.region(&self.cb.settings().default_region)
    }

    /// Records one page view. The caller has checked consent and the absence of GPC.
    pub async fn record(&self, v: Visit<'_>) -> Result<(), CoreError> {
        self.cb.policy().check("statistics", "navigation")?;
        if !COUNTED_PAGES.contains(&v.page) || v.visitor_id.len() != 22 {
            return Ok(());
        }
        let region = self.region()?.clone();
        let owner = visitor_key_owner(v.visitor_id);
        let dek = match self.cb.keys().current(&region, &owner).await {
            Ok(k) => k,
            Err(CoreError::Erased) if region.keys.tombstone(&owner).await?.is_none() => self.cb.keys().create(&region, &owner).await?,
            Err(e) => return Err(e),
        };
        let now = self.cb.now();
        let id = crate::platform::ids::new_uuid(now)?.to_string();
        let (os, browser, version) = parse_user_agent(v.user_agent);
        let ip = dek.seal_str(clearboard_vault::Aad { table: "page_views", column: "ip", row: &id }, &v.ip.to_string())?;
        let row = PageViewRow {
            id,
            visitor_id: v.visitor_id.to_string(),
            at: now,
            ip,
            ip_prefix: ip_prefix(v.ip),
            os: os.into(),
            browser: browser.into(),
            browser_version: version,
            language: first_language(v.accept_language),
            page: v.page.to_string(),
        };
        region.consents.record_page_view(&row).await?;
        metrics::counter!("clearboard_page_views_recorded_total").increment(1);
        Ok(())
    }

    /// Deletes a visitor's page views and destroys their key (withdrawal, objection).
    pub async fn forget(&self, visitor_id: &str) -> Result<u64, CoreError> {
        if visitor_id.len() != 22 {
            return Ok(0);
        }
        let region = self.region()?.clone();
        let n = region.consents.delete_page_views_of(visitor_id).await?;
        self.cb.keys().shred(&region, &visitor_key_owner(visitor_id)).await?;
        Ok(n)
    }

    /// How many page views a visitor has (for the tests and the cookie page).
    pub async fn count_of(&self, visitor_id: &str) -> Result<u64, CoreError> {
        Ok(self.region()?.consents.page_views_of(visitor_id).await?)
    }

    /// Aggregated statistics over `[from, to)`.
    pub async fn statistics(&self, from: Millis, to: Millis) -> Result<Stats, CoreError> {
        let rows = self.region()?.consents.page_views(from, to).await?;
        let mut noise_key = [0u8; 32];
        noise_key.copy_from_slice(&Sha256::digest(&self.cb.keyring().cookie_key_material()[..])[..]);
        // C-USE-4: the threshold and the noise are the policy's.
        let s = &self.cb.policy().doc().statistics;
        Ok(Aggregator { k: s.k, epsilon: s.epsilon, noise_key, window: (from, to) }.aggregate(&rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(visitor: usize, page: &str, at: Millis) -> PageViewRow {
        PageViewRow {
            id: format!("{visitor}-{at}"),
            visitor_id: format!("v{visitor:021}"),
            at,
            ip: vec![],
            ip_prefix: String::new(),
            os: "Linux".into(),
            browser: "Chrome".into(),
            browser_version: "156".into(),
            language: "fr".into(),
            page: page.into(),
        }
    }

    fn agg(eps: Option<f64>) -> Aggregator {
        Aggregator { k: 10, epsilon: eps, noise_key: [7; 32], window: (0, 1_000 * MINUTE) }
    }

    fn dataset() -> Vec<PageViewRow> {
        let mut rows = Vec::new();
        for v in 0..40 {
            rows.push(view(v, "/", (v as i64) * MINUTE));
            if v % 2 == 0 {
                rows.push(view(v, "/signup", (v as i64 + 1) * MINUTE));
            }
            if v < 4 {
                rows.push(view(v, "/trust", (v as i64 + 2) * MINUTE));
            }
        }
        rows
    }

    fn cells(s: &Stats) -> Vec<(String, Option<u64>)> {
        let mut out = vec![("visitors".into(), s.visitors.value), ("visits".into(), s.visits.value), ("views".into(), s.page_views.value)];
        for p in &s.pages {
            out.push((format!("pv{}", p.page), p.views.value));
            out.push((format!("pp{}", p.page), p.visitors.value));
        }
        for p in &s.funnel {
            out.push((format!("f{}", p.page), p.visitors.value));
        }
        for d in &s.days {
            out.push((format!("d{}", d.day), d.visitors.value));
        }
        out
    }

    /// Acceptance 4: no published cell counts fewer than k people.
    #[test]
    fn small_groups_are_suppressed() {
        let s = agg(None).aggregate(&dataset());
        let trust = s.pages.iter().find(|p| p.page == "/trust").unwrap();
        assert_eq!((trust.views.value, trust.visitors.value), (None, None), "4 people < k = 10");
        assert_eq!(s.visitors.value, Some(40));
        assert_eq!(s.pages.iter().find(|p| p.page == "/signup").unwrap().visitors.value, Some(20));
        assert_eq!(s.funnel[1].visitors.value, Some(20));
        assert!(s.suppressed_cells >= 2);
    }

    /// Acceptance 4: adding or removing one person changes no cell beyond the bound of one
    /// person's contribution (the noise is the same for the same cell and window).
    #[test]
    fn differencing_one_person_stays_within_the_bound() {
        for eps in [None, Some(0.5), Some(2.0)] {
            let a = agg(eps);
            let base = dataset();
            let without = a.aggregate(&base);
            // The extra person visits many pages many times: their weight is still bounded.
            let mut with_rows = base.clone();
            for i in 0..50 {
                for p in ["/", "/signup", "/trust", "/privacy"] {
                    with_rows.push(view(99, p, (i * 3) * MINUTE));
                }
            }
            let with = a.aggregate(&with_rows);
            let (w, wo) = (cells(&with), cells(&without));
            for (name, v) in &w {
                let Some(other) = wo.iter().find(|(n, _)| n == name).map(|(_, v)| *v) else { continue };
                if let (Some(x), Some(y)) = (v, other) {
                    let bound = if name.starts_with("pv") || name == "visits" || name == "views" { MAX_CONTRIBUTION } else { 1 };
                    assert!(x.abs_diff(y) <= bound, "{name}: {y} → {x} moves more than one person's bound {bound} (ε {eps:?})");
                }
            }
        }
    }

    #[test]
    fn noise_is_deterministic_per_cell_and_window() {
        let a = agg(Some(1.0));
        assert_eq!(a.noise("x", 1.0), a.noise("x", 1.0));
        assert_ne!(a.noise("x", 1.0), a.noise("y", 1.0));
        let draws: Vec<f64> = (0..2000).map(|i| a.noise(&format!("c{i}"), 1.0)).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!(mean.abs() < 0.2, "Laplace noise is centred: {mean}");
    }

    #[test]
    fn user_agents_addresses_and_languages() {
        let ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.73 Safari/537.36";
        assert_eq!(parse_user_agent(ua), ("Linux", "Chrome", "156".to_string()));
        assert_eq!(parse_user_agent("Mozilla/5.0 (Windows NT 10.0; rv:130.0) Gecko/20100101 Firefox/130.0").1, "Firefox");
        assert_eq!(ip_prefix("192.168.10.77".parse().unwrap()), "192.168.10.0/24");
        assert_eq!(ip_prefix("2001:db8:1:2::9".parse().unwrap()), "2001:db8:1::/48");
        assert_eq!(first_language("fr-FR,fr;q=0.9,en;q=0.8"), "fr-fr");
        assert_eq!(first_language(""), "unknown");
    }
}
