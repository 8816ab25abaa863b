//! The previous release, for the rolling-upgrade test: the code just before the newest migration
//! was added, built once per such commit and kept beside the build output.

use std::path::PathBuf;
use std::process::Command;

use crate::{cargo, output, sh, step, target_dir, Result};

/// The commit before the newest change to the migrations.
fn previous_release() -> Result<String> {
    let newest =
        output(Command::new("git").args(["log", "-1", "--format=%H", "--", "migrations/src"]))?;
    let newest = newest.trim();
    if newest.is_empty() {
        return Err("no commit has changed the migrations: git history is needed".into());
    }
    output(Command::new("git").args(["rev-parse", &format!("{newest}^")]))
        .map(|s| s.trim().to_owned())
        .map_err(|e| format!("the commit before {newest} is not in this clone ({e}): the rolling-upgrade test needs the history"))
}

/// The previous release's `carebase`, built from its source (`git archive`) in a build
/// directory of its own when it is not there yet.
pub fn previous_release_bin() -> Result<PathBuf> {
    let commit = previous_release()?;
    let home = target_dir().join("previous-release");
    let bin = home.join(format!("carebase-{}", &commit[..12]));
    if bin.exists() {
        return Ok(bin);
    }
    step(&format!(
        "Building the previous release ({}) for the rolling-upgrade test",
        &commit[..12]
    ));
    let src = home.join("src");
    let _ = std::fs::remove_dir_all(&src);
    std::fs::create_dir_all(&src).map_err(|e| format!("{}: {e}", src.display()))?;
    let archive = home.join("src.tar");
    sh(Command::new("git")
        .args(["archive", "--format=tar", "-o"])
        .arg(&archive)
        .arg(&commit))?;
    // Extracted files take the time of extraction (`-m`), not the commit's: cargo compares
    // them with what it built before in this directory from another commit's source, and
    // would take older times for nothing changed.
    sh(Command::new("tar")
        .arg("-xmf")
        .arg(&archive)
        .arg("-C")
        .arg(&src))?;
    let build = home.join("target");
    sh(cargo()
        .args([
            "build",
            "-p",
            "carebase",
            "--bin",
            "carebase",
            "--target-dir",
        ])
        .arg(&build)
        .current_dir(&src))?;
    std::fs::copy(build.join("debug/carebase"), &bin).map_err(|e| format!("{e}"))?;
    let _ = std::fs::remove_dir_all(&src);
    let _ = std::fs::remove_file(&archive);
    Ok(bin)
}
