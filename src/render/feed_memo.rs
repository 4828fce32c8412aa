//! A release's feed HTML, shared by the current feed documents that carry
//! it: each is written in two formats, and a release is in the site's,
//! its area's and its tags' feeds, so without this its file would be read
//! and rendered up to six times. Each HTML is kept only until the last
//! document that needs it takes it, so memory holds the items in flight,
//! not every feed's.

use std::sync::{Arc, Mutex, OnceLock};

use anyhow::Result;
use rustc_hash::FxHashMap;

#[derive(Default)]
pub(super) struct FeedMemo {
    /// Release index -> its slot; made on first use from the counts.
    slots: OnceLock<FxHashMap<usize, Mutex<Slot>>>,
}

struct Slot {
    html: Option<Arc<str>>,
    /// Documents still to take it.
    left: usize,
}

impl FeedMemo {
    /// The HTML of release `i`: rendered by the first document to ask,
    /// handed to the others. `uses` counts, once, how many documents
    /// carry each release; a release it does not count is just rendered.
    pub fn html(
        &self,
        i: usize,
        uses: impl FnOnce() -> FxHashMap<usize, usize>,
        render: impl FnOnce() -> Result<String>,
    ) -> Result<Arc<str>> {
        let slots = self.slots.get_or_init(|| {
            (uses().into_iter())
                .filter(|&(_, n)| n > 1)
                .map(|(i, left)| (i, Mutex::new(Slot { html: None, left })))
                .collect()
        });
        let Some(slot) = slots.get(&i) else {
            return render().map(Arc::from);
        };
        // Held while rendering: a second document asking meanwhile waits
        // for this HTML rather than making its own.
        let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
        let html = match slot.html.clone() {
            Some(html) => html,
            None => Arc::from(render()?),
        };
        slot.left = slot.left.saturating_sub(1);
        slot.html = (slot.left > 0).then(|| html.clone());
        Ok(html)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_rendered_once_and_let_go_after_its_last_use() {
        let memo = FeedMemo::default();
        let uses = || FxHashMap::from_iter([(7, 3), (8, 1)]);
        let renders = std::cell::Cell::new(0);
        let render = || {
            renders.set(renders.get() + 1);
            Ok("<p>x</p>".to_string())
        };
        for _ in 0..3 {
            assert_eq!(&*memo.html(7, uses, render).unwrap(), "<p>x</p>");
        }
        assert_eq!(renders.get(), 1);
        let slots = memo.slots.get().unwrap();
        assert!(slots[&7].lock().unwrap().html.is_none(), "let go");
        memo.html(8, uses, render).unwrap();
        assert_eq!(renders.get(), 2, "a single use is not kept");
    }
}
