'use strict'
// Usage monitoring (issue 7): per-client / per-route recording, the audit trail,
// and the anomaly detector. Counters and the per-minute ring buffers live in Rust
// (src/usage, src/cache); this file batches recordings (one Map update per
// request, flushed to Rust on each tick or when the batch grows) and runs the
// anomaly rules with an injectable clock. See README.md, "Monitoring".

const fs = require('fs')
const path = require('path')
const { NativeUsageRegistry } = require('./native')
const { typeError } = require('./errors')

let maskFn
let redactFn
// A non-string field (an object passed where a string belongs): the default
// masker's redact() copy (values under secret-looking keys censored, known
// values masked) as JSON text.
function scrubValue (v) {
  if (redactFn === undefined) {
    try { redactFn = require('./mask').redact } catch { redactFn = null }
  }
  let t
  try { t = JSON.stringify(redactFn === null ? v : redactFn(v)) } catch {}
  return t === undefined ? '[Unserializable]' : scrub(t)
}
function scrub (s) {
  // Defence in depth: any string field that reaches the audit trail goes through
  // the default masker, which knows every value the cache has served.
  if (maskFn === undefined) {
    try { maskFn = require('./mask').mask } catch { maskFn = null }
  }
  if (maskFn === null || typeof s !== 'string') return s
  try { return maskFn(s) } catch { return '[UNMASKABLE]' }
}

const MAX_LABEL = 128
function label (v, dflt) {
  if (typeof v !== 'string' || v.length === 0) return dflt
  // masked before it is cut: a cut could split a secret the masker then no longer recognises
  return v.length > MAX_LABEL ? scrub(v).slice(0, MAX_LABEL) : v
}

function isObj (v) { return v !== null && typeof v === 'object' && !Array.isArray(v) }

function num (o, key, where, { min = 0, integer = false, dflt }) {
  const v = o[key]
  if (v === undefined) return dflt
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    throw typeError('INVALID_OPTION', `SecretCache: options.${where}.${key} must be a${integer ? 'n integer' : ' number'} ≥ ${min}`)
  }
  return v
}

function checkKeys (o, where, allowed) {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw typeError('INVALID_OPTION', `SecretCache: unknown option ${where}.${k} (allowed: ${allowed.join(', ')})`)
  }
}

// ------------------------------------------------------------------ audit

/**
 * Append-only JSON-lines file, rotated by size (file → file.1 → … file.N).
 * Each line is written with one synchronous write() (so it is in the OS page
 * cache before the call returns: a process crash loses nothing) and, with
 * `fsync: true` (default), fsync()ed (a machine crash loses at most the line
 * being written).
 */
class AuditFile {
  constructor ({ file, maxBytes = 10 * 1024 * 1024, maxFiles = 5, fsync = true }) {
    this.file = path.resolve(file)
    this.maxBytes = maxBytes
    this.maxFiles = maxFiles
    this.fsync = fsync
    this.fd = null
    this.size = 0
    this.open()
  }

  open () {
    this.fd = fs.openSync(this.file, 'a', 0o600)
    // an existing file keeps its mode on open: the trail is private all the same
    try { fs.fchmodSync(this.fd, 0o600) } catch {}
    this.size = fs.fstatSync(this.fd).size
  }

  rotate () {
    fs.closeSync(this.fd)
    this.fd = null
    try {
      if (this.maxFiles < 1) {
        fs.truncateSync(this.file, 0)
      } else {
        for (let i = this.maxFiles - 1; i >= 1; i--) {
          const from = `${this.file}.${i}`
          if (fs.existsSync(from)) fs.renameSync(from, `${this.file}.${i + 1}`)
        }
        fs.renameSync(this.file, `${this.file}.1`)
      }
    } finally {
      // a failed rotation (a rename refused) keeps appending to the current
      // file, and the next write tries again
      this.open()
    }
  }

  write (line) {
    const buf = Buffer.from(line, 'utf8')
    if (this.fd === null) this.open()
    if (this.size > 0 && this.size + buf.length > this.maxBytes) this.rotate()
    let off = 0
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off)
    this.size += buf.length
    if (this.fsync) fs.fsyncSync(this.fd)
  }

  close () {
    if (this.fd !== null) { try { fs.closeSync(this.fd) } catch {} this.fd = null }
  }
}

