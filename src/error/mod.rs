//! Errors carried as data: a stable machine-readable `code` and a short message
//! that never contains a secret value. Converted to a JS `Error` whose `code`
//! property is the code.

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

impl std::error::Error for SgError {}

// The JS conversions live apart so the fuzz crate (fuzz/) can compile this
// module without napi (cargo-fuzz builds with `--cfg fuzzing`).
#[cfg(not(fuzzing))]
mod js;
#[cfg(not(fuzzing))]
pub use self::js::*;
