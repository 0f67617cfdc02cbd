//! gatepass: a deployment gate for AI systems.
#![forbid(unsafe_code)]

pub mod hash;
pub mod model;
pub mod release;
