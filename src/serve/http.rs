//! Answers requests from the output folder by GitHub Pages' rules: the
//! site lives under its base path, `/dir/` serves `dir/index.html`, `/dir`
//! redirects to `/dir/`, and a missing path answers 404 with the site's
//! `404.html`. Nothing outside the output folder is ever served: `..`
//! (plain or percent-encoded) is refused, and so is a symlink that leads
//! out of it.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};
use tiny_http::{Header, Method, Request, Response};

use super::{events, inject, Shared};

/// Where the preview's own files live, apart from any site path.
const INTERNAL: &str = "/__blotter/";

/// Characters escaped in a redirect's path segment.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'\\');

/// How long a worker waits for a request before checking whether the
/// server is stopping.
const POLL: Duration = Duration::from_millis(200);

/// The path a site with this base URL is served under: `/` without one,
/// `/archive/` for `https://owner.github.io/archive/`.
pub fn base_path(base_url: Option<&str>) -> String {
    let Some(url) = base_url else {
        return "/".into();
    };
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let mut path = decoded.into_owned();
    if !path.ends_with('/') {
        path.push('/');
    }
    path
}

/// A worker: answers requests until the server stops.
pub(super) fn serve_requests(http: &tiny_http::Server, shared: &Arc<Shared>) {
    while !shared.stopping.load(Ordering::SeqCst) {
        match http.recv_timeout(POLL) {
            Ok(Some(request)) => answer(request, shared),
            Ok(None) => {}
            Err(_) => return,
        }
    }
}

fn answer(request: Request, shared: &Arc<Shared>) {
    let (path, query) = match request.url().split_once('?') {
        Some((path, query)) => (path.to_string(), Some(query.to_string())),
        None => (request.url().to_string(), None),
    };
    if !matches!(request.method(), Method::Get | Method::Head) {
        let _ = request.respond(text(405, "only GET and HEAD are served\n"));
        return;
    }
    if let Some(name) = path.strip_prefix(INTERNAL) {
        internal(request, name, query.as_deref(), shared);
        return;
    }
    let base = shared
        .base_path
        .read()
        .map(|b| b.clone())
        .unwrap_or_else(|_| "/".into());
    let response = match resolve(&shared.output, &base, &path) {
        Target::File(file) => file_response(&file, 200, shared),
        Target::Redirect(location) => {
            let location = match &query {
                Some(query) => format!("{location}?{query}"),
                None => location,
            };
            Some(redirect(&location))
        }
        Target::NotFound => not_found(shared),
        Target::Refused => Some(text(400, "refused: the path leaves the site\n")),
    };
    let response = response.unwrap_or_else(|| text(500, "cannot read the file\n"));
    let _ = request.respond(response);
}

/// The preview's own resources: the reload script, the overlay's
/// stylesheet and the event stream.
fn internal(request: Request, name: &str, query: Option<&str>, shared: &Arc<Shared>) {
    match name {
        "reload.js" => {
            let _ = request.respond(bytes(
                200,
                inject::RELOAD_JS.as_bytes(),
                "text/javascript; charset=utf-8",
            ));
        }
        "overlay.css" => {
            let _ = request.respond(bytes(
                200,
                inject::OVERLAY_CSS.as_bytes(),
                "text/css; charset=utf-8",
            ));
        }
        "events" => {
            let since = query
                .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("since=")))
                .and_then(|n| n.parse().ok());
            let current = shared.generation.load(Ordering::SeqCst);
            // A stream stays open as long as its page: a thread of its own
            // keeps the workers free for page loads.
            let shared = Arc::clone(shared);
            std::thread::spawn(move || events::stream(request, &shared.events, since, current));
        }
        _ => {
            let _ = request.respond(text(404, "not found\n"));
        }
    }
}

/// What a request path resolves to.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Target {
    File(PathBuf),
    /// A folder asked for without its trailing slash, or the site asked for
    /// outside its base path.
    Redirect(String),
    NotFound,
    /// `..`, a symlink out of the output, or a path that is not text.
    Refused,
}

