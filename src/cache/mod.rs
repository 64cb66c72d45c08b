//! The secret cache core: entries keyed by (provider, name, versionStage), values
//! held zeroizing (secrecy), single-flight loads and refreshes (one upstream call
//! per key at a time, shared by every caller through a `watch` channel), background
//! refresh on tokio with jitter (stale-while-revalidate), stale-if-error bounded by
//! `max_stale` with exponential backoff, rotation detection and events, LRU by read.
//!
//! `env:` entries are special: the environment must only be read on the JS thread,
//! so they are (re)loaded synchronously by `lookup` when due instead of by the
//! background task.

pub mod napi;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{watch, Notify};

use crate::error::SgError;
use crate::providers::{self, describe, Check, Fetched, Kind, Providers, SecretValue};
use crate::usage::{minute_of, Series};

#[derive(Clone)]
pub struct CacheOptions {
    pub refresh_interval: Duration,
    /// How long past its refresh time a value may still be served while refreshes fail.
    pub max_stale: Duration,
    pub max_size: usize,
    /// Fraction of the interval/backoff added or removed at random (0.1 = ±10 %).
    pub jitter: f64,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            refresh_interval: Duration::from_secs(3600),
            max_stale: Duration::from_secs(86_400),
            max_size: 1024,
            jitter: 0.1,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub kind: Kind,
    pub name: String,
    pub stage: Option<String>,
}

impl Key {
    pub fn label(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.name)
    }
}

/// A loaded secret: the value, its JSON fields when it is a JSON object, its version.
pub struct Loaded {
    pub value: SecretValue,
    pub fields: Option<HashMap<String, SecretString>>,
    pub version: Option<String>,
    /// See `Fetched::stamp` (internal; never reported).
    stamp: Option<String>,
    /// See `Fetched::created_ms`.
    pub created_ms: Option<f64>,
}

impl fmt::Debug for Loaded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loaded")
            .field("value", &self.value)
            .field("fields", &self.fields.as_ref().map(|m| m.len()))
            .field("version", &self.version)
            .finish()
    }
}

/// What a read returns to JS.
pub enum Served {
    Text(String),
    Binary(Vec<u8>),
}

impl fmt::Debug for Served {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Served([REDACTED])")
    }
}

impl Loaded {
    fn from_fetched(f: Fetched) -> Loaded {
        let fields = f.value.as_text().and_then(providers::json_fields);
        Loaded { value: f.value, fields, version: f.version, stamp: f.stamp, created_ms: f.created_ms }
    }

    fn learn(&self) {
        // Text and binary values alike (a binary value's raw bytes, base64 and hex).
        crate::masking::learn_secret_bytes(self.value.as_bytes());
        if let Some(fs) = &self.fields {
            for v in fs.values() {
                crate::masking::learn_secret(v.expose_secret());
            }
        }
    }

    fn retire(&self) {
        crate::masking::retire_secret_bytes(self.value.as_bytes());
        if let Some(fs) = &self.fields {
            for v in fs.values() {
                crate::masking::retire_secret(v.expose_secret());
            }
        }
    }

    /// The whole value or one JSON field.
    pub fn serve(&self, key: &Key, field: Option<&str>) -> Result<Served, SgError> {
        match field {
            None => Ok(match &self.value {
                SecretValue::Text(s) => Served::Text(s.expose_secret().to_string()),
                SecretValue::Binary(b) => Served::Binary(b.expose_secret().to_vec()),
            }),
            Some(f) => match &self.fields {
                None => Err(SgError::new(
                    "NOT_JSON",
                    format!("{} is not a JSON object, cannot select field '{}'", describe(key.kind, &key.name), f),
                )),
                Some(m) => match m.get(f) {
                    Some(v) => Ok(Served::Text(v.expose_secret().to_string())),
                    None => Err(SgError::new(
                        "FIELD_NOT_FOUND",
                        format!("{} has no field '{}'", describe(key.kind, &key.name), f),
                    )),
                },
            },
        }
    }
}