// An unclosed cache that is garbage-collected closes its audit file descriptor.
const AUDIT_FILES = new FinalizationRegistry((file) => file.close())

function auditOptions (audit) {
  if (audit === undefined || audit === null || audit === false) return null
  if (typeof audit === 'function') return { fn: audit }
  if (!isObj(audit)) throw typeError('INVALID_OPTION', 'SecretCache: options.audit must be { file, maxBytes, maxFiles, fsync } or a function (event) => void')
  checkKeys(audit, 'audit', ['file', 'maxBytes', 'maxFiles', 'fsync'])
  if (typeof audit.file !== 'string' || audit.file.length === 0) throw typeError('INVALID_OPTION', 'SecretCache: options.audit.file must be a file path')
  if (audit.fsync !== undefined && typeof audit.fsync !== 'boolean') throw typeError('INVALID_OPTION', 'SecretCache: options.audit.fsync must be a boolean')
  return {
    file: audit.file,
    maxBytes: num(audit, 'maxBytes', 'audit', { min: 256, integer: true, dflt: 10 * 1024 * 1024 }),
    maxFiles: num(audit, 'maxFiles', 'audit', { min: 0, integer: true, dflt: 5 }),
    fsync: audit.fsync === undefined ? true : audit.fsync,
  }
}

// ---------------------------------------------------------------- options

const MONITOR_KEYS = ['clock', 'tickInterval', 'k', 'minRate', 'alpha', 'warmupTicks', 'learningPeriod',
  'rejectBurst', 'alertInterval', 'maxClients', 'maxRoutes', 'maxSecrets', 'maxSources', 'rules']
const RULES = ['secret_rate', 'client_rate', 'rejected_burst', 'retired_key', 'new_route']

function monitorOptions (m) {
  if (m === undefined || m === true) m = {}
  if (m === false) return { disabled: true }
  if (!isObj(m)) throw typeError('INVALID_OPTION', 'SecretCache: options.monitor must be an object or false')
  checkKeys(m, 'monitor', MONITOR_KEYS)
  if (m.clock !== undefined && typeof m.clock !== 'function') throw typeError('INVALID_OPTION', 'SecretCache: options.monitor.clock must be a function returning Unix ms')
  const rb = m.rejectBurst === undefined ? {} : m.rejectBurst
  if (!isObj(rb)) throw typeError('INVALID_OPTION', 'SecretCache: options.monitor.rejectBurst must be { threshold, windowMs }')
  checkKeys(rb, 'monitor.rejectBurst', ['threshold', 'windowMs'])
  let rules = RULES
  if (m.rules !== undefined) {
    if (!Array.isArray(m.rules) || m.rules.some((r) => !RULES.includes(r))) {
      throw typeError('INVALID_OPTION', `SecretCache: options.monitor.rules must be an array of: ${RULES.join(', ')}`)
    }
    rules = m.rules
  }
  const alpha = num(m, 'alpha', 'monitor', { min: 0, dflt: 0.3 })
  if (alpha <= 0 || alpha > 1) throw typeError('INVALID_OPTION', 'SecretCache: options.monitor.alpha must be in (0, 1]')
  return {
    disabled: false,
    clock: m.clock || Date.now,
    injectedClock: m.clock !== undefined,
    tickInterval: num(m, 'tickInterval', 'monitor', { min: 0, dflt: 60_000 }),
    k: num(m, 'k', 'monitor', { min: 1, dflt: 3 }),
    minRate: num(m, 'minRate', 'monitor', { min: 0, dflt: 60 }),
    alpha,
    warmupTicks: num(m, 'warmupTicks', 'monitor', { min: 0, integer: true, dflt: 5 }),
    learningPeriod: num(m, 'learningPeriod', 'monitor', { min: 0, dflt: 3_600_000 }),
    burstThreshold: num(rb, 'threshold', 'monitor.rejectBurst', { min: 1, integer: true, dflt: 20 }),
    burstWindow: num(rb, 'windowMs', 'monitor.rejectBurst', { min: 1, dflt: 60_000 }),
    alertInterval: num(m, 'alertInterval', 'monitor', { min: 0, dflt: 600_000 }),
    maxClients: num(m, 'maxClients', 'monitor', { min: 1, integer: true, dflt: 256 }),
    maxRoutes: num(m, 'maxRoutes', 'monitor', { min: 1, integer: true, dflt: 64 }),
    maxSecrets: num(m, 'maxSecrets', 'monitor', { min: 1, integer: true, dflt: 1024 }),
    maxSources: num(m, 'maxSources', 'monitor', { min: 1, integer: true, dflt: 10_000 }),
    rules: new Set(rules),
  }
}