/// Maps a request path (as sent: percent-encoded, no query) onto a file of
/// `root`, the site being served under `base` (`/` or `/archive/`).
pub(super) fn resolve(root: &Path, base: &str, raw: &str) -> Target {
    let Ok(decoded) = percent_decode_str(raw).decode_utf8() else {
        return Target::Refused;
    };
    if !decoded.starts_with('/') || decoded.contains(['\0', '\\']) {
        return Target::Refused;
    }
    let segments: Vec<&str> = decoded.split('/').filter(|s| !s.is_empty()).collect();
    if segments.iter().any(|s| *s == ".." || *s == ".") {
        return Target::Refused;
    }
    let Some(rest) = decoded.strip_prefix(base) else {
        // The site's own root, asked for without its base path or slash.
        if decoded == "/" || decoded == base.trim_end_matches('/') {
            return Target::Redirect(base.to_string());
        }
        return Target::NotFound;
    };
    let wants_folder = rest.is_empty() || rest.ends_with('/');
    let relative: PathBuf = rest.split('/').filter(|s| !s.is_empty()).collect();
    let Some(file) = inside(root, &root.join(&relative)) else {
        return match fs::symlink_metadata(root.join(&relative)) {
            Ok(_) => Target::Refused,
            Err(_) => Target::NotFound,
        };
    };
    if file.is_dir() {
        if !wants_folder {
            let mut location = base.to_string();
            for segment in rest.split('/').filter(|s| !s.is_empty()) {
                location.extend(utf8_percent_encode(segment, SEGMENT));
                location.push('/');
            }
            return Target::Redirect(location);
        }
        return match inside(root, &file.join("index.html")) {
            Some(index) if index.is_file() => Target::File(index),
            _ => Target::NotFound,
        };
    }
    if wants_folder {
        return Target::NotFound;
    }
    Target::File(file)
}

/// `path` with every symlink resolved, if it exists and stays inside `root`.
fn inside(root: &Path, path: &Path) -> Option<PathBuf> {
    let root = fs::canonicalize(root).ok()?;
    let real = fs::canonicalize(path).ok()?;
    real.starts_with(&root).then_some(real)
}

/// The site's `404.html` with status 404; while the content has errors and
/// no site was ever built, the error page instead.
fn not_found(shared: &Shared) -> Option<Response<std::io::Cursor<Vec<u8>>>> {
    match inside(&shared.output, &shared.output.join("404.html")) {
        Some(page) if page.is_file() => file_response(&page, 404, shared),
        _ => {
            let errors = shared.errors.read().ok().and_then(|e| e.clone());
            let generation = shared.generation.load(Ordering::SeqCst);
            Some(match errors {
                Some(overlay) => bytes(
                    500,
                    inject::error_page(&overlay, generation).as_bytes(),
                    "text/html; charset=utf-8",
                ),
                None => text(404, "not found\n"),
            })
        }
    }
}

/// A file as served: HTML with the reload script (and the error overlay
/// while the content has errors), everything else as it is on disk.
fn file_response(
    path: &Path,
    status: u16,
    shared: &Shared,
) -> Option<Response<std::io::Cursor<Vec<u8>>>> {
    let body = fs::read(path).ok()?;
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let is_html = mime == mime_guess::mime::TEXT_HTML;
    let content_type = match mime.type_() {
        mime_guess::mime::TEXT => format!("{mime}; charset=utf-8"),
        _ if mime.subtype() == mime_guess::mime::JSON
            || mime.suffix() == Some(mime_guess::mime::JSON) =>
        {
            format!("{mime}; charset=utf-8")
        }
        _ => mime.to_string(),
    };
    if !is_html {
        return Some(bytes(status, &body, &content_type));
    }
    let html = String::from_utf8_lossy(&body);
    let errors = shared.errors.read().ok().and_then(|e| e.clone());
    let generation = shared.generation.load(Ordering::SeqCst);
    let served = inject::into_page(&html, generation, errors.as_deref());
    Some(bytes(status, served.as_bytes(), &content_type))
}