/// Per-secret counters (cheap, kept under the map lock). Times are Unix ms.
#[derive(Debug, Clone, Default)]
pub struct EntryStats {
    pub reads: u64,
    pub hits: u64,
    pub misses: u64,
    pub refreshes: u64,
    pub errors: u64,
    pub stale_served: u64,
    pub rotations: u64,
    pub last_read_ms: Option<f64>,
    pub last_refresh_ms: Option<f64>,
    pub last_rotation_ms: Option<f64>,
    /// When the entry first loaded successfully.
    pub loaded_ms: Option<f64>,
    pub last_error_ms: Option<f64>,
    pub last_error_code: Option<&'static str>,
}

/// Usage report of one entry (no value).
#[derive(Debug, Clone)]
pub struct EntryUsage {
    pub name: String,
    pub stage: Option<String>,
    pub version: Option<String>,
    /// When the provider created the cached version (ms since the Unix epoch).
    pub version_created_ms: Option<f64>,
    pub loaded: bool,
    pub failing: bool,
    pub stats: EntryStats,
}

type Outcome = Result<Arc<Loaded>, SgError>;

struct Entry {
    loaded: Option<Arc<Loaded>>,
    /// Last successful fetch or version check + its refresh interval + max_stale:
    /// the value may be served until then (stale-if-error bound).
    serve_until: Option<Instant>,
    next_refresh: Instant,
    failures: u32,
    inflight: Option<watch::Receiver<Option<Outcome>>>,
    check_unsupported: bool,
    local_version: u64,
    last_read_tick: u64,
    st: EntryStats,
    /// Reads per minute, last 24 h (crate::usage::Series).
    series: Series,
}

impl Entry {
    fn new(now: Instant) -> Self {
        Entry {
            loaded: None,
            serve_until: None,
            next_refresh: now,
            failures: 0,
            inflight: None,
            check_unsupported: false,
            local_version: 0,
            last_read_tick: 0,
            st: EntryStats::default(),
            series: Series::default(),
        }
    }
}

#[derive(Debug, Default)]
pub struct Stats {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub upstream_calls: AtomicU64,
    pub refreshes: AtomicU64,
    pub errors: AtomicU64,
    pub stale_served: AtomicU64,
    pub rotations: AtomicU64,
    pub evictions: AtomicU64,
}

#[derive(Debug, Clone)]
pub struct StatsSnapshot {
    pub entries: u64,
    pub hits: u64,
    pub misses: u64,
    pub upstream_calls: u64,
    pub refreshes: u64,
    pub errors: u64,
    pub stale_served: u64,
    pub rotations: u64,
    pub evictions: u64,
    pub inflight: u64,
}

