//! Raw bytes through `load::decode` and `parse::release`: never a panic, and
//! any diagnostic points at a line of the file.
#![no_main]

use blotter::load::{Kind, SourceFile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = blotter::load::decode(data) else {
        return;
    };
    let lines = text.lines().count().max(1);
    let file = SourceFile::in_memory(Kind::Release, "fuzz", text);
    let mut warnings = Vec::new();
    match blotter::parse::release(&file, &mut warnings) {
        Ok(raw) => {
            assert!(!raw.body.is_empty());
            if let Some(date) = raw.date {
                if let Ok(d) = blotter::model::dates::parse(&date.value) {
                    let _ = d.localise(chrono_tz::Europe::London);
                }
            }
        }
        Err(d) => assert!(d.line <= lines + 1, "{d}"),
    }
});