// ---------------------------------------------------------------- monitor

const MAX_ANOMALIES_KEPT = 100

/** Bounded Map: deletes the oldest entry when full. */
function boundedSet (map, key, value, cap) {
  if (!map.has(key) && map.size >= cap) map.delete(map.keys().next().value)
  map.set(key, value)
}

class Monitor {
  /**
   * @param {import('events').EventEmitter} cache the SecretCache (events: 'anomaly', 'auditError')
   * @param {object} native NativeSecretCache (usage(), series())
   */
  constructor (cache, native, monitor, audit) {
    this.cache = cache
    this.native = native
    this.o = monitorOptions(monitor)
    const a = auditOptions(audit)
    this.auditFn = a && a.fn ? a.fn : null
    this.auditFile = a && a.file ? new AuditFile(a) : null
    if (this.auditFile !== null) AUDIT_FILES.register(this, this.auditFile, this)
    this.auditEvents = 0
    this.auditErrors = 0
    if (this.o.disabled) return
    this.reg = new NativeUsageRegistry({ maxClients: this.o.maxClients, maxRoutes: this.o.maxRoutes, maxSecrets: this.o.maxSecrets })
    this.now = this.o.clock
    this.startedAt = this.now()
    // Recording state, bounded like the Rust registry (maxClients / maxSecrets
    // entries, maxRoutes routes each; beyond: 'other'). Counts since the last
    // flush sit in the route entries; an entry's existence means its route was seen.
    this.cl = new Map() // client -> Map(route -> { a, p, r, at, rat })
    this.sec = new Map() // secret -> Map(route -> { n })
    this.dirty = false
    this.folded = 0 // recordings folded into 'other' (label caps)
    // Coarse clock for "last used" (1 s resolution): Date.now() on every request
    // would cost more than the counting itself. An injected clock is called directly.
    this.coarse = this.now()
    this.coarseTimer = null
    // Timers hold the monitor only weakly: an unclosed, unreferenced cache can
    // still be garbage-collected (its timers then stop themselves).
    const ref = new WeakRef(this)
    if (!this.o.injectedClock) {
      const t = setInterval(() => { const m = ref.deref(); if (m) m.coarse = Date.now(); else clearInterval(t) }, 1000)
      if (t.unref) t.unref()
      this.coarseTimer = t
    }
    this.rateState = new Map() // subject key -> { last, ewma, samples }
    this.lastTickAt = this.startedAt
    this.rejections = new Map() // source -> [timestamps]
    this.retired = new Map() // fingerprint -> { client, graceUntil }
    this.alerted = new Map() // rule\0subject -> { at, suppressed }
    this.anomalies = [] // last MAX_ANOMALIES_KEPT events (for the status page)
    this.anomalyCounts = Object.create(null)
    this.webhooks = { accepted: 0, rejected: 0 }
    this.timer = null
    if (this.o.tickInterval > 0) {
      const t = setInterval(() => {
        const m = ref.deref()
        if (!m) return clearInterval(t)
        try { m.tick() } catch {}
      }, this.o.tickInterval)
      if (t.unref) t.unref()
      this.timer = t
    }
  }

  get enabled () { return !this.o.disabled }

  // ---------------------------------------------------------- audit

