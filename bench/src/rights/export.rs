//! Export at volume: an archive of a person with many cards and large media built and
//! downloaded through the product's own code, each part timed against `cat` of the same bytes.

use super::*;

/// This bench compares the product with `cat` of the same files on the same disk: it runs on the
/// folder blob store (`blob_url = file://`, the bench deployment's), whose blobs are local files.
const FOLDER_STORE: &str = "the bench deployment keeps its blobs in a folder";

pub(super) async fn export_part(args: &Args) -> Value {
    let d = Deployment::new().await;
    let cb = d.cb().clone();
    let (who, board) = person(&cb, "export@example.test").await;
    let region = cb.region(&who.region).unwrap().clone();

    // Text cards through the core API, two writers at a time (the machine has two cores).
    let t = Instant::now();
    let writers = 2usize;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (cb, who, board) = (cb.clone(), who.clone(), board.clone());
        let n = args.cards;
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (w as u64 + 1));
            for i in (w..n).step_by(writers) {
                let new = NewCard {
                    kind: "text".into(),
                    text: Some(idea(&mut rng, i)),
                    x: Some((i * 37 % 4000) as i64),
                    y: Some((i * 91 % 3000) as i64),
                    ..Default::default()
                };
                cb.boards().add_card(&who, &board, new).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let cards_s = t.elapsed().as_secs_f64();
    println!(
        "rights/export: {} text cards through Boards::add_card in {:.1} s ({:.0} cards/s, {writers} writers)",
        args.cards,
        cards_s,
        args.cards as f64 / cards_s
    );

    // Image cards of the largest accepted size, random pixels.
    let total = args.media_mib * MIB;
    let mut sizes = Vec::new();
    let mut left = total;
    while left > 0 {
        let s = left.min(IMAGE_MAX_BYTES);
        sizes.push(s.max(64));
        left -= s;
    }
    let t = Instant::now();
    for (k, &s) in sizes.iter().enumerate() {
        let bytes = jpeg_of(s, k as u64);
        cb.boards()
            .add_media_card(&who, &board, "image", &bytes, Some(format!("photo {k}")), (Some(10 * k as i64), Some(20)))
            .await
            .unwrap();
    }
    let media_s = t.elapsed().as_secs_f64();
    let media_plain: u64 = sizes.iter().map(|&s| s as u64).sum();
    println!(
        "rights/export: {} image cards ({:.1} MiB, largest {} B) through Boards::add_media_card in {:.1} s",
        sizes.len(),
        media_plain as f64 / MIB as f64,
        IMAGE_MAX_BYTES,
        media_s
    );

    // The sealed media files on disk.
    let (cards, _, _, _) = region.boards.contributions_of(&who.subject).await.unwrap();
    assert_eq!(cards.len(), args.cards + sizes.len());
    let media_blobs: Vec<BlobId> = cards.iter().filter_map(|c| c.blob_id.clone()).collect();
    let media_files: Vec<PathBuf> = media_blobs.iter().map(|b| region.blobs.local_path(b).expect(FOLDER_STORE)).collect();
    let media_sealed: u64 = media_files.iter().map(|p| file_len(p)).sum();
    drop(cards);

    // Build: request + run the pending job until ready. The page cache is dropped first (when
    // this runs as root), so the build reads the media from the disk, as a real export would.
    let cold = drop_caches();
    let t = Instant::now();
    let view = cb.exports().request_for(&who.region, &who.subject, None, Actor::Subject(&who.subject)).await.unwrap();
    let built = cb.exports().run_pending().await.unwrap();
    let build_s = t.elapsed().as_secs_f64();
    assert_eq!(built, 1, "one export built");
    let status = cb.exports().status(&who, &view.id).await.unwrap();
    assert_eq!(status.state, "ready");
    assert!(status.download_url.is_some(), "the owner can download it");
    let archive_plain = u64::try_from(status.size.unwrap()).unwrap();
    let archive_blob = region.rights.export(&view.id).await.unwrap().unwrap().blob_id.unwrap();
    let archive_path = region.blobs.local_path(&archive_blob).expect(FOLDER_STORE);
    let archive_sealed = file_len(&archive_path);
    println!(
        "rights/export: built in {build_s:.2} s: a {archive_plain} B ZIP described by a {archive_sealed} B sealed manifest ({:.1} MB/s)",
        mb_s(archive_plain, build_s)
    );

    // Cold: cat, then the download, each after the page cache is dropped.
    let mut cat_files = media_files.clone();
    cat_files.push(archive_path.clone());
    let cat_bytes = media_sealed + archive_sealed;
    let cold_figures = if cold {
        drop_caches();
        let cat_cold_s = cat(&cat_files);
        drop_caches();
        let cat_media_cold_s = cat(&media_files);
        drop_caches();
        let (download_cold_s, _, _) = download(&cb, &who, &view.id, false).await;
        let (b, c, cm, dl) = (
            mb_s(archive_plain, build_s),
            mb_s(cat_bytes, cat_cold_s),
            mb_s(media_sealed, cat_media_cold_s),
            mb_s(archive_plain, download_cold_s),
        );
        println!(
            "rights/export (page cache dropped): build {b:.0} MB/s, download {dl:.0} MB/s, cat media+archive {c:.0} MB/s, cat media only {cm:.0} MB/s; build/cat {:.3}, download/cat {:.3}",
            b / c,
            dl / c
        );
        json!({ "build_s": build_s, "build_mb_s": b, "cat_s": cat_cold_s, "cat_mb_s": c, "cat_media_only_mb_s": cm,
            "download_s": download_cold_s, "download_mb_s": dl, "build_ratio_to_cat": b / c, "download_ratio_to_cat": dl / c })
    } else {
        json!({ "not_measured": "dropping the page cache needs root" })
    };

    // Download and cat, alternating, medians of 3 (both read warm files).
    let (mut dl, mut ct, mut ct_media, mut ct_archive) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    cat(&cat_files); // once, unrecorded
    for _ in 0..3 {
        ct.push(cat(&cat_files));
        ct_media.push(cat(&media_files));
        ct_archive.push(cat(std::slice::from_ref(&archive_path)));
        let (s, n, _) = download(&cb, &who, &view.id, false).await;
        assert_eq!(n, archive_plain);
        dl.push(s);
    }
    let (download_s, cat_s, cat_media_s, cat_archive_s) = (median(dl.clone()), median(ct.clone()), median(ct_media), median(ct_archive));
    let (build_mb, download_mb, cat_mb) = (mb_s(archive_plain, build_s), mb_s(archive_plain, download_s), mb_s(cat_bytes, cat_s));
    println!(
        "rights/export: download {download_s:.2} s ({download_mb:.0} MB/s); cat of the sealed media + archive ({cat_bytes} B) {cat_s:.2} s ({cat_mb:.0} MB/s); ratios build/cat {:.3}, download/cat {:.3}",
        build_mb / cat_mb,
        download_mb / cat_mb
    );

    // Not timed: check what was downloaded, and keep it for the break-down.
    let (_, _, zip_bytes) = download(&cb, &who, &view.id, true).await;
    let mut zip_bytes = zip_bytes.unwrap();
    let (check, text_files, media_in_zip) = {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&zip_bytes[..])).unwrap();
        let mut text_files: Vec<(String, Vec<u8>)> = Vec::new();
        let mut media_in_zip = Vec::new();
        let mut media_bytes = 0u64;
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            if name.starts_with("media/") {
                media_bytes += f.size();
                media_in_zip.push(name);
            } else {
                let mut v = Vec::new();
                f.read_to_end(&mut v).unwrap();
                text_files.push((name, v));
            }
        }
        let data: Value = serde_json::from_slice(&text_files.iter().find(|(n, _)| n == "data.json").unwrap().1).unwrap();
        let json_cards = data["categories"]["user_content"]["data"]["cards"].as_array().unwrap().len();
        assert_eq!(json_cards, args.cards + sizes.len(), "every card is in data.json");
        assert_eq!(media_in_zip.len(), sizes.len(), "every image is in the archive");
        assert_eq!(media_bytes, media_plain, "the images are whole");
        let text_plain: u64 = text_files.iter().map(|(_, v)| v.len() as u64).sum();
        let mut text_compressed = 0u64;
        for i in 0..z.len() {
            let f = z.by_index_raw(i).unwrap();
            if !f.name().unwrap().starts_with("media/") {
                text_compressed += f.compressed_size();
            }
        }
        let check = json!({
            "files": z.len(), "cards_in_data_json": json_cards, "media_files": media_in_zip.len(), "media_bytes": media_bytes,
            "text_files_bytes": text_plain, "text_files_deflated_bytes": text_compressed,
            "data_json_bytes": text_files.iter().find(|(n, _)| n == "data.json").unwrap().1.len(),
        });
        (check, text_files, media_in_zip)
    };
    println!("rights/export: archive checked: {check}");

    // Break-down: each step of the build alone, on the same data, one after another (the build
    // overlaps collecting and writing on two threads).
    let dek = cb.keys().current(&region, &who.subject).await.unwrap();
    let t = Instant::now();
    for b in &media_blobs {
        let sealed = region.blobs.get(b).await.unwrap().unwrap();
        let plain = stream::open(&dek, Aad { table: "blobs", column: "card_media", row: b.as_str() }, &sealed).unwrap();
        std::hint::black_box(&plain);
    }
    let open_media_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    {
        let mut z = zip::ZipWriter::new_stream(std::io::sink());
        for (name, bytes) in &text_files {
            z.start_file(name.as_str(), zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated))
                .unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap();
    }
    let deflate_s = t.elapsed().as_secs_f64();
    let media_buf = jpeg_of(IMAGE_MAX_BYTES, 0);
    let t = Instant::now();
    {
        let mut z = zip::ZipWriter::new_stream(std::io::sink());
        for (k, name) in media_in_zip.iter().enumerate() {
            z.start_file(name.as_str(), zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored))
                .unwrap();
            z.write_all(&media_buf[..sizes[k]]).unwrap();
        }
        z.finish().unwrap();
    }
    let stored_s = t.elapsed().as_secs_f64();
    let own = Dek::generate(KeyId(1)).unwrap();
    let aad = Aad { table: "blobs", column: "export", row: "bench" };
    let t = Instant::now();
    let (mut sealer, header) = Sealer::new(&own, aad).unwrap();
    let mut sealed = Vec::with_capacity(zip_bytes.len() + zip_bytes.len() / stream::SEGMENT * 16 + 64);
    sealed.extend_from_slice(&header);
    for chunk in zip_bytes.chunks(MIB) {
        sealer.update(chunk, &mut sealed).unwrap();
    }
    sealer.finish(&mut sealed).unwrap();
    let seal_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    {
        let opener = Opener::new(&own, aad, &sealed[..stream::HEADER]).unwrap();
        let body = &sealed[stream::HEADER..];
        let segments = Opener::segments(sealed.len() as u64).unwrap();
        for i in 0..segments {
            let start = usize::try_from(i).unwrap() * stream::SEALED_SEGMENT;
            let end = (start + stream::SEALED_SEGMENT).min(body.len());
            std::hint::black_box(opener.open(i, i + 1 == segments, &body[start..end]).unwrap());
        }
    }
    let open_archive_s = t.elapsed().as_secs_f64();
    let scratch = d.dir.path().join("write-test.sealed");
    let t = Instant::now();
    {
        let mut f = std::io::BufWriter::with_capacity(MIB, std::fs::File::create(&scratch).unwrap());
        f.write_all(&sealed).unwrap();
        let f = f.into_inner().unwrap();
        f.sync_all().unwrap();
    }
    let write_sync_s = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&scratch);
    drop(sealed);
    let t = Instant::now();
    zip_bytes.zeroize();
    let zeroize_s = t.elapsed().as_secs_f64();
    drop(zip_bytes);
    let parts = json!({
        "read_and_open_sealed_media_s": open_media_s,
        "deflate_text_files_s": deflate_s,
        "zip_stored_media_crc32_s": stored_s,
        "seal_archive_s": seal_s,
        "write_and_fsync_sealed_archive_s": write_sync_s,
        "zeroize_archive_size_s": zeroize_s,
        "open_archive_segments_in_memory_s": open_archive_s,
    });
    println!(
        "rights/export: alone, on the same data: read+open media {open_media_s:.2} s, deflate data.json/CSV {deflate_s:.2} s, zip stored media (CRC-32) {stored_s:.2} s, seal archive {seal_s:.2} s, write+fsync archive {write_sync_s:.2} s, zeroize archive-size {zeroize_s:.2} s; download side: open segments in memory {open_archive_s:.2} s"
    );
    d.close().await;

    json!({
        "setup": {
            "text_cards": args.cards, "text_cards_s": cards_s, "text_cards_per_s": args.cards as f64 / cards_s, "writers": writers,
            "image_cards": sizes.len(), "image_bytes": media_plain, "image_max_bytes": IMAGE_MAX_BYTES, "image_cards_s": media_s,
        },
        "archive_zip_bytes": archive_plain,
        "archive_sealed_bytes": archive_sealed,
        "media_sealed_bytes": media_sealed,
        "build_s": build_s,
        "build_mb_s": build_mb,
        "download_s": download_s,
        "download_s_runs": dl,
        "download_mb_s": download_mb,
        "cat_bytes": cat_bytes,
        "cat_s": cat_s,
        "cat_s_runs": ct,
        "cat_mb_s": cat_mb,
        "cat_media_only_mb_s": mb_s(media_sealed, cat_media_s),
        "cat_archive_only_mb_s": mb_s(archive_sealed, cat_archive_s),
        "build_ratio_to_cat": build_mb / cat_mb,
        "build_note": if cold { "the build ran after the page cache was dropped (cold reads); the warm cat is the harder baseline" } else { "the build read warm files" },
        "download_ratio_to_cat": download_mb / cat_mb,
        "cold": cold_figures,
        "archive_check": check,
        "build_parts_alone": parts,
    })
}
