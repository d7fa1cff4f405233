//! The app's content-hashed files (Trunk names its wasm, scripts and styles
//! by a hash of their content) compressed once with brotli at its best
//! setting, beside them in `dist/` (`app-<hash>_bg.wasm.br`). The file
//! service sends those to a browser that accepts brotli, and compresses
//! everything else on the fly at a fast setting: for the app's wasm the
//! stored copy is about a fifth smaller, and every phone's first visit
//! downloads that much less.
//!
//! Only hashed files: their content never changes under their name, so a
//! stored copy can never be stale. A `dist/` the server may not write to is
//! served compressed on the fly, as before.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Brotli's best (slowest) quality, and its largest usual window.
const QUALITY: u32 = 11;
const WINDOW: u32 = 22;

/// Compresses every hashed file in `dist` (and below) that has no stored
/// copy yet, or one older than the file (a `dist/` copied over in place);
/// returns how many it wrote.
pub fn precompress(dist: &Path) -> std::io::Result<usize> {
    let mut written = 0;
    for path in files(dist)? {
        let stored = stored_copy(&path);
        if !is_hashed(&path) || is_current(&stored, &path) {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        let compressed = compress(&bytes)?;
        if compressed.len() >= bytes.len() {
            continue;
        }
        // Another server on the same dist/ may be writing it too: each
        // writes its own temporary file and renames it into place.
        let temporary = stored.with_extension(format!("br.{}.tmp", std::process::id()));
        let placed = std::fs::write(&temporary, &compressed).and_then(|()| std::fs::rename(&temporary, &stored));
        if let Err(e) = placed {
            let _ = std::fs::remove_file(&temporary);
            return Err(e);
        }
        written += 1;
    }
    Ok(written)
}

/// Runs [`precompress`] in the background, logging what it did.
pub fn spawn(dist: PathBuf) {
    tokio::task::spawn_blocking(move || match precompress(&dist) {
        Ok(0) => {}
        Ok(n) => tracing::info!(files = n, "stored brotli copies of the app's files"),
        Err(e) => {
            tracing::warn!(error = %e, dist = %dist.display(), "could not store compressed app files; compressing on the fly")
        }
    });
}

fn compress(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() / 3);
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, QUALITY, WINDOW);
        writer.write_all(bytes)?;
        writer.flush()?;
    }
    Ok(out)
}

/// Whether `stored` exists and is no older than `file`.
fn is_current(stored: &Path, file: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((modified(stored), modified(file)), (Some(s), Some(f)) if s >= f)
}

fn stored_copy(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".br");
    PathBuf::from(name)
}

/// Every file under `dir`.
fn files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            found.extend(files(&path)?);
        } else {
            found.push(path);
        }
    }
    Ok(found)
}

/// A wasm, script or style file named `<name>-<16 hex digits>[_bg].<ext>`,
/// as Trunk names what it builds.
fn is_hashed(path: &Path) -> bool {
    let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
        return false;
    };
    if !matches!(ext, "wasm" | "js" | "css") {
        return false;
    }
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trunks_hashed_files_are_stored_compressed() {
        for name in [
            "yingpan-app-9ed3807380387d3a_bg.wasm",
            "yingpan-app-9ed3807380387d3a.js",
            "main-0123456789abcdef.css",
        ] {
            assert!(is_hashed(Path::new(name)), "{name}");
        }
        for name in [
            "index.html",
            "sw.js",
            "manifest.webmanifest",
            "icon-192.png",
            "app-12345.js",
            "x-9ed3807380387d3a.png",
        ] {
            assert!(!is_hashed(Path::new(name)), "{name}");
        }
    }

    #[test]
    fn a_stored_copy_is_written_once_and_decompresses_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let script = "export function run() { return 'Yingpan'; }\n".repeat(200);
        std::fs::write(dir.path().join("app-0123456789abcdef.js"), &script).unwrap();
        std::fs::write(dir.path().join("index.html"), "<html></html>").unwrap();
        assert_eq!(precompress(dir.path()).unwrap(), 1);
        assert_eq!(precompress(dir.path()).unwrap(), 0, "already stored");
        // The file replaced in place later: its copy is made again.
        let script_path = dir.path().join("app-0123456789abcdef.js");
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&script_path)
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert_eq!(precompress(dir.path()).unwrap(), 1, "a stale copy is replaced");
        let stored = std::fs::read(dir.path().join("app-0123456789abcdef.js.br")).unwrap();
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut stored.as_slice(), &mut back).unwrap();
        assert_eq!(back, script.as_bytes());
        assert!(!dir.path().join("index.html.br").exists());
    }
}
