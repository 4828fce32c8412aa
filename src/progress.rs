//! Progress for long builds: a counter the render workers bump, and a line
//! on the terminal redrawn a few times a second. Silent when standard error
//! is not a terminal (CI logs, pipes) and for builds that finish quickly.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub struct Progress {
    done: AtomicUsize,
    total: usize,
    finished: AtomicBool,
}

impl Progress {
    pub fn new(total: usize) -> Progress {
        Progress {
            done: AtomicUsize::new(0),
            total,
            finished: AtomicBool::new(false),
        }
    }

    pub fn tick(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    /// Runs `work` while a scoped thread draws the progress line.
    pub fn around<T>(&self, work: impl FnOnce() -> T) -> T {
        if !std::io::stderr().is_terminal() {
            return work();
        }
        std::thread::scope(|scope| {
            scope.spawn(|| self.draw());
            let result = work();
            self.finished.store(true, Ordering::Relaxed);
            result
        })
    }

    fn draw(&self) {
        let started = Instant::now();
        let mut drawn = false;
        while !self.finished.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
            // Builds under a second never show a line.
            if started.elapsed() < Duration::from_millis(800) {
                continue;
            }
            let done = self.done.load(Ordering::Relaxed).min(self.total);
            eprint!(
                "\r  rendering pages: {done}/{} ({}%)",
                self.total,
                done * 100 / self.total.max(1)
            );
            let _ = std::io::stderr().flush();
            drawn = true;
        }
        if drawn {
            eprint!("\r\x1b[K");
        }
    }
}

/// Says why a build took the path it took (say, why it rendered the
/// whole site), on standard error, when `BLOTTER_TIMINGS` is set.
pub fn note(why: &str) {
    if std::env::var_os("BLOTTER_TIMINGS").is_some() {
        eprintln!("timing: note: {why}");
    }
}

/// Reports the time since the previous mark as `stage`, with the time
/// since the first mark and the resident memory, on standard error, when
/// `BLOTTER_TIMINGS` is set: how the stage figures in docs/performance.md
/// are measured. Costs nothing otherwise. Marks from another thread (the
/// last build's check) interleave; their running total says when they ran.
pub fn mark(stage: &str) {
    struct Clock {
        first: Instant,
        last: Instant,
    }
    static CLOCK: std::sync::OnceLock<Option<std::sync::Mutex<Clock>>> = std::sync::OnceLock::new();
    let clock = CLOCK.get_or_init(|| {
        std::env::var_os("BLOTTER_TIMINGS").map(|_| {
            let now = Instant::now();
            std::sync::Mutex::new(Clock {
                first: now,
                last: now,
            })
        })
    });
    if let Some(Ok(mut clock)) = clock.as_ref().map(|m| m.lock()) {
        let now = Instant::now();
        eprintln!(
            "timing: {stage:<22} {:>8.3} s  (at {:.3} s, {} MiB resident)",
            (now - clock.last).as_secs_f64(),
            (now - clock.first).as_secs_f64(),
            resident_mib().map_or("?".to_string(), |m| m.to_string()),
        );
        clock.last = now;
    }
}

/// Resident memory in MiB, where the system says (Linux).
fn resident_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