/// Events delivered to JS (`rotate`, `error`). Messages never contain values.
#[derive(Debug, Clone)]
pub enum CacheEvent {
    Rotate { name: String, stage: Option<String>, previous_version: Option<String>, version: Option<String> },
    /// `at`: when the failure was recorded (ms since the Unix epoch); the next
    /// attempt is `retry_in_ms` after that.
    Error { name: String, stage: Option<String>, code: &'static str, message: String, failures: u32, retry_in_ms: f64, at: f64 },
    /// Internal: the entry was evicted (JS drops its read memo for it).
    Invalidate { name: String, stage: Option<String> },
    /// Internal: a failing entry refreshed successfully again.
    Recovered { name: String, stage: Option<String> },
    /// A secret was loaded for the first time (monitoring: audit trail).
    Loaded { name: String, stage: Option<String>, version: Option<String> },
    /// A load of a secret that has no value failed (monitoring: audit trail).
    LoadFailed { name: String, stage: Option<String>, code: &'static str },
}

pub type EventSink = Arc<dyn Fn(CacheEvent) + Send + Sync>;

pub struct Inner {
    opts: CacheOptions,
    /// Taken (and dropped: HTTP pools closed, tokens zeroized) by `close()`.
    providers: Mutex<Option<Arc<Providers>>>,
    entries: Mutex<HashMap<Key, Entry>>,
    /// Remote (`aws:`/`vault:`) secrets whose first load just failed: until when
    /// that failure is answered without a new upstream call, and the error.
    /// Bounds what callers who never get a value (e.g. unauthenticated requests
    /// hitting a guard whose key secret is down) can make the provider do.
    failed: Mutex<HashMap<Key, (Instant, SgError)>>,
    tick: AtomicU64,
    pub stats: Stats,
    closed: AtomicBool,
    /// Set by `close()`: upstream calls in flight stop at once (their waiters
    /// get CACHE_CLOSED) instead of running to their timeout.
    shutdown: watch::Sender<bool>,
    wake: Arc<Notify>,
    sink: Mutex<Option<EventSink>>,
    rt: tokio::runtime::Handle,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretCache")
            .field("providers", &self.providers.lock().unwrap_or_else(|p| p.into_inner()))
            .field("entries", &self.lock().len())
            .field("closed", &self.closed.load(Ordering::Relaxed))
            .finish()
    }
}

fn unix_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

fn jittered(d: Duration, jitter: f64) -> Duration {
    if jitter <= 0.0 || d.is_zero() {
        return d;
    }
    let f = 1.0 + rand::thread_rng().gen_range(-jitter..=jitter);
    d.mul_f64(f.max(0.0))
}

/// Backoff after `failures` consecutive failures: base·2^(n-1), capped, jittered.
pub fn backoff(opts: &CacheOptions, failures: u32) -> Duration {
    let exp = failures.saturating_sub(1).min(30);
    let d = opts.backoff_base.saturating_mul(1u32 << exp).min(opts.backoff_max);
    jittered(d, opts.jitter)
}

fn closed_err() -> SgError {
    SgError::new("CACHE_CLOSED", "the secret cache is closed")
}

/// Result of a synchronous lookup.
pub enum Lookup {
    Hit(Arc<Loaded>),
    Miss,
}

pub struct Cache {
    inner: Arc<Inner>,
}

impl fmt::Debug for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl Cache {
    pub fn new(opts: CacheOptions, providers: Providers, rt: tokio::runtime::Handle) -> Cache {
        let inner = Arc::new(Inner {
            opts,
            providers: Mutex::new(Some(Arc::new(providers))),
            entries: Mutex::new(HashMap::new()),
            failed: Mutex::new(HashMap::new()),
            tick: AtomicU64::new(1),
            stats: Stats::default(),
            closed: AtomicBool::new(false),
            shutdown: watch::channel(false).0,
            wake: Arc::new(Notify::new()),
            sink: Mutex::new(None),
            rt: rt.clone(),
        });
        rt.spawn(sweeper(Arc::downgrade(&inner), inner.wake.clone()));
        Cache { inner }
    }

    pub fn inner(&self) -> &Arc<Inner> {
        &self.inner
    }

    pub fn set_sink(&self, sink: Option<EventSink>) {
        *self.inner.sink.lock().unwrap_or_else(|p| p.into_inner()) = sink;
    }

