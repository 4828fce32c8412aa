//! `blotter serve`: the preview server in-process (a handle with its bound
//! address and a shutdown) and through the binary. Only 127.0.0.1.

mod support;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use blotter::serve::{Listener, ServeEvent, ServeOptions, Server};
use blotter::BuildOptions;
use support::*;

const RELEASE: &str = "004_c5ae0792fd4e02f5";
const SIDECAR: &str = "releases/004_c5ae0792fd4e02f5.md";

/// The sample content copied into a temporary folder, and a server on a
/// free port building it into `output/` there.
struct Preview {
    dir: tempfile::TempDir,
    server: Option<Server>,
    /// The changed files of each rebuild started.
    rebuilds: Arc<Mutex<Vec<Vec<PathBuf>>>>,
}

impl Preview {
    fn start(base_url: Option<&str>) -> Preview {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&sample_content(), &dir.path().join("content"));
        let rebuilds = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&rebuilds);
        let listener: Listener = Arc::new(move |event: &ServeEvent<'_>| {
            if let ServeEvent::Building { changed } = event {
                log.lock().unwrap().push(changed.to_vec());
            }
        });
        let server = start(dir.path(), base_url, listener);
        Preview {
            dir,
            server: Some(server),
            rebuilds,
        }
    }

    fn server(&self) -> &Server {
        self.server.as_ref().unwrap()
    }

    fn addr(&self) -> SocketAddr {
        self.server().addr()
    }

    fn content(&self) -> PathBuf {
        self.dir.path().join("content")
    }

    fn output(&self) -> PathBuf {
        self.dir.path().join("output")
    }

    fn get(&self, path: &str) -> Response {
        request(self.addr(), path)
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown();
        }
    }
}

fn start(dir: &Path, base_url: Option<&str>, listener: Listener) -> Server {
    let options = ServeOptions {
        build: BuildOptions {
            content: dir.join("content"),
            theme: None,
            output: dir.join("output"),
            base_url: base_url.map(str::to_string),
            skip_invalid: false,
        },
        port: 0,
        watch: true,
    };
    Server::start(options, listener).expect("the server starts")
}

fn quiet() -> Listener {
    Arc::new(|_: &ServeEvent<'_>| {})
}

struct Response {
    status: u16,
    head: String,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

fn request(addr: SocketAddr, path: &str) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Response {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// A reload client: the page's event stream, as a browser's EventSource
/// holds it.
struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    fn connect(addr: SocketAddr) -> Events {
        let mut stream = TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET /__blotter/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let mut events = Events {
            reader: BufReader::new(stream),
        };
        let head = events.read_until(": connected", Duration::from_secs(2));
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(head.contains("text/event-stream"), "{head}");
        events
    }

    /// Reads lines until one starts with `wanted`, failing after `limit`.
    fn read_until(&mut self, wanted: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        let mut seen = String::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "no `{wanted}` within {limit:?}; got:\n{seen}"
            );
            self.reader.get_ref().set_read_timeout(Some(left)).unwrap();
            let mut line = String::new();
            match self.reader.read_line(&mut line) {
                Ok(0) => panic!("the event stream ended; got:\n{seen}"),
                Ok(_) => {}
                Err(e) => panic!("no `{wanted}` within {limit:?} ({e}); got:\n{seen}"),
            }
            seen.push_str(&line);
            if line.starts_with(wanted) {
                return seen;
            }
        }
    }

    fn wait_for_reload(&mut self) {
        self.read_until("event: reload", Duration::from_secs(2));
    }
}

/// Rewrites a file as editors do on save: a temp file renamed over it.
fn save(path: &Path, text: &str) {
    let temp = path.with_extension("md.tmp");
    fs::write(&temp, text).unwrap();
    fs::rename(&temp, path).unwrap();
}

#[test]
fn serve_answers_the_home_page_a_release_and_a_missing_path_with_the_404_page() {
    let preview = Preview::start(None);
    let home = preview.get("/");
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Browse by force"), "{}", home.body);
    assert_eq!(
        home.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );

    let release = preview.get(&format!("/releases/{RELEASE}/"));
    assert_eq!(release.status, 200);
    assert!(release.body.contains("Operation Venetic"));

    let missing = preview.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    // The site's own 404 page (with the reload script in its head).
    let page = read(&preview.output(), "404.html");
    let body = &page[page.find("</head>").unwrap()..];
    assert!(missing.body.ends_with(body), "{}", missing.body);

    let folder = preview.get(&format!("/releases/{RELEASE}"));
    assert_eq!(folder.status, 301);
    assert_eq!(
        folder.header("Location"),
        Some(&*format!("/releases/{RELEASE}/"))
    );

    let feed = preview.get("/feed.json");
    assert_eq!(
        feed.header("Content-Type"),
        Some("application/json; charset=utf-8")
    );
    let css = preview.get("/static/style.css");
    assert_eq!(css.header("Content-Type"), Some("text/css; charset=utf-8"));
}

