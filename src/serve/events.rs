//! The reload channel: Server-Sent Events at `/__blotter/events`. Each
//! open page holds one stream; after a build that changed what pages
//! show, every stream gets a `reload` event.

use std::io::Write;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::time::Duration;

/// A comment line this often keeps idle streams open through proxies and
/// lets a stream notice that its page has gone.
const KEEPALIVE: Duration = Duration::from_secs(15);

/// The open streams.
#[derive(Default)]
pub(super) struct Broadcast {
    streams: Mutex<Streams>,
}

#[derive(Default)]
struct Streams {
    open: Vec<Sender<u64>>,
    closed: bool,
}

impl Broadcast {
    /// A new stream, or `None` once the server is stopping.
    fn subscribe(&self) -> Option<Receiver<u64>> {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        if streams.closed {
            return None;
        }
        let (tx, rx) = mpsc::channel();
        streams.open.push(tx);
        Some(rx)
    }

    pub(super) fn send_reload(&self, generation: u64) {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        streams.open.retain(|tx| tx.send(generation).is_ok());
    }

    /// Ends every stream (their pages reconnect to whatever serves next).
    pub(super) fn close(&self) {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        streams.closed = true;
        streams.open.clear();
    }
}

/// Answers one event-stream request, on its own thread, until the page
/// goes away or the server stops. `since` is the build the page was served
/// from: a page served just before a build finished reloads at once.
pub(super) fn stream(
    request: tiny_http::Request,
    broadcast: &Broadcast,
    since: Option<u64>,
    current: u64,
) {
    let Some(updates) = broadcast.subscribe() else {
        let _ = request.respond(tiny_http::Response::empty(503));
        return;
    };
    // tiny_http's own responses buffer a body of unknown length in 8 KiB
    // chunks, which would hold events back; the stream is written directly
    // instead, as a response that ends when the connection closes.
    let mut writer = request.into_writer();
    let head = "HTTP/1.1 200 OK\r\n\
                Content-Type: text/event-stream\r\n\
                Cache-Control: no-cache\r\n\
                Connection: close\r\n\
                \r\n\
                retry: 500\n: connected\n\n";
    if writer.write_all(head.as_bytes()).is_err() || writer.flush().is_err() {
        return;
    }
    if since.is_some_and(|seen| seen < current) && send(&mut writer, current).is_err() {
        return;
    }
    loop {
        let result = match updates.recv_timeout(KEEPALIVE) {
            Ok(generation) => send(&mut writer, generation),
            Err(RecvTimeoutError::Timeout) => writer
                .write_all(b": keepalive\n\n")
                .and_then(|()| writer.flush()),
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if result.is_err() {
            return;
        }
    }
}

fn send(writer: &mut dyn Write, generation: u64) -> std::io::Result<()> {
    write!(
        writer,
        "event: reload\nid: {generation}\ndata: {generation}\n\n"
    )?;
    writer.flush()
}
