//! `vault:PATH` — HashiCorp Vault / OpenBao KV v2 over HTTP with hyper-util's
//! legacy client. GET /v1/<mount>/data/<path> with X-Vault-Token (and
//! X-Vault-Namespace when set); the version is `data.metadata.version`, told
//! apart from a same-numbered version of a deleted-and-recreated secret by its
//! `created_time`; the cheap check reads `current_version` and that version's
//! `created_time` from /v1/<mount>/metadata/<path>. The whole secret is the JSON
//! text of its data object; `#field` selects one key.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroize;

use super::{describe, Check, Fetched, Kind, SecretValue};
use crate::error::SgError;

const MAX_BODY: usize = 1 << 20;
const TOKEN_FILE_MAX: usize = 64 << 10;

pub fn valid_name(name: &str) -> Result<(), &'static str> {
    if name.starts_with('/') || name.ends_with('/') {
        return Err("Vault paths cannot start or end with '/'");
    }
    if name.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
        return Err("Vault paths cannot contain empty, '.' or '..' segments");
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_-.@+=".contains(&b)) {
        return Err("Vault paths may contain only letters, digits and /_-.@+=");
    }
    Ok(())
}

pub struct VaultOptions {
    pub address: String,
    pub token: SecretString,
    /// Read before every request when set (a Vault Agent sink, a Kubernetes
    /// projected token): a renewed token is picked up without a restart.
    pub token_file: Option<std::path::PathBuf>,
    pub namespace: Option<String>,
    pub mount: String,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
}

enum Conn {
    Plain(Client<HttpConnector, Empty<Bytes>>),
    Tls(Client<HttpsConnector<HttpConnector>, Empty<Bytes>>),
}

impl Conn {
    fn request(&self, req: hyper::Request<Empty<Bytes>>) -> hyper_util::client::legacy::ResponseFuture {
        match self {
            Conn::Plain(c) => c.request(req),
            Conn::Tls(c) => c.request(req),
        }
    }
}

pub struct VaultProvider {
    base: String,
    token: SecretString,
    token_file: Option<std::path::PathBuf>,
    /// Held by the token-file read running on the blocking pool (until it
    /// returns, even after its caller timed out): one read at a time, and the
    /// callers that queued behind a read that started after they arrived take
    /// its result (within their own requestTimeout) instead of reading again
    /// one after another.
    token_reading: std::sync::Arc<tokio::sync::Mutex<TokenRead>>,
    /// Token-file reads started (bumped under `token_reading`); a read's number
    /// is this count once it started.
    token_reads: std::sync::Arc<AtomicU64>,
    namespace: Option<String>,
    mount: String,
    timeout: Duration,
    client: Conn,
}

impl fmt::Debug for VaultProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VaultProvider")
            .field("address", &self.base)
            .field("mount", &self.mount)
            .field("namespace", &self.namespace)
            .field("token", &"[REDACTED]")
            .field("token_file", &self.token_file)
            .finish()
    }
}

/// The last token-file read: its token, or why it failed (the message is
/// completed per caller, with that caller's secret name).
pub struct TokenRead {
    last: Result<SecretString, &'static str>,
    /// The number of the read that gave `last` (0: none yet).
    last_read: u64,
}

impl Default for TokenRead {
    fn default() -> Self {
        TokenRead { last: Err("has not been read"), last_read: 0 }
    }
}

/// Read the token file (blocking): at most 64 KiB, regular files only (stat does
/// not block on a FIFO; open would, for good), BOM and surrounding whitespace
/// dropped. The error is the end of "the Vault token file …".
fn read_token_file(path: &std::path::Path) -> Result<SecretString, &'static str> {
    use std::io::Read;
    let io_err = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => "cannot be read (not found)",
        std::io::ErrorKind::PermissionDenied => "cannot be read (permission denied)",
        _ => "cannot be read (I/O error)",
    };
    if !std::fs::metadata(path).map_err(io_err)?.is_file() {
        return Err("cannot be read (not a regular file)");
    }
    let mut raw = Vec::new();
    let r = std::fs::File::open(path).and_then(|f| f.take(TOKEN_FILE_MAX as u64 + 1).read_to_end(&mut raw));
    if let Err(e) = r {
        raw.zeroize();
        return Err(io_err(e));
    }
    if raw.len() > TOKEN_FILE_MAX {
        raw.zeroize();
        return Err("is over 64 KiB");
    }
    // a BOM (an editor on Windows) and the trailing newline are not part of the token
    let t = std::str::from_utf8(&raw).map(|s| SecretString::from(s.trim_start_matches('\u{feff}').trim().to_string()));
    raw.zeroize();
    t.map_err(|_| "is not UTF-8")
}

