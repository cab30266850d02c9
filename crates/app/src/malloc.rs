//! The server's memory allocator settings (issue 21: the soak's RSS).
//!
//! With glibc's defaults a long-running server keeps far more memory than it uses: every
//! thread that allocates gets an arena of its own (up to eight per core), and the first large
//! block freed (Argon2id's 19 MiB per password hash or check, an export's buffers) raises the
//! threshold above which blocks are mapped on their own, so later ones are carved from those
//! arenas and stay there, fragmented, after they are freed. The server therefore runs with a
//! fixed threshold (large blocks are mapped, and unmapped when freed) and two arenas.
//!
//! glibc reads these settings (`GLIBC_TUNABLES`) once, when the process starts, and changing
//! them later needs `mallopt`, which is unsafe code (forbidden here). So `serve` starts itself
//! again at once with them set (the same process id, arguments and descriptors: `exec`). An
//! operator's own `GLIBC_TUNABLES` is left as it is, and so is any platform other than
//! Linux with glibc.

/// Large blocks (from 128 KiB, glibc's initial threshold) always mapped on their own and given
/// back when freed; memory at the top of a heap given back from the same size; two arenas.
pub const TUNABLES: &str = "glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072:glibc.malloc.arena_max=2";

/// Starts this process again with [`TUNABLES`] unless it runs with some already; returns only
/// when it does not (already set, not glibc, or the executable cannot be started again, which
/// is told on standard error and costs only memory).
pub fn settle() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        if std::env::var_os("GLIBC_TUNABLES").is_some() {
            return;
        }
        let Ok(exe) = std::env::current_exe() else { return };
        let mut args = std::env::args_os();
        let mut cmd = std::process::Command::new(exe);
        if let Some(arg0) = args.next() {
            cmd.arg0(arg0);
        }
        let e = cmd.args(args).env("GLIBC_TUNABLES", TUNABLES).exec();
        eprintln!("clearboard: could not start again with the allocator settings ({e}); going on with the defaults");
    }
}
