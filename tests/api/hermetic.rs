//! A clone must stand on its own: no test, script or README step may read a path outside the
//! repository (a sibling checkout, a workstation's folders). This scans every tracked text file
//! that tests, CI or a reader follow.

use std::path::{Component, Path, PathBuf};

/// `path` joined onto `base` and normalised; `None` when it climbs above `root`.
fn resolve_within(root: &Path, base: &Path, path: &str) -> Option<PathBuf> {
    let mut out: Vec<Component> = base
        .strip_prefix(root)
        .ok()?
        .components()
        .collect::<Vec<_>>();
    for c in Path::new(path.trim_start_matches('/')).components() {
        match c {
            Component::ParentDir => {
                out.pop()?;
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(root.join(out.iter().collect::<PathBuf>()))
}

/// The places in `text` (a file at `file`) that reach outside `root`.
fn escapes(root: &Path, file: &Path, text: &str) -> Vec<String> {
    let dir = file.parent().unwrap_or(root);
    let mut found = Vec::new();
    let is_path_char = |c: char| c.is_ascii_alphanumeric() || "._-/".contains(c);
    for (n, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("..") {
            // The whole path-like token around the `..`.
            let start = rest[..at]
                .rfind(|c: char| !is_path_char(c))
                .map_or(0, |i| i + 1);
            let end = rest[at..]
                .find(|c: char| !is_path_char(c))
                .map_or(rest.len(), |i| at + i);
            let token = &rest[start..end];
            // `$(dirname "$0")/..` in a script: relative to the script's own folder.
            let after_substitution = rest[..start].ends_with(')');
            rest = &rest[end.max(at + 2)..];
            if !token.contains("../") && !token.ends_with("/..") {
                continue; // `a..b` ranges, `…` prose
            }
            // `concat!(env!("CARGO_MANIFEST_DIR"), "/../x")` is relative to the root; anything
            // else may be relative to its own file (include_str!) or to the root (a shell step).
            let outside = if after_substitution {
                resolve_within(root, dir, token).is_none()
            } else if token.starts_with('/') {
                resolve_within(root, root, token).is_none()
            } else {
                resolve_within(root, dir, token).is_none()
                    && resolve_within(root, root, token).is_none()
            };
            if outside {
                found.push(format!("{}:{}: {token}", file.display(), n + 1));
            }
        }
        for absolute in ["/work/", "/home/", "/Users/"] {
            if line.contains(absolute) {
                found.push(format!(
                    "{}:{}: absolute path {absolute}",
                    file.display(),
                    n + 1
                ));
            }
        }
    }
    found
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        // Installed packages of the benchmark peers (bench/peers/*) are theirs, not ours.
        let installed = ["node_modules", ".venv", "venv", "__pycache__", "target"];
        if p.is_dir() && installed.iter().any(|d| p.file_name() == Some(d.as_ref())) {
            continue;
        }
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn the_checker_sees_a_path_outside_the_repository() {
    let root = Path::new("/r");
    let test = Path::new("/r/tests/api/x.rs");
    assert_eq!(
        escapes(
            root,
            test,
            r#"concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/reference/x.json")"#
        )
        .len(),
        1
    );
    assert_eq!(
        escapes(
            root,
            Path::new("/r/README.md"),
            "../shared/tools/slack-send command x"
        )
        .len(),
        1
    );
    assert!(escapes(root, test, r#"include_str!("../fixtures/a.json")"#).is_empty());
    assert!(escapes(root, test, "for i in 0..20 { a...b }").is_empty());
    assert_eq!(escapes(root, test, "/work/shared/x").len(), 1);
    let script = Path::new("/r/.ci/run");
    assert!(escapes(root, script, r#"cd "$(dirname "$0")/..""#).is_empty());
    assert_eq!(
        escapes(root, script, r#"cd "$(dirname "$0")/../..""#).len(),
        1
    );
}

#[test]
fn no_test_script_or_readme_reads_outside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![
        root.join("README.md"),
        root.join("Cargo.toml"),
        root.join(".ci/run"),
    ];
    for dir in ["tests", "benches", "bench", "src", "docs"] {
        files_under(&root.join(dir), &mut files);
    }
    let mut problems = Vec::new();
    for f in &files {
        if f.ends_with("hermetic.rs") {
            continue; // its own examples of what is refused
        }
        let Ok(text) = std::fs::read_to_string(f) else {
            continue; // binary fixtures
        };
        problems.extend(escapes(root, f, &text));
    }
    assert!(
        problems.is_empty(),
        "paths outside the repository: {problems:#?}"
    );
}
