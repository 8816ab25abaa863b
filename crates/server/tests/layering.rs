//! The house's floors, checked: a domain names only its own tables (another domain's data is
//! reached through that domain's functions), and `platform`, the ground floor, names no domain.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A failed read of the source fails the test.

use std::fs;
use std::path::{Path, PathBuf};

/// Each domain folder of `src/`, and the entity modules (tables) it owns.
const OWNS: &[(&str, &[&str])] = &[
    ("audit", &["audit"]),
    ("auth", &["auth"]),
    ("clinical", &["clinical"]),
    ("comms", &["comms"]),
    ("health", &["health"]),
    ("integrations", &["integrations"]),
    ("ops", &[]),
    ("patients", &["patients"]),
    ("platform", &["platform"]),
    ("records", &["records"]),
    ("scheduling", &["scheduling"]),
    ("settings", &["settings"]),
    ("users", &["users"]),
];

/// Folders that put the domains together (the demo practice) and may name any table.
const ROOTS: &[&str] = &["seed"];

/// Names the crate's domains go by, which the ground floor may not use.
const ABOVE_PLATFORM: &[&str] = &[
    "audit",
    "auth",
    "clinical",
    "comms",
    "health",
    "integrations",
    "ops",
    "patients",
    "records",
    "scheduling",
    "settings",
    "users",
    "state",
    "app",
    "cli",
    "seed",
    "AppState",
];

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rs_files(&p, out)
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p)
        }
    }
}

/// (line, the name after `root::`) for each path starting with `root::` in code (not comments).
fn uses(src: &str, root: &str) -> Vec<(usize, String)> {
    let pat = format!("{root}::");
    let mut found = Vec::new();
    for (i, line) in src.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut from = 0;
        while let Some(at) = code[from..].find(&pat).map(|a| a + from) {
            let prev = code[..at].chars().last();
            from = at + pat.len();
            if prev.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let name: String = code[from..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '{')
                .collect();
            found.push((i + 1, name));
        }
    }
    found
}

#[test]
fn domains_name_only_their_own_tables_and_the_ground_floor_names_no_domain() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut bad = Vec::new();
    for e in fs::read_dir(&src).unwrap() {
        let dir = e.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let d = dir.file_name().unwrap().to_str().unwrap().to_owned();
        if ROOTS.contains(&d.as_str()) {
            continue;
        }
        let Some((_, own)) = OWNS.iter().find(|(n, _)| *n == d) else {
            bad.push(format!(
                "src/{d}/: a new domain: say which tables it owns in OWNS"
            ));
            continue;
        };
        let mut files = Vec::new();
        rs_files(&dir, &mut files);
        for f in files {
            let rel = f
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let text = fs::read_to_string(&f).unwrap();
            for (line, m) in uses(&text, "entity") {
                if m.starts_with('{') {
                    bad.push(format!(
                        "{rel}:{line}: `entity::{{…}}`: import each domain's tables on their own"
                    ));
                } else if !own.contains(&m.as_str()) {
                    bad.push(format!(
                        "{rel}:{line}: entity::{m} belongs to another domain; call its functions"
                    ));
                }
            }
            if d == "platform" {
                for (line, m) in uses(&text, "crate") {
                    if ABOVE_PLATFORM.contains(&m.as_str()) {
                        bad.push(format!("{rel}:{line}: the ground floor names crate::{m}"));
                    }
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "the house's floors are crossed:\n{}",
        bad.join("\n")
    );
}

/// A domain's rooms are private: other domains reach it only through what its `mod.rs`
/// re-exports, so the compiler refuses a reach into its queries or handlers.
#[test]
fn every_domain_keeps_its_submodules_private() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut bad = Vec::new();
    for (domain, _) in OWNS {
        if *domain == "platform" {
            continue;
        }
        let mut files = Vec::new();
        rs_files(&src.join(domain), &mut files);
        for f in files {
            let text = fs::read_to_string(&f).unwrap();
            for (i, line) in text.lines().enumerate() {
                let t = line.trim_start();
                if (t.starts_with("pub mod ") || t.starts_with("pub(crate) mod "))
                    && t.ends_with(';')
                {
                    let rel = f.strip_prefix(&src).unwrap().display().to_string();
                    bad.push(format!("{rel}:{}: `{t}`: re-export its API instead", i + 1));
                }
            }
        }
    }
    assert!(bad.is_empty(), "public rooms:\n{}", bad.join("\n"));
}

/// Files split along their seams before they grow past what one reader holds: none in the
/// server or the shared types is over 600 lines.
#[test]
fn no_source_file_is_over_six_hundred_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rs_files(&root.join("src"), &mut files);
    rs_files(&root.join("../api-types/src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = fs::read_to_string(f).unwrap().lines().count();
            (n > 600).then(|| format!("{}: {n} lines", f.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these along their seams:\n{}",
        long.join("\n")
    );
}
