//! The `blotter` command: parses arguments, calls the library, prints what
//! it reports and maps the outcome to an exit code (0 ok, 1 content errors,
//! 2 usage or configuration errors).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use std::sync::Arc;

use blotter::serve::{ServeEvent, ServeOptions, Server};
use blotter::{BuildOptions, Report};

/// mimalloc: a build makes millions of small allocations on many threads,
/// and glibc's allocator spent a seventh of the run on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "blotter",
    version,
    about = "Build an annotated archive of police press releases"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print every warning (by default each warning message is printed a
    /// few times, then counted).
    #[arg(long, global = true)]
    verbose: bool,
}

/// What `build` and `serve` both take: where the site comes from and goes.
#[derive(Args)]
struct SiteArgs {
    /// Folder holding site.toml and releases/.
    #[arg(long, default_value = "content")]
    content: PathBuf,
    /// Theme folder whose templates/ and static/ override the built-in theme.
    #[arg(long)]
    theme: Option<PathBuf>,
    /// Folder to write the site to (replaced as a whole).
    #[arg(long, default_value = "output")]
    output: PathBuf,
    /// Public root URL, e.g. https://owner.github.io/archive/ (overrides
    /// site.toml); `serve` serves the site under its path.
    #[arg(long)]
    base_url: Option<String>,
}

