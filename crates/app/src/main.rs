//! The `clearboard` command.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use clearboard_app::{self as clearboard, Config, Overrides};
use clearboard_core::identity::accounts::NewAccount;
use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::{Clock, SystemClock};
use clearboard_policy::Policy;
use clearboard_web::platform::ratelimit::Limits;
use tracing_subscriber::EnvFilter;
use zeroize::Zeroizing;

#[derive(Parser)]
#[command(name = "clearboard", version, about = "Boards of idea cards, with an executable privacy policy")]
struct Cli {
    /// A TOML configuration file.
    #[arg(long, global = true, env = "CLEARBOARD_CONFIG")]
    config: Option<PathBuf>,
    /// Where embedded data lives (default ./clearboard-data).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Create or upgrade every database, then exit.
    Migrate,
    /// Check or show the policy.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The retention scheduler.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Billing: invoice every running contract's current period (also done by the scheduler).
    Billing {
        #[command(subcommand)]
        command: BillingCommand,
    },
    /// Staff members (roles and confidentiality training).
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Backups of the databases and blobs (never the key stores).
    Backup {
        #[command(subcommand)]
        command: BackupCommand,
    },
    /// Restore a backup into the configured storage (stop the server first). Erasures made
    /// since the backup are replayed at the next start, before any traffic is served.
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
    /// Forensic tools.
    Forensics {
        #[command(subcommand)]
        command: ForensicsCommand,
    },
    /// The support desk.
    Support {
        #[command(subcommand)]
        command: SupportCommand,
    },
    /// Outreach (newsletters and invitations).
    Outreach {
        #[command(subcommand)]
        command: OutreachCommand,
    },
}

#[derive(Subcommand)]
enum SupportCommand {
    /// Deliver one email (RFC 5322, read from standard input) to the support desk: what a mail
    /// server's pipe transport calls. Threaded by the private link's token or the ticket
    /// reference, else a new ticket; the raw message is not kept. Prints the ticket id only.
    Inbound,
}

#[derive(Subcommand)]
enum BillingCommand {
    /// Issue the invoices that are due now (each contract's current monthly period, once).
    Run,
    /// Send the running contracts' data to the companies of the group configured in
    /// `[[affiliates]]`, for one purpose the policy declares for them (C-SHARE-2); each
    /// contract sent is in the disclosure log.
    FeedAffiliates {
        #[arg(long, default_value = "contract")]
        purpose: String,
    },
}

#[derive(Subcommand)]
enum OutreachCommand {
    /// Read one delivery status notification (RFC 3464) on stdin, as the mail server's bounce
    /// pipe delivers it: every permanently failed recipient receives no more mail.
    Bounce,
    /// Read one message sent to the `List-Unsubscribe` mailbox on stdin (subject
    /// `unsubscribe <token>`) and unsubscribe its sender at once.
    Unsubscribe,
}

