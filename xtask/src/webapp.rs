//! Building the web app into `frontend/dist`, in parts: the module the first screen loads
//! (sign-in and the shell) and one module per area of the app, fetched when the area is first
//! opened, plus modules of code that several areas share.
//!
//! The steps, as cargo-leptos takes them for Leptos' `#[lazy]` functions:
//! 1. compile the app for wasm32 (`wasm-release` profile, `split` feature), keeping relocations
//!    (`--emit-relocs`) so that the module can be taken apart;
//! 2. split it at its `#[lazy]` functions (`wasm_split_cli_support`): the main module, one module
//!    per area, shared modules, and `__wasm_split.js`, which fetches and links them;
//! 3. `wasm-bindgen` on the main module (keeping the exports the area modules link against);
//! 4. `wasm-opt -Oz` on every module;
//! 5. name every file by its content, write `index.html`, and precompress (Brotli and gzip).
//!
//! Trunk (`Trunk.toml`) still builds the app as one module for development (`trunk serve`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::{cargo, root, sh, step, target_dir, tools, Result};

const CRATE: &str = "carebase-frontend";
/// The JS that fetches and links the area modules, as the split names it.
const LINK_JS: &str = "__wasm_split.js";
/// The main module's JS glue, as wasm-bindgen names it.
const MAIN_JS: &str = "carebase-frontend.js";
/// The features the compiler uses for wasm32 (the Rust 1.82+ defaults), for wasm-opt.
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
    "--enable-mutable-globals",
];

/// What a build wrote to `frontend/dist`: the files of the first screen and, for each area, the
/// files opening it fetches (its own module and the shared modules it needs).
pub struct Parts {
    pub first_screen: Vec<String>,
    pub areas: BTreeMap<String, Vec<String>>,
}

