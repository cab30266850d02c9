//! The key-encryption key file: read it, or on first start generate it (0600) with a warning
//! that production keeps it outside the data dir (`CLEARBOARD_KEK_FILE`), so that a copy of the
//! data dir alone never holds the key that opens it.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use clearboard_vault::Kek;

/// Reads the KEK at `path`; creates it when it is missing, unless `must_exist` (a KEK file that
/// was configured explicitly must not be silently replaced by a new key).
pub fn load_or_create(path: &Path, must_exist: bool) -> anyhow::Result<Kek> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            warn_if_open(path);
            Kek::from_file_text(&text).with_context(|| format!("cannot use the key-encryption key in {}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
            let kek = Kek::generate()?;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            }
            write_private(path, kek.to_file_text().as_bytes())?;
            tracing::warn!(
                path = %path.display(),
                "generated a new key-encryption key; in production keep it outside the data dir (CLEARBOARD_KEK_FILE) and back it up separately"
            );
            Ok(kek)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read the key-encryption key file {}", path.display())),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

#[cfg(unix)]
fn warn_if_open(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(m) = std::fs::metadata(path)
        && m.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(path = %path.display(), "the key-encryption key file is readable by others; run chmod 600 on it");
    }
}

#[cfg(not(unix))]
fn warn_if_open(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_with_private_mode_then_reused() {
        let dir = std::env::temp_dir().join(format!("cb-kek-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("kek.key");
        let a = load_or_create(&path, false).unwrap();
        let b = load_or_create(&path, false).unwrap();
        assert_eq!(*a.to_file_text(), *b.to_file_text());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(load_or_create(&dir.join("missing.key"), true).is_err(), "a configured KEK file must exist");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