    pub fn close(&self) {
        self.inner.close();
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        self.inner.close();
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn failed_lock(&self) -> MutexGuard<'_, HashMap<Key, (Instant, SgError)>> {
        self.failed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A remote secret's failed first load, still within its backoff: the error
    /// to answer with instead of calling the provider again.
    fn recent_failure(&self, key: &Key) -> Option<SgError> {
        let mut failed = self.failed_lock();
        match failed.get(key) {
            Some((until, err)) if Instant::now() < *until => Some(err.clone()),
            Some(_) => {
                failed.remove(key);
                None
            }
            None => None,
        }
    }

    /// Remember a failed first load of a remote secret for one `backoff_base`
    /// (jittered). Bounded by `max_size`: expired records go first, and when
    /// the map is still full the failure is simply not remembered.
    fn remember_failure(&self, key: &Key, err: &SgError) {
        if !matches!(key.kind, Kind::Aws | Kind::Vault) || err.code == "CACHE_CLOSED" {
            return;
        }
        let now = Instant::now();
        let mut failed = self.failed_lock();
        if failed.len() >= self.opts.max_size.max(1) {
            failed.retain(|_, (until, _)| now < *until);
        }
        if failed.len() < self.opts.max_size.max(1) || failed.contains_key(key) {
            let wait = backoff(&self.opts, 1);
            let again = SgError::new(err.code, format!("{} (the provider is asked again {} ms after this failure)", err.message, wait.as_millis()));
            failed.insert(key.clone(), (now + wait, again));
        }
    }

    /// Start building the AWS client in the background (called when `aws` options are given).
    pub fn prewarm_aws(self: &Arc<Self>) {
        let providers = self.providers.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(p) = providers {
            self.rt.spawn(async move { p.aws.warm().await });
        }
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    pub fn close(&self) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        *self.sink.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.shutdown.send_replace(true);
        drop(self.providers.lock().unwrap_or_else(|p| p.into_inner()).take());
        let drained: Vec<Entry> = self.lock().drain().map(|(_, e)| e).collect();
        drop(drained); // values zeroized on drop
        self.failed_lock().clear();
        self.wake.notify_one();
    }

    fn emit(&self, ev: CacheEvent) {
        let sink = self.sink.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(s) = sink {
            s(ev);
        }
    }

    /// Read from the cache without upstream I/O (except `env:`, read here on the
    /// JS thread). Counts hits/misses; starts a background refresh when due.
    pub fn lookup(self: &Arc<Self>, key: &Key) -> Result<Lookup, SgError> {
        if self.is_closed() {
            return Err(closed_err());
        }
        let now = Instant::now();
        let tick = self.tick.fetch_add(1, Ordering::Relaxed);
        let mut due = false;
        {
            let mut map = self.lock();
            if let Some(e) = map.get_mut(key) {
                e.last_read_tick = tick;
                e.st.reads += 1;
                let now_ms = unix_ms();
                e.st.last_read_ms = Some(now_ms);
                e.series.add(minute_of(now_ms), 1);
                if let Some(l) = &e.loaded {
                    let fresh_enough = e.serve_until.is_some_and(|u| now <= u);
                    if fresh_enough {
                        if key.kind == Kind::Env && now >= e.next_refresh {
                            due = true; // re-read below, outside the lock
                        } else {
                            let l = l.clone();
                            e.st.hits += 1;
                            self.stats.hits.fetch_add(1, Ordering::Relaxed);
                            if e.failures > 0 {
                                e.st.stale_served += 1;
                                self.stats.stale_served.fetch_add(1, Ordering::Relaxed);
                            }
                            // Refresh-ahead, started under the lock that saw it due
                            // (released, a refresh finishing in between would be
                            // followed by a needless second one).
                            if now >= e.next_refresh && e.inflight.is_none() {
                                let _ = self.start_locked(map, key, false);
                            }
                            return Ok(Lookup::Hit(l));
                        }
                    } else {
                        // Past max_stale: the value is no longer served; drop it.
                        e.loaded = None;
                    }
                }
            }
        }
        if key.kind == Kind::Env {
            return self.env_load(key, due).map(Lookup::Hit);
        }
        let mut map = self.lock();
        if let Some(e) = map.get_mut(key) {
            e.st.misses += 1;
        }
        drop(map);
        self.stats.misses.fetch_add(1, Ordering::Relaxed);
        Ok(Lookup::Miss)
    }

    /// Synchronous (re)load of an `env:` entry on the JS thread.
    fn env_load(self: &Arc<Self>, key: &Key, refresh: bool) -> Result<Arc<Loaded>, SgError> {
        let prev = {
            let mut map = self.lock();
            let e = map.entry(key.clone()).or_insert_with(|| Entry::new(Instant::now()));
            if !refresh {
                // The read that missed (lookup found no entry to count it on).
                e.st.misses += 1;
                e.st.reads += 1;
                let now_ms = unix_ms();
                e.st.last_read_ms = Some(now_ms);
                e.series.add(minute_of(now_ms), 1);
            }
            e.loaded.clone()
        };
        if !refresh {
            self.stats.misses.fetch_add(1, Ordering::Relaxed);
        }
        let fetched = providers::env::fetch(&key.name, &self.stats.upstream_calls);
        let (out, events) = self.apply(key, prev, fetched.map(FetchResult::Fetched), false);
        self.finish_events(events);
        self.evict_if_needed();
        match (&out, refresh) {
            // Stale-if-error: a failed re-read keeps serving the last good value.
            (Err(_), true) => {
                let map = self.lock();
                if let Some(l) = map.get(key).and_then(|e| e.loaded.clone()) {
                    drop(map);
                    self.stats.stale_served.fetch_add(1, Ordering::Relaxed);
                    return Ok(l);
                }
                out
            }
            _ => out,
        }
    }

    /// Load a missing entry, or join the load in flight (single-flight).
    pub async fn load(self: &Arc<Self>, key: &Key) -> Outcome {
        if self.is_closed() {
            return Err(closed_err());
        }
        let rx = {
            let map = self.lock();
            let existed = match map.get(key) {
                Some(e) if e.loaded.is_some() && e.serve_until.is_some_and(|u| Instant::now() <= u) => {
                    return Ok(e.loaded.clone().unwrap());
                }
                Some(_) => true,
                None => false,
            };
            if !existed && matches!(key.kind, Kind::Aws | Kind::Vault) {
                if let Some(err) = self.recent_failure(key) {
                    return Err(err);
                }
            }
            // Still under the lock that saw no usable value: had it been
            // released, an upstream operation could finish in between and this
            // read would start a second one (single-flight broken).
            let rx = self.start_locked(map, key, false)?;
            if !existed {
                // The read that missed (lookup found no entry to count it on).
                if let Some(e) = self.lock().get_mut(key) {
                    e.st.reads += 1;
                    e.st.misses += 1;
                    let now_ms = unix_ms();
                    e.st.last_read_ms = Some(now_ms);
                    e.series.add(minute_of(now_ms), 1);
                    e.last_read_tick = self.tick.fetch_add(1, Ordering::Relaxed);
                }
            }
            rx
        };
        wait(rx).await
    }

    /// Force a refresh now (single-flight: joins one in flight). Ok(true) if the value rotated.
    pub async fn refresh(self: &Arc<Self>, key: &Key) -> Result<bool, SgError> {
        if self.is_closed() {
            return Err(closed_err());
        }
        let before = self.lock().get(key).and_then(|e| e.loaded.clone());
        let rx = self.start(key, true)?;
        let after = wait(rx).await?;
        Ok(match before {
            Some(b) => !Arc::ptr_eq(&b, &after) && b.value.as_bytes() != after.value.as_bytes(),
            None => false,
        })
    }

    /// Synchronous refresh of an `env:` entry (JS thread).
    pub fn refresh_env(self: &Arc<Self>, key: &Key) -> Result<bool, SgError> {
        if self.is_closed() {
            return Err(closed_err());
        }
        // A refresh of a name never read yet loads it (it must not fail as "evicted").
        let before = self
            .lock()
            .entry(key.clone())
            .or_insert_with(|| Entry::new(Instant::now()))
            .loaded
            .clone();
        let prev = before.clone();
        let fetched = providers::env::fetch(&key.name, &self.stats.upstream_calls);
        let (out, events) = self.apply(key, prev, fetched.map(FetchResult::Fetched), true);
        self.finish_events(events);
        self.evict_if_needed();
        let after = out?;
        Ok(match before {
            Some(b) => b.value.as_bytes() != after.value.as_bytes(),
            None => false,
        })
    }

    /// Start (or join) the single upstream operation for `key`.
    fn start(self: &Arc<Self>, key: &Key, force: bool) -> Result<watch::Receiver<Option<Outcome>>, SgError> {
        self.start_locked(self.lock(), key, force)
    }

    /// [`Self::start`] with the entries already locked by the caller (released here).
    fn start_locked(
        self: &Arc<Self>,
        mut map: MutexGuard<'_, HashMap<Key, Entry>>,
        key: &Key,
        force: bool,
    ) -> Result<watch::Receiver<Option<Outcome>>, SgError> {
        if self.is_closed() {
            return Err(closed_err());
        }
        let before = map.len();
        let e = map.entry(key.clone()).or_insert_with(|| Entry::new(Instant::now()));
        if let Some(rx) = &e.inflight {
            return Ok(rx.clone());
        }
        let is_new = map.len() > before;
        let e = map.get_mut(key).expect("just inserted");
        let (tx, rx) = watch::channel(None);
        e.inflight = Some(rx.clone());
        let prev = e.loaded.clone();
        let check_ok = !e.check_unsupported;
        drop(map);
        if is_new {
            self.evict_if_needed();
        }
        let inner = self.clone();
        let key = key.clone();
        let mut stop = self.shutdown.subscribe();
        self.rt.spawn(async move {
            // close() drops the upstream call (its connection with it).
            let res = tokio::select! {
                r = inner.run(&key, prev.clone(), check_ok) => r,
                _ = stop.wait_for(|closed| *closed) => Err(closed_err()),
            };
            let (out, events) = inner.apply(&key, prev, res, force);
            inner.finish_events(events);
            let _ = tx.send(Some(out));
            inner.wake.notify_one();
        });
        Ok(rx)
    }

    async fn run(&self, key: &Key, prev: Option<Arc<Loaded>>, check_ok: bool) -> Result<FetchResult, SgError> {
        let calls = &self.stats.upstream_calls;
        let stage = key.stage.as_deref();
        let Some(providers) = self.providers.lock().unwrap_or_else(|p| p.into_inner()).clone() else {
            return Err(closed_err());
        };
        if let (Some(p), true) = (&prev, check_ok) {
            if let Some(v) = &p.version {
                match providers.check(key.kind, &key.name, stage, v, p.stamp.as_deref(), calls).await {
                    Some(Ok(Check::Unchanged)) => return Ok(FetchResult::Unchanged),
                    Some(Ok(Check::Changed)) | None => {}
                    Some(Err(e)) if e.code == "ACCESS_DENIED" => {
                        // No permission for the cheap check: fall back to full reads from now on.
                        if let Some(en) = self.lock().get_mut(key) {
                            en.check_unsupported = true;
                        }
                    }
                    Some(Err(e)) => return Err(e),
                }
            }
        }
        if key.kind == Kind::Env {
            // Never reached from the background (env entries are not scheduled), but be safe.
            return Err(SgError::new("PROVIDER_ERROR", "env secrets are read on the JS thread"));
        }
        providers.fetch(key.kind, &key.name, stage, calls).await.map(FetchResult::Fetched)
    }

    /// Apply an upstream result to the entry; returns the outcome and events to emit.
    fn apply(&self, key: &Key, prev: Option<Arc<Loaded>>, res: Result<FetchResult, SgError>, _force: bool) -> (Outcome, Vec<CacheEvent>) {
        let now = Instant::now();
        let mut events = Vec::new();
        let mut retired: Option<Arc<Loaded>> = None;
        let mut learned: Option<Arc<Loaded>> = None;
        let mut map = self.lock();
        if self.is_closed() {
            return (Err(closed_err()), events);
        }
        let Some(e) = map.get_mut(key) else {
            return (Err(SgError::new("EVICTED", format!("{} was evicted while loading", describe(key.kind, &key.name)))), events);
        };
        e.inflight = None;
        let interval = jittered(self.opts.refresh_interval, self.opts.jitter);
        let out = match res {
            Ok(FetchResult::Unchanged) => {
                let l = e.loaded.clone().or(prev).expect("unchanged implies a value");
                if e.failures > 0 {
                    events.push(CacheEvent::Recovered { name: key.label(), stage: key.stage.clone() });
                }
                e.serve_until = Some(now + interval + self.opts.max_stale);
                e.failures = 0;
                e.next_refresh = now + interval;
                e.st.refreshes += 1;
                e.st.last_refresh_ms = Some(unix_ms());
                self.stats.refreshes.fetch_add(1, Ordering::Relaxed);
                Ok(l)
            }
            Ok(FetchResult::Fetched(f)) => {
                let mut newl = Loaded::from_fetched(f);
                let old = e.loaded.clone().or(prev);
                // A rotation is a change of value. A new provider version with the same
                // value (e.g. PutSecretValue of identical text) only updates the version id.
                let value_changed = old.as_ref().is_none_or(|o| o.value.as_bytes() != newl.value.as_bytes());
                if e.failures > 0 {
                    events.push(CacheEvent::Recovered { name: key.label(), stage: key.stage.clone() });
                }
                if newl.version.is_none() {
                    // env/file: the cache numbers versions itself.
                    if value_changed {
                        e.local_version += 1;
                    }
                    newl.version = Some(e.local_version.to_string());
                }
                let version_changed = old.as_ref().is_none_or(|o| o.version != newl.version || o.stamp != newl.stamp);
                e.serve_until = Some(now + interval + self.opts.max_stale);
                e.failures = 0;
                e.next_refresh = now + interval;
                if old.is_some() {
                    e.st.refreshes += 1;
                    self.stats.refreshes.fetch_add(1, Ordering::Relaxed);
                }
                e.st.last_refresh_ms = Some(unix_ms());
                if old.is_none() {
                    self.failed_lock().remove(key);
                    e.st.loaded_ms = e.st.last_refresh_ms;
                    events.push(CacheEvent::Loaded { name: key.label(), stage: key.stage.clone(), version: newl.version.clone() });
                }
                let served = match &old {
                    Some(o) if !value_changed && !version_changed => o.clone(),
                    _ => {
                        let nl = Arc::new(newl);
                        if value_changed {
                            learned = Some(nl.clone());
                        }
                        if let (Some(o), true) = (&old, value_changed) {
                            e.st.rotations += 1;
                            e.st.last_rotation_ms = e.st.last_refresh_ms;
                            self.stats.rotations.fetch_add(1, Ordering::Relaxed);
                            events.push(CacheEvent::Rotate {
                                name: key.label(),
                                stage: key.stage.clone(),
                                previous_version: o.version.clone(),
                                version: nl.version.clone(),
                            });
                            retired = Some(o.clone());
                        }
                        e.loaded = Some(nl.clone());
                        nl
                    }
                };
                Ok(served)
            }
            Err(err) => {
                e.failures = e.failures.saturating_add(1);
                e.st.errors += 1;
                let at = unix_ms();
                e.st.last_error_ms = Some(at);
                e.st.last_error_code = Some(err.code);
                self.stats.errors.fetch_add(1, Ordering::Relaxed);
                let has_value = e.loaded.is_some() && e.serve_until.is_some_and(|u| now <= u);
                if has_value {
                    let wait = backoff(&self.opts, e.failures);
                    e.next_refresh = now + wait;
                    events.push(CacheEvent::Error {
                        name: key.label(),
                        stage: key.stage.clone(),
                        code: err.code,
                        message: err.message.clone(),
                        failures: e.failures,
                        retry_in_ms: wait.as_secs_f64() * 1000.0,
                        at,
                    });
                } else if e.loaded.is_none() {
                    // Never loaded (or expired past max_stale): do not keep retrying in the background.
                    events.push(CacheEvent::LoadFailed { name: key.label(), stage: key.stage.clone(), code: err.code });
                    map.remove(key);
                    self.remember_failure(key, &err);
                } else {
                    e.loaded = None;
                }
                Err(err)
            }
        };
        drop(map);
        // Masker calls happen outside the map lock.
        if let Some(n) = learned {
            n.learn();
        }
        if let Some(o) = retired {
            o.retire();
        }
        (out, events)
    }

    fn finish_events(&self, events: Vec<CacheEvent>) {
        for ev in events {
            self.emit(ev);
        }
    }

    /// Evict least-recently-read entries beyond max_size (never one in flight).
    fn evict_if_needed(&self) {
        let max = self.opts.max_size.max(1);
        let mut evicted = Vec::new();
        let mut map = self.lock();
        while map.len() > max {
            let victim = map
                .iter()
                .filter(|(_, e)| e.inflight.is_none())
                .min_by_key(|(_, e)| e.last_read_tick)
                .map(|(k, _)| k.clone());
            match victim {
                Some(k) => {
                    map.remove(&k);
                    self.stats.evictions.fetch_add(1, Ordering::Relaxed);
                    evicted.push(CacheEvent::Invalidate { name: k.label(), stage: k.stage });
                }
                None => break,
            }
        }
        drop(map);
        self.finish_events(evicted);
    }

    /// Reads served from the JS-side read memo: count them and update LRU recency.
    pub fn record_reads(&self, reads: &[(Key, u64)]) {
        let mut map = self.lock();
        let now_ms = unix_ms();
        let mut total = 0;
        for (k, n) in reads {
            if let Some(e) = map.get_mut(k) {
                e.last_read_tick = self.tick.fetch_add(1, Ordering::Relaxed);
                e.st.reads += n;
                e.st.hits += n;
                e.st.last_read_ms = Some(now_ms);
                e.series.add(minute_of(now_ms), *n);
                total += n;
            }
        }
        drop(map);
        self.stats.hits.fetch_add(total, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let map = self.lock();
        let entries = map.values().filter(|e| e.loaded.is_some()).count() as u64;
        let inflight = map.values().filter(|e| e.inflight.is_some()).count() as u64;
        drop(map);
        let s = &self.stats;
        StatsSnapshot {
            entries,
            hits: s.hits.load(Ordering::Relaxed),
            misses: s.misses.load(Ordering::Relaxed),
            upstream_calls: s.upstream_calls.load(Ordering::Relaxed),
            refreshes: s.refreshes.load(Ordering::Relaxed),
            errors: s.errors.load(Ordering::Relaxed),
            stale_served: s.stale_served.load(Ordering::Relaxed),
            rotations: s.rotations.load(Ordering::Relaxed),
            evictions: s.evictions.load(Ordering::Relaxed),
            inflight,
        }
    }

    /// Reads per minute of every entry over the `len` minutes ending at `now_ms`.
    pub fn series(&self, now_ms: f64, len: usize) -> Vec<(String, Option<String>, Vec<u32>)> {
        let now_min = minute_of(now_ms);
        let map = self.lock();
        let mut v: Vec<_> = map.iter().map(|(k, e)| (k.label(), k.stage.clone(), e.series.window(now_min, len))).collect();
        drop(map);
        v.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        v
    }

    pub fn usage(&self) -> Vec<EntryUsage> {
        let map = self.lock();
        let mut v: Vec<EntryUsage> = map
            .iter()
            .map(|(k, e)| EntryUsage {
                name: k.label(),
                stage: k.stage.clone(),
                version: e.loaded.as_ref().and_then(|l| l.version.clone()),
                version_created_ms: e.loaded.as_ref().and_then(|l| l.created_ms),
                loaded: e.loaded.is_some(),
                failing: e.failures > 0,
                stats: e.st.clone(),
            })
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name).then(a.stage.cmp(&b.stage)));
        v
    }

