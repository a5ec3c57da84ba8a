//! The domain: priorities, teams, people, permissions and drift. It knows no transport and no
//! database; everything here is plain data and pure functions, tested with plain unit tests.

pub mod api_token;
pub mod away;
pub mod drift;
pub mod due;
pub mod focus;
pub mod holiday;
pub mod ids;
pub mod nudge;
pub mod permissions;
pub mod priority;
pub mod schedule;
pub mod score;
pub mod status;
pub mod team;

pub use due::DueDate;
pub use ids::{ChannelRef, PriorityNumber, UserRef};
pub use priority::{Priority, Progress};
pub use status::Status;
pub use team::TeamName;