  audit (event, fields) {
    if (this.auditFn === null && this.auditFile === null) return
    const ev = { time: new Date(this.o.disabled ? Date.now() : this.now()).toISOString(), event }
    for (const k of Object.keys(fields)) {
      const v = fields[k]
      if (v === undefined || v === null) continue
      // strings are masked; numbers/booleans kept; anything else (an object, an array, a boxed
      // String passed where a string belongs) is reduced to its redacted JSON text, never written raw
      if (typeof v === 'string') ev[k] = scrub(v)
      else if (typeof v === 'number' || typeof v === 'boolean') ev[k] = v
      else ev[k] = scrubValue(v)
    }
    try {
      if (this.auditFile !== null) this.auditFile.write(JSON.stringify(ev) + '\n')
      if (this.auditFn !== null) this.auditFn(ev)
      this.auditEvents++ // written (or handed to the function)
    } catch (err) {
      this.auditErrors++
      if (this.cache.listenerCount('auditError') > 0) {
        this.cache.emit('auditError', { code: err && err.code, message: 'audit write failed' + (err && err.code ? ` (${err.code})` : '') })
      }
    }
  }

  /** Native cache events (loaded, rotate, error, load_failed) → audit trail. */
  onCacheEvent (ev) {
    if (this.auditFn === null && this.auditFile === null) return
    const base = { secret: ev.name, versionStage: ev.versionStage }
    if (ev.kind === 'loaded') this.audit('secret_loaded', { ...base, version: ev.version, outcome: 'ok' })
    else if (ev.kind === 'rotate') this.audit('secret_rotated', { ...base, previousVersion: ev.previousVersion, version: ev.version, outcome: 'ok' })
    else if (ev.kind === 'error') this.audit('secret_refresh_failed', { ...base, code: ev.code, failures: ev.failures, outcome: 'error' })
    else if (ev.kind === 'load_failed') this.audit('secret_load_failed', { ...base, code: ev.code, outcome: 'error' })
  }

  // ---------------------------------------------------------- anomalies

  anomaly (rule, subject, fields) {
    const key = rule + '\0' + JSON.stringify(subject)
    const now = this.now()
    const prev = this.alerted.get(key)
    if (prev !== undefined && now - prev.at < this.o.alertInterval) { prev.suppressed++; return }
    boundedSet(this.alerted, key, { at: now, suppressed: 0 }, this.o.maxSources)
    const ev = { rule, ...subject, ...fields, at: now, suppressed: prev ? prev.suppressed : 0 }
    // a route path may hold a secret (a bot token in a webhook URL)
    for (const k of Object.keys(ev)) if (typeof ev[k] === 'string') ev[k] = scrub(ev[k])
    this.anomalyCounts[rule] = (this.anomalyCounts[rule] || 0) + 1
    this.anomalies.push(ev)
    if (this.anomalies.length > MAX_ANOMALIES_KEPT) this.anomalies.shift()
    this.audit('anomaly', { ...ev, at: undefined, outcome: 'alert' })
    this.cache.emit('anomaly', ev)
  }

  /** A route seen for the first time for a subject (its entry was just created). */
  newRoute (kind, name, route, known, u) {
    if (u === null || !this.o.rules.has('new_route') || name === 'other' || route === 'other') return
    if (this.now() - this.startedAt >= this.o.learningPeriod) {
      this.anomaly('new_route', { [kind]: name }, {
        observed: route, expected: `one of ${known} route(s) seen before`, route, requestId: u.requestId, ...(kind === 'secret' ? { client: u.client } : {}),
      })
    }
  }

  /** The (bounded) route entry of `name` in `map`, created on first use. */
  routeEntry (map, kind, name, route, cap, make, extra) {
    let routes = map.get(name)
    if (routes === undefined) {
      if (map.size >= cap && name !== 'other') { this.folded++; return this.routeEntry(map, kind, 'other', route, cap, make, extra) }
      map.set(name, (routes = new Map()))
    }
    let e = routes.get(route)
    if (e === undefined) {
      if (routes.size >= this.o.maxRoutes && route !== 'other') {
        this.folded++
        e = routes.get('other')
        if (e !== undefined) return e
        route = 'other'
      }
      routes.set(route, (e = make()))
      // an entry made by a rejected request (extra === null) counts, but does
      // not teach the route: its first accepted use is still new
      e.taught = extra !== null
      if (e.taught) this.newRoute(kind, name, route, routes.size - 1, extra)
    } else if (e.taught === false && extra !== null) {
      e.taught = true
      this.newRoute(kind, name, route, routes.size - 1, extra)
    }
    return e
  }