#[test]
fn the_site_is_served_under_the_base_path_of_its_url() {
    let preview = Preview::start(Some(BASE_URL));
    assert!(preview.server().url().ends_with("/archive/"));
    let root = preview.get("/");
    assert_eq!(root.status, 301);
    assert_eq!(root.header("Location"), Some("/archive/"));
    assert_eq!(
        preview.get("/archive").header("Location"),
        Some("/archive/")
    );
    assert_eq!(preview.get("/archive/").status, 200);
    assert_eq!(
        preview.get(&format!("/archive/releases/{RELEASE}/")).status,
        200
    );
    assert_eq!(preview.get(&format!("/releases/{RELEASE}/")).status, 404);
    // Every link of the site works as served, the 404 page's included.
    let crawler = serve::Server {
        port: preview.addr().port(),
    };
    let (broken, pages) = serve::broken_links(&crawler, "/archive/", BASE_URL);
    assert!(broken.is_empty(), "broken links: {broken:#?}");
    assert!(pages >= 10, "crawled only {pages} pages");
}

#[test]
fn paths_that_leave_the_output_are_refused() {
    let preview = Preview::start(None);
    fs::write(preview.dir.path().join("secret.txt"), "secret").unwrap();
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/static/%2E%2E/%2e%2e/secret.txt",
    ] {
        let response = preview.get(path);
        assert_eq!(response.status, 400, "{path}");
        assert!(!response.body.contains("secret\n"), "{path}");
    }
}

#[test]
fn served_html_has_the_reload_script_and_the_built_file_does_not() {
    let preview = Preview::start(None);
    let path = format!("releases/{RELEASE}/index.html");
    let served = preview.get(&format!("/{path}"));
    assert!(served
        .body
        .contains("<script src=\"/__blotter/reload.js?build=0\" defer></script>"));
    // The served copy's policy lets a same-origin script run.
    assert!(served.body.contains("script-src 'self'"));
    let built = read(&preview.output(), &path);
    assert!(!built.contains("__blotter"), "the built file was changed");
    // The built file keeps the policy the build wrote (the sample has
    // search, so its own scripts are allowed).
    assert!(built.contains("script-src 'self'; object-src 'none'"));
    let script = preview.get("/__blotter/reload.js");
    assert_eq!(script.status, 200);
    assert!(script.body.contains("EventSource"));
    assert_eq!(
        script.header("Content-Type"),
        Some("text/javascript; charset=utf-8")
    );
}

#[test]
fn a_sidecar_edit_is_rebuilt_and_open_pages_are_told_to_reload() {
    let preview = Preview::start(None);
    let mut events = Events::connect(preview.addr());
    let sidecar = preview.content().join(SIDECAR);
    let text = fs::read_to_string(&sidecar).unwrap();
    let started = Instant::now();
    save(
        &sidecar,
        &format!("{text}\nA line added while previewing.\n"),
    );
    events.wait_for_reload();
    assert!(started.elapsed() < Duration::from_secs(2));
    let page = preview.get(&format!("/releases/{RELEASE}/"));
    assert!(page.body.contains("A line added while previewing."));
    // The next page load carries the new build number.
    assert!(page.body.contains("reload.js?build=1"), "{}", page.body);
}

