//! Inside GitHub Actions, the stretch of stderr and stdout that may carry text from evidence is fenced with
//! `::stop-commands::<token>` … `::<token>::`, so that the runner executes no workflow command in it, whatever
//! escaping missed. The token is 128 random bits in hex, masked with `::add-mask::` before anything else is
//! printed (an unmasked token in the log would let text after it end the fence). gatepass's own commands (the
//! deploy token's mask, annotations) are written after the fence is closed.

use std::io::Write as _;
use std::sync::Mutex;

use anyhow::Context as _;
use gatepass::github::actions::Runtime;

/// The token of the open fence, if one is open.
static OPEN: Mutex<Option<String>> = Mutex::new(None);

/// In GitHub Actions, masks a fresh token and stops workflow commands until [`close`]. Outside, nothing.
pub fn open() -> anyhow::Result<()> {
    if Runtime::detect().is_none() {
        return Ok(());
    }
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("cannot generate a random token to fence the report from workflow commands")?;
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut err = std::io::stderr().lock();
    // Both lines in one write: nothing may come between the mask and the fence.
    let _ = write!(err, "::add-mask::{token}\n::stop-commands::{token}\n");
    let _ = err.flush();
    if let Ok(mut open) = OPEN.lock() {
        *open = Some(token);
    }
    Ok(())
}

/// Ends the fence, if one is open: workflow commands work again.
pub fn close() {
    let token = OPEN.lock().ok().and_then(|mut open| open.take());
    if let Some(token) = token {
        // stdout may have carried fenced text too (the JSON decision): flush it first.
        let _ = std::io::stdout().flush();
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "::{token}::");
        let _ = err.flush();
    }
}
