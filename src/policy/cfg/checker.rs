//! The reader every part of the walk shares.

use crate::diag::reader::Reader;
use crate::policy::people::KeyRef;

/// The policy's reader: the generic [`Reader`] plus the key files found on the way.
pub(super) struct Checker<'t> {
    pub(super) reader: Reader<'t>,
    pub(super) key_refs: Vec<KeyRef>,
}

impl<'t> std::ops::Deref for Checker<'t> {
    type Target = Reader<'t>;
    fn deref(&self) -> &Reader<'t> {
        &self.reader
    }
}

impl std::ops::DerefMut for Checker<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.reader
    }
}