#[test]
fn a_page_served_before_a_build_finished_reloads_as_soon_as_it_connects() {
    let preview = Preview::start(None);
    let mut events = Events::connect(preview.addr());
    let sidecar = preview.content().join(SIDECAR);
    let text = fs::read_to_string(&sidecar).unwrap();
    save(&sidecar, &format!("{text}\nEdited.\n"));
    events.wait_for_reload();
    // A page from build 0 connecting now is told at once.
    let mut stream = TcpStream::connect(preview.addr()).unwrap();
    write!(
        stream,
        "GET /__blotter/events?since=0 HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    .unwrap();
    let mut late = Events {
        reader: BufReader::new(stream),
    };
    late.wait_for_reload();
}

#[test]
fn content_errors_show_in_the_browser_while_the_last_good_site_is_served() {
    let preview = Preview::start(None);
    let mut events = Events::connect(preview.addr());
    let feed_before = preview.get("/feed.json").body;
    let sidecar = preview.content().join(SIDECAR);
    let good = fs::read_to_string(&sidecar).unwrap();
    save(&sidecar, "---\ntgas: [<script>]\n---\n\nCommentary.\n");
    events.wait_for_reload();

    let page = preview.get(&format!("/releases/{RELEASE}/"));
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("id=\"blotter-build-errors\""),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("004_c5ae0792fd4e02f5.md:2"),
        "{}",
        page.body
    );
    assert!(page.body.contains("tgas"));
    assert!(!page.body.contains("<script>]"), "messages are escaped");
    // The last good site: the release's page and the feed as built before.
    assert!(page.body.contains("Operation Venetic"));
    assert_eq!(preview.get("/feed.json").body, feed_before);
    assert_eq!(preview.get("/__blotter/overlay.css").status, 200);

    save(&sidecar, &good);
    events.wait_for_reload();
    let fixed = preview.get(&format!("/releases/{RELEASE}/"));
    assert!(!fixed.body.contains("blotter-build-errors"));
}

#[test]
fn a_first_build_with_errors_serves_the_error_page() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&sample_content(), &dir.path().join("content"));
    fs::write(
        dir.path().join("content").join(SIDECAR),
        "---\ntgas: [x]\n---\n",
    )
    .unwrap();
    let server = start(dir.path(), None, quiet());
    let page = request(server.addr(), "/");
    assert_eq!(page.status, 500);
    assert!(page.body.contains("blotter-build-errors"));
    assert!(page.body.contains("tgas"));
    assert!(page.body.contains("/__blotter/reload.js"));
    server.shutdown();
}

#[test]
fn a_taken_port_moves_to_the_next_free_one() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&sample_content(), &dir.path().join("content"));
    let options = ServeOptions {
        build: BuildOptions {
            content: dir.path().join("content"),
            theme: None,
            output: dir.path().join("output"),
            base_url: None,
            skip_invalid: false,
        },
        port,
        watch: false,
    };
    let server = Server::start(options, quiet()).unwrap();
    assert_ne!(server.addr().port(), port);
    assert!(server.addr().port() > port);
    assert_eq!(request(server.addr(), "/").status, 200);
    server.shutdown();
}

#[test]
fn editor_scratch_files_do_not_start_a_rebuild() {
    let preview = Preview::start(None);
    let mut events = Events::connect(preview.addr());
    let releases = preview.content().join("releases");
    fs::write(releases.join(".004_c5ae0792fd4e02f5.md.swp"), "swap").unwrap();
    fs::write(releases.join("004_c5ae0792fd4e02f5.md~"), "backup").unwrap();
    fs::write(releases.join("4913"), "").unwrap();
    // Then a real edit: the only rebuild is for it.
    std::thread::sleep(Duration::from_millis(300));
    let sidecar = preview.content().join(SIDECAR);
    let text = fs::read_to_string(&sidecar).unwrap();
    save(&sidecar, &format!("{text}\nEdited.\n"));
    events.wait_for_reload();
    let rebuilds = preview.rebuilds.lock().unwrap().clone();
    let real = fs::canonicalize(&sidecar).unwrap();
    assert_eq!(rebuilds, [vec![real]]);
}

/// The binary prints its address, serves, and on Ctrl-C lets a rebuild
/// under way finish: the output is then exactly a clean build's.
#[cfg(unix)]
#[test]
fn ctrl_c_lets_the_rebuild_under_way_finish_and_the_output_is_whole() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    copy_tree(&sample_content(), &content);
    for i in 0..40 {
        write_files(
            &content,
            &[(
                &format!("releases/gen/r{i:04}.txt"),
                &format!(
                    " date 2021-03-{:02} Appeal {i}\n\nFirst text {i}.\n",
                    1 + i % 28
                ),
            )],
        );
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_blotter"))
        .args(["serve", "--port", "0"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    let addr: SocketAddr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    assert_eq!(request(addr, "/").status, 200);

    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    for i in 0..40 {
        let path = content.join(format!("releases/gen/r{i:04}.txt"));
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, text.replace("First", "Second")).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut line = String::new();
        assert!(Instant::now() < deadline, "no rebuild started");
        if stderr.read_line(&mut line).unwrap() == 0 || line.starts_with("rebuilding") {
            break;
        }
    }
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("built 43 releases"), "{rest}");

    let clean = dir.path().join("clean");
    build_ok(&content, &clean, None);
    assert_eq!(snapshot(&dir.path().join("output")), snapshot(&clean));
}
