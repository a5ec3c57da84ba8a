//! pacer: a self-hosted chat bot that runs teams' operating rhythm and flags drifting
//! priorities. See README.md for the product and SPEC.md for the contract.

pub mod api;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod export;
pub mod holidays_import;
pub mod http;
pub mod ical;
pub mod inbound;
pub mod keyring;
pub mod lifecycle;
pub mod links;
pub mod message;
pub mod messenger;
pub mod msteams;
pub mod pace;
pub mod people;
pub mod platforms;
pub mod reporting;
pub mod rhythm;
pub mod sandbox;
pub mod secret;
pub mod slack;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod webhooks;