impl Parts {
    /// The areas that fetch `file`.
    pub fn areas_fetching(&self, file: &str) -> Vec<&str> {
        self.areas
            .iter()
            .filter(|(_, files)| files.iter().any(|f| f == file))
            .map(|(area, _)| area.as_str())
            .collect()
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, data: impl AsRef<[u8]>) -> Result {
    std::fs::write(path, data).map_err(|e| format!("{}: {e}", path.display()))
}

/// The first 16 hex digits of the SHA-256 of `data`.
fn content_hash(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .take(8)
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Replaces `from` with `to` in `text`, failing when `from` is not there: each replacement
/// links two files, and a missing one would leave the app broken.
fn replace_once(text: &str, from: &str, to: &str, what: &str) -> Result<String> {
    if !text.contains(from) {
        return Err(format!("{what}: `{from}` not found"));
    }
    Ok(text.replace(from, to))
}

/// The area a split module serves: `split_admin_1234` is `admin`.
fn area_name(split: &str) -> String {
    let split = split.strip_prefix("split_").unwrap_or(split);
    match split.rsplit_once('_') {
        Some((name, hash)) if hash.chars().all(|c| c.is_ascii_digit()) => name.to_owned(),
        _ => split.to_owned(),
    }
}

/// Builds the web app into `frontend/dist`.
pub fn build() -> Result<Parts> {
    step("Building the web app");
    tools::ensure_frontend_tools()?;
    sh(cargo().args(["fetch", "--locked"]))?;
    let mut rustflags = std::env::var("RUSTFLAGS").unwrap_or_default();
    rustflags.push_str(" -Clink-args=--emit-relocs");
    sh(cargo()
        .args([
            "build",
            "--locked",
            "--offline",
            "-p",
            CRATE,
            "--bin",
            CRATE,
        ])
        .args([
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
        ])
        .args(["--features", "split"])
        .env("RUSTFLAGS", rustflags.trim()))?;
    let compiled = target_dir().join(format!("wasm32-unknown-unknown/wasm-release/{CRATE}.wasm"));

    step("Splitting the web app into its first screen and its areas");
    let work = target_dir().join("webapp");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let input = read(&compiled)?;
    let main_split = work.join("main.wasm");
    let link_name = format!("./{LINK_JS}");
    let main_module = format!("./{MAIN_JS}");
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&input);
        opts.output_dir = &work;
        opts.main_out_path = &main_split;
        opts.link_name = &link_name;
        opts.main_module = &main_module;
        opts
    })
    .map_err(|e| format!("splitting the web app: {e:?}"))?;

    sh(Command::new("wasm-bindgen")
        .args(["--target", "web", "--no-typescript", "--keep-lld-exports"])
        .args(["--no-demangle", "--out-name", CRATE, "--out-dir"])
        .arg(&work)
        .arg(&main_split))?;
    let main_wasm = work.join(format!("{CRATE}_bg.wasm"));

    step("Optimising each module (wasm-opt -Oz)");
    let modules: Vec<PathBuf> = std::iter::once(main_wasm.clone())
        .chain(split.split_modules.iter().cloned())
        .collect();
    optimise(&modules)?;

    step("Writing frontend/dist");
    let dist = root().join("frontend/dist");
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::create_dir_all(&dist).map_err(|e| format!("{}: {e}", dist.display()))?;

    // Area and shared modules, named by content; the link JS fetches them by those names.
    let mut link_js = read_text(&work.join(LINK_JS))?;
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    let merged = merge_small_shared(&split.split_modules, &mut link_js, &work)?;
    for module in split.split_modules.iter().chain(&merged) {
        let Some(stem) = module.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        let reference = format!("\"./{stem}.wasm\"");
        if !link_js.contains(&reference) {
            // An empty module: nothing fetches it.
            continue;
        }
        let data = read(module)?;
        let label = match stem.strip_prefix("chunk_") {
            Some(n) => format!("shared-{n}"),
            None => area_name(&stem),
        };
        let name = format!("{label}-{}.wasm", content_hash(&data));
        write(&dist.join(&name), &data)?;
        link_js = link_js.replace(&reference, &format!("\"./{name}\""));
        renamed.insert(stem, name);
    }

    let wasm = read(&main_wasm)?;
    let wasm_name = format!("{CRATE}-{}_bg.wasm", content_hash(&wasm));
    write(&dist.join(&wasm_name), &wasm)?;

    // The main JS and the link JS import each other, so both are named by one hash of the two
    // and of the main module's name.
    let main_js = read_text(&work.join(MAIN_JS))?;
    let build_hash = content_hash(format!("{main_js}{link_js}{wasm_name}").as_bytes());
    let main_js_name = format!("{CRATE}-{build_hash}.js");
    let link_js_name = format!("{CRATE}-{build_hash}-areas.js");
    let main_js = replace_once(
        &main_js,
        &format!("from \"{link_name}\""),
        &format!("from './{link_js_name}'"),
        MAIN_JS,
    )?;
    let main_js = replace_once(
        &main_js,
        &format!("'{CRATE}_bg.wasm'"),
        &format!("'{wasm_name}'"),
        MAIN_JS,
    )?;
    let link_js = replace_once(
        &link_js,
        &format!("from \"{main_module}\""),
        &format!("from \"./{main_js_name}\""),
        LINK_JS,
    )?;
    write(&dist.join(&main_js_name), main_js)?;
    write(&dist.join(&link_js_name), link_js)?;

    let css = read(&root().join("frontend/style/main.css"))?;
    let css_name = format!("main-{}.css", content_hash(&css));
    write(&dist.join(&css_name), &css)?;

    write(
        &dist.join("index.html"),
        index_html(
            &read_text(&root().join("frontend/index.html"))?,
            &css_name,
            &main_js_name,
            &link_js_name,
            &wasm_name,
        )?,
    )?;

    let mut areas = BTreeMap::new();
    for (split_name, stems) in &split.prefetch_map {
        let mut files: Vec<String> = stems
            .iter()
            .filter_map(|stem| {
                renamed
                    .get(stem)
                    .or_else(|| renamed.get(COMMON).filter(|_| merged_stem(stem)))
                    .cloned()
            })
            .collect();
        files.sort();
        files.dedup();
        if !files.is_empty() {
            areas.insert(area_name(split_name), files);
        }
    }
    crate::precompress()?;
    Ok(Parts {
        first_screen: vec![css_name, main_js_name, link_js_name, wasm_name],
        areas,
    })
}

/// The module the small shared modules are merged into.
const COMMON: &str = "chunk_common";
/// Shared modules smaller than this (after wasm-opt) are merged into one.
const SMALL_SHARED_BYTES: u64 = 8 * 1024;

/// Whether a shared module named `stem` went into the merged one (only those are missing from
/// the link JS afterwards).
fn merged_stem(stem: &str) -> bool {
    stem.starts_with("chunk_")
}

