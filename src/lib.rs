#![deny(clippy::all)]
// In `cargo test` builds napi-derive registers nothing, so the exported
// functions look unused there.
#![cfg_attr(test, allow(dead_code))]
//! Wiring only. Every capability lives in its own module, each with a `napi.rs`
//! file holding its thin `#[napi]` exports; the logic under them is plain Rust
//! with its own unit tests.

#[macro_use]
extern crate napi_derive;

pub mod error;

pub mod env_file;
pub mod cache;
pub mod providers;
pub mod masking;
pub mod usage;
pub mod panic;
// The global allocator: freed heap blocks are wiped (secrets in buffers of
// hyper, serde_json, aho-corasick, napi-rs that this crate does not own).
mod wipe_alloc;
// Registered at module load; `cargo test` binaries (no Node to link napi
// symbols against) leave it out.
#[cfg(not(test))]
mod runtime;

/// Version of the native addon (matches package.json).
#[napi(catch_unwind)]
pub fn native_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