#[derive(Subcommand)]
enum BackupCommand {
    /// Make a backup (default: <data dir>/backups/clearboard-backup-<time>.zip).
    Create {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List the backups in a folder and when each must be gone.
    List {
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Delete backups older than the policy's backup retention (never above the erasure
    /// deadline).
    Prune {
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ForensicsCommand {
    /// Scan the raw bytes of every store, WAL, blob, backup and export under the data dir
    /// (plus `--path`s, e.g. log files, on PostgreSQL the cluster's files when readable, and
    /// every object of the regions whose blobs are on S3) for needles in several encodings.
    /// Needles are never printed: hits name their number.
    Scan {
        #[arg(long = "needle")]
        needles: Vec<String>,
        /// A file with one needle per line (keeps them out of shell history).
        #[arg(long)]
        needles_file: Option<PathBuf>,
        #[arg(long = "path")]
        paths: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Validate a policy file (default: the configured or built-in policy) and compare it with
    /// the modules the configuration enables: it must declare exactly what they implement.
    Check { file: Option<PathBuf> },
    /// Each commitment of the SPEC, where the code enforces it and which tests prove it (or the
    /// issue that will); exits 1 when the ratchet of policy/unproven.toml is broken.
    Trace {
        /// The repository (default: the current folder, else the one this binary was built from).
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Render a policy: notice (HTML), cookies (HTML), json, ropa-json, dpv, ccpa, fideslang.
    Render {
        #[arg(long, default_value = "notice")]
        format: String,
        /// en or fr (for the HTML formats).
        #[arg(long, default_value = "en")]
        lang: String,
        file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Apply every retention rule now and record the runs.
    Run,
    /// Show each rule, what enforces it and what is due now.
    Status,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify every audit chain (hash links and authenticated checkpoints).
    Verify,
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Make someone a staff member (creates the account if needed; the password is read from
    /// CLEARBOARD_STAFF_PASSWORD or the first line of standard input).
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        first_name: String,
        #[arg(long)]
        last_name: String,
        /// support, privacy_officer or admin.
        #[arg(long)]
        role: String,
        /// Date of the last confidentiality training (YYYY-MM-DD).
        #[arg(long)]
        trained_on: Option<String>,
        #[arg(long)]
        region: Option<String>,
    },
    /// Record a completed confidentiality training.
    Training {
        #[arg(long)]
        email: String,
        #[arg(long)]
        trained_on: String,
    },
    /// List staff members (ids, roles, training dates; no personal data).
    List,
}

fn init_logs(config: &Config) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.log_level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if config.log_format == "pretty" {
        builder.init();
    } else {
        builder.json().flatten_event(true).with_current_span(true).with_span_list(false).init();
    }
}

fn parse_date(s: &str) -> anyhow::Result<time::Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt).with_context(|| "dates are written YYYY-MM-DD")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let listen = match &cli.command {
        Command::Serve { listen } => {
            // A long-running server: glibc's allocator settings for it (issue 21).
            clearboard::malloc::settle();
            listen.clone()
        }
        _ => None,
    };
    let overrides = Overrides { data_dir: cli.data_dir.clone(), listen, database_url: None };
    let config = Config::load(cli.config.as_deref(), &overrides).context("the configuration is invalid")?;
    init_logs(&config);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);

    match cli.command {
        Command::Serve { .. } => {
            let metrics = if config.metrics { clearboard::metrics_handle() } else { None };
            let app = clearboard::build(&config, clock, metrics, Limits::default()).await?;
            let listener =
                tokio::net::TcpListener::bind(&config.listen).await.with_context(|| format!("cannot listen on {}", config.listen))?;
            let addr = listener.local_addr()?;
            tracing::info!(address = %addr, data_dir = %config.data_dir.display(), backend = if config.database_url.is_some() { "postgres" } else { "sqlite" }, "clearboard is listening");
            let every = std::time::Duration::from_secs(u64::from(config.retention_interval_minutes.max(1)) * 60);
            let _tasks = clearboard::spawn_background(&app.state, every, clearboard::cluster::Duties::new(&app.opened));
            if let Some(m) = config.metrics_listen.as_deref().filter(|m| config.metrics && !m.is_empty()) {
                let ml = tokio::net::TcpListener::bind(m).await.with_context(|| {
                    format!("cannot listen for metrics on {m} (set metrics_listen, or leave it empty and use metrics_token)")
                })?;
                tracing::info!(address = %ml.local_addr()?, "metrics are served on their own listener");
                let state = app.state.clone();
                tokio::spawn(async move {
                    if let Err(e) = clearboard::serve_metrics(state, ml, std::future::pending()).await {
                        tracing::warn!(error = %e, "the metrics listener stopped");
                    }
                });
            }
            if let Some(at) = config.support.inbound_listen.as_deref().filter(|a| !a.is_empty()) {
                let ll = tokio::net::TcpListener::bind(at)
                    .await
                    .with_context(|| format!("cannot listen for inbound mail on {at} (support.inbound_listen)"))?;
                tracing::info!(address = %ll.local_addr()?, "the support desk takes mail by LMTP");
                tokio::spawn(clearboard::lmtp::serve(app.state.cb.clone(), ll, config.public_url().trim_end_matches('/').to_string()));
            }
            // SIGTERM drains: /readyz answers 503 `draining`, every board socket is closed with
            // 4001 (its client reconnects through the proxy to another node and replays from
            // its last sequence), then the listener stops and requests in flight finish
            // (at most `drain_seconds`).
            let (state, bound) = (app.state.clone(), std::time::Duration::from_secs(u64::from(config.drain_seconds.max(1))));
            let drained = async move {
                shutdown_signal().await;
                state.cb.drain();
                tracing::info!("draining: not ready, sockets told to reconnect elsewhere");
                // Sockets get their close frame before the listener stops (at most the bound).
                let until = tokio::time::Instant::now() + bound;
                while state.cb.open_sockets() > 0 && tokio::time::Instant::now() < until {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            };
            clearboard::serve_with(app.state.clone(), listener, clearboard::ServeLimits::from_config(&config), drained).await?;
            app.opened.close().await;
        }
        Command::Migrate => {
            let app = clearboard::build(&config, clock, None, Limits::default()).await?;
            app.opened.close().await;
            println!("all databases are up to date");
        }
        Command::Policy { command: PolicyCommand::Check { file } } => {
            let (name, text) = match file.or(config.policy_file.clone()) {
                Some(f) => (f.display().to_string(), std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display()))?),
                None => ("the built-in policy".to_string(), clearboard_policy::DEFAULT_POLICY.to_string()),
            };
            match Policy::load(&text) {
                Ok(p) => {
                    let problems = clearboard::policy_problems(&config, &p);
                    if !problems.is_empty() {
                        eprintln!("{name} and the enabled modules disagree ({} problem(s)):", problems.len());
                        for pr in &problems {
                            eprintln!("  - {pr}");
                        }
                        std::process::exit(1);
                    }
                    let modules = clearboard_core::privacy::modules::registry::enabled(&config.disabled_modules()).count();
                    println!(
                        "{name} is valid (version {}) and declares exactly what the {modules} enabled modules implement",
                        &p.digest()[..16]
                    );
                }
                Err(e) => {
                    eprintln!("{name}: {e}");
                    std::process::exit(1);
                }
            }
        }
        Command::Policy { command: PolicyCommand::Trace { root } } => {
            let repo = clearboard::trace::load(&root.unwrap_or_else(clearboard::trace::default_root))?;
            print!("{}", repo.render());
            let problems = repo.problems();
            if !problems.is_empty() {
                eprintln!("the trace is broken ({} problem(s)):", problems.len());
                for p in &problems {
                    eprintln!("  - {p}");
                }
                std::process::exit(1);
            }
        }
        Command::Policy { command: PolicyCommand::Render { format, lang, file } } => {
            let text = match file.or(config.policy_file.clone()) {
                Some(f) => std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display()))?,
                None => clearboard_policy::DEFAULT_POLICY.to_string(),
            };
            let p = Policy::load(&text)?;
            use clearboard_policy::exports;
            let out = match format.as_str() {
                "notice" => clearboard_web::privacy::policy_pages::render_notice(&p, &lang)?,
                "cookies" => clearboard_web::privacy::policy_pages::render_cookies(&p, &lang)?,
                "json" => serde_json::to_string_pretty(&exports::policy_json(&p))?,
                "ropa-json" => serde_json::to_string_pretty(&exports::ropa(&p))?,
                "dpv" => serde_json::to_string_pretty(&exports::dpv(&p))?,
                "ccpa" => serde_json::to_string_pretty(&exports::ccpa(&p))?,
                "fideslang" => serde_json::to_string_pretty(&exports::fideslang(&p))?,
                other => anyhow::bail!("unknown format `{other}`: use notice, cookies, json, ropa-json, dpv, ccpa or fideslang"),
            };
            println!("{out}");
        }
        Command::Retention { command } => {
            let app = clearboard::build(&config, clock, None, Limits::default()).await?;
            match command {
                RetentionCommand::Run => {
                    for r in app.state.cb.retention().run().await? {
                        println!("{}\t{}\tdue {}\tpurged {}\theld {}", r.region, r.rule, r.due, r.purged, r.held);
                    }
                }
                RetentionCommand::Status => {
                    for r in app.state.cb.retention().status().await? {
                        println!("{}\t{}\t{:?}\tdue {}\theld {}", r.rule, r.period.label("en"), r.enforcement, r.due, r.held);
                    }
                }
            }
            app.opened.close().await;
        }
        Command::Support { command: SupportCommand::Inbound } => {
            use std::io::Read;
            let max = clearboard_core::business::support::inbound::RAW_MAX;
            let mut raw = Vec::new();
            std::io::stdin().take(max as u64 + 1).read_to_end(&mut raw).context("cannot read the message on standard input")?;
            let app = clearboard::build(&config, clock, None, Limits::default()).await?;
            let delivered = app.state.cb.support().inbound(&raw, config.public_url().trim_end_matches('/')).await;
            app.opened.close().await;
            match delivered {
                Ok(d) => println!("{}\t{}", d.outcome, d.ticket),
                // The error names the rule that failed, never the message's content.
                Err(e) => anyhow::bail!("the message was not delivered: {}", e.code().as_str()),
            }
        }
        Command::Billing { command: BillingCommand::Run } => {
            let app = clearboard::build(&config, clock, None, Limits::default()).await?;
            let r = app.state.cb.billing().run().await;
            app.opened.close().await;
            let r = r?;
            println!("issued {}\tresumed {}\talready invoiced {}", r.issued, r.resumed, r.already);
        }
        Command::Billing { command: BillingCommand::FeedAffiliates { purpose } } => {
            let app = clearboard::build(&config, clock, None, Limits::default()).await?;
            let r = app.state.cb.billing().feed_affiliates(&purpose).await;
            app.opened.close().await;
            let mut failed = false;
            for f in r? {
                println!(
                    "{}\t{}\tcontracts {}\tbatches {}\t{}",
                    f.affiliate,
                    f.purpose,
                    f.contracts,
                    f.batches,
                    f.refused.as_deref().unwrap_or("ok")
                );
                failed |= f.refused.is_some();
            }
            anyhow::ensure!(!failed, "some feeds were not delivered");
        }
        Command::Outreach { command } => {
            let mut message = String::new();
            let mut input = std::io::Read::take(std::io::stdin(), 1024 * 1024);
            std::io::Read::read_to_string(&mut input, &mut message).context("cannot read the message on stdin")?;
            let app = clearboard::build(&config, clock, None, Limits::default()).await?;
            let outreach = app.state.cb.outreach();
            let done = match command {
                OutreachCommand::Bounce => outreach.record_dsn(&message).await.map(|n| format!("{n} hard bounce(s) read")),
                OutreachCommand::Unsubscribe => outreach.unsubscribe_by_mail(&message).await.map(|()| "unsubscribed".to_string()),
            };
            app.opened.close().await;
            println!("{}", done?);
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let app = clearboard::build(&config, clock, None, Limits::default()).await?;
            let reports = app.state.cb.verify_audit().await?;
            app.opened.close().await;
            let mut bad = 0;
            for r in &reports {
                match &r.result {
                    Ok(n) => println!("{}: ok ({n} entries)", r.chain),
                    Err(v) => {
                        bad += 1;
                        println!("{}: TAMPERED: {v}", r.chain);
                    }
                }
            }
            if bad > 0 {
                std::process::exit(2);
            }
        }
        Command::Staff { command } => {
            let app = clearboard::build(&config, clock, None, Limits::default()).await?;
            let cb = &app.state.cb;
            match command {
                StaffCommand::Add { email, first_name, last_name, role, trained_on, region } => {
                    let role = Role::parse(&role).with_context(|| "the role must be support, privacy_officer or admin")?;
                    let trained = trained_on.as_deref().map(parse_date).transpose()?;
                    let password = match std::env::var("CLEARBOARD_STAFF_PASSWORD") {
                        Ok(p) => Zeroizing::new(p),
                        Err(_) => {
                            eprintln!("password (one line on standard input):");
                            let mut line = String::new();
                            std::io::stdin().lock().read_line(&mut line)?;
                            Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_string())
                        }
                    };
                    let input = NewAccount { email, password, first_name, last_name, region, ..NewAccount::default() };
                    let r = cb.staff().add(input, role, trained).await?;
                    println!(
                        "staff member {} ({}) in region {}{}",
                        r.id,
                        role.as_str(),
                        r.region,
                        if trained.is_none() { "; no training recorded yet: access to personal data is refused until it is" } else { "" }
                    );
                }
                StaffCommand::Training { email, trained_on } => {
                    cb.staff().record_training(&email, parse_date(&trained_on)?).await?;
                    println!("training recorded");
                }
                StaffCommand::List => {
                    for s in cb.staff().list().await? {
                        let trained = s.trained_at.map(clearboard_core::platform::clock::rfc3339).unwrap_or_else(|| "never".into());
                        println!("{}\t{}\t{}\ttrained: {trained}", s.subject_id, s.region, s.role);
                    }
                }
            }
            app.opened.close().await;
        }
        Command::Backup { command } => {
            let layout = clearboard::layout(&config);
            let policy = clearboard::load_policy(&config)?;
            let default_dir = config.backup_dir();
            let keep = policy.doc().backups.retention_days.min(policy.doc().limits.erasure_deadline_days);
            match command {
                BackupCommand::Create { out } => {
                    let app = clearboard::build(&config, clock.clone(), None, Limits::default()).await?;
                    let out = out.unwrap_or_else(|| default_dir.join(clearboard::backup::default_name(clock.now_ms())));
                    let m = clearboard::backup::create(&app.opened, &layout, &out, clock.now_ms(), policy.digest()).await?;
                    app.opened.close().await;
                    let bytes: u64 = m.files.iter().map(|f| f.bytes).sum();
                    println!("{}: {} files, {bytes} bytes, key stores not included", out.display(), m.files.len());
                }
                BackupCommand::List { dir } => {
                    let dir = dir.unwrap_or_else(|| default_dir.clone());
                    for (p, m, expires) in clearboard::backup::list(&dir, keep) {
                        println!("{}\t{}\t{}\tdelete by {expires}", p.display(), m.created_at, m.backend);
                    }
                }
                BackupCommand::Prune { dir } => {
                    let dir = dir.unwrap_or_else(|| default_dir.clone());
                    for p in clearboard::backup::prune(&dir, keep, clock.now_ms())? {
                        println!("deleted {}", p.display());
                    }
                }
            }
        }
        Command::Restore { from } => {
            let layout = clearboard::layout(&config);
            let kek = clearboard::kek::load_or_create(&config.kek_path(), config.kek_file.is_some())?;
            let m = clearboard::backup::restore(&layout, &from, Arc::new(kek.keyring()), clock.now_ms()).await?;
            println!(
                "restored the backup of {} ({} files); erasures since then are replayed when the server next starts, before it serves",
                m.created_at,
                m.files.len()
            );
        }
        Command::Forensics { command: ForensicsCommand::Scan { mut needles, needles_file, mut paths } } => {
            if let Some(f) = needles_file {
                let text = std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display()))?;
                needles.extend(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string));
            }
            anyhow::ensure!(!needles.is_empty(), "give at least one --needle or a --needles-file");
            paths.insert(0, config.data_dir.clone());
            paths.extend(clearboard::pg_files(&config).await);
            let mut hits = clearboard::forensics::scan(&paths, &needles);
            let (remote, objects) = clearboard::forensics::scan_remote_blobs(&clearboard::layout(&config), &needles).await?;
            hits.extend(remote);
            for h in &hits {
                let n = needles.iter().position(|x| x == &h.needle).map(|i| i + 1).unwrap_or(0);
                println!("needle #{n} found in {} ({})", h.path.display(), h.encoding);
            }
            let files = clearboard::forensics::all_files(&paths).len();
            println!("{} hit(s) in {files} file(s) and {objects} S3 object(s) scanned", hits.len());
            if !hits.is_empty() {
                std::process::exit(3);
            }
        }
    }
    Ok(())
}