impl VaultProvider {
    pub fn new(o: VaultOptions) -> Result<Self, SgError> {
        let base = o.address.trim_end_matches('/').to_string();
        let tls = base.starts_with("https://");
        if !(tls || base.starts_with("http://")) || base.parse::<hyper::Uri>().is_err() {
            return Err(SgError::new("PROVIDER_NOT_CONFIGURED", "vault provider: address must be an http:// or https:// URL"));
        }
        // `bao secrets list` prints mounts as 'secret/'
        let mount = o.mount.trim_matches('/').to_string();
        if mount.is_empty() || valid_name(&mount).is_err() {
            return Err(SgError::new("PROVIDER_NOT_CONFIGURED", "vault provider: invalid mount (a KV v2 mount path such as 'secret' or 'ns1/kv')"));
        }
        let namespace = o.namespace.map(|n| n.trim_matches('/').to_string()).filter(|n| !n.is_empty());
        if namespace.as_deref().is_some_and(|n| valid_name(n).is_err()) {
            return Err(SgError::new("PROVIDER_NOT_CONFIGURED", "vault provider: invalid namespace (vault.namespace, else VAULT_NAMESPACE / BAO_NAMESPACE)"));
        }
        let mut conn = HttpConnector::new();
        conn.set_connect_timeout(Some(o.connect_timeout));
        conn.set_nodelay(true);
        let client = if tls {
            conn.enforce_http(false);
            // Roots: the system store (SSL_CERT_FILE / SSL_CERT_DIR override it, e.g. for a private CA).
            let https = hyper_rustls::HttpsConnectorBuilder::new()
                .with_native_roots()
                .map_err(|_| SgError::new("PROVIDER_NOT_CONFIGURED", "vault provider: could not load TLS root certificates"))?
                .https_only()
                .enable_http1()
                .wrap_connector(conn);
            Conn::Tls(Client::builder(TokioExecutor::new()).build(https))
        } else {
            Conn::Plain(Client::builder(TokioExecutor::new()).build(conn))
        };
        Ok(VaultProvider {
            base,
            token: o.token,
            token_file: o.token_file,
            token_reading: Default::default(),
            token_reads: Default::default(),
            namespace,
            mount,
            timeout: o.request_timeout,
            client,
        })
    }

    /// The token for the next request: the token file's current content when
    /// one is configured, else the token given at construction. `deadline`: the
    /// request's (the file read and the HTTP request share one requestTimeout).
    async fn token(&self, what: &str, deadline: tokio::time::Instant) -> Result<SecretString, SgError> {
        let t = match &self.token_file {
            Some(path) => {
                // On the blocking pool, within requestTimeout, at most 64 KiB, regular
                // files only (stat does not block on a FIFO; open would, for good), and
                // one read at a time: a read stuck on a hung network file system is not
                // joined by another blocking thread per request.
                let path = path.clone();
                let lock = self.token_reading.clone();
                let reads = self.token_reads.clone();
                // Reads started before this caller arrived may have read the file
                // before the agent renewed it: only a later one is shared.
                let arrived = reads.load(Ordering::Acquire);
                let read = async move {
                    let mut guard = lock.lock_owned().await;
                    if guard.last_read > arrived {
                        // a read that started after this caller arrived finished while it queued
                        return Ok(guard.last.clone());
                    }
                    let number = reads.fetch_add(1, Ordering::AcqRel) + 1;
                    guard.last_read = 0; // (until this read has finished)
                    tokio::task::spawn_blocking(move || {
                        let mut guard = guard; // released when the read is done, not when a caller gives up
                        let r = read_token_file(&path);
                        guard.last = r.clone();
                        guard.last_read = number;
                        r
                    })
                    .await
                };
                match tokio::time::timeout_at(deadline, read).await {
                    Err(_) => return Err(SgError::new("TIMEOUT", format!("{what}: reading the Vault token file timed out"))),
                    Ok(Err(_)) => return Err(SgError::new("INTERNAL", format!("{what}: reading the Vault token file failed"))),
                    Ok(Ok(Ok(t))) => t,
                    Ok(Ok(Err(why))) => return Err(SgError::new("PROVIDER_NOT_CONFIGURED", format!("{what}: the Vault token file {why}"))),
                }
            }
            None => self.token.clone(),
        };
        if t.expose_secret().is_empty() {
            return Err(SgError::new("PROVIDER_NOT_CONFIGURED", format!("{what}: no Vault token (vault.token, vault.tokenFile, VAULT_TOKEN or BAO_TOKEN)")));
        }
        Ok(t)
    }

