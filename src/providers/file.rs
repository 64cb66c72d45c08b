//! `file:NAME` — a directory of mounted secret files (Docker secrets, Kubernetes
//! secret volumes). One trailing newline (`\n` or `\r\n`) is trimmed; non-UTF-8
//! content is returned as binary. Rotation = content change (the cache compares).

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use zeroize::Zeroize;

use super::{describe, Fetched, Kind, SecretValue};
use crate::error::SgError;

/// Files larger than this are refused (a secret file is small; this bounds memory).
pub const MAX_FILE_SIZE: u64 = 1 << 20;

pub fn valid_name(name: &str) -> Result<(), &'static str> {
    if name.starts_with('/') || name.starts_with('\\') || name.contains('\\') {
        return Err("file names are relative to files.dir");
    }
    if name.split('/').any(|seg| seg.is_empty() || seg == "." || seg == "..") {
        return Err("file names cannot contain empty, '.' or '..' segments");
    }
    #[cfg(windows)]
    if name.contains(':') {
        return Err("file names cannot contain ':'");
    }
    Ok(())
}

pub struct FileProvider {
    pub dir: PathBuf,
}

impl fmt::Debug for FileProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileProvider").field("dir", &self.dir).finish()
    }
}

impl FileProvider {
    pub async fn fetch(&self, name: &str, calls: &AtomicU64) -> Result<Fetched, SgError> {
        calls.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.join(name);
        let what = describe(Kind::File, name);
        let map_io = |e: std::io::Error| match e.kind() {
            std::io::ErrorKind::NotFound => SgError::new("SECRET_NOT_FOUND", format!("{what} does not exist")),
            std::io::ErrorKind::PermissionDenied => SgError::new("ACCESS_DENIED", format!("{what} is not readable")),
            _ => SgError::new("PROVIDER_UNAVAILABLE", format!("{what} could not be read ({:?})", e.kind())),
        };
        // Symlinks are followed only within the directory (Kubernetes' ..data
        // swap stays inside it); one pointing outside is refused.
        let root = tokio::fs::canonicalize(&self.dir).await.map_err(map_io)?;
        let path = tokio::fs::canonicalize(&path).await.map_err(map_io)?;
        if !path.starts_with(&root) {
            return Err(SgError::new("ACCESS_DENIED", format!("{what} resolves outside files.dir (a symlink leaving the directory)")));
        }
        let meta = tokio::fs::metadata(&path).await.map_err(map_io)?;
        if !meta.is_file() {
            return Err(SgError::new("SECRET_NOT_FOUND", format!("{what} is not a regular file")));
        }
        if meta.len() > MAX_FILE_SIZE {
            return Err(SgError::new("SECRET_TOO_LARGE", format!("{what} is larger than {MAX_FILE_SIZE} bytes")));
        }
        let mut bytes = tokio::fs::read(&path).await.map_err(map_io)?;
        let mut keep = bytes.len();
        if bytes[..keep].ends_with(b"\n") {
            keep -= 1;
            if bytes[..keep].ends_with(b"\r") {
                keep -= 1;
            }
        }
        bytes[keep..].zeroize();
        bytes.truncate(keep);
        Ok(Fetched { value: SecretValue::from_bytes(bytes), version: None, stamp: None, created_ms: None })
    }
}
