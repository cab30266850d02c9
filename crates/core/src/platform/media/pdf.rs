//! PDF documents (a candidate's CV, C-DATA-7): the type is decided by the bytes, and the file
//! is rewritten from its parsed objects so that what describes the document or its author is
//! gone: the document information dictionary (author, creator, producer, title, dates,
//! custom keys), XMP metadata streams on any object, page-piece and application data, the
//! file identifiers, embedded files, scripts and automatic actions, comments, earlier
//! revisions of incremental updates and anything after the end of the file. The catalog is
//! rebuilt from an allow-list of what showing the pages needs. Page contents are copied as
//! they are: what the candidate wrote stays.
//!
//! Encrypted documents are refused (their metadata cannot be checked). Parsing is bounded
//! (size of the input, size of every decompressed stream) and a parser panic is a refusal.

use lopdf::{Dictionary, Document, LoadOptions, Object};

use crate::platform::error::CoreError;

/// The largest PDF accepted.
pub const MAX_PDF: usize = 5 * 1024 * 1024;
/// The largest decompressed stream read while parsing.
const MAX_STREAM: usize = 64 * 1024 * 1024;

/// Keys of the catalog kept: pages and how to show them.
const CATALOG_KEYS: &[&[u8]] =
    &[b"Type", b"Pages", b"PageLabels", b"Dests", b"Outlines", b"PageLayout", b"PageMode", b"ViewerPreferences", b"Lang", b"MarkInfo"];
/// Keys dropped from every dictionary and stream: metadata, application data, embedded files,
/// scripts and actions that run by themselves.
const DROPPED_KEYS: &[&[u8]] = &[b"Metadata", b"PieceInfo", b"LastModified", b"AA", b"JS", b"EF", b"RF", b"OpenAction", b"Thumb"];

fn refused(why: &str) -> CoreError {
    CoreError::UnsupportedMedia(format!("the file is not a PDF we can accept: {why} (its content was checked, not its name)"))
}

/// Whether the bytes are a PDF (by their header).
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-1.") || bytes.starts_with(b"%PDF-2.")
}

fn strip(dict: &mut Dictionary) {
    for k in DROPPED_KEYS {
        dict.remove(k);
    }
    for (_, v) in dict.iter_mut() {
        strip_object(v);
    }
}

fn strip_object(o: &mut Object) {
    match o {
        Object::Dictionary(d) => strip(d),
        Object::Stream(s) => strip(&mut s.dict),
        Object::Array(a) => a.iter_mut().for_each(strip_object),
        _ => {}
    }
}

/// Types a PDF by its bytes and rewrites it without its metadata (see the module's header).
pub fn sanitise_pdf(bytes: &[u8]) -> Result<Vec<u8>, CoreError> {
    if bytes.len() > MAX_PDF {
        return Err(CoreError::TooLarge { max_bytes: MAX_PDF });
    }
    if !is_pdf(bytes) {
        return Err(refused("it does not start as a PDF does"));
    }
    let work = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rewrite(bytes)));
    match work {
        Ok(r) => r,
        Err(_) => Err(refused("it could not be read")),
    }
}

fn rewrite(bytes: &[u8]) -> Result<Vec<u8>, CoreError> {
    let options = LoadOptions { max_decompressed_size: Some(MAX_STREAM), ..LoadOptions::default() };
    let mut doc = Document::load_mem_with_options(bytes, options).map_err(|_| refused("it could not be read"))?;
    if doc.is_encrypted() || doc.trailer.has(b"Encrypt") {
        return Err(refused("it is encrypted"));
    }
    let root = doc.trailer.get(b"Root").and_then(Object::as_reference).map_err(|_| refused("it has no catalog"))?;
    // The trailer keeps only the catalog (the writer adds the size): no Info, no ID.
    let mut trailer = Dictionary::new();
    trailer.set("Root", root);
    doc.trailer = trailer;
    let catalog = doc.get_object(root).and_then(Object::as_dict).map_err(|_| refused("it has no catalog"))?;
    let mut kept = Dictionary::new();
    for k in CATALOG_KEYS {
        if let Ok(v) = catalog.get(k) {
            kept.set(k.to_vec(), v.clone());
        }
    }
    // Named destinations stay; embedded files and scripts named there go.
    let names = catalog.get(b"Names").ok().and_then(|n| doc.dereference(n).ok()).and_then(|(_, n)| n.as_dict().ok());
    if let Some(dests) = names.and_then(|n| n.get(b"Dests").ok()) {
        let mut n = Dictionary::new();
        n.set("Dests", dests.clone());
        kept.set("Names", n);
    }
    *doc.get_object_mut(root).map_err(|_| refused("it has no catalog"))? = Object::Dictionary(kept);
    for o in doc.objects.values_mut() {
        strip_object(o);
    }
    doc.prune_objects();
    if doc.get_pages().is_empty() {
        return Err(refused("it has no page"));
    }
    let mut out = Vec::with_capacity(bytes.len());
    doc.save_to(&mut out).map_err(|_| refused("it could not be rewritten"))?;
    // What we hand back must read again as a PDF with its pages.
    let check = Document::load_mem(&out).map_err(|_| refused("it could not be rewritten"))?;
    if check.get_pages().is_empty() {
        return Err(refused("it could not be rewritten"));
    }
    Ok(out)
}

