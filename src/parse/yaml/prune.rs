//! Leaving out the nodes of a YAML value that the schema check refused,
//! so the rest of a maintainer's block can still be typed and checked.

use serde_yaml::Value;

use super::Step;

/// A [`Step`] that owns its key, so paths outlive the value they came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Owned {
    Key(String),
    Index(usize),
}

pub(super) fn owned(path: &[Step]) -> Vec<Owned> {
    path.iter()
        .map(|step| match *step {
            Step::Key(k) => Owned::Key(k.to_string()),
            Step::Index(i) => Owned::Index(i),
        })
        .collect()
}

/// Removes the node at each path. Deeper paths and later items go first,
/// so removing one never moves another's index. False when a path is the
/// whole block (nothing would be left to type).
pub(super) fn remove_all(value: &mut Value, mut paths: Vec<Vec<Owned>>) -> bool {
    paths.sort();
    paths.dedup();
    for path in paths.iter().rev() {
        let Some((last, parent)) = path.split_last() else {
            return false;
        };
        if let Some(parent) = node_mut(value, parent) {
            match (parent, last) {
                (Value::Mapping(map), Owned::Key(k)) => {
                    map.remove(k.as_str());
                }
                (Value::Sequence(items), Owned::Index(i)) if *i < items.len() => {
                    items.remove(*i);
                }
                _ => {}
            }
        }
    }
    true
}

fn node_mut<'v>(value: &'v mut Value, path: &[Owned]) -> Option<&'v mut Value> {
    path.iter()
        .try_fold(value, |node, step| match (node, step) {
            (Value::Mapping(map), Owned::Key(k)) => map.get_mut(k.as_str()),
            (Value::Sequence(items), Owned::Index(i)) => items.get_mut(*i),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_refused_keys_and_items_without_shifting_the_others() {
        let mut value: Value =
            serde_yaml::from_str("tgas: [a]\nnotes: [{q: 1}, {q: 2}, {q: 3}]\ntitle: x\n").unwrap();
        let paths = vec![
            vec![Owned::Key("tgas".into())],
            vec![Owned::Key("notes".into()), Owned::Index(0)],
            vec![Owned::Key("notes".into()), Owned::Index(2)],
        ];
        assert!(remove_all(&mut value, paths));
        let expected: Value = serde_yaml::from_str("notes: [{q: 2}]\ntitle: x\n").unwrap();
        assert_eq!(value, expected);
        assert!(!remove_all(&mut value, vec![vec![]]), "not the whole block");
    }
}
