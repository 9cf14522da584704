//! The integration tests of the `faq` binary and its crates, one test binary (each file a
//! module): `cargo test --test all [MODULE::]` runs them, e.g. `cargo test --test all owner_loop::`.

mod common;

mod analytics_guard;
mod analyzer_golden;
mod bad_input;
mod browser;
mod cli;
mod faults;
mod japanese_variants;
mod openapi;
mod owner_loop;
mod properties;
mod relevance_gates;
mod seed_ranking;
mod server;
