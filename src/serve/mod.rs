//! `blotter serve`: a local preview that behaves like GitHub Pages, rebuilds
//! when the content or theme changes, and reloads open pages.
//!
//! Four parts, one thread (or pool) each: the first build runs in
//! [`Server::start`]; a pool of HTTP workers answers requests from the
//! output folder ([`http`]); a file watcher ([`watch`]) turns editor saves
//! into change notices; and one builder thread runs [`crate::build`] for
//! each batch of notices, one build at a time, and tells the open pages
//! (Server-Sent Events, [`events`]) to reload. The built files are never
//! touched: the reload script and any error overlay are added to the
//! served responses only.

mod events;
mod http;
mod inject;
mod watch;

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::config::SiteConfig;
use crate::diagnostics::Diagnostic;
use crate::{BuildOptions, ConfigError, Report};

pub use http::base_path;

/// What `blotter serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub build: BuildOptions,
    /// The port to listen on (127.0.0.1 only). When it is taken, the next
    /// free one above it is used; 0 lets the system pick one.
    pub port: u16,
    /// Rebuild when the content or theme changes.
    pub watch: bool,
}

/// One thing the server did that the terminal should hear about.
#[derive(Debug)]
pub enum ServeEvent<'a> {
    /// A rebuild starts, for these changed files.
    Building { changed: &'a [PathBuf] },
    /// A build finished: the site was written (`report.summary` is set) or
    /// the content had errors and the last good site is still served.
    Built {
        report: &'a Report,
        /// The files whose change started it (empty for the first build).
        changed: &'a [PathBuf],
        elapsed: Duration,
    },
    /// The settings or theme could not be loaded: nothing was built.
    ConfigFailed {
        message: &'a str,
        changed: &'a [PathBuf],
    },
    /// The watcher reported a problem (for example too many folders to watch).
    WatchFailed { message: &'a str },
}

/// Called by the server for each [`ServeEvent`], from its own threads.
pub type Listener = Arc<dyn Fn(&ServeEvent<'_>) + Send + Sync>;

/// State shared by the HTTP workers and the builder.
struct Shared {
    output: PathBuf,
    /// The path the site is served under: `/` or, with a base URL such as
    /// `https://owner.github.io/archive/`, `/archive/`.
    base_path: RwLock<String>,
    /// The error overlay (HTML) while the content has errors.
    errors: RwLock<Option<Arc<str>>>,
    /// Counts finished builds that changed what a page shows.
    generation: AtomicU64,
    events: events::Broadcast,
    stopping: AtomicBool,
}

enum Notice {
    Changed(Vec<PathBuf>),
    WatchFailed(String),
    Stop,
}

/// A running preview server. Dropping it without [`Server::shutdown`]
/// leaves its threads running until the process ends.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    http: Arc<tiny_http::Server>,
    workers: Vec<JoinHandle<()>>,
    builder: Option<JoinHandle<()>>,
    notices: Sender<Notice>,
    watcher: Option<watch::Watcher>,
}

/// HTTP worker threads: page loads are small file reads, and each event
/// stream gets a thread of its own, so a few serve a browser's parallel
/// requests.
const WORKERS: usize = 4;

/// How many ports above the requested one are tried when it is taken.
const PORT_TRIES: u16 = 50;

impl Server {
    /// Builds the site once, then serves it on 127.0.0.1 and, with
    /// `options.watch`, rebuilds on every change. Content errors in the
    /// first build do not stop it (the browser shows them); settings or
    /// theme errors, or no free port, do.
    pub fn start(options: ServeOptions, listener: Listener) -> Result<Server, ConfigError> {
        let started = Instant::now();
        let first = crate::build(&options.build)?;
        let shared = Arc::new(Shared {
            output: options.build.output.clone(),
            base_path: RwLock::new(base_path(configured_base_url(&options.build).as_deref())),
            errors: RwLock::new(None),
            generation: AtomicU64::new(0),
            events: events::Broadcast::default(),
            stopping: AtomicBool::new(false),
        });
        record(&shared, &first);
        listener(&ServeEvent::Built {
            report: &first,
            changed: &[],
            elapsed: started.elapsed(),
        });

        let socket = bind(options.port).map_err(ConfigError)?;
        let addr = socket
            .local_addr()
            .map_err(|e| ConfigError(anyhow::anyhow!("cannot read the server's address: {e}")))?;
        let http = Arc::new(
            tiny_http::Server::from_listener(socket, None)
                .map_err(|e| ConfigError(anyhow::anyhow!("cannot start the server: {e}")))?,
        );
        let workers = (0..WORKERS)
            .map(|_| {
                let (http, shared) = (Arc::clone(&http), Arc::clone(&shared));
                std::thread::spawn(move || http::serve_requests(&http, &shared))
            })
            .collect();

        let (notices, inbox) = mpsc::channel();
        let watcher = if options.watch {
            Some(watch::Watcher::start(&options.build, notices.clone()).map_err(ConfigError)?)
        } else {
            None
        };
        let builder = {
            let shared = Arc::clone(&shared);
            let build = options.build.clone();
            std::thread::spawn(move || rebuild_loop(&shared, &build, &inbox, &listener))
        };
        Ok(Server {
            addr,
            shared,
            http,
            workers,
            builder: Some(builder),
            notices,
            watcher,
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The site's address, with its base path: `http://127.0.0.1:1111/archive/`.
    pub fn url(&self) -> String {
        let base = self.shared.base_path.read().map(|b| b.clone());
        format!(
            "http://{}{}",
            self.addr,
            base.unwrap_or_else(|_| "/".into())
        )
    }

    /// Asks for a rebuild, as a change to these files would.
    pub fn rebuild(&self, changed: Vec<PathBuf>) {
        let _ = self.notices.send(Notice::Changed(changed));
    }

    /// Stops watching, lets a build that is under way finish (so the
    /// output and its cache are left as a whole build leaves them), then
    /// stops serving.
    pub fn shutdown(mut self) {
        drop(self.watcher.take());
        let _ = self.notices.send(Notice::Stop);
        if let Some(builder) = self.builder.take() {
            let _ = builder.join();
        }
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.shared.events.close();
        for _ in 0..self.workers.len() {
            self.http.unblock();
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

/// Binds 127.0.0.1 on `port`, or the next free port above it.
fn bind(port: u16) -> anyhow::Result<TcpListener> {
    let last = if port == 0 {
        0
    } else {
        port.saturating_add(PORT_TRIES)
    };
    let mut tried = port;
    loop {
        match TcpListener::bind((Ipv4Addr::LOCALHOST, tried)) {
            Ok(socket) => return Ok(socket),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && tried < last => tried += 1,
            Err(e) => anyhow::bail!("cannot listen on 127.0.0.1:{tried}: {e}"),
        }
    }
}

/// The base URL a build uses: the option, else site.toml's (unreadable
/// settings are the build's to report).
fn configured_base_url(options: &BuildOptions) -> Option<String> {
    options.base_url.clone().or_else(|| {
        SiteConfig::load(&options.content)
            .ok()
            .and_then(|c| c.base_url)
    })
}

/// Runs one build per batch of notices until told to stop. Notices that
/// arrive during a build queue up and make one more build after it.
fn rebuild_loop(
    shared: &Shared,
    options: &BuildOptions,
    inbox: &Receiver<Notice>,
    listener: &Listener,
) {
    loop {
        let mut changed = Vec::new();
        match inbox.recv() {
            Ok(Notice::Changed(paths)) => changed.extend(paths),
            Ok(Notice::WatchFailed(message)) => {
                listener(&ServeEvent::WatchFailed { message: &message });
                continue;
            }
            Ok(Notice::Stop) | Err(_) => return,
        }
        for notice in inbox.try_iter() {
            match notice {
                Notice::Changed(paths) => changed.extend(paths),
                Notice::WatchFailed(message) => {
                    listener(&ServeEvent::WatchFailed { message: &message })
                }
                Notice::Stop => return,
            }
        }
        changed.sort();
        changed.dedup();
        listener(&ServeEvent::Building { changed: &changed });
        let started = Instant::now();
        match crate::build(options) {
            Ok(report) => {
                *shared.base_path.write().unwrap_or_else(|e| e.into_inner()) =
                    base_path(configured_base_url(options).as_deref());
                let visible = record(shared, &report);
                listener(&ServeEvent::Built {
                    report: &report,
                    changed: &changed,
                    elapsed: started.elapsed(),
                });
                if visible {
                    reload(shared);
                }
            }
            Err(err) => {
                let message = err.to_string();
                set_errors(shared, Some(inject::error_overlay_for_message(&message)));
                listener(&ServeEvent::ConfigFailed {
                    message: &message,
                    changed: &changed,
                });
                reload(shared);
            }
        }
    }
}

/// Records a build's outcome for the pages served from now on; returns
/// whether an open page would look different (new files, or errors shown
/// or cleared).
fn record(shared: &Shared, report: &Report) -> bool {
    if report.summary.is_some() {
        let had_errors = set_errors(shared, None);
        let rewritten = report.summary.as_ref().is_some_and(|s| s.rewritten > 0);
        had_errors || rewritten
    } else {
        let cwd = std::env::current_dir().unwrap_or_default();
        let errors: Vec<Diagnostic> = report
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.relative_to(&cwd))
            .collect();
        set_errors(shared, Some(inject::error_overlay(&errors)));
        true
    }
}

/// Replaces the error overlay; returns whether one was shown before.
fn set_errors(shared: &Shared, overlay: Option<String>) -> bool {
    let mut errors = shared.errors.write().unwrap_or_else(|e| e.into_inner());
    let had = errors.is_some();
    *errors = overlay.map(Arc::from);
    had
}

fn reload(shared: &Shared) {
    let generation = shared.generation.fetch_add(1, Ordering::SeqCst) + 1;
    shared.events.send_reload(generation);
}
