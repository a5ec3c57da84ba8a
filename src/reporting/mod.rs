//! What leaders read: drift flags evaluated over the store, and digests of closed cycles.

pub mod digest;
pub mod drift;
pub mod render;
pub mod trends;