  nowCoarse () { return this.o.injectedClock ? this.now() : this.coarse }

  // ---------------------------------------------------------- recording API

  /**
   * One inbound request's API key check (requireApiKey calls this).
   * outcome: 'accepted' | 'previous' (accepted with a key in its rotation grace) |
   * 'rejected' | 'retired' (a rotated-away key used after its grace: counted as rejected).
   */
  recordClientUse (u) {
    if (this.o.disabled) return this.auditOnly(u)
    if (u === null || typeof u !== 'object') throw typeError('INVALID_OPTION', 'recordClientUse({ client, route, outcome, fingerprint, source, requestId })')
    const outcome = u.outcome === undefined ? 'accepted' : u.outcome
    if (outcome === 'accepted' || outcome === 'previous') {
      // Hot path: two Map lookups and a counter.
      const c = u.client
      const client = typeof c === 'string' && c.length > 0 && c.length <= MAX_LABEL ? c : label(c, 'default')
      const r = u.route
      const route = typeof r === 'string' && r.length > 0 && r.length <= MAX_LABEL ? r : label(r, 'unknown')
      const e = this.routeEntry(this.cl, 'client', client, route, this.o.maxClients, newClientEntry, u)
      if (outcome === 'accepted') e.a++
      else {
        e.p++
        this.audit('api_key_previous_used', { client, fingerprint: u.fingerprint, route, source: u.source, requestId: u.requestId, outcome })
      }
      e.at = this.nowCoarse()
      this.dirty = true
      return
    }
    if (outcome !== 'rejected' && outcome !== 'retired') {
      throw typeError('INVALID_OPTION', "recordClientUse: outcome must be 'accepted', 'previous', 'rejected' or 'retired'")
    }
    const now = this.now()
    const client = label(u.client, 'unknown')
    const route = label(u.route, 'unknown')
    let retired = outcome === 'retired' ? { client, graceUntil: undefined } : undefined
    if (retired === undefined && typeof u.fingerprint === 'string') {
      const r = this.retired.get(u.fingerprint)
      if (r !== undefined && now > r.graceUntil) retired = r
    }
    // Rejected requests never teach or alert on routes (extra = null).
    const e = this.routeEntry(this.cl, 'client', client, route, this.o.maxClients, newClientEntry, null)
    e.r++
    e.rat = now
    this.dirty = true
    if (retired !== undefined) {
      const c = retired.client || client
      this.audit('api_key_retired_used', { client: c, fingerprint: u.fingerprint, route, source: u.source, requestId: u.requestId, outcome: 'rejected' })
      if (this.o.rules.has('retired_key')) {
        this.anomaly('retired_key', { client: c }, {
          observed: retired.graceUntil === undefined ? 'retired key used' : `used ${Math.round(now - retired.graceUntil)} ms after its grace period`,
          expected: 'no use after the grace period', fingerprint: u.fingerprint, route, source: u.source, requestId: u.requestId,
        })
      }
    } else {
      this.audit('api_key_rejected', { client: u.client === undefined ? undefined : client, fingerprint: u.fingerprint, route, source: u.source, requestId: u.requestId, reason: u.reason, outcome: 'rejected' })
    }
    this.burst(label(u.source, 'unknown'), now, 'api_key', u.requestId)
  }

  /** monitor: false — no counters or rules, but rejected keys still reach the audit trail. */
  auditOnly (u) {
    if (!isObj(u) || (this.auditFn === null && this.auditFile === null)) return
    if (u.outcome === 'rejected' || u.outcome === 'retired') {
      this.audit(u.outcome === 'retired' ? 'api_key_retired_used' : 'api_key_rejected', {
        client: label(u.client, undefined), fingerprint: u.fingerprint, route: label(u.route, 'unknown'), source: u.source, requestId: u.requestId, reason: u.reason, outcome: 'rejected',
      })
    }
  }

