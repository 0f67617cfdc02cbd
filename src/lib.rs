//! gatepass: a deployment gate for AI systems.
#![forbid(unsafe_code)]

#[cfg(feature = "gate")]
pub mod approval;
#[cfg(feature = "gate")]
pub mod audit;
#[cfg(feature = "gate")]
pub mod criteria;
#[cfg(feature = "gate")]
pub mod diag;
#[cfg(feature = "gate")]
pub mod duration;
#[cfg(feature = "gate")]
pub mod evaluate;
#[cfg(feature = "gate")]
pub mod evidence;
#[cfg(feature = "gate")]
pub mod gate;
#[cfg(feature = "github")]
pub mod github;
pub mod hash;
#[cfg(feature = "gate")]
pub mod policy;
#[cfg(feature = "gate")]
pub mod release;
pub mod token;
pub mod untrusted;
#[cfg(feature = "gate")]
pub mod vocab;
