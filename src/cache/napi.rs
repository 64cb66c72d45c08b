//! JS exports of the secret cache: `NativeSecretCache` (wrapped by lib/cache.js).
//! Events reach JS through a weak (unref'd) ThreadsafeFunction, so an idle cache
//! never keeps the event loop alive.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{Buffer, Either};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};

use super::{Cache, CacheEvent, CacheOptions, Inner, Key, Lookup, Served};
use crate::error::{Result, SgError};
use crate::providers::{self, aws, file, vault, Kind, Providers};

#[napi(object)]
pub struct NativeCacheOptions {
    pub refresh_interval: Option<f64>,
    pub max_stale: Option<f64>,
    pub max_size: Option<u32>,
    pub jitter: Option<f64>,
    pub backoff_base: Option<f64>,
    pub backoff_max: Option<f64>,
    pub request_timeout: Option<f64>,
    pub connect_timeout: Option<f64>,
    pub aws_region: Option<String>,
    pub aws_endpoint: Option<String>,
    pub vault_address: Option<String>,
    pub vault_token: Option<String>,
    pub vault_token_file: Option<String>,
    pub vault_namespace: Option<String>,
    pub vault_mount: Option<String>,
    pub files_dir: Option<String>,
}

#[napi(object)]
pub struct NativeCacheEvent {
    /// "rotate" or "error"
    pub kind: String,
    pub name: String,
    pub version_stage: Option<String>,
    pub previous_version: Option<String>,
    pub version: Option<String>,
    pub code: Option<String>,
    pub message: Option<String>,
    pub failures: Option<u32>,
    pub retry_in_ms: Option<f64>,
    /// error: when the failure was recorded, ms since the Unix epoch
    pub at: Option<f64>,
}

#[napi(object)]
pub struct NativeCacheStats {
    pub entries: f64,
    pub hits: f64,
    pub misses: f64,
    pub upstream_calls: f64,
    pub refreshes: f64,
    pub errors: f64,
    pub stale_served: f64,
    pub rotations: f64,
    pub evictions: f64,
    pub inflight: f64,
}

#[napi(object)]
pub struct NativeSecretUsage {
    pub name: String,
    pub version_stage: Option<String>,
    pub version: Option<String>,
    /// When the provider created the cached version (AWS `CreatedDate`, Vault
    /// `created_time`; ms since the Unix epoch).
    pub version_created_at: Option<f64>,
    pub loaded: bool,
    pub failing: bool,
    pub reads: f64,
    pub hits: f64,
    pub misses: f64,
    pub refreshes: f64,
    pub errors: f64,
    pub stale_served: f64,
    pub rotations: f64,
    pub last_read_at: Option<f64>,
    pub last_refresh_at: Option<f64>,
    pub last_rotation_at: Option<f64>,
    pub loaded_at: Option<f64>,
    pub last_error_at: Option<f64>,
    pub last_error_code: Option<String>,
}

#[napi(object)]
pub struct NativeSecretSeries {
    pub name: String,
    pub version_stage: Option<String>,
    /// Reads per minute, oldest first.
    pub counts: Vec<u32>,
}

type EventFn = ThreadsafeFunction<NativeCacheEvent, (), NativeCacheEvent, napi::Status, false, true>;

fn ms(v: Option<f64>, default: Duration) -> Duration {
    match v {
        Some(x) if x.is_finite() && x >= 0.0 => Duration::from_secs_f64(x / 1000.0),
        _ => default,
    }
}

fn served(s: Served) -> Either<String, Buffer> {
    match s {
        Served::Text(t) => Either::A(t),
        Served::Binary(b) => Either::B(Buffer::from(b)),
    }
}

/// Parse `provider:name[#field]` + stage into a key.
fn key_of(name: &str, stage: Option<String>) -> std::result::Result<(Key, Option<String>), SgError> {
    let r = providers::parse_ref(name)?;
    if let Some(s) = &stage {
        if r.kind != Kind::Aws {
            return Err(SgError::new("INVALID_OPTION", format!("versionStage applies only to aws secrets, not {}", r.kind.as_str())));
        }
        if s.is_empty() || s.len() > 256 || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b)) {
            return Err(SgError::new("INVALID_OPTION", "versionStage must be a stage label like AWSCURRENT"));
        }
    }
    // AWSCURRENT is the default stage: cache it under the same key as no stage.
    let stage = stage.filter(|s| s != "AWSCURRENT");
    Ok((Key { kind: r.kind, name: r.name, stage }, r.field))
}

#[napi]
pub struct NativeSecretCache {
    cache: Cache,
}

impl NativeSecretCache {
    fn inner(&self) -> &Arc<Inner> {
        self.cache.inner()
    }
}