impl SiteArgs {
    fn into_options(self, skip_invalid: bool) -> BuildOptions {
        BuildOptions {
            content: self.content,
            theme: self.theme,
            output: self.output,
            base_url: self.base_url,
            skip_invalid,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder.
    Build {
        #[command(flatten)]
        site: SiteArgs,
        /// Public root URL used only when site.toml sets no base_url (as
        /// the Pages workflow passes the one GitHub gives the site).
        #[arg(long, value_name = "URL", conflicts_with = "base_url")]
        default_base_url: Option<String>,
        /// Build the valid releases and list the invalid ones instead of failing.
        #[arg(long)]
        skip_invalid: bool,
        #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
        message_format: MessageFormat,
    },
    /// Check the content and report every problem, writing nothing.
    Check {
        #[arg(long, default_value = "content")]
        content: PathBuf,
        #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
        message_format: MessageFormat,
    },
    /// Build, serve the site on 127.0.0.1 as GitHub Pages would, and rebuild
    /// and reload open pages on every change.
    Serve {
        #[command(flatten)]
        site: SiteArgs,
        /// Port to listen on; the next free one is used if it is taken.
        #[arg(long, default_value_t = 1111)]
        port: u16,
    },
    /// Start a new archive in DIR (default: here), which must be empty.
    Init {
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Write a sidecar skeleton beside the release with this id.
    NewNote {
        /// The release: its id (file stem), the start of exactly one id, or
        /// the path of its file.
        id: String,
        #[arg(long, default_value = "content")]
        content: PathBuf,
        /// Start the sidecar with a passage note on these exact words of
        /// the release (checked against its text first).
        #[arg(long)]
        quote: Option<String>,
    },
}

/// How problems are printed on stderr.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MessageFormat {
    /// For a person: the source line, a caret under the problem, a hint.
    Human,
    /// One JSON object per problem per line, for tools.
    Json,
}

/// Whether site.toml sets a base URL. Unreadable settings count as
/// none: the build reports them.
fn has_base_url(content: &std::path::Path) -> bool {
    blotter::config::SiteConfig::load(content).is_ok_and(|c| c.base_url.is_some())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Build { site, .. } => blotter::size_thread_pool(Some(&site.output)),
        Command::Serve { .. } => blotter::size_thread_pool(None),
        _ => {}
    }
    let (result, mode, format) = match cli.command {
        Command::Build {
            site,
            default_base_url,
            skip_invalid,
            message_format,
        } => {
            let mut options = site.into_options(skip_invalid);
            if options.base_url.is_none() {
                options.base_url = default_base_url.filter(|_| !has_base_url(&options.content));
            }
            let mode = Mode::Build { skip_invalid };
            (blotter::build(&options), mode, message_format)
        }
        Command::Check {
            content,
            message_format,
        } => (blotter::check(&content), Mode::Check, message_format),
        Command::Serve { site, port } => {
            let build = site.into_options(false);
            return serve(ServeOptions {
                build,
                port,
                watch: true,
            });
        }
        Command::Init { dir } => return init(&dir),
        Command::NewNote { id, content, quote } => {
            return match blotter::scaffold::new_note(&content, &id, quote.as_deref()) {
                Ok(note) => {
                    let cwd = std::env::current_dir().unwrap_or_default();
                    let shown = |p: &std::path::Path| {
                        p.strip_prefix(&cwd).unwrap_or(p).display().to_string()
                    };
                    if let (Some(title), Some(date)) = (&note.title, &note.date) {
                        println!("release {}: {title} ({date})", shown(&note.release));
                    } else {
                        println!("release {}", shown(&note.release));
                    }
                    println!("wrote {}", shown(&note.sidecar));
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("error: {err:#}");
                    ExitCode::from(2)
                }
            };
        }
    };
    let shown_per_warning = if cli.verbose {
        usize::MAX
    } else {
        WARNINGS_SHOWN_PER_MESSAGE
    };
    match result {
        Ok(report) => finish(&report, mode, shown_per_warning, format),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

/// Runs the preview server until Ctrl-C, printing each build's outcome.
fn serve(options: ServeOptions) -> ExitCode {
    let requested = options.port;
    // Set before the first build, so Ctrl-C during it waits for it too.
    let (stop, stopped) = std::sync::mpsc::channel();
    let presses = std::sync::atomic::AtomicUsize::new(0);
    let handler = ctrlc::set_handler(move || {
        // The first Ctrl-C waits for a build under way; a second one ends
        // the process at once, which the build's staged writes survive.
        if presses.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0 {
            std::process::exit(130);
        }
        let _ = stop.send(());
    });
    if let Err(err) = handler {
        eprintln!("error: cannot handle Ctrl-C: {err}");
        return ExitCode::from(2);
    }
    // Each warning is printed once, not again after every rebuild.
    let printed = std::sync::Mutex::new(std::collections::HashSet::new());
    let print = move |event: &ServeEvent<'_>| {
        let mut printed = printed.lock().unwrap_or_else(|e| e.into_inner());
        print_serve_event(event, &mut printed);
    };
    let server = match Server::start(options, Arc::new(print)) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    if requested != 0 && server.addr().port() != requested {
        eprintln!("port {requested} is taken");
    }
    println!("serving {} (Ctrl-C to stop)", server.url());
    let _ = stopped.recv();
    eprintln!("stopping (after the build under way, if any)");
    server.shutdown();
    ExitCode::SUCCESS
}

/// Warnings listed after a build; `blotter check` lists them all.
const SERVE_WARNINGS_SHOWN: usize = 10;

fn print_serve_event(event: &ServeEvent<'_>, printed: &mut std::collections::HashSet<String>) {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut err = std::io::stderr().lock();
    let changed_note = |changed: &[PathBuf]| match changed {
        [] => String::new(),
        [one] => format!(
            " ({} changed)",
            one.strip_prefix(&cwd).unwrap_or(one).display()
        ),
        many => format!(" ({} files changed)", many.len()),
    };
    match event {
        ServeEvent::Built {
            report,
            changed,
            elapsed,
        } => {
            let errors: Vec<_> = report.diagnostics.iter().filter(|d| d.is_error()).collect();
            let warnings: Vec<_> = report
                .diagnostics
                .iter()
                .filter(|d| !d.is_error())
                .map(|d| d.relative_to(&cwd).to_string())
                .filter(|w| printed.insert(w.clone()))
                .collect();
            let mut sources = blotter::report::Sources::default();
            let color = blotter::report::stderr_color();
            for d in &errors {
                let human = blotter::report::human(d, &d.relative_to(&cwd), &mut sources, color);
                let _ = writeln!(err, "{human}");
            }
            for warning in warnings.iter().take(SERVE_WARNINGS_SHOWN) {
                let _ = writeln!(err, "{warning}");
            }
            if warnings.len() > SERVE_WARNINGS_SHOWN {
                let _ = writeln!(
                    err,
                    "and {} more new warnings (`blotter check` lists them all)",
                    warnings.len() - SERVE_WARNINGS_SHOWN
                );
            }
            let note = changed_note(changed);
            let secs = elapsed.as_secs_f64();
            let _ = match &report.summary {
                Some(s) => writeln!(
                    err,
                    "built {} release{} in {secs:.2}s, {} file{} written{note}",
                    s.releases,
                    plural(s.releases),
                    s.rewritten,
                    plural(s.rewritten)
                ),
                None => writeln!(
                    err,
                    "{} error{}: nothing written, the last good site is still served{note}",
                    errors.len(),
                    plural(errors.len())
                ),
            };
        }
        ServeEvent::Building { changed } => {
            let _ = writeln!(err, "rebuilding{}", changed_note(changed));
        }
        ServeEvent::ConfigFailed { message, changed } => {
            let _ = writeln!(
                err,
                "error: {message}\nnothing built, the last good site is still served{}",
                changed_note(changed)
            );
        }
        ServeEvent::WatchFailed { message } => {
            let _ = writeln!(err, "warning: watching for changes: {message}");
        }
    }
}

fn init(dir: &std::path::Path) -> ExitCode {
    match blotter::init::init(dir) {
        Ok(files) => {
            for file in files {
                println!("wrote {}", file.display());
            }
            println!("next: cd {} && blotter serve", dir.display());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// What was run, for the closing lines.
#[derive(Clone, Copy)]
enum Mode {
    Build { skip_invalid: bool },
    Check,
}

/// How many times one warning message is printed before the rest are
/// counted (`--verbose` prints them all).
const WARNINGS_SHOWN_PER_MESSAGE: usize = 5;

fn finish(
    report: &Report,
    mode: Mode,
    shown_per_warning: usize,
    format: MessageFormat,
) -> ExitCode {
    let skip_invalid = matches!(mode, Mode::Build { skip_invalid: true });
    // Paths as the user would type them, however the folders were given.
    let cwd = std::env::current_dir().unwrap_or_default();
    let json = format == MessageFormat::Json;
    print_diagnostics(report, &cwd, shown_per_warning, json);
    blotter::progress::mark("messages printed");
    let (errors, warnings) = (report.errors(), report.warnings());
    if errors + warnings > 0 {
        eprintln!(
            "{errors} error{}, {warnings} warning{}",
            plural(errors),
            plural(warnings)
        );
    }
    // In JSON mode stderr holds the objects and the count only.
    if skip_invalid && !report.skipped.is_empty() && !json {
        eprintln!(
            "skipped {} file{}:",
            report.skipped.len(),
            plural(report.skipped.len())
        );
        for path in &report.skipped {
            eprintln!("  {}", path.strip_prefix(&cwd).unwrap_or(path).display());
        }
    }
    match &report.summary {
        Some(s) => {
            let secs = s.elapsed.as_secs_f64();
            let rate = if secs > 0.0 {
                s.pages as f64 / secs
            } else {
                0.0
            };
            // Past GitHub Pages' limit, the line also says by how much.
            let size = s
                .over_pages_limit()
                .map_or(String::new(), |note| format!("; {note}"));
            println!(
                "built {} release{}, {} pages ({} written), {} area{} in {:.2}s ({:.0} pages/s), {} warning{}{size}",
                s.releases,
                plural(s.releases),
                s.pages,
                s.rewritten,
                s.areas,
                plural(s.areas),
                secs,
                rate,
                warnings,
                plural(warnings)
            );
            ExitCode::SUCCESS
        }
        // `check` never writes, so only a build has something to say here.
        None if errors > 0 => {
            if let (
                Mode::Build {
                    skip_invalid: false,
                },
                false,
            ) = (mode, json)
            {
                eprintln!("nothing written: fix the errors above, or pass --skip-invalid to build the rest");
            }
            ExitCode::from(1)
        }
        None => {
            println!("checked: no errors");
            ExitCode::SUCCESS
        }
    }
}

/// Every diagnostic of a run on stderr: for a person (each warning
/// message a few times, then counted) or as JSON lines (all of them);
/// under GitHub Actions also as workflow commands on stdout.
fn print_diagnostics(report: &Report, cwd: &std::path::Path, per_warning: usize, json: bool) {
    use blotter::report;
    // One write per line would be 30,000 system calls on a large archive.
    let mut err = std::io::BufWriter::new(std::io::stderr().lock());
    let per_warning = if json { usize::MAX } else { per_warning };
    let (shown, hidden) = blotter::diagnostics::limit_repeats(&report.diagnostics, per_warning);
    let color = !json && report::stderr_color();
    let github = report::github_actions();
    let mut sources = report::Sources::default();
    let mut out = std::io::stdout().lock();
    for diagnostic in shown {
        let relative = diagnostic.relative_to(cwd);
        let human = report::human(diagnostic, &relative, &mut sources, color);
        let _ = match json {
            true => writeln!(err, "{}", report::json(&relative, &human)),
            false => writeln!(err, "{human}"),
        };
        if github {
            let _ = writeln!(out, "{}", report::github(&relative));
        }
    }
    for (message, more) in hidden {
        let _ = writeln!(
            err,
            "warning: and {more} more like this: {message} (`--verbose` lists all)"
        );
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
