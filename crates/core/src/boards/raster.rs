//! The PNG picture of a board: a [`Scene`] drawn into an RGB buffer with our own rectangle
//! fills and glyphs rasterised by `ab_glyph` from the DejaVu Sans Condensed font embedded in
//! the binary (`assets/fonts`, with its licence), then encoded by `png`. Nothing is fetched
//! and no system font or library is used, so every server draws the same picture.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};

use crate::boards::scene::{CardShape, META_LINE, Rgb, Scene, TEXT_LINE, ZoneShape};
use crate::platform::error::CoreError;

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansCondensed.ttf");

const INK: Rgb = [0x1f, 0x23, 0x2b];
const MUTED: Rgb = [0x4a, 0x4f, 0x5c];
const EDGE: Rgb = [0xc8, 0xcc, 0xd6];

struct Canvas<'f> {
    w: u32,
    h: u32,
    px: Vec<u8>,
    scale: f32,
    font: FontRef<'f>,
}

impl Canvas<'_> {
    fn blend(&mut self, x: i64, y: i64, c: Rgb, alpha: f32) {
        if x < 0 || y < 0 || x >= i64::from(self.w) || y >= i64::from(self.h) {
            return;
        }
        let i = (y as usize * self.w as usize + x as usize) * 3;
        let a = alpha.clamp(0.0, 1.0);
        for (px, want) in self.px[i..i + 3].iter_mut().zip(c) {
            let old = f32::from(*px);
            *px = (old + (f32::from(want) - old) * a).round() as u8;
        }
    }

    /// Fills a rectangle given in scene coordinates.
    fn fill(&mut self, x: i64, y: i64, w: i64, h: i64, c: Rgb) {
        let s = self.scale;
        let (x0, y0) = ((x as f32 * s).round() as i64, (y as f32 * s).round() as i64);
        let (x1, y1) = (((x + w) as f32 * s).round() as i64, ((y + h) as f32 * s).round() as i64);
        let (x0, x1) = (x0.max(0), x1.min(i64::from(self.w)));
        let (y0, y1) = (y0.max(0), y1.min(i64::from(self.h)));
        for yy in y0..y1 {
            let row = yy as usize * self.w as usize * 3;
            for xx in x0..x1 {
                let i = row + xx as usize * 3;
                self.px[i..i + 3].copy_from_slice(&c);
            }
        }
    }

    /// A rectangle's outline, one pixel wide whatever the scale.
    fn frame(&mut self, x: i64, y: i64, w: i64, h: i64, c: Rgb) {
        let s = self.scale;
        let t = (1.0 / s).ceil() as i64;
        self.fill(x, y, w, t, c);
        self.fill(x, y + h - t, w, t, c);
        self.fill(x, y, t, h, c);
        self.fill(x + w - t, y, t, h, c);
    }

    /// Draws one line of text whose top-left corner is (`x`, `y`) in scene coordinates, cut
    /// at `max_w`.
    fn text(&mut self, x: i64, y: i64, size: f32, c: Rgb, text: &str, max_w: i64) {
        let s = self.scale;
        let px = PxScale::from(size * s);
        let font = self.font.clone();
        let sf = font.as_scaled(px);
        let mut pen = x as f32 * s;
        let limit = (x + max_w) as f32 * s;
        let baseline = y as f32 * s + sf.ascent();
        let mut last = None;
        for ch in text.chars() {
            let id = sf.glyph_id(ch);
            if let Some(prev) = last {
                pen += sf.kern(prev, id);
            }
            let adv = sf.h_advance(id);
            if pen + adv > limit {
                break;
            }
            let glyph = id.with_scale_and_position(px, ab_glyph::point(pen, baseline));
            if let Some(outline) = font.outline_glyph(glyph) {
                let b = outline.px_bounds();
                outline.draw(|gx, gy, cov| self.blend(b.min.x as i64 + i64::from(gx), b.min.y as i64 + i64::from(gy), c, cov));
            }
            pen += adv;
            last = Some(id);
        }
    }

    fn zone(&mut self, z: &ZoneShape) {
        self.fill(z.x, z.y, z.w, z.h, z.fill);
        self.frame(z.x, z.y, z.w, z.h, EDGE);
        self.text(z.x + 12, z.y + 10, 18.0, INK, &z.title, z.w - 24);
    }

    fn card(&mut self, c: &CardShape) {
        // A shadow one pixel below and to the right, as on the page.
        self.fill(c.x + 1, c.y + 2, c.w, c.h, EDGE);
        self.fill(c.x, c.y, c.w, c.h, c.fill);
        let (x, w) = (c.x + 8, c.w - 16);
        let mut y = c.y + 8;
        if let Some(m) = &c.meta {
            self.text(x, y, 11.0, MUTED, m, w);
            y += META_LINE;
        }
        let top = y;
        for line in &c.lines {
            self.text(x + i64::from(c.media) * 4, y + i64::from(c.media) * 4, 13.5, INK, line, w);
            y += TEXT_LINE;
        }
        if c.media {
            self.frame(x, top, w, y - top + 8, MUTED);
            y += 8;
        }
        if let Some(n) = &c.counts {
            self.text(x, y, 11.0, MUTED, n, w);
        }
    }
}

/// The scene as a PNG image.
pub fn png(scene: &Scene) -> Result<Vec<u8>, CoreError> {
    let font = FontRef::try_from_slice(FONT).map_err(|_| CoreError::Internal("the embedded font does not load"))?;
    let (w, h) = scene.size();
    let mut cv = Canvas { w, h, px: vec![0xff; w as usize * h as usize * 3], scale: scene.scale, font };
    cv.text(crate::boards::scene::MARGIN, 14, 20.0, INK, &scene.title, scene.width - 2 * crate::boards::scene::MARGIN);
    for z in &scene.zones {
        cv.zone(z);
    }
    for c in &scene.cards {
        cv.card(c);
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(|_| CoreError::Internal("png header"))?;
        writer.write_image_data(&cv.px).map_err(|_| CoreError::Internal("png data"))?;
        writer.finish().map_err(|_| CoreError::Internal("png end"))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boards::scene::sample;

    #[test]
    fn a_scene_is_drawn_as_a_png_of_its_size_with_its_text_inked() {
        let scene = sample(None);
        let bytes = png(&scene).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (600, 400));
        let at = |x: usize, y: usize| &buf[(y * 600 + x) * 3..(y * 600 + x) * 3 + 3];
        assert_eq!(at(5, 5), [0xff, 0xff, 0xff], "the margin is white");
        assert_eq!(at(320, 300), [0xe4, 0xf5, 0xe9], "the zone's colour");
        assert_eq!(at(260, 210), [0xff, 0xf3, 0xa3], "the card's colour");
        // The card's text is inked: some pixels of its first line are dark.
        let dark = (148..166).flat_map(|y| (68..140).map(move |x| (x, y))).filter(|(x, y)| at(*x, *y)[0] < 0x80).count();
        assert!(dark > 20, "{dark} dark pixels where the text is");
    }
}
