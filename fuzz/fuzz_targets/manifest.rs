//! `release.toml` parsing and validation on arbitrary text: `Release::from_toml` must return a release or
//! located problems, never panic, and the problems must render with their excerpts.
#![no_main]

use std::path::Path;

use gatepass::release::Release;
use gatepass::vocab::Name;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match Release::from_toml(&text, Path::new("fuzz/release.toml")) {
        Ok(release) => {
            // Names and paths must be what validation promises.
            assert!(!release.artifacts.is_empty());
            for name in release.artifacts.keys().chain(release.evidence.keys()) {
                assert!(Name::is_valid(name));
            }
        }
        Err(err) => {
            let _ = err.to_string();
        }
    }
});