    /// The sweeper's start: only if the entry is still loaded, idle and due
    /// when locked again (a read may have refreshed it since `due()`).
    fn start_if_due(self: &Arc<Self>, key: &Key, now: Instant) {
        let map = self.lock();
        if map.get(key).is_some_and(|e| e.loaded.is_some() && e.inflight.is_none() && e.next_refresh <= now) {
            let _ = self.start_locked(map, key, false);
        }
    }

    /// Entries due for a background refresh, and when the next one is due.
    fn due(&self, now: Instant) -> (Vec<Key>, Option<Instant>) {
        let map = self.lock();
        let mut due = Vec::new();
        let mut next: Option<Instant> = None;
        for (k, e) in map.iter() {
            if k.kind == Kind::Env || e.loaded.is_none() || e.inflight.is_some() {
                continue;
            }
            if e.next_refresh <= now {
                due.push(k.clone());
            } else {
                next = Some(next.map_or(e.next_refresh, |n| n.min(e.next_refresh)));
            }
        }
        (due, next)
    }
}

enum FetchResult {
    Fetched(Fetched),
    Unchanged,
}

async fn wait(mut rx: watch::Receiver<Option<Outcome>>) -> Outcome {
    match rx.wait_for(|v| v.is_some()).await {
        Ok(v) => v.clone().expect("checked is_some"),
        Err(_) => Err(SgError::new("INTERNAL", "the upstream operation was abandoned")),
    }
}

/// One background task per cache: refreshes due entries. Holds only a Weak
/// reference, so dropping the cache ends it; `close()` wakes it to exit.
async fn sweeper(weak: Weak<Inner>, wake: Arc<Notify>) {
    loop {
        let next = {
            let Some(inner) = weak.upgrade() else { return };
            if inner.is_closed() {
                return;
            }
            let now = Instant::now();
            let (due, next) = inner.due(now);
            for k in due {
                inner.start_if_due(&k, now);
            }
            next
        };
        let cap = Instant::now() + Duration::from_secs(60);
        let until = next.map_or(cap, |n| n.min(cap));
        tokio::select! {
            _ = tokio::time::sleep_until(until.into()) => {}
            _ = wake.notified() => {}
        }
    }
}

#[cfg(test)]
mod tests;
