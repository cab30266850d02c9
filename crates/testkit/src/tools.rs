//! Command-line tools from PyPI for the drills (schemathesis, say), each in its own virtual
//! environment made on first use under `target/test-tools/<name>-venv` and pinned to one
//! version. It owns installing and finding them; it runs nothing itself.
//!
//! Several test processes may ask for the same tool at once: one takes a lock file and builds
//! the venv in a scratch folder that it renames into place when complete; the others wait.
//! A failed build is remembered for 15 minutes so that a machine without Python or PyPI pays
//! for it once per run. Without the tool the test fails and says how to install it, unless
//! `CLEARBOARD_TEST_SKIP` names the tool ([`require`], [`crate::deps`]).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether this is CI (`CI=true` or `CI=1`): a missing tool fails instead of skipping.
pub fn ci() -> bool {
    crate::deps::ci()
}

/// `target/test-tools` of this workspace.
pub fn tools_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-tools")
}

/// A PyPI tool to install: the venv's name, the pip requirement (pinned; several, separated
/// by spaces, are installed together) and the console script the venv gets (`python` for a
/// library the tests drive through the venv's interpreter).
#[derive(Debug, Clone, Copy)]
pub struct PyTool {
    pub name: &'static str,
    pub requirement: &'static str,
    pub script: &'static str,
}

/// The tool's console script, installing it if needed; `Err(why)` when it cannot be had.
// Real waits for real processes: no simulated clock has a say here.
#[allow(clippy::disallowed_methods)]
pub fn install(tool: PyTool) -> Result<PathBuf, String> {
    let tools = tools_dir();
    std::fs::create_dir_all(&tools).map_err(|e| format!("cannot create {}: {e}", tools.display()))?;
    let venv = tools.join(format!("{}-venv", tool.name));
    let script = venv.join("bin").join(tool.script);
    let ready = |venv: &Path| std::fs::read_to_string(venv.join("clearboard-ready")).is_ok_and(|s| s.trim() == tool.requirement);
    let lock = tools.join(format!("{}-venv.lock", tool.name));
    let failed = tools.join(format!("{}-venv.failed", tool.name));
    let started = Instant::now();
    loop {
        if ready(&venv) {
            return Ok(script);
        }
        let recent = std::fs::metadata(&failed)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age < Duration::from_secs(900));
        if recent {
            let why = std::fs::read_to_string(&failed).unwrap_or_default();
            return Err(format!("{} (remembered from an earlier attempt; delete {} to retry now)", why.trim(), failed.display()));
        }
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&lock) {
            Ok(mut f) => {
                use std::io::Write;
                let _ = writeln!(f, "{}", std::process::id());
                let built = build(tool, &tools, &venv);
                match &built {
                    Ok(()) => {
                        let _ = std::fs::remove_file(&failed);
                    }
                    Err(why) => {
                        let _ = std::fs::write(&failed, why);
                    }
                }
                let _ = std::fs::remove_file(&lock);
                built?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = std::fs::read_to_string(&lock).ok().and_then(|s| s.trim().parse::<u32>().ok());
                let holder_dead = holder.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists());
                let too_old = std::fs::metadata(&lock)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > Duration::from_secs(900));
                if holder_dead || too_old {
                    let _ = std::fs::remove_file(&lock);
                    continue;
                }
                if started.elapsed() > Duration::from_secs(900) {
                    return Err(format!("another test process has been building the {} venv for 15 minutes", tool.name));
                }
                std::thread::sleep(Duration::from_millis(250));
            }
            Err(e) => return Err(format!("cannot create {}: {e}", lock.display())),
        }
    }
}

/// The tool, or `None` when it cannot be had and `CLEARBOARD_TEST_SKIP` names the tool
/// (its `name`); otherwise (and always with `CI=true`) the test fails and says how to get it
/// ([`crate::deps::missing`]).
pub fn require(tool: PyTool) -> Option<PathBuf> {
    match install(tool) {
        Ok(p) => Some(p),
        Err(why) => {
            crate::deps::missing(
                tool.name,
                &format!("{} is unavailable ({why})", tool.requirement),
                "it needs python3 with the venv module (Debian: apt-get install python3-venv) and pip access to PyPI",
                &format!("what needs {}", tool.requirement),
            );
            None
        }
    }
}

