//! Usage monitoring core: per-minute ring buffers (last 24 h), bounded label
//! maps (a cap on distinct labels; anything beyond it is counted under `other`),
//! and the registry of inbound client keys (accepted / rejected per client and
//! per route) plus the routes each secret was read from.
//!
//! The per-secret read/hit/miss/refresh counters live with the cache entries
//! (`crate::cache::EntryStats`, updated under the entry map lock the read path
//! already holds, no allocation per read); each entry also owns a [`Series`].
//! Client and route usage is recorded from JS in batches (`lib/monitor.js`
//! counts per request in a small map and flushes here), so a request costs no
//! native call. No value is ever stored here: only names, labels and counts.

pub mod napi;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Minutes kept by a [`Series`]: 24 hours.
pub const SERIES_MINUTES: usize = 1440;

/// Label used once a map holds its maximum number of distinct labels.
pub const OTHER: &str = "other";

/// Per-minute counts for the last 24 hours. Allocated on first use
/// (1440 × u32 = 5.6 KiB); slots between the last written minute and a newer
/// one are cleared as time advances.
#[derive(Debug, Clone, Default)]
pub struct Series {
    buckets: Vec<u32>,
    /// Minute index (Unix ms / 60000) of the newest slot written.
    head: i64,
}

impl Series {
    pub fn add(&mut self, minute: i64, n: u64) {
        if n == 0 {
            return;
        }
        if self.buckets.is_empty() {
            self.buckets = vec![0; SERIES_MINUTES];
            self.head = minute;
        }
        if minute > self.head {
            let gap = (minute - self.head).min(SERIES_MINUTES as i64);
            for i in 1..=gap {
                let m = self.head + i;
                self.buckets[m.rem_euclid(SERIES_MINUTES as i64) as usize] = 0;
            }
            self.head = minute;
        } else if self.head - minute >= SERIES_MINUTES as i64 {
            return; // older than the window
        }
        let slot = &mut self.buckets[minute.rem_euclid(SERIES_MINUTES as i64) as usize];
        *slot = slot.saturating_add(n.min(u32::MAX as u64) as u32);
    }

    /// Counts of the `len` minutes ending at `now_minute` (oldest first).
    pub fn window(&self, now_minute: i64, len: usize) -> Vec<u32> {
        let len = len.min(SERIES_MINUTES);
        let mut out = vec![0u32; len];
        if self.buckets.is_empty() {
            return out;
        }
        for (i, o) in out.iter_mut().enumerate() {
            let m = now_minute - (len - 1 - i) as i64;
            if m > self.head || self.head - m >= SERIES_MINUTES as i64 {
                continue;
            }
            *o = self.buckets[m.rem_euclid(SERIES_MINUTES as i64) as usize];
        }
        out
    }

    pub fn total(&self, now_minute: i64) -> u64 {
        self.window(now_minute, SERIES_MINUTES).iter().map(|&x| x as u64).sum()
    }
}

pub fn minute_of(ms: f64) -> i64 {
    (ms / 60_000.0).floor() as i64
}

/// A map with at most `cap` distinct labels; further labels share the `other` entry
/// (which never counts against the cap).
#[derive(Debug, Clone)]
pub struct Bounded<V> {
    cap: usize,
    map: HashMap<String, V>,
    other: Option<V>,
}

impl<V: Default> Bounded<V> {
    pub fn new(cap: usize) -> Self {
        Bounded { cap: cap.max(1), map: HashMap::new(), other: None }
    }

    /// The entry for `label`, or the `other` entry when the cap is reached. Returns
    /// whether the label was folded into `other`.
    pub fn entry(&mut self, label: &str) -> (&mut V, bool) {
        if label == OTHER {
            return (self.other.get_or_insert_with(V::default), false);
        }
        if self.map.contains_key(label) {
            return (self.map.get_mut(label).expect("present"), false);
        }
        if self.map.len() >= self.cap {
            return (self.other.get_or_insert_with(V::default), true);
        }
        (self.map.entry(label.to_string()).or_default(), false)
    }

    pub fn get(&self, label: &str) -> Option<&V> {
        if label == OTHER {
            return self.other.as_ref();
        }
        self.map.get(label)
    }

    pub fn contains(&self, label: &str) -> bool {
        self.get(label).is_some()
    }

    /// Every label with its value, sorted by label, `other` last.
    pub fn iter_sorted(&self) -> Vec<(&str, &V)> {
        let mut v: Vec<(&str, &V)> = self.map.iter().map(|(k, v)| (k.as_str(), v)).collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        if let Some(o) = &self.other {
            v.push((OTHER, o));
        }
        v
    }