  burst (source, now, kind, requestId) {
    if (!this.o.rules.has('rejected_burst')) return
    let list = this.rejections.get(source)
    if (list === undefined) { list = []; boundedSet(this.rejections, source, list, this.o.maxSources) }
    const from = now - this.o.burstWindow
    while (list.length > 0 && list[0] <= from) list.shift()
    list.push(now)
    if (list.length > this.o.burstThreshold) list.shift() // bounded: the window only needs `threshold` entries
    if (list.length >= this.o.burstThreshold) {
      this.anomaly('rejected_burst', { source }, {
        observed: list.length, expected: `< ${this.o.burstThreshold} per ${this.o.burstWindow} ms`, kind, requestId,
      })
    }
  }

  /** A client key was rotated away: its use after `graceUntil` (Unix ms) raises 'retired_key'. */
  retireClientKey (u) {
    if (this.o.disabled) return
    if (!isObj(u) || typeof u.fingerprint !== 'string' || typeof u.graceUntil !== 'number') {
      throw typeError('INVALID_OPTION', 'retireClientKey({ client, fingerprint, graceUntil })')
    }
    boundedSet(this.retired, u.fingerprint, { client: label(u.client, 'unknown'), graceUntil: u.graceUntil }, this.o.maxSources)
  }

  /** A secret read on behalf of a request (express() middleware calls this). */
  recordSecretUse (u) {
    if (this.o.disabled) return
    if (u === null || typeof u !== 'object' || typeof u.name !== 'string') throw typeError('INVALID_OPTION', 'recordSecretUse({ name, route, client, requestId })')
    const i = u.name.indexOf('#')
    const name = label(i < 0 ? u.name : u.name.slice(0, i), 'unknown')
    const r = u.route
    const route = typeof r === 'string' && r.length > 0 && r.length <= MAX_LABEL ? r : label(r, 'unknown')
    const e = this.routeEntry(this.sec, 'secret', name, route, this.o.maxSecrets, newSecretEntry, u)
    e.n++
    this.dirty = true
  }

  /** A rotation webhook delivery (rotationWebhook calls this). outcome: 'accepted' | 'rejected'. */
  recordWebhook (u) {
    if (!isObj(u) || (u.outcome !== 'accepted' && u.outcome !== 'rejected')) {
      throw typeError('INVALID_OPTION', "recordWebhook({ outcome: 'accepted' | 'rejected', name, version, reason, source, requestId })")
    }
    if (!this.o.disabled) this.webhooks[u.outcome]++
    this.audit(u.outcome === 'accepted' ? 'webhook_accepted' : 'webhook_rejected', {
      secret: u.name, version: u.version, reason: u.reason, source: u.source, requestId: u.requestId, route: u.route, outcome: u.outcome,
    })
    if (u.outcome === 'rejected' && !this.o.disabled) this.burst(label(u.source, 'unknown'), this.now(), 'webhook', u.requestId)
  }

  /**
   * Push batched recordings into the Rust registry. Route labels go through
   * the masker here (not per request): a route path may hold a secret (a bot
   * token in a webhook URL), and what the registry holds reaches metrics, the
   * status page and usageReport().
   */
  flush () {
    if (this.o.disabled || !this.dirty) return
    this.dirty = false
    const c = []; const r = []; const o = []; const n = []; const at = []
    for (const [client, routes] of this.cl) {
      for (const [raw, e] of routes) {
        if (e.a === 0 && e.p === 0 && e.r === 0) continue
        const route = scrub(raw)
        if (e.a > 0) { c.push(client); r.push(route); o.push('accepted'); n.push(Math.min(e.a, 0xffffffff)); at.push(e.at); e.a = 0 }
        if (e.p > 0) { c.push(client); r.push(route); o.push('previous'); n.push(Math.min(e.p, 0xffffffff)); at.push(e.at); e.p = 0 }
        if (e.r > 0) { c.push(client); r.push(route); o.push('rejected'); n.push(Math.min(e.r, 0xffffffff)); at.push(e.rat); e.r = 0 }
      }
    }
    if (c.length > 0) this.reg.recordClients(c, r, o, n, at)
    const s = []; const sr = []; const sn = []
    for (const [name, routes] of this.sec) {
      for (const [route, e] of routes) {
        if (e.n > 0) { s.push(name); sr.push(scrub(route)); sn.push(Math.min(e.n, 0xffffffff)); e.n = 0 }
      }
    }
    if (s.length > 0) this.reg.recordSecretRoutes(s, sr, sn)
  }

