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

/// An actix route attribute: the line before a handler.
const ROUTES: &[&str] = &["get", "post", "put", "patch", "delete", "head", "route"];

/// What a SeaORM query looks like in code.
const QUERY_MARKERS: &[&str] = &[
    "::Entity::",
    "Entity::find",
    "update_many(",
    "delete_many(",
    "insert_many(",
    "::ActiveModel {",
    ".insert(&",
    ".update(&",
    ".delete(&",
    "Statement::from",
    "::Column::",
];

/// The source with comments, strings and character literals blanked to spaces (line breaks
/// kept), so what is left is code and a line number still points at the file's line.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let blank = |out: &mut Vec<u8>, c: u8| out.push(if c == b'\n' { b'\n' } else { b' ' });
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                blank(&mut out, b[i]);
                i += 1;
            }
        } else if rest.starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, b[i]);
                    i += 1;
                }
            }
        } else if (rest.starts_with(b"r\"") || rest.starts_with(b"r#") || rest.starts_with(b"br"))
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
            && {
                let s = if rest[0] == b'b' {
                    &rest[2..]
                } else {
                    &rest[1..]
                };
                let hashes = s.iter().take_while(|&&c| c == b'#').count();
                s.get(hashes) == Some(&b'"')
            }
        {
            let start = if rest[0] == b'b' { i + 2 } else { i + 1 };
            let hashes = b[start..].iter().take_while(|&&c| c == b'#').count();
            let mut close = vec![b'"'];
            close.extend(std::iter::repeat_n(b'#', hashes));
            let body = start + hashes + 1;
            let end = b[body..]
                .windows(close.len())
                .position(|w| w == close.as_slice())
                .map_or(b.len(), |p| body + p + close.len());
            for &c in &b[i..end] {
                blank(&mut out, c);
            }
            i = end;
        } else if rest[0] == b'"' {
            blank(&mut out, b'"');
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    blank(&mut out, b[i]);
                    i += 1;
                }
                if i < b.len() {
                    blank(&mut out, b[i]);
                    i += 1;
                }
            }
            if i < b.len() {
                blank(&mut out, b[i]);
                i += 1;
            }
        } else if rest[0] == b'\'' {
            // A character literal ('x', '\n', '\u{1F600}', '"'); a lifetime ('a) is code.
            let len = if rest.get(1) == Some(&b'\\') {
                rest[2..].iter().position(|&c| c == b'\'').map(|p| p + 3)
            } else {
                let ch = std::str::from_utf8(&rest[1..])
                    .ok()
                    .and_then(|s| s.chars().next());
                ch.and_then(|c| {
                    (rest.get(1 + c.len_utf8()) == Some(&b'\'')).then_some(2 + c.len_utf8())
                })
            };
            let len = len.unwrap_or(1);
            if len == 1 {
                out.push(b'\'');
            } else {
                for &c in &rest[..len] {
                    blank(&mut out, c);
                }
            }
            i += len;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// (name, line of its opening brace, body) of each function under an actix route attribute, in code already
/// cleared of comments and strings; the body is found by matching braces.
fn handlers(code: &str) -> Vec<(String, usize, &str)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find("#[").map(|a| a + from) {
        from = at + 2;
        let attr = code[from..].trim_start();
        let attr = attr.strip_prefix("actix_web::").unwrap_or(attr);
        let is_route = ROUTES.iter().any(|r| {
            attr.strip_prefix(r)
                .is_some_and(|t| t.trim_start().starts_with('('))
        });
        if !is_route {
            continue;
        }
        let Some(fn_at) = code[from..].find("fn ").map(|a| a + from) else {
            break;
        };
        let name: String = code[fn_at + 3..]
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let Some(open) = code[fn_at..].find('{').map(|a| a + fn_at) else {
            break;
        };
        let mut depth = 0;
        let mut close = code.len();
        for (k, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = open + k;
                        break;
                    }
                }
                _ => {}
            }
        }
        let line = code[..open].matches('\n').count() + 1;
        found.push((name, line, &code[open..close]));
        from = close;
    }
    found
}

/// A handler parses, authorizes, calls domain functions and answers; its SeaORM queries are
/// named functions below the handlers or in the resource's `queries.rs`.
#[test]
fn no_handler_body_runs_a_seaorm_query_itself() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    files.sort();
    let mut bad = Vec::new();
    for f in files {
        let rel = f
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel.starts_with("platform/") || rel.starts_with("seed/") {
            continue;
        }
        let code = code_only(&fs::read_to_string(&f).unwrap());
        for (name, line, body) in handlers(&code) {
            for (i, l) in body.lines().enumerate() {
                if let Some(m) = QUERY_MARKERS.iter().find(|m| l.contains(**m)) {
                    bad.push(format!("{rel}:{}: `{m}` in handler `{name}`", line + i));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "handlers that query the database themselves (move each query into a named function):\n{}",
        bad.join("\n")
    );
}
