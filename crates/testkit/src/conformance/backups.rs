//! The backup shelf (`BackupShelf`, C-RET-2): what the retention scheduler relies on. It lists
//! exactly the backups in its folder, with when each was made (from the manifest, not the
//! file's times), deletes one by the name it gave, and refuses names that leave the folder.

use std::path::Path;

use clearboard_core::platform::ports::BackupShelf;
use clearboard_store::Opened;
use clearboard_store::platform::layout::Layout;

/// Runs the suite on a shelf over `dir` (an empty folder), with backups made from `opened`.
pub async fn shelf(opened: &Opened, layout: &Layout, dir: &Path) {
    let make = |at: i64, name: &str| {
        let path = dir.join(name);
        async move {
            clearboard_app::backup::create(opened, layout, &path, at, "v-test").await.unwrap();
        }
    };
    make(1_000_000, "first.zip").await;
    make(2_000_000, "second.zip").await;
    // Files that are not backups are neither listed nor touched.
    std::fs::write(dir.join("notes.txt"), b"not a backup").unwrap();
    std::fs::write(dir.join("other.zip"), b"PK not a backup").unwrap();

    let shelf = clearboard_app::backup::Shelf::new(dir.to_path_buf());
    let mut listed = shelf.list().await.unwrap();
    listed.sort_by_key(|b| b.created_at);
    let seen: Vec<(&str, i64)> = listed.iter().map(|b| (b.name.as_str(), b.created_at)).collect();
    assert_eq!(seen, vec![("first.zip", 1_000_000), ("second.zip", 2_000_000)], "the backups, with their manifests' times");

    shelf.delete("first.zip").await.unwrap();
    let left: Vec<String> = shelf.list().await.unwrap().into_iter().map(|b| b.name).collect();
    assert_eq!(left, vec!["second.zip".to_string()]);
    assert!(!dir.join("first.zip").exists(), "deleted from the folder");
    for bad in ["../second.zip", "/etc/passwd", ".hidden", "sub/second.zip"] {
        assert!(shelf.delete(bad).await.is_err(), "{bad} is not a name on the shelf");
    }
    assert!(shelf.delete("first.zip").await.is_err(), "deleting twice is an error, not a silent success");
    assert!(dir.join("second.zip").exists() && dir.join("notes.txt").exists() && dir.join("other.zip").exists());
}
