//! A loopback HTTP server that behaves like GitHub Pages for a project site
//! (the site lives under a subpath, `/dir` redirects to `/dir/`, a missing
//! path answers 404 with the site's `404.html`), and a crawler that follows
//! every internal link and fragment from the home page and from a deep 404.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::thread;

pub struct Server {
    pub port: u16,
}

impl Server {
    /// Serves `root` at `http://127.0.0.1:<port><subpath>` until the test ends.
    pub fn start(root: &Path, subpath: &str) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let root = root.to_path_buf();
        let subpath = subpath.to_string();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (root, subpath) = (root.clone(), subpath.clone());
                thread::spawn(move || handle(stream, &root, &subpath));
            }
        });
        Server { port }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

fn handle(mut stream: TcpStream, root: &Path, subpath: &str) {
    let mut line = String::new();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    if reader.read_line(&mut line).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
            break;
        }
    }
    let path = line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .split(['?', '#'])
        .next()
        .unwrap_or("/")
        .to_string();
    let (status, location, body) = resolve(root, subpath, &path);
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(location) = location {
        response.push_str(&format!("Location: {location}\r\n"));
    }
    response.push_str("\r\n");
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.write_all(&body);
}

fn resolve(root: &Path, subpath: &str, path: &str) -> (&'static str, Option<String>, Vec<u8>) {
    let not_found = || {
        (
            "404 Not Found",
            None,
            std::fs::read(root.join("404.html")).unwrap_or_default(),
        )
    };
    let Some(rel) = path.strip_prefix(subpath) else {
        return not_found();
    };
    let rel = percent_decode(rel);
    if rel.split('/').any(|seg| seg == "..") {
        return not_found();
    }
    let file = root.join(&rel);
    if file.is_dir() {
        if !rel.is_empty() && !rel.ends_with('/') {
            return (
                "301 Moved Permanently",
                Some(format!("{path}/")),
                Vec::new(),
            );
        }
        return match std::fs::read(file.join("index.html")) {
            Ok(bytes) => ("200 OK", None, bytes),
            Err(_) => not_found(),
        };
    }
    match std::fs::read(&file) {
        Ok(bytes) => ("200 OK", None, bytes),
        Err(_) => not_found(),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// GET over HTTP/1.1 with Connection: close: (status code, body).
pub fn get(port: u16, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Crawls from `start` (and from a missing deep page, to check the 404
/// page's links) and returns every broken link as `page -> target (why)`.
/// Absolute URLs under `public_base` are mapped onto the local server.
pub fn broken_links(server: &Server, subpath: &str, public_base: &str) -> (Vec<String>, usize) {
    let mut broken = Vec::new();
    let mut pages: HashMap<String, String> = HashMap::new();
    let mut queue: VecDeque<String> = VecDeque::from([subpath.to_string()]);
    let deep = format!("{subpath}no/such/page/at/depth/");
    let (status, body) = get(server.port, &deep);
    if status != 404 {
        broken.push(format!("{deep} answered {status}, not 404"));
    }
    let mut checks: Vec<(String, String)> = links(&body)
        .into_iter()
        .map(|l| (deep.clone(), l))
        .collect();
    pages.insert(deep.clone(), body);
    let mut seen = BTreeSet::new();
    while let Some(page) = queue.pop_front() {
        if !seen.insert(page.clone()) {
            continue;
        }
        let (status, body) = get(server.port, &page);
        if status != 200 {
            continue; // reported by whoever linked here
        }
        for link in links(&body) {
            checks.push((page.clone(), link));
        }
        pages.insert(page, body);
        while let Some((from, link)) = checks.pop() {
            let Some(target) = internal(&from, &link, subpath, public_base) else {
                continue;
            };
            let (path, fragment) = match target.split_once('#') {
                Some((p, f)) => (p.to_string(), Some(f.to_string())),
                None => (target.clone(), None),
            };
            let (status, body) = match pages.get(&path) {
                Some(body) => (200, body.clone()),
                None => get(server.port, &path),
            };
            if status != 200 {
                broken.push(format!("{from} -> {link} ({status})"));
                continue;
            }
            if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
                if !body.contains(&format!("id=\"{fragment}\"")) {
                    broken.push(format!("{from} -> {link} (no id {fragment})"));
                }
            }
            if path.ends_with('/') || path.ends_with(".html") {
                queue.push_back(path);
            }
        }
    }
    (broken, seen.len())
}

/// `href` and `src` values in `html` (attribute values are escaped HTML).
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        for part in html.split(attr).skip(1) {
            if let Some(value) = part.split('"').next() {
                out.push(value.replace("&amp;", "&"));
            }
        }
    }
    out
}

/// The local path a link leads to, or `None` for external links.
fn internal(from: &str, link: &str, subpath: &str, public_base: &str) -> Option<String> {
    if let Some(rest) = link.strip_prefix(public_base) {
        return Some(format!("{subpath}{rest}"));
    }
    if link.contains("://") || link.starts_with("mailto:") || link.starts_with("data:") {
        return None;
    }
    if let Some(fragment) = link.strip_prefix('#') {
        return Some(format!("{from}#{fragment}"));
    }
    let joined = if link.starts_with('/') {
        link.to_string()
    } else {
        let dir = &from[..from.rfind('/').map_or(0, |i| i + 1)];
        format!("{dir}{link}")
    };
    Some(normalise(&joined))
}

fn normalise(path: &str) -> String {
    let (path, fragment) = match path.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (path, None),
    };
    let mut parts: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => {
                if i == segments.len() - 1 {
                    parts.push("");
                }
            }
            ".." => {
                parts.pop();
                if i == segments.len() - 1 {
                    parts.push("");
                }
            }
            s => parts.push(s),
        }
    }
    let mut out = parts.join("/");
    if !out.starts_with('/') {
        out.insert(0, '/');
    }
    match fragment {
        Some(f) => format!("{out}#{f}"),
        None => out,
    }
}
