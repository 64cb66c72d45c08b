'use strict'
// Prometheus text exposition format (version 0.0.4) of a SecretCache's usage
// (issue 7). Names, versions, clients and routes become label values, escaped
// per the format: backslash, double quote and line feed. No value ever appears.

const { typeError, looksLikeMiddlewareCall, forgottenCall } = require('./errors')

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

function escLabel (v) {
  return String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}
function escHelp (v) {
  return String(v).replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}
function fmt (n) {
  if (n === Infinity) return '+Inf'
  if (n === -Infinity) return '-Inf'
  if (Number.isNaN(n)) return 'NaN'
  return String(n)
}

class Writer {
  constructor () { this.out = [] }
  family (name, type, help, samples) {
    // Counters are exposed as <name>_total, the same name on the HELP/TYPE lines.
    if (type === 'counter') name += '_total'
    this.out.push(`# HELP ${name} ${escHelp(help)}`, `# TYPE ${name} ${type}`)
    const suffix = ''
    for (const [labels, value] of samples) {
      const keys = Object.keys(labels)
      const l = keys.length === 0 ? '' : '{' + keys.map((k) => `${k}="${escLabel(labels[k])}"`).join(',') + '}'
      this.out.push(`${name}${suffix}${l} ${fmt(value)}`)
    }
  }

  text () { return this.out.join('\n') + '\n' }
}

function checkCache (cache, fn) {
  if (!cache || typeof cache.usageReport !== 'function') {
    throw typeError('CACHE_REQUIRED', `secretGuard.${fn}(cache): a SecretCache is required`)
  }
}

const sec = (ms) => (typeof ms === 'number' ? ms / 1000 : undefined)

/** The cache's usage as Prometheus text exposition format. */
function metrics (cache) {
  checkCache(cache, 'metrics')
  const r = cache.usageReport({ minutes: 1 })
  const w = new Writer()
  const P = 'secret_guard_'
  const sl = (u) => ({ name: u.name, stage: u.versionStage || '' })
  const per = (key) => r.secrets.map((u) => [sl(u), u[key] || 0])
  const perTime = (key) => r.secrets.filter((u) => typeof u[key] === 'number').map((u) => [sl(u), sec(u[key])])

  w.family(P + 'secret_reads', 'counter', 'Reads of a secret from the cache (getSync/get).', per('reads'))
  w.family(P + 'secret_hits', 'counter', 'Reads answered from memory.', per('hits'))
  w.family(P + 'secret_misses', 'counter', 'Reads that had to load the secret.', per('misses'))
  w.family(P + 'secret_refreshes', 'counter', 'Successful refreshes (version checks included).', per('refreshes'))
  w.family(P + 'secret_refresh_failures', 'counter', 'Failed loads and refreshes.', per('errors'))
  w.family(P + 'secret_stale_served', 'counter', 'Reads answered with the last good value while refreshes fail.', per('staleServed'))
  w.family(P + 'secret_rotations', 'counter', 'Value changes seen by refreshes.', per('rotations'))
  w.family(P + 'secret_loaded', 'gauge', '1 when the secret has a value in the cache.', r.secrets.map((u) => [sl(u), u.loaded ? 1 : 0]))
  w.family(P + 'secret_failing', 'gauge', '1 while refreshes of the secret fail.', r.secrets.map((u) => [sl(u), u.failing ? 1 : 0]))
  w.family(P + 'secret_info', 'gauge', 'Current version id of the secret (never its value).',
    r.secrets.filter((u) => u.version != null).map((u) => [{ ...sl(u), version: u.version }, 1]))
  w.family(P + 'secret_last_read_timestamp_seconds', 'gauge', 'Unix time of the last read.', perTime('lastReadAt'))
  w.family(P + 'secret_last_refresh_timestamp_seconds', 'gauge', 'Unix time of the last successful load or refresh.', perTime('lastRefreshAt'))
  w.family(P + 'secret_last_rotation_timestamp_seconds', 'gauge', 'Unix time of the last rotation.', perTime('lastRotationAt'))

  const rows = []
  for (const c of r.clients) {
    for (const rt of c.routes) {
      for (const outcome of ['accepted', 'previous', 'rejected']) {
        if (rt[outcome] > 0) rows.push([{ client: c.client, route: rt.route, outcome }, rt[outcome]])
      }
    }
  }
  w.family(P + 'client_requests', 'counter', 'API key checks per client, route and outcome (previous = a key in its rotation grace period).', rows)
  w.family(P + 'client_last_used_timestamp_seconds', 'gauge', 'Unix time of the last accepted request of the client.',
    r.clients.filter((c) => typeof c.lastUsedAt === 'number').map((c) => [{ client: c.client }, sec(c.lastUsedAt)]))
  const sr = []
  for (const s of r.secretRoutes) for (const rt of s.routes) sr.push([{ name: s.name, route: rt.route }, rt.reads])
  w.family(P + 'secret_route_reads', 'counter', 'Secret reads recorded per route (recordSecretUse).', sr)
  w.family(P + 'webhook_requests', 'counter', 'Rotation webhook deliveries by outcome.',
    [[{ outcome: 'accepted' }, r.webhooks.accepted], [{ outcome: 'rejected' }, r.webhooks.rejected]])
  w.family(P + 'anomalies', 'counter', 'Anomaly alerts raised, by rule (after rate limiting).',
    Object.keys(r.anomalyCounts).sort().map((k) => [{ rule: k }, r.anomalyCounts[k]]))
  w.family(P + 'labels_dropped', 'counter', "Recordings folded into the 'other' label because a label cap was reached.", [[{}, r.droppedLabels]])
  w.family(P + 'audit_events', 'counter', 'Audit trail events written.', [[{}, r.audit.events]])
  w.family(P + 'audit_errors', 'counter', 'Audit trail writes that failed.', [[{}, r.audit.errors]])
  w.family(P + 'cache_entries', 'gauge', 'Secrets with a value in the cache.', [[{}, r.stats.entries]])
  w.family(P + 'cache_upstream_calls', 'counter', 'Provider requests (AWS, Vault, file and env reads).', [[{}, r.stats.upstreamCalls]])
  w.family(P + 'cache_evictions', 'counter', 'Entries evicted by the LRU bound.', [[{}, r.stats.evictions]])
  return w.text()
}

/** Express (or plain node http) handler serving metrics(cache). Put your own auth in front of it. */
function metricsHandler (cache) {
  if (looksLikeMiddlewareCall(arguments)) return forgottenCall('metricsHandler', arguments, 'metricsHandler(cache)')
  checkCache(cache, 'metricsHandler')
  return function secretGuardMetrics (req, res, next) {
    let body
    try { body = metrics(cache) } catch (err) {
      if (typeof next === 'function') return next(err)
      res.statusCode = 500
      return res.end('metrics unavailable\n')
    }
    res.statusCode = 200
    res.setHeader('Content-Type', CONTENT_TYPE)
    res.setHeader('Cache-Control', 'no-store')
    res.end(body)
  }
}

module.exports = { metrics, metricsHandler, escLabel, METRICS_CONTENT_TYPE: CONTENT_TYPE }
