//! Raw bytes through `load::decode` and `parse::sidecar`: never a panic.
#![no_main]

use blotter::load::{Kind, SourceFile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = blotter::load::decode(data) else {
        return;
    };
    let lines = text.lines().count().max(1);
    let file = SourceFile::in_memory(Kind::Sidecar, "fuzz", text);
    if let Err(d) = blotter::parse::sidecar(&file, &mut Vec::new()) {
        assert!(d.line <= lines + 1, "{d}");
    }
});
