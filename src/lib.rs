#![deny(clippy::all)]
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

/// Version of the native addon (matches package.json).
#[napi(catch_unwind)]
pub fn native_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