/// Merges the shared modules smaller than [`SMALL_SHARED_BYTES`] into one, `chunk_common.wasm`
/// in `work`, and makes the link JS load that one in their place (once, whichever area asks
/// first). Without this an area fetches dozens of files of a few hundred bytes: one per set of
/// areas that share some code. Returns the merged module, if any.
fn merge_small_shared(
    modules: &[PathBuf],
    link_js: &mut String,
    work: &Path,
) -> Result<Vec<PathBuf>> {
    let mut small = Vec::new();
    for module in modules {
        let Some(stem) = module.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        let size = std::fs::metadata(module).map_or(u64::MAX, |m| m.len());
        if stem.starts_with("chunk_") && size < SMALL_SHARED_BYTES {
            small.push((stem, module));
        }
    }
    if small.len() < 2 {
        return Ok(Vec::new());
    }
    let inputs = small
        .iter()
        .map(|(_, path)| read(path))
        .collect::<Result<Vec<_>>>()?;
    let common = work.join(format!("{COMMON}.wasm"));
    write(&common, crate::wasm_merge::merge(&inputs)?)?;
    let common_var = "__chunk_common";
    let mut definition = None;
    for (stem, _) in &small {
        let var = format!("__{stem}");
        let start_text = format!("const {var} = makeLoad(");
        let start = link_js
            .find(&start_text)
            .ok_or_else(|| format!("{LINK_JS}: no loader for {stem}"))?;
        let end = link_js[start..]
            .find("\n, []);")
            .map(|e| start + e + "\n, []);".len())
            .ok_or_else(|| format!("{LINK_JS}: the loader for {stem} does not end as expected"))?;
        let block = link_js[start..end].to_owned();
        if definition.is_none() {
            definition = Some((
                start,
                block.replace(&var, common_var).replace(
                    &format!("\"./{stem}.wasm\""),
                    &format!("\"./{COMMON}.wasm\""),
                ),
            ));
        }
        link_js.replace_range(start..end, &format!("const {var} = {common_var};"));
    }
    if let Some((at, text)) = definition {
        link_js.insert_str(at, &format!("{text}\n"));
    }
    for (_, path) in &small {
        let _ = std::fs::remove_file(path);
    }
    Ok(vec![common])
}

/// `wasm-opt -Oz` on each module, one per core at a time. Its output (warnings about name
/// sections it does not know) is shown only when it fails.
fn optimise(modules: &[PathBuf]) -> Result {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let path = tools::path_with_frontend_bins();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> Result {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(module) = modules.get(i) else {
                            return Ok(());
                        };
                        let out = Command::new("wasm-opt")
                            .arg("-Oz")
                            .args(WASM_FEATURES)
                            .arg(module)
                            .arg("-o")
                            .arg(module)
                            .env("PATH", &path)
                            .output()
                            .map_err(|e| format!("could not start wasm-opt: {e}"))?;
                        if !out.status.success() {
                            return Err(format!(
                                "wasm-opt {} failed ({}): {}",
                                module.display(),
                                out.status,
                                String::from_utf8_lossy(&out.stderr)
                            ));
                        }
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err("wasm-opt worker panicked".into()))
            })
            .collect::<Result<Vec<()>>>()
            .map(|_| ())
    })
}

/// `frontend/index.html` with Trunk's build instructions replaced by the built files: the CSS,
/// the main module preloaded, and the script that starts the app.
fn index_html(
    template: &str,
    css: &str,
    main_js: &str,
    link_js: &str,
    wasm: &str,
) -> Result<String> {
    let mut html = String::with_capacity(template.len() + 1024);
    let mut rest = template;
    while let Some(start) = rest.find("<link") {
        let end = rest[start..]
            .find('>')
            .map(|e| start + e + 1)
            .ok_or("index.html: unclosed <link")?;
        let tag = &rest[start..end];
        if tag.contains("data-trunk") {
            // Drop the tag and the indentation before it, and the line break after it.
            html.push_str(rest[..start].trim_end_matches([' ', '\t']));
            rest = rest[end..].strip_prefix('\n').unwrap_or(&rest[end..]);
        } else {
            html.push_str(&rest[..end]);
            rest = &rest[end..];
        }
    }
    html.push_str(rest);
    let head = format!(
        "    <link rel=\"stylesheet\" href=\"/{css}\" />\n    \
         <link rel=\"modulepreload\" href=\"/{main_js}\" />\n    \
         <link rel=\"modulepreload\" href=\"/{link_js}\" />\n    \
         <link rel=\"preload\" href=\"/{wasm}\" as=\"fetch\" type=\"application/wasm\" crossorigin=\"anonymous\" />\n    \
         <script type=\"module\">import init from \"/{main_js}\"; init({{ module_or_path: \"/{wasm}\" }});</script>\n  </head>"
    );
    replace_once(&html, "  </head>", &head, "index.html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_are_named_without_the_split_hash() {
        assert_eq!(area_name("split_admin_123456789"), "admin");
        assert_eq!(area_name("scheduling_42"), "scheduling");
        assert_eq!(area_name("split_portal"), "portal");
    }

    #[test]
    fn index_html_loads_the_built_files_instead_of_trunk_links() {
        let template = "<head>\n    <link data-trunk rel=\"css\" href=\"a.css\" />\n    <link\n      data-trunk\n      rel=\"rust\"\n    />\n    <link rel=\"icon\" href=\"/i.png\" />\n  </head>\n";
        let html = index_html(template, "m.css", "a.js", "b.js", "c.wasm").unwrap_or_default();
        assert!(!html.contains("data-trunk"));
        assert!(html.contains("<link rel=\"icon\" href=\"/i.png\" />"));
        assert!(html.contains("href=\"/m.css\""));
        assert!(html.contains("import init from \"/a.js\""));
        assert!(html.contains("module_or_path: \"/c.wasm\""));
    }
}
