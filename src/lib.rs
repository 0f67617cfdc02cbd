//! gatepass: a deployment gate for AI systems.
#![forbid(unsafe_code)]

pub mod approval;
pub mod evaluate;
pub mod evidence;
pub mod gate;
pub mod gather;
pub mod github;
pub mod hash;
pub mod model;
pub mod policy;
pub mod release;
pub mod token;