fn bytes(status: u16, body: &[u8], content_type: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    Response::from_data(body.to_vec())
        .with_status_code(status)
        .with_header(header("Content-Type", content_type))
        // A preview must show the latest build, never a cached page.
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("X-Content-Type-Options", "nosniff"))
}

fn text(status: u16, message: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    bytes(status, message.as_bytes(), "text/plain; charset=utf-8")
}

fn redirect(location: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    text(301, "moved\n").with_header(header("Location", location))
}

fn header(name: &str, value: &str) -> Header {
    // Names and values here are ASCII made by this module.
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("an ASCII header")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        fs::create_dir_all(root.join("releases/abc")).unwrap();
        fs::write(root.join("index.html"), "home").unwrap();
        fs::write(root.join("releases/abc/index.html"), "abc").unwrap();
        fs::write(root.join("feed.json"), "{}").unwrap();
        fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        dir
    }

    #[test]
    fn a_folder_serves_its_index_and_redirects_without_its_slash() {
        let dir = site();
        let root = dir.path().join("site");
        let real = fs::canonicalize(&root).unwrap();
        assert_eq!(
            resolve(&root, "/", "/releases/abc/"),
            Target::File(real.join("releases/abc/index.html"))
        );
        assert_eq!(
            resolve(&root, "/", "/releases/abc"),
            Target::Redirect("/releases/abc/".into())
        );
        assert_eq!(
            resolve(&root, "/", "/"),
            Target::File(real.join("index.html"))
        );
        assert_eq!(resolve(&root, "/", "/feed.json/"), Target::NotFound);
        assert_eq!(resolve(&root, "/", "/nothing/here/"), Target::NotFound);
    }

    #[test]
    fn the_site_is_served_under_its_base_path_and_the_root_redirects_there() {
        let dir = site();
        let root = dir.path().join("site");
        let real = fs::canonicalize(&root).unwrap();
        assert_eq!(
            resolve(&root, "/archive/", "/"),
            Target::Redirect("/archive/".into())
        );
        assert_eq!(
            resolve(&root, "/archive/", "/archive"),
            Target::Redirect("/archive/".into())
        );
        assert_eq!(
            resolve(&root, "/archive/", "/archive/feed.json"),
            Target::File(real.join("feed.json"))
        );
        assert_eq!(resolve(&root, "/archive/", "/feed.json"), Target::NotFound);
    }

    #[test]
    fn dot_dot_plain_or_percent_encoded_is_refused() {
        let dir = site();
        let root = dir.path().join("site");
        for path in [
            "/../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E%2Fsecret.txt",
            "/releases/%2e%2e/%2e%2e/secret.txt",
            "/..%5csecret.txt",
            "/%ff",
            "/a%00b",
        ] {
            assert_eq!(resolve(&root, "/", path), Target::Refused, "{path}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_the_output_is_refused() {
        let dir = site();
        let root = dir.path().join("site");
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("leak.txt")).unwrap();
        std::os::unix::fs::symlink(dir.path(), root.join("up")).unwrap();
        assert_eq!(resolve(&root, "/", "/leak.txt"), Target::Refused);
        assert_eq!(resolve(&root, "/", "/up/secret.txt"), Target::Refused);
    }

    #[test]
    fn the_base_path_comes_from_the_base_url() {
        assert_eq!(base_path(None), "/");
        assert_eq!(
            base_path(Some("https://owner.github.io/archive/")),
            "/archive/"
        );
        assert_eq!(
            base_path(Some("https://owner.github.io/archive")),
            "/archive/"
        );
        assert_eq!(base_path(Some("https://archive.example.org")), "/");
    }

    #[test]
    fn a_redirect_never_leaves_the_site() {
        let dir = site();
        let root = dir.path().join("site");
        fs::create_dir_all(root.join("evil.example")).unwrap();
        assert_eq!(
            resolve(&root, "/", "//evil.example"),
            Target::Redirect("/evil.example/".into())
        );
    }
}
