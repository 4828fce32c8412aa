//! Times search's word counter alone, on one thread, over releases held
//! in memory: the part of a clean build with search that costs the most.
//! A release's title is its `title:` line and its body what follows its
//! YAML header block, as in the benchmark corpora (benches/gen_corpus.py).
//!
//!     cargo run --release --example count_words -- CORPUS/releases [N]
//!
//! Prints nanoseconds per word (words split on white space) for three
//! passes over the first N releases by name (30,000 by default).

use std::time::Instant;

use blotter::search::count::Counter;
use blotter::search::Dictionary;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: count_words RELEASES_DIR [N]");
        std::process::exit(2);
    };
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(30_000);
    let mut paths: Vec<_> = (std::fs::read_dir(&dir).expect("a folder of releases"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    paths.truncate(n);
    let releases: Vec<(String, String)> = (paths.iter())
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|text| {
            let title = text.lines().find(|l| l.starts_with("title:"));
            let body = text.splitn(3, "```").nth(2).unwrap_or("");
            (title.unwrap_or("").to_string(), body.to_string())
        })
        .collect();
    let words: usize = (releases.iter())
        .map(|(t, b)| t.split_whitespace().count() + b.split_whitespace().count())
        .sum();
    println!("{} releases, {words} words", releases.len());
    for _ in 0..3 {
        let mut dictionary = Dictionary::default();
        let mut counter = Counter::default();
        let start = Instant::now();
        let mut terms = 0;
        for (title, body) in &releases {
            terms += counter
                .count(title, body, &mut |f| dictionary.intern(f))
                .terms
                .len();
        }
        let elapsed = start.elapsed();
        println!(
            "{:.1} ns per word, {:.3} s, {terms} terms",
            elapsed.as_nanos() as f64 / words.max(1) as f64,
            elapsed.as_secs_f64()
        );
    }
}
