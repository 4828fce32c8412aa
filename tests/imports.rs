//! The pipeline's import rule, checked on the source: the stages load →
//! parse → model → render → write each use only earlier stages and the
//! shared low-level modules; the incremental machinery and the features
//! built on the pipeline use the stages, never the reverse. See the module
//! doc of `src/lib.rs`.

use std::collections::BTreeSet;
use std::path::Path;

/// The stages, in pipeline order.
const STAGES: &[&str] = &["load", "parse", "model", "render", "write"];

/// Low-level modules any module may use (they use no stage).
const SHARED: &[&str] = &[
    "diagnostics",
    "config",
    "progress",
    "hash",
    "files",
    "plain",
];

#[test]
fn stages_import_only_earlier_stages_and_shared_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = top_level_modules(&src);
    let mut found: BTreeSet<(String, String)> = BTreeSet::new();
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = entry.path().strip_prefix(&src).unwrap();
        let from = module_of(relative);
        let text = std::fs::read_to_string(entry.path()).unwrap();
        // Unit tests may build whole sites; the rule is for the code.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for to in crate_references(code) {
            if to != from && modules.contains(&to) {
                found.insert((from.clone(), to));
            }
        }
    }
    let allowed = |from: &str, to: &str| {
        if SHARED.contains(&to) {
            return true;
        }
        match (stage(from), stage(to)) {
            // A stage uses earlier stages only.
            (Some(f), Some(t)) => t < f,
            // A stage or a shared module never uses the layers on top.
            (Some(_), None) => false,
            (None, _) if SHARED.contains(&from) => false,
            // The incremental layer and the features may use anything.
            (None, _) => true,
        }
    };
    let violations: BTreeSet<(String, String)> = (found.iter())
        .filter(|(from, to)| !allowed(from, to))
        .cloned()
        .collect();
    assert!(
        violations.is_empty(),
        "imports against the pipeline's direction: {violations:?}"
    );
}

#[test]
fn references_are_read_from_paths_and_grouped_uses() {
    let code = "use crate::{cache, load::{Kind, SourceFile}, model::Slug};\n\
                let x = crate::render::fingerprint(&y);\n\
                use crate::progress;";
    let found: BTreeSet<String> = crate_references(code).into_iter().collect();
    let expected: BTreeSet<String> = ["cache", "load", "model", "render", "progress"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(found, expected);
}

fn stage(module: &str) -> Option<usize> {
    STAGES.iter().position(|s| *s == module)
}

/// `model/mod.rs` and `model/slug.rs` are `model`; `lib.rs` is `lib`.
fn module_of(relative: &Path) -> String {
    let first = relative.components().next().unwrap();
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_string()
}

fn top_level_modules(src: &Path) -> BTreeSet<String> {
    std::fs::read_dir(src)
        .unwrap()
        .map(|e| module_of(Path::new(&e.unwrap().file_name())))
        .filter(|m| m != "lib" && m != "main")
        .collect()
}

/// The first path segment after each `crate::`, and each top-level name
/// of a `crate::{…}` group.
fn crate_references(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.push(first_segment(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 || c != '{' {
                    item.push(c);
                }
            }
            names.push(first_segment(&item));
        } else {
            names.push(first_segment(rest));
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

fn first_segment(text: &str) -> String {
    text.trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}