    /// GET a KV v2 endpoint; returns the parsed JSON body (the raw buffer is zeroized).
    async fn get_json(&self, kind: &str, name: &str, calls: &AtomicU64) -> Result<serde_json::Value, SgError> {
        let what = describe(Kind::Vault, name);
        let url = format!("{}/v1/{}/{}/{}", self.base, self.mount, kind, name);
        let deadline = tokio::time::Instant::now() + self.timeout;
        let token = self.token(&what, deadline).await?;
        // marked sensitive: a Debug of the request shows "Sensitive", not the token
        let mut token_header = hyper::header::HeaderValue::from_str(token.expose_secret())
            .map_err(|_| SgError::new("PROVIDER_NOT_CONFIGURED", format!("{what}: could not build the request (check the token)")))?;
        token_header.set_sensitive(true);
        let mut req = hyper::Request::get(url).header("X-Vault-Token", token_header);
        if let Some(ns) = &self.namespace {
            req = req.header("X-Vault-Namespace", ns.as_str());
        }
        let req = req
            .body(Empty::<Bytes>::new())
            .map_err(|_| SgError::new("PROVIDER_NOT_CONFIGURED", format!("{what}: could not build the request (check the token)")))?;
        calls.fetch_add(1, Ordering::Relaxed);
        let fut = async {
            let resp = self.client.request(req).await.map_err(|e| {
                let chain = format!("{e:?}").to_ascii_lowercase();
                // (an https:// address answered in plain HTTP: rustls' InvalidContentType)
                if ["certificate", "tls", "handshake", "invalidcontenttype", "invalidmessage"].iter().any(|w| chain.contains(w)) {
                    SgError::new("TLS_ERROR", format!("{what}: TLS handshake with Vault failed (check the CA: SSL_CERT_FILE)"))
                } else if e.is_connect() {
                    SgError::new("PROVIDER_UNAVAILABLE", format!("{what}: Vault is unreachable"))
                } else {
                    SgError::new("PROVIDER_UNAVAILABLE", format!("{what}: request to Vault failed"))
                }
            })?;
            let status = resp.status().as_u16();
            let body = Limited::new(resp.into_body(), MAX_BODY).collect().await.map_err(|e| {
                if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                    SgError::new("SECRET_TOO_LARGE", format!("{what}: Vault's answer is over {} MiB", MAX_BODY >> 20))
                } else {
                    SgError::new("PROVIDER_UNAVAILABLE", format!("{what}: Vault response unreadable"))
                }
            })?;
            let body = body.to_bytes();
            Ok::<_, SgError>((status, body))
        };
        let (status, body) = match tokio::time::timeout_at(deadline, fut).await {
            Ok(r) => r?,
            Err(_) => return Err(SgError::new("TIMEOUT", format!("{what}: Vault request timed out"))),
        };
        let code = match status {
            200 => None,
            404 => Some("SECRET_NOT_FOUND"),
            401 | 403 => Some("ACCESS_DENIED"),
            429 => Some("THROTTLED"),
            500..=599 => Some("PROVIDER_UNAVAILABLE"),
            _ => Some("PROVIDER_ERROR"),
        };
        if let Some(code) = code {
            let hint = match status {
                404 => " (no such secret, or the mount is not a KV v2 mount)",
                401 | 403 => " (token expired, revoked, or without read permission on this path)",
                _ => "",
            };
            return Err(SgError::new(code, format!("{what}: Vault answered HTTP {status}{hint}")));
        }
        let mut raw: Vec<u8> = body.into();
        let parsed = serde_json::from_slice::<serde_json::Value>(&raw);
        raw.zeroize();
        parsed.map_err(|_| SgError::new("PROVIDER_ERROR", format!("{what}: Vault response is not JSON")))
    }

    pub async fn fetch(&self, name: &str, calls: &AtomicU64) -> Result<Fetched, SgError> {
        let mut v = self.get_json("data", name, calls).await?;
        let what = describe(Kind::Vault, name);
        let data = v.get_mut("data").map(serde_json::Value::take).unwrap_or_default();
        let version = data.pointer("/metadata/version").and_then(|x| x.as_u64()).map(|n| n.to_string());
        let stamp = data.pointer("/metadata/created_time").and_then(|x| x.as_str()).map(str::to_string);
        let created_ms = stamp.as_deref().and_then(super::rfc3339_ms);
        match data.get("data") {
            Some(obj @ serde_json::Value::Object(_)) => {
                let text = obj.to_string();
                Ok(Fetched { value: SecretValue::Text(text.into()), version, stamp, created_ms })
            }
            _ => Err(SgError::new("SECRET_NOT_FOUND", format!("{what} has no current data (deleted or not KV v2)"))),
        }
    }

    pub async fn check(&self, name: &str, version: &str, stamp: Option<&str>, calls: &AtomicU64) -> Result<Check, SgError> {
        let v = self.get_json("metadata", name, calls).await?;
        let cur = v.pointer("/data/current_version").and_then(|x| x.as_u64()).map(|n| n.to_string());
        let Some(c) = &cur else { return Ok(Check::Changed) };
        let ver = v.pointer(&format!("/data/versions/{c}"));
        // A destroyed current version is gone, though its number is unchanged:
        // the value must not be served as fresh.
        if ver.and_then(|x| x.get("destroyed")).and_then(|d| d.as_bool()) == Some(true) {
            return Err(SgError::new("SECRET_NOT_FOUND", format!("{}: its current version was destroyed", describe(Kind::Vault, name))));
        }
        // A deletion_time is set for a soft-deleted version, and also for every
        // live version under `delete_version_after` (a time in the future): the
        // data read decides (404 for a version that is really deleted).
        if ver.and_then(|x| x.get("deletion_time")).and_then(|d| d.as_str()).is_some_and(|s| !s.is_empty()) {
            return Ok(Check::Changed);
        }
        // The same number with another created_time: deleted and created again.
        let created = ver.and_then(|x| x.get("created_time")).and_then(|d| d.as_str());
        let same_version = c == version && (stamp.is_none() || created == stamp);
        Ok(if same_version { Check::Unchanged } else { Check::Changed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(address: &str) -> VaultOptions {
        VaultOptions {
            address: address.into(),
            token: SecretString::from("test-token-FAKE-debug".to_string()),
            token_file: None,
            namespace: None,
            mount: "secret".into(),
            connect_timeout: Duration::from_secs(1),
            request_timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn debug_hides_token_and_addresses_are_checked() {
        let p = VaultProvider::new(opts("http://127.0.0.1:8200/")).unwrap();
        let d = format!("{p:?}");
        assert!(!d.contains("FAKE"), "{d}");
        assert!(d.contains("http://127.0.0.1:8200"));
        for bad in ["ftp://x", "127.0.0.1:8200", "http://exa mple"] {
            assert_eq!(VaultProvider::new(opts(bad)).unwrap_err().code, "PROVIDER_NOT_CONFIGURED", "{bad}");
        }
        assert!(valid_name("app/db").is_ok());
        assert!(valid_name("app//db").is_err());
        assert!(valid_name("/app").is_err());
    }

    #[test]
    fn callers_queued_behind_a_token_file_read_share_it() {
        let dir = std::env::temp_dir().join(format!("sg-vault-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("token");
        std::fs::write(&file, "\u{feff}test-token-FAKE-file\n").unwrap();
        let mut o = opts("http://127.0.0.1:8200");
        o.token_file = Some(file.clone());
        let p = std::sync::Arc::new(VaultProvider::new(o).unwrap());
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
            // Alone: every call reads the file (a renewed token is used at once).
            assert_eq!(p.token("t", deadline).await.unwrap().expose_secret(), "test-token-FAKE-file");
            std::fs::write(&file, "test-token-FAKE-renewed").unwrap();
            assert_eq!(p.token("t", deadline).await.unwrap().expose_secret(), "test-token-FAKE-renewed");
            assert_eq!(p.token_reads.load(Ordering::Acquire), 2);
            // A read in progress when callers arrive (the lock held here stands for
            // it, started before them: it may have read the file before a renewal)
            // is not shared with them: the first of them reads again, and the other
            // 29, queued behind that read, take its result.
            let mut held = p.token_reading.clone().lock_owned().await;
            p.token_reads.fetch_add(1, Ordering::AcqRel); // that read's number: 3
            held.last = Ok(SecretString::from("test-token-FAKE-stale".to_string()));
            held.last_read = 3;
            let mut calls = tokio::task::JoinSet::new();
            for _ in 0..30 {
                let p = p.clone();
                calls.spawn(async move { p.token("t", deadline).await.map(|t| t.expose_secret().to_string()) });
            }
            tokio::time::sleep(Duration::from_millis(100)).await; // all 30 are waiting
            drop(held);
            while let Some(r) = calls.join_next().await {
                assert_eq!(r.unwrap().unwrap(), "test-token-FAKE-renewed");
            }
            assert_eq!(p.token_reads.load(Ordering::Acquire), 4, "one read for the 30 queued callers");
            // A failed read is shared the same way, with each caller's own name in its message.
            std::fs::remove_file(&file).unwrap();
            let e = p.token("vault secret 'a'", deadline).await.unwrap_err();
            assert_eq!(e.code, "PROVIDER_NOT_CONFIGURED");
            assert_eq!(e.message, "vault secret 'a': the Vault token file cannot be read (not found)");
        });
        std::fs::remove_dir_all(&dir).ok();
    }
}
