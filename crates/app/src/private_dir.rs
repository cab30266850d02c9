//! The data dir is private to the service (security review finding 13): files this process
//! creates are 0600 and folders 0700 (umask 077, set once at start), a data dir created here
//! is 0700, and an existing one that others can read or enter draws a warning at start.
//!
//! Must not: change the permissions of a folder the operator created (they may have reasons;
//! they are warned instead).

use std::path::Path;

use anyhow::Context;

/// Applies the umask and prepares `dir`; returns whether the dir is open to others.
pub fn secure(dir: &Path) -> anyhow::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("cannot create the data dir {}", dir.display()))?;
        }
        let mode = std::fs::metadata(dir).with_context(|| format!("cannot read the data dir {}", dir.display()))?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(path = %dir.display(), mode = format!("{:o}", mode & 0o777), "the data dir can be read or entered by other users of this machine; run chmod 700 on it");
            return Ok(true);
        }
        Ok(false)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create the data dir {}", dir.display()))?;
        Ok(false)
    }
}
