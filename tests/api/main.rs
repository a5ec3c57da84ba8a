//! Integration tests: the real router on port 0, a fresh database per test, a fake Slack Web
//! API on loopback, and signed requests shaped like Slack's.

mod common;

mod ask_changed;
mod away;
mod checkins;
mod cli;
mod dashboard;
mod digest_ack;
mod digests;
mod drift_score;
mod drift_state;

mod events;
mod exactly_once;
mod export;
mod focus;
mod hardening;
mod hermetic;
mod holidays;
mod hostile;
mod manifest;
mod manifests_k8s;
mod meeting;
mod msteams;
mod oauth;
mod outage;
mod pacing;
mod priorities;
mod quarter;
mod quiet;
mod read_api;
mod read_only;
mod replicas;
mod review;
mod rhythm;
mod sandbox;
mod sandbox_browser;
mod security;
mod slips;
mod socket_mode;
mod teams;
mod trends;
mod webhooks;