#[napi]
impl NativeSecretCache {
    #[napi(constructor, catch_unwind)]
    pub fn new(opts: NativeCacheOptions, on_event: Option<EventFn>) -> Result<Self> {
        let d = CacheOptions::default();
        let copts = CacheOptions {
            refresh_interval: ms(opts.refresh_interval, d.refresh_interval),
            max_stale: ms(opts.max_stale, d.max_stale),
            max_size: opts.max_size.map(|n| n as usize).unwrap_or(d.max_size),
            jitter: opts.jitter.filter(|j| (0.0..=1.0).contains(j)).unwrap_or(d.jitter),
            backoff_base: ms(opts.backoff_base, d.backoff_base),
            backoff_max: ms(opts.backoff_max, d.backoff_max),
        };
        let prewarm = opts.aws_region.is_some() || opts.aws_endpoint.is_some();
        let connect_timeout = ms(opts.connect_timeout, Duration::from_secs(3));
        let request_timeout = ms(opts.request_timeout, Duration::from_secs(5));
        // vault.address is checked in JS (INVALID_OPTION); a malformed VAULT_ADDR
        // in the environment must not stop a cache that never reads vault: names
        // (they then fail with PROVIDER_NOT_CONFIGURED).
        let explicit = opts.vault_address.is_some();
        // Vault's variables, then OpenBao's own (BAO_*) when those are unset.
        let env = |vault: &str, bao: &str| {
            std::env::var(vault).ok().filter(|s| !s.is_empty()).or_else(|| std::env::var(bao).ok().filter(|s| !s.is_empty()))
        };
        let vault_address = opts.vault_address.filter(|s| !s.is_empty()).or_else(|| env("VAULT_ADDR", "BAO_ADDR"));
        let vault = match vault_address {
            None => Err(providers::not_configured(Kind::Vault, "set vault.address or VAULT_ADDR")),
            Some(address) => {
                // (a token read from a file usually ends in a newline)
                let token = opts.vault_token.or_else(|| env("VAULT_TOKEN", "BAO_TOKEN")).unwrap_or_default().trim().to_string();
                let p = vault::VaultProvider::new(vault::VaultOptions {
                    address,
                    token: token.into(),
                    token_file: opts.vault_token_file.map(PathBuf::from),
                    namespace: opts.vault_namespace.or_else(|| env("VAULT_NAMESPACE", "BAO_NAMESPACE")),
                    mount: opts.vault_mount.unwrap_or_else(|| "secret".to_string()),
                    connect_timeout,
                    request_timeout,
                });
                match p {
                    Ok(p) => Ok(p),
                    Err(e) if explicit => return Err(e.into()),
                    // from the environment: vault: reads say what is wrong with it
                    Err(e) => Err(SgError::new(e.code, format!("{} (from the VAULT_* / BAO_* environment)", e.message))),
                }
            }
        };
        let providers = Providers {
            file: opts.files_dir.map(|d| file::FileProvider { dir: PathBuf::from(d) }),
            aws: aws::AwsProvider::new(aws::AwsOptions {
                region: opts.aws_region,
                endpoint: opts.aws_endpoint,
                connect_timeout,
                request_timeout,
            }),
            vault,
        };
        let rt = napi::bindgen_prelude::within_runtime_if_available(tokio::runtime::Handle::try_current)
            .map_err(|_| SgError::new("INTERNAL", "no async runtime available"))?;
        let cache = Cache::new(copts, providers, rt);
        if prewarm {
            cache.inner().prewarm_aws();
        }
        if let Some(f) = on_event {
            let f = Arc::new(f);
            cache.set_sink(Some(Arc::new(move |ev: CacheEvent| {
                let blank = |kind: &str, name: String, stage: Option<String>| NativeCacheEvent {
                    kind: kind.into(),
                    name,
                    version_stage: stage,
                    previous_version: None,
                    version: None,
                    code: None,
                    message: None,
                    failures: None,
                    retry_in_ms: None,
                    at: None,
                };
                let js = match ev {
                    CacheEvent::Loaded { name, stage, version } => NativeCacheEvent { version, ..blank("loaded", name, stage) },
                    CacheEvent::LoadFailed { name, stage, code } => NativeCacheEvent { code: Some(code.to_string()), ..blank("load_failed", name, stage) },
                    CacheEvent::Rotate { name, stage, previous_version, version } => {
                        NativeCacheEvent { previous_version, version, ..blank("rotate", name, stage) }
                    }
                    CacheEvent::Error { name, stage, code, message, failures, retry_in_ms, at } => NativeCacheEvent {
                        code: Some(code.to_string()),
                        message: Some(message),
                        failures: Some(failures),
                        retry_in_ms: Some(retry_in_ms),
                        at: Some(at),
                        ..blank("error", name, stage)
                    },
                    CacheEvent::Invalidate { name, stage } => blank("invalidate", name, stage),
                    CacheEvent::Recovered { name, stage } => blank("recovered", name, stage),
                };
                f.call(js, ThreadsafeFunctionCallMode::NonBlocking);
            })));
        }
        Ok(NativeSecretCache { cache })
    }

