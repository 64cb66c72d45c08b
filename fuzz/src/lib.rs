//! The pure modules of secret-guard, compiled on their own for fuzzing. The
//! files are the addon's own sources (included by path, not copied).
#![allow(dead_code)]

/// Stand-in for `src/error.rs` without the napi conversions.
pub mod error {
    use std::fmt;

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct SgError {
        pub code: &'static str,
        pub message: String,
    }

    impl SgError {
        pub fn new(code: &'static str, message: impl Into<String>) -> Self {
            SgError { code, message: message.into() }
        }
    }

    impl fmt::Display for SgError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{}: {}", self.code, self.message)
        }
    }
}

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