/// A real one-page PDF whose document information (author, producer, a custom key) and XMP
/// metadata carry `marker`, and whose page says `text`: the test set of CV uploads.
#[cfg(any(test, feature = "test-media"))]
pub fn sample_pdf(marker: &str, text: &str) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{Stream, dictionary};
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
    let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
    let content = Content {
        operations: vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 18.into()]),
            Operation::new("Td", vec![72.into(), 720.into()]),
            Operation::new("Tj", vec![Object::string_literal(text)]),
            Operation::new("ET", vec![]),
        ],
    };
    let Ok(encoded) = content.encode() else { return Vec::new() };
    let contents = doc.add_object(Stream::new(dictionary! {}, encoded));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => contents, "Resources" => resources,
        "PieceInfo" => dictionary! { "Editor" => dictionary! { "Private" => Object::string_literal(marker) } },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let xmp = format!(
        "<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:creator>{marker}</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>"
    );
    let metadata = doc.add_object(Stream::new(dictionary! { "Type" => "Metadata", "Subtype" => "XML" }, xmp.into_bytes()));
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id, "Metadata" => metadata });
    let info = doc.add_object(dictionary! {
        "Author" => Object::string_literal(marker),
        "Producer" => Object::string_literal(format!("Writer of {marker}")),
        "Marker" => Object::string_literal(marker),
    });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    doc.trailer.set("ID", vec![Object::string_literal(marker), Object::string_literal(marker)]);
    let mut out = Vec::new();
    if doc.save_to(&mut out).is_err() {
        return Vec::new();
    }
    out
}

/// The text of a PDF's first page, read back by the parser (tests: the CV still opens).
#[cfg(any(test, feature = "test-media"))]
pub fn first_page_text(pdf: &[u8]) -> Option<String> {
    let doc = Document::load_mem(pdf).ok()?;
    doc.extract_text(&[1]).ok()
}

/// Whether a PDF still carries an information dictionary or XMP metadata on its catalog.
#[cfg(any(test, feature = "test-media"))]
pub fn has_metadata(pdf: &[u8]) -> bool {
    let Ok(doc) = Document::load_mem(pdf) else { return true };
    doc.trailer.has(b"Info") || doc.catalog().is_ok_and(|c| c.has(b"Metadata"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contains(hay: &[u8], needle: &str) -> bool {
        hay.windows(needle.len()).any(|w| w == needle.as_bytes())
    }

    #[test]
    fn metadata_goes_and_the_page_stays() {
        let marker = "MARKER-7f3a9c";
        let pdf = sample_pdf(marker, "Curriculum vitae of Ada");
        assert!(contains(&pdf, marker), "the sample carries its marker");
        let clean = sanitise_pdf(&pdf).unwrap();
        assert!(!contains(&clean, marker), "the marker is gone");
        assert!(has_metadata(&pdf) && !has_metadata(&clean));
        let doc = Document::load_mem(&clean).unwrap();
        assert_eq!(doc.get_pages().len(), 1);
        assert!(!doc.trailer.has(b"ID"));
        let text = first_page_text(&clean).unwrap();
        assert!(text.contains("Curriculum vitae of Ada"), "{text}");
    }

    #[test]
    fn what_is_not_a_pdf_is_refused() {
        assert!(matches!(sanitise_pdf(b"\x89PNG\r\n\x1a\nrest"), Err(CoreError::UnsupportedMedia(_))));
        assert!(matches!(sanitise_pdf(b"%PDF-1.7\nnot really"), Err(CoreError::UnsupportedMedia(_))));
        assert!(matches!(sanitise_pdf(&vec![b'%'; MAX_PDF + 1]), Err(CoreError::TooLarge { .. })));
    }
}
