//! The command layer: text → [`Command`] → executed against the store → a platform-neutral
//! [`crate::message::Message`]. Every chat platform comes through here.

mod api_tokens;
pub mod checkin;
mod digest;
pub mod execute;
mod follow;
pub mod help;
mod holidays;
pub mod parse;
mod priorities;
pub mod render;
pub mod review;
mod rhythm;
mod teams;
pub mod tokens;
pub mod webhooks;

pub use parse::{Command, ListFilter, ParseError, RhythmChange, parse};