    pub fn len(&self) -> usize {
        self.map.len() + usize::from(self.other.is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Outcome of one inbound request's API key check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    /// Accepted with a previous key during its grace period.
    Previous,
    Rejected,
}

impl Outcome {
    pub fn parse(s: &str) -> Option<Outcome> {
        match s {
            "accepted" => Some(Outcome::Accepted),
            "previous" => Some(Outcome::Previous),
            "rejected" => Some(Outcome::Rejected),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct RouteCounts {
    pub accepted: u64,
    pub previous: u64,
    pub rejected: u64,
}

#[derive(Debug, Clone, Default)]
pub struct ClientStats {
    pub counts: RouteCounts,
    pub last_used_ms: Option<f64>,
    pub last_rejected_ms: Option<f64>,
    pub routes: Option<Bounded<RouteCounts>>,
    pub series: Series,
}

/// Routes a secret was read from (via `recordSecretUse`).
#[derive(Debug, Clone, Default)]
pub struct SecretRoutes {
    pub routes: Option<Bounded<u64>>,
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Distinct client labels (beyond: `other`).
    pub max_clients: usize,
    /// Distinct route labels per client and per secret (beyond: `other`).
    pub max_routes: usize,
    /// Distinct secrets with route tracking (beyond: `other`).
    pub max_secrets: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_clients: 256, max_routes: 64, max_secrets: 1024 }
    }
}

/// One batched record of client use (JS aggregates per client+route+outcome).
#[derive(Debug, Clone)]
pub struct ClientRecord {
    pub client: String,
    pub route: String,
    pub outcome: Outcome,
    pub count: u64,
    pub at_ms: f64,
}

#[derive(Debug)]
struct State {
    clients: Bounded<ClientStats>,
    secret_routes: Bounded<SecretRoutes>,
    /// Labels folded into `other` because a cap was reached.
    dropped_labels: u64,
}

/// Registry of client-key and route usage. Thread-safe (one mutex; recording is batched).
#[derive(Debug)]
pub struct Registry {
    limits: Limits,
    state: Mutex<State>,
}

/// Snapshot of one client.
#[derive(Debug, Clone)]
pub struct ClientSnapshot {
    pub client: String,
    pub accepted: u64,
    pub previous: u64,
    pub rejected: u64,
    pub last_used_ms: Option<f64>,
    pub last_rejected_ms: Option<f64>,
    pub routes: Vec<(String, RouteCounts)>,
}

impl Registry {
    pub fn new(limits: Limits) -> Registry {
        Registry {
            limits,
            state: Mutex::new(State {
                clients: Bounded::new(limits.max_clients),
                secret_routes: Bounded::new(limits.max_secrets),
                dropped_labels: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn record_clients(&self, recs: &[ClientRecord]) {
        let max_routes = self.limits.max_routes;
        let mut st = self.lock();
        let mut dropped = 0;
        for r in recs {
            let (c, folded) = st.clients.entry(&r.client);
            dropped += u64::from(folded);
            let add = |rc: &mut RouteCounts| match r.outcome {
                Outcome::Accepted => rc.accepted += r.count,
                Outcome::Previous => rc.previous += r.count,
                Outcome::Rejected => rc.rejected += r.count,
            };
            add(&mut c.counts);
            let routes = c.routes.get_or_insert_with(|| Bounded::new(max_routes));
            let (rc, folded) = routes.entry(&r.route);
            dropped += u64::from(folded);
            add(rc);
            if r.outcome == Outcome::Rejected {
                c.last_rejected_ms = Some(c.last_rejected_ms.map_or(r.at_ms, |t| t.max(r.at_ms)));
            } else {
                c.last_used_ms = Some(c.last_used_ms.map_or(r.at_ms, |t| t.max(r.at_ms)));
            }
            c.series.add(minute_of(r.at_ms), r.count);
        }
        st.dropped_labels += dropped;
    }

    /// Record reads of `secret` from `route` (count each). Returns nothing; see `secret_routes`.
    pub fn record_secret_routes(&self, recs: &[(String, String, u64)]) {
        let max_routes = self.limits.max_routes;
        let mut st = self.lock();
        let mut dropped = 0;
        for (secret, route, n) in recs {
            let (s, folded) = st.secret_routes.entry(secret);
            dropped += u64::from(folded);
            let routes = s.routes.get_or_insert_with(|| Bounded::new(max_routes));
            let (c, folded) = routes.entry(route);
            dropped += u64::from(folded);
            *c += n;
        }
        st.dropped_labels += dropped;
    }

    pub fn clients(&self) -> Vec<ClientSnapshot> {
        let st = self.lock();
        st.clients
            .iter_sorted()
            .into_iter()
            .map(|(name, c)| ClientSnapshot {
                client: name.to_string(),
                accepted: c.counts.accepted,
                previous: c.counts.previous,
                rejected: c.counts.rejected,
                last_used_ms: c.last_used_ms,
                last_rejected_ms: c.last_rejected_ms,
                routes: c
                    .routes
                    .as_ref()
                    .map(|r| r.iter_sorted().into_iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// Per-minute requests of every client over the `len` minutes ending at `now_minute`.
    pub fn client_series(&self, now_minute: i64, len: usize) -> Vec<(String, Vec<u32>)> {
        let st = self.lock();
        st.clients.iter_sorted().into_iter().map(|(k, c)| (k.to_string(), c.series.window(now_minute, len))).collect()
    }

    pub fn secret_routes(&self) -> Vec<(String, Vec<(String, u64)>)> {
        let st = self.lock();
        st.secret_routes
            .iter_sorted()
            .into_iter()
            .map(|(k, s)| {
                let routes = s.routes.as_ref().map(|r| r.iter_sorted().into_iter().map(|(rk, n)| (rk.to_string(), *n)).collect()).unwrap_or_default();
                (k.to_string(), routes)
            })
            .collect()
    }

    pub fn dropped_labels(&self) -> u64 {
        self.lock().dropped_labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_counts_per_minute_and_wraps_after_24h() {
        let mut s = Series::default();
        assert_eq!(s.window(100, 3), vec![0, 0, 0]);
        s.add(100, 2);
        s.add(100, 1);
        s.add(102, 5);
        assert_eq!(s.window(102, 4), vec![0, 3, 0, 5]);
        assert_eq!(s.total(102), 8);
        // A write far in the future clears everything older than 24 h.
        s.add(102 + 1440, 7);
        assert_eq!(s.total(102 + 1440), 7);
        assert_eq!(s.window(102 + 1440, 2), vec![0, 7]);
        // Too old to keep: ignored.
        s.add(50, 9);
        assert_eq!(s.total(102 + 1440), 7);
        // Partial advance clears only the skipped slots.
        let mut s = Series::default();
        s.add(0, 1);
        s.add(1439, 1);
        s.add(1440, 1); // slot of minute 0 reused
        assert_eq!(s.total(1440), 2);
        assert_eq!(s.window(1440, 5000).len(), 1440, "window capped at 24 h");
    }

    #[test]
    fn series_saturates() {
        let mut s = Series::default();
        s.add(1, u64::MAX);
        s.add(1, 5);
        assert_eq!(s.window(1, 1), vec![u32::MAX]);
    }

    #[test]
    fn bounded_labels_fold_into_other() {
        let mut b: Bounded<u64> = Bounded::new(2);
        *b.entry("a").0 += 1;
        *b.entry("b").0 += 1;
        let (v, folded) = b.entry("c");
        *v += 1;
        assert!(folded);
        *b.entry("d").0 += 1;
        *b.entry("a").0 += 1;
        let v: Vec<(String, u64)> = b.iter_sorted().into_iter().map(|(k, v)| (k.to_string(), *v)).collect();
        assert_eq!(v, vec![("a".into(), 2), ("b".into(), 1), ("other".into(), 2)]);
        assert_eq!(b.len(), 3);
    }

    #[test]
    fn registry_counts_clients_routes_and_caps() {
        let r = Registry::new(Limits { max_clients: 2, max_routes: 1, max_secrets: 1 });
        let rec = |c: &str, route: &str, o: Outcome, n: u64, at: f64| ClientRecord { client: c.into(), route: route.into(), outcome: o, count: n, at_ms: at };
        r.record_clients(&[
            rec("alpha", "/a", Outcome::Accepted, 3, 60_000.0),
            rec("alpha", "/b", Outcome::Rejected, 1, 120_000.0),
            rec("beta", "/a", Outcome::Previous, 2, 120_000.0),
            rec("gamma", "/a", Outcome::Accepted, 4, 120_000.0),
        ]);
        let c = r.clients();
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].client, "alpha");
        assert_eq!((c[0].accepted, c[0].rejected), (3, 1));
        assert_eq!(c[0].last_used_ms, Some(60_000.0));
        assert_eq!(c[0].last_rejected_ms, Some(120_000.0));
        assert_eq!(c[0].routes.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), vec!["/a", "other"]);
        assert_eq!(c[1].previous, 2);
        assert_eq!(c[2].client, "other");
        assert_eq!(c[2].accepted, 4);
        assert_eq!(r.dropped_labels(), 2);
        let s = r.client_series(2, 2);
        assert_eq!(s[0], ("alpha".to_string(), vec![3, 1]));
        r.record_secret_routes(&[("env:A".into(), "/x".into(), 2), ("env:B".into(), "/y".into(), 1)]);
        let sr = r.secret_routes();
        assert_eq!(sr, vec![("env:A".to_string(), vec![("/x".to_string(), 2)]), ("other".to_string(), vec![("/y".to_string(), 1)])]);
    }

    #[test]
    fn outcome_parse() {
        assert_eq!(Outcome::parse("accepted"), Some(Outcome::Accepted));
        assert_eq!(Outcome::parse("rejected"), Some(Outcome::Rejected));
        assert_eq!(Outcome::parse("previous"), Some(Outcome::Previous));
        assert_eq!(Outcome::parse("x"), None);
    }
}
