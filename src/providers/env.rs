//! `env:NAME` — the process environment at call time. The cache only calls this
//! on the JS thread (Node's `process.env` writes go to the same environment; reading
//! it from another thread could race with them), so env entries refresh on read.

use std::sync::atomic::{AtomicU64, Ordering};

use super::{describe, Fetched, Kind, SecretValue};
use crate::error::SgError;

pub fn valid_name(name: &str) -> Result<(), &'static str> {
    if name.contains('=') {
        return Err("environment variable names cannot contain '='");
    }
    Ok(())
}

pub fn fetch(name: &str, calls: &AtomicU64) -> Result<Fetched, SgError> {
    calls.fetch_add(1, Ordering::Relaxed);
    match std::env::var_os(name) {
        None => Err(SgError::new("SECRET_NOT_FOUND", format!("{} is not set", describe(Kind::Env, name)))),
        Some(os) => {
            let value = match os.into_string() {
                Ok(s) => SecretValue::Text(s.into()),
                #[cfg(unix)]
                Err(os) => SecretValue::from_bytes(std::os::unix::ffi::OsStringExt::into_vec(os)),
                #[cfg(not(unix))]
                Err(os) => SecretValue::Text(os.to_string_lossy().into_owned().into()),
            };
            Ok(Fetched { value, version: None, stamp: None, created_ms: None })
        }
    }
}
