//! JS exports of the usage registry: `NativeUsageRegistry` (wrapped by lib/monitor.js).
//! Recording is batched by JS (parallel arrays), so a request costs no native call.

use super::{ClientRecord, Limits, Outcome, Registry};
use crate::error::{Result, SgError};

#[napi(object)]
pub struct NativeUsageLimits {
    pub max_clients: Option<u32>,
    pub max_routes: Option<u32>,
    pub max_secrets: Option<u32>,
}

#[napi(object)]
pub struct NativeRouteUsage {
    pub route: String,
    pub accepted: f64,
    pub previous: f64,
    pub rejected: f64,
}

#[napi(object)]
pub struct NativeClientUsage {
    pub client: String,
    pub accepted: f64,
    pub previous: f64,
    pub rejected: f64,
    pub last_used_at: Option<f64>,
    pub last_rejected_at: Option<f64>,
    pub routes: Vec<NativeRouteUsage>,
}

#[napi(object)]
pub struct NativeLabelSeries {
    pub label: String,
    pub counts: Vec<u32>,
}

#[napi(object)]
pub struct NativeSecretRoute {
    pub route: String,
    pub reads: f64,
}

#[napi(object)]
pub struct NativeSecretRoutes {
    pub name: String,
    pub routes: Vec<NativeSecretRoute>,
}

#[napi]
pub struct NativeUsageRegistry {
    reg: Registry,
}

fn cap(v: Option<u32>, d: usize) -> usize {
    v.map(|n| (n as usize).max(1)).unwrap_or(d)
}

#[napi]
impl NativeUsageRegistry {
    #[napi(constructor, catch_unwind)]
    pub fn new(limits: Option<NativeUsageLimits>) -> Self {
        let d = Limits::default();
        let l = match limits {
            Some(l) => Limits {
                max_clients: cap(l.max_clients, d.max_clients),
                max_routes: cap(l.max_routes, d.max_routes),
                max_secrets: cap(l.max_secrets, d.max_secrets),
            },
            None => d,
        };
        NativeUsageRegistry { reg: Registry::new(l) }
    }

    /// Batched client use: parallel arrays (one row per client + route + outcome).
    #[napi(catch_unwind)]
    pub fn record_clients(&self, clients: Vec<String>, routes: Vec<String>, outcomes: Vec<String>, counts: Vec<u32>, at_ms: Vec<f64>) -> Result<()> {
        let n = clients.len();
        if routes.len() != n || outcomes.len() != n || counts.len() != n || at_ms.len() != n {
            return Err(SgError::new("INVALID_ARGUMENT", "recordClients: arrays of different lengths").into());
        }
        let mut recs = Vec::with_capacity(n);
        for i in 0..n {
            let outcome = Outcome::parse(&outcomes[i])
                .ok_or_else(|| SgError::new("INVALID_OPTION", "outcome must be 'accepted', 'previous' or 'rejected'"))?;
            recs.push(ClientRecord { client: clients[i].clone(), route: routes[i].clone(), outcome, count: counts[i] as u64, at_ms: at_ms[i] });
        }
        self.reg.record_clients(&recs);
        Ok(())
    }

    /// Batched secret reads per route: parallel arrays.
    #[napi(catch_unwind)]
    pub fn record_secret_routes(&self, names: Vec<String>, routes: Vec<String>, counts: Vec<u32>) -> Result<()> {
        if routes.len() != names.len() || counts.len() != names.len() {
            return Err(SgError::new("INVALID_ARGUMENT", "recordSecretRoutes: arrays of different lengths").into());
        }
        let recs: Vec<(String, String, u64)> = names.into_iter().zip(routes).zip(counts).map(|((a, b), c)| (a, b, c as u64)).collect();
        self.reg.record_secret_routes(&recs);
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn clients(&self) -> Vec<NativeClientUsage> {
        self.reg
            .clients()
            .into_iter()
            .map(|c| NativeClientUsage {
                client: c.client,
                accepted: c.accepted as f64,
                previous: c.previous as f64,
                rejected: c.rejected as f64,
                last_used_at: c.last_used_ms,
                last_rejected_at: c.last_rejected_ms,
                routes: c
                    .routes
                    .into_iter()
                    .map(|(route, r)| NativeRouteUsage { route, accepted: r.accepted as f64, previous: r.previous as f64, rejected: r.rejected as f64 })
                    .collect(),
            })
            .collect()
    }

    /// Requests per minute of every client over the `minutes` (≤ 1440) ending at `now_ms`.
    #[napi(catch_unwind)]
    pub fn client_series(&self, now_ms: f64, minutes: u32) -> Vec<NativeLabelSeries> {
        self.reg
            .client_series(super::minute_of(now_ms), minutes as usize)
            .into_iter()
            .map(|(label, counts)| NativeLabelSeries { label, counts })
            .collect()
    }

    #[napi(catch_unwind)]
    pub fn secret_routes(&self) -> Vec<NativeSecretRoutes> {
        self.reg
            .secret_routes()
            .into_iter()
            .map(|(name, routes)| NativeSecretRoutes { name, routes: routes.into_iter().map(|(route, n)| NativeSecretRoute { route, reads: n as f64 }).collect() })
            .collect()
    }

    /// How many recordings were folded into an `other` label because a cap was reached.
    #[napi(getter, catch_unwind)]
    pub fn dropped_labels(&self) -> f64 {
        self.reg.dropped_labels() as f64
    }
}