    /// Cached value, `undefined` on a miss. Never waits on the network (`env:` is
    /// read here, on the JS thread). Starts a background refresh when due.
    #[napi(catch_unwind)]
    pub fn get_sync(&self, name: String, stage: Option<String>) -> Result<Option<Either<String, Buffer>>> {
        let (key, field) = key_of(&name, stage)?;
        match self.inner().lookup(&key)? {
            Lookup::Hit(l) => Ok(Some(served(l.serve(&key, field.as_deref())?))),
            Lookup::Miss => Ok(None),
        }
    }

    /// Load (single-flight) a secret that `get_sync` missed.
    #[napi(catch_unwind)]
    pub async fn load(&self, name: String, stage: Option<String>) -> napi::Result<Either<String, Buffer>> {
        let (key, field) = key_of(&name, stage)?;
        let inner = self.inner().clone();
        let l = inner.load(&key).await?;
        Ok(served(l.serve(&key, field.as_deref())?))
    }

    /// Force a refresh (single-flight). Resolves true when the value rotated.
    #[napi(catch_unwind)]
    pub async fn refresh(&self, name: String, stage: Option<String>) -> napi::Result<bool> {
        let (key, _) = key_of(&name, stage)?;
        if key.kind == Kind::Env {
            return Err(SgError::new("INTERNAL", "env secrets refresh through refreshSync").into());
        }
        let inner = self.inner().clone();
        Ok(inner.refresh(&key).await?)
    }

    /// Refresh of an `env:` secret (synchronous, on the JS thread).
    #[napi(catch_unwind)]
    pub fn refresh_sync(&self, name: String) -> Result<bool> {
        let (key, _) = key_of(&name, None)?;
        if key.kind != Kind::Env {
            return Err(SgError::new("INVALID_NAME", "refreshSync is only for env secrets").into());
        }
        Ok(self.inner().refresh_env(&key)?)
    }

    /// Validate a name without reading anything (throws INVALID_NAME / INVALID_OPTION).
    #[napi(catch_unwind)]
    pub fn validate(&self, name: String, stage: Option<String>) -> Result<String> {
        let (key, _) = key_of(&name, stage)?;
        Ok(key.kind.as_str().to_string())
    }

    /// Count reads that lib/cache.js served from its read memo (LRU recency + hits).
    #[napi(catch_unwind)]
    pub fn record_reads(&self, names: Vec<String>, stages: Vec<Option<String>>, counts: Vec<u32>) -> Result<()> {
        let mut reads = Vec::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            let stage = stages.get(i).cloned().flatten();
            if let Ok((key, _)) = key_of(n, stage) {
                reads.push((key, counts.get(i).copied().unwrap_or(0) as u64));
            }
        }
        self.inner().record_reads(&reads);
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn stats(&self) -> NativeCacheStats {
        let s = self.inner().snapshot();
        NativeCacheStats {
            entries: s.entries as f64,
            hits: s.hits as f64,
            misses: s.misses as f64,
            upstream_calls: s.upstream_calls as f64,
            refreshes: s.refreshes as f64,
            errors: s.errors as f64,
            stale_served: s.stale_served as f64,
            rotations: s.rotations as f64,
            evictions: s.evictions as f64,
            inflight: s.inflight as f64,
        }
    }

    #[napi(catch_unwind)]
    pub fn usage(&self) -> Vec<NativeSecretUsage> {
        self.inner()
            .usage()
            .into_iter()
            .map(|u| NativeSecretUsage {
                name: u.name,
                version_stage: u.stage,
                version: u.version,
                version_created_at: u.version_created_ms,
                loaded: u.loaded,
                failing: u.failing,
                reads: u.stats.reads as f64,
                hits: u.stats.hits as f64,
                misses: u.stats.misses as f64,
                refreshes: u.stats.refreshes as f64,
                errors: u.stats.errors as f64,
                stale_served: u.stats.stale_served as f64,
                rotations: u.stats.rotations as f64,
                last_read_at: u.stats.last_read_ms,
                last_refresh_at: u.stats.last_refresh_ms,
                last_rotation_at: u.stats.last_rotation_ms,
                loaded_at: u.stats.loaded_ms,
                last_error_at: u.stats.last_error_ms,
                last_error_code: u.stats.last_error_code.map(str::to_string),
            })
            .collect()
    }

    /// Reads per minute of every cached secret over the `minutes` (≤ 1440) ending at `now_ms`.
    #[napi(catch_unwind)]
    pub fn series(&self, now_ms: f64, minutes: u32) -> Vec<NativeSecretSeries> {
        self.inner()
            .series(now_ms, minutes as usize)
            .into_iter()
            .map(|(name, version_stage, counts)| NativeSecretSeries { name, version_stage, counts })
            .collect()
    }

    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.cache.close();
    }

    #[napi(getter, catch_unwind)]
    pub fn closed(&self) -> bool {
        self.inner().is_closed()
    }
}