/// The tool, or `None` when `CLEARBOARD_TEST_SKIP` names it (comma-separated names; said
/// loudly). Otherwise a missing tool is a failure that says how to install it: for checks
/// whose proof is the tool itself (the official validators of an export).
pub fn require_unless_skipped(tool: PyTool) -> Option<PathBuf> {
    match install(tool) {
        Ok(p) => Some(p),
        Err(why) => {
            let skipped = std::env::var("CLEARBOARD_TEST_SKIP").is_ok_and(|v| v.split(',').any(|n| n.trim() == tool.name));
            assert!(
                skipped,
                "{} is unavailable: {why}. Install python3 with the venv module (Debian: apt-get install python3-venv) and give pip access to PyPI (the venv is made under {}), or set CLEARBOARD_TEST_SKIP={} to skip this check.",
                tool.requirement,
                tools_dir().display(),
                tool.name
            );
            eprintln!("\n!!!!!!!! {} is unavailable ({why}); CLEARBOARD_TEST_SKIP names it: SKIPPED !!!!!!!!\n", tool.requirement);
            None
        }
    }
}

// Real waits for real processes: no simulated clock has a say here.
#[allow(clippy::disallowed_methods)]
fn build(tool: PyTool, tools: &Path, venv: &Path) -> Result<(), String> {
    let scratch = tools.join(format!("{}-venv.build-{}", tool.name, std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let started = Instant::now();
    let mut made = false;
    let mut why = String::from("python3 was not found");
    for candidate in ["python3", "/usr/bin/python3"] {
        match Command::new(candidate).args(["-m", "venv"]).arg(&scratch).stdout(Stdio::null()).stderr(Stdio::piped()).output() {
            Ok(out) if out.status.success() => {
                made = true;
                break;
            }
            Ok(out) => {
                why = format!("`{candidate} -m venv` failed: {}", String::from_utf8_lossy(&out.stderr).trim());
                let _ = std::fs::remove_dir_all(&scratch);
            }
            Err(e) => why = format!("cannot run {candidate}: {e}"),
        }
    }
    if !made {
        return Err(why);
    }
    eprintln!("installing {} into {} (once per machine)", tool.requirement, venv.display());
    let out = Command::new(scratch.join("bin/python"))
        .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
        .args(tool.requirement.split_whitespace())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run pip: {e}"))?;
    if !out.status.success() {
        let _ = std::fs::remove_dir_all(&scratch);
        return Err(format!("pip install {} failed: {}", tool.requirement, String::from_utf8_lossy(&out.stderr).trim()));
    }
    std::fs::write(scratch.join("clearboard-ready"), tool.requirement).map_err(|e| e.to_string())?;
    if venv.exists() {
        let old = tools.join(format!("{}-venv.old-{}", tool.name, std::process::id()));
        let _ = std::fs::rename(venv, &old);
        let _ = std::fs::remove_dir_all(&old);
    }
    // Console scripts carry the scratch path in their shebang line: they are run through the
    // venv's python (`python -m …` or `python <script>`) by callers, never directly.
    if let Err(e) = std::fs::rename(&scratch, venv) {
        let _ = std::fs::remove_dir_all(&scratch);
        if std::fs::read_to_string(venv.join("clearboard-ready")).is_ok_and(|s| s.trim() == tool.requirement) {
            return Ok(());
        }
        return Err(format!("cannot move the venv into place: {e}"));
    }
    eprintln!("installed {} in {:.1} s", tool.requirement, started.elapsed().as_secs_f64());
    Ok(())
}

/// A command that runs a console script returned by [`install`] through its venv's python
/// (the script's own shebang names the scratch folder the venv was built in).
pub fn command(script: &Path) -> Command {
    let mut c = Command::new(script.with_file_name("python"));
    c.arg(script);
    c
}

/// Starts a server, `python script args…`, with its stdin and stdout piped and its standard
/// error written to `log`, and reads the port it prints as its first line once it listens;
/// fails the test with the log when it prints none. Such servers stop when their stdin closes.
pub fn start_server(python: &Path, script: &Path, args: &[&Path], log: &Path, what: &str) -> (Child, Option<ChildStdin>, u16) {
    let err = std::fs::File::create(log).unwrap_or_else(|e| panic!("cannot create the {what} log: {e}"));
    let mut child = Command::new(python)
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().expect("the server's stdout");
    // The first line is the port, printed once the server answers (or nothing: it failed).
    let mut line = String::new();
    let _ = BufReader::new(stdout).read_line(&mut line);
    let Ok(port) = line.trim().parse::<u16>() else {
        let _ = child.kill();
        let _ = child.wait();
        let text = std::fs::read_to_string(log).unwrap_or_default();
        panic!("{what} did not start: {text}");
    };
    (child, stdin, port)
}
