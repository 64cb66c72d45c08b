//! The pure modules of secret-guard, compiled on their own for fuzzing. The
//! files are the addon's own sources (included by path, not copied).
#![allow(dead_code)]

/// The addon's own error type; its napi conversions are left out under `--cfg fuzzing`.
#[path = "../../src/error/mod.rs"]
pub mod error;

#[path = "../../src/env_file/parse.rs"]
pub mod parse;

#[path = "../../src/env_file/expand.rs"]
pub mod expand;

#[path = "../../src/env_file/dotenvx.rs"]
pub mod dotenvx;

#[path = "../../src/masking/encode.rs"]
pub mod encode;

#[path = "../../src/masking/masker.rs"]
pub mod masker;
