//! What a reader's browser downloads for a query on a built site: the
//! client script, `meta.json`, the term shards the query needs (and for a
//! quoted phrase, their follower files) and the metadata chunks of the
//! first page of results, found by running the
//! query as `static/search.js` does (`blotter::search::query`).
//!   cargo run --release --example search_bytes -- SITE_DIR QUERY...

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::PathBuf;

use blotter::search::query::{self, Filters};
use blotter::search::{CHUNKS_PER_FOLDER, DOCS_PER_CHUNK};

/// Results on the client's first page.
const PAGE: usize = 10;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let site = PathBuf::from(
        args.next()
            .ok_or_else(|| anyhow::anyhow!("usage: SITE QUERY..."))?,
    );
    for q in args {
        let fetched = RefCell::new(BTreeSet::new());
        let fetch = |path: &str| {
            fetched.borrow_mut().insert(path.to_string());
            std::fs::read(site.join(path)).ok()
        };
        let hits = query::search(&fetch, &q, &Filters::default(), false)?;
        let mut files = fetched.into_inner();
        files.insert("static/search.js".into());
        for hit in hits.iter().take(PAGE) {
            let chunk = hit.doc / DOCS_PER_CHUNK;
            files.insert(format!(
                "search/d/{}/{chunk}.json",
                chunk / CHUNKS_PER_FOLDER
            ));
        }
        let bytes: u64 = (files.iter())
            .map(|f| std::fs::metadata(site.join(f)).map_or(0, |m| m.len()))
            .sum();
        println!(
            "{q}\t{} results\t{} files\t{bytes} bytes",
            hits.len(),
            files.len()
        );
    }
    Ok(())
}
