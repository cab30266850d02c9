//! The PDF picture of a board: a [`Scene`] drawn as one page of the scene's size (in points)
//! with `platform::pdf` (the writer of invoices and certificates): filled rectangles for zones
//! and cards, and their text in Helvetica, so a reader can select and search it. Text that
//! Helvetica's WinAnsi lacks prints as `?` (the PNG has the full font).

use std::io::Write;

use crate::boards::scene::{CardShape, META_LINE, Rgb, Scene, TEXT_LINE, ZoneShape};
use crate::platform::pdf::{page, pdf_string};

const INK: Rgb = [0x1f, 0x23, 0x2b];
const MUTED: Rgb = [0x4a, 0x4f, 0x5c];
const EDGE: Rgb = [0xc8, 0xcc, 0xd6];
/// Helvetica's average advance, as a share of its size: how many characters fit a width.
const AVERAGE_ADVANCE: f32 = 0.52;

struct Page {
    out: Vec<u8>,
    scale: f32,
    height: f32,
}

fn colour(c: Rgb) -> String {
    format!("{:.3} {:.3} {:.3}", f32::from(c[0]) / 255.0, f32::from(c[1]) / 255.0, f32::from(c[2]) / 255.0)
}

impl Page {
    fn rect(&mut self, x: i64, y: i64, w: i64, h: i64, fill: Rgb, edge: Option<Rgb>) {
        let s = self.scale;
        let (px, py, pw, ph) = (x as f32 * s, self.height - (y + h) as f32 * s, w as f32 * s, h as f32 * s);
        let _ = writeln!(self.out, "{} rg {px:.2} {py:.2} {pw:.2} {ph:.2} re f", colour(fill));
        if let Some(e) = edge {
            let _ = writeln!(self.out, "0.8 w {} RG {px:.2} {py:.2} {pw:.2} {ph:.2} re S", colour(e));
        }
    }

    /// One line of text whose top-left corner is (`x`, `y`) in scene coordinates, cut to fit
    /// `max_w`.
    fn text(&mut self, x: i64, y: i64, size: f32, c: Rgb, text: &str, max_w: i64) {
        let s = self.scale;
        let fits = (max_w as f32 / (size * AVERAGE_ADVANCE)).floor().max(1.0) as usize;
        let line: String = text.chars().take(fits).collect();
        let (px, py) = (x as f32 * s, self.height - (y as f32 + size * 0.8) * s);
        let _ = write!(self.out, "BT /F1 {:.2} Tf {} rg 1 0 0 1 {px:.2} {py:.2} Tm ", size * s, colour(c));
        self.out.extend_from_slice(&pdf_string(&line));
        self.out.extend_from_slice(b" Tj ET\n");
    }

    fn zone(&mut self, z: &ZoneShape) {
        self.rect(z.x, z.y, z.w, z.h, z.fill, Some(EDGE));
        self.text(z.x + 12, z.y + 10, 17.0, INK, &z.title, z.w - 24);
    }

    fn card(&mut self, c: &CardShape) {
        self.rect(c.x, c.y, c.w, c.h, c.fill, Some(EDGE));
        let (x, w) = (c.x + 8, c.w - 16);
        let mut y = c.y + 8;
        if let Some(m) = &c.meta {
            self.text(x, y, 10.0, MUTED, m, w);
            y += META_LINE;
        }
        let top = y;
        for line in &c.lines {
            self.text(x + i64::from(c.media) * 4, y + i64::from(c.media) * 4, 12.0, INK, line, w);
            y += TEXT_LINE;
        }
        if c.media {
            let s = self.scale;
            let (px, py, pw, ph) = (x as f32 * s, self.height - (y + 8) as f32 * s, w as f32 * s, (y + 8 - top) as f32 * s);
            let _ = writeln!(self.out, "0.8 w {} RG {px:.2} {py:.2} {pw:.2} {ph:.2} re S", colour(MUTED));
            y += 8;
        }
        if let Some(n) = &c.counts {
            self.text(x, y, 10.0, MUTED, n, w);
        }
    }
}

/// The scene as a one-page PDF.
pub fn pdf(scene: &Scene) -> Vec<u8> {
    let (w, h) = scene.size();
    let mut p = Page { out: Vec::new(), scale: scene.scale, height: h as f32 };
    p.text(crate::boards::scene::MARGIN, 14, 20.0, INK, &scene.title, scene.width - 2 * crate::boards::scene::MARGIN);
    for z in &scene.zones {
        p.zone(z);
    }
    for c in &scene.cards {
        p.card(c);
    }
    page(&scene.title, &p.out, w as f32, h as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boards::scene::sample;

    #[test]
    fn a_scene_is_one_page_of_its_size_with_its_texts() {
        let scene = sample(Some("Idea"));
        let bytes = pdf(&scene);
        let doc = lopdf::Document::load_mem(&bytes).unwrap();
        assert_eq!(doc.get_pages().len(), 1);
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/MediaBox [0 0 600 400]"));
        for t in ["(Went well) Tj", "(Ship it) Tj", "(Idea) Tj", "(Retro \\(2\\)) Tj"] {
            assert!(text.contains(t), "{t}");
        }
    }
}