  /**
   * Run the rate rules: for every secret and client, the rate since the last tick
   * (per minute) against k × its EWMA baseline. Called by the tick timer
   * (monitor.tickInterval) or by you (tests with a fake clock).
   */
  tick () {
    if (this.o.disabled) return
    this.flush()
    const now = this.now()
    const elapsedMin = (now - this.lastTickAt) / 60_000
    if (elapsedMin <= 0) return
    this.lastTickAt = now
    const subjects = []
    const usage = this.cache.usage() // also flushes the read memo's counts into the Rust series
    if (this.o.rules.has('secret_rate')) {
      for (const u of usage) subjects.push(['secret_rate', 'secret', u.versionStage ? `${u.name}@${u.versionStage}` : u.name, u.reads])
    }
    if (this.o.rules.has('client_rate')) {
      for (const c of this.reg.clients()) subjects.push(['client_rate', 'client', c.client, c.accepted + c.previous + c.rejected])
    }
    for (const [rule, kind, name, total] of subjects) {
      const key = kind + '\0' + name
      let s = this.rateState.get(key)
      if (s === undefined) {
        // First sight: everything so far happened since the monitor started.
        s = { last: 0, ewma: 0, samples: 0 }
        boundedSet(this.rateState, key, s, this.o.maxClients + this.o.maxSecrets)
      }
      const rate = Math.max(0, total - s.last) / elapsedMin
      s.last = total
      if (s.samples >= this.o.warmupTicks && rate >= this.o.minRate && rate > this.o.k * s.ewma) {
        this.anomaly(rule, { [kind]: name }, {
          observed: round(rate), expected: round(s.ewma), k: this.o.k, unit: 'per minute',
        })
      }
      s.ewma = s.samples === 0 ? rate : this.o.alpha * rate + (1 - this.o.alpha) * s.ewma
      s.samples++
    }
  }

  clients () {
    if (this.o.disabled) return []
    this.flush()
    return this.reg.clients().map((c) => ({ ...c, routes: c.routes.map((r) => ({ ...r })) }))
  }

  secretRoutes () {
    if (this.o.disabled) return []
    this.flush()
    return this.reg.secretRoutes().map((s) => ({ name: s.name, routes: s.routes.map((r) => ({ ...r })) }))
  }

  /** Per-minute series over the last `minutes` (≤ 1440): { from, minutes, secrets: [{ name, counts }], clients: [...] }. */
  series (minutes = 60) {
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) throw typeError('INVALID_OPTION', 'series(minutes): an integer from 1 to 1440')
    const now = this.o.disabled ? Date.now() : this.now()
    const secrets = this.native.series(now, minutes).map((s) => ({ name: s.versionStage ? `${s.name}@${s.versionStage}` : s.name, counts: Array.from(s.counts) }))
    let clients = []
    if (!this.o.disabled) {
      this.flush()
      clients = this.reg.clientSeries(now, minutes).map((s) => ({ name: s.label, counts: Array.from(s.counts) }))
    }
    const from = (Math.floor(now / 60_000) - minutes + 1) * 60_000
    return { from, minutes, secrets, clients }
  }

  close () {
    if (this.timer) { clearInterval(this.timer); this.timer = null }
    if (this.coarseTimer) { clearInterval(this.coarseTimer); this.coarseTimer = null }
    if (!this.o.disabled) { try { this.flush() } catch {} }
    if (this.auditFile) { this.auditFile.close(); AUDIT_FILES.unregister(this) }
  }
}

function newClientEntry () { return { a: 0, p: 0, r: 0, at: 0, rat: 0 } }
function newSecretEntry () { return { n: 0 } }

function round (x) { return Math.round(x * 100) / 100 }

module.exports = { Monitor, AuditFile, monitorOptions, auditOptions, scrub }
