'use strict'
// SecretCache: a Rust-held secret cache (env, file, AWS Secrets Manager, Vault
// KV v2) with background refresh, single-flight, stale-if-error and rotation
// events. JS holds no copy of a value unless it reads one. See README.md, "Secret cache".

const { EventEmitter } = require('events')
const util = require('util')
const { NativeSecretCache } = require('./native')
const { SecretGuardError, typeError, fromNative } = require('./errors')
const { Monitor } = require('./monitor')

const NATIVE = Symbol('secret-guard.native')
const PENDING = Symbol('secret-guard.pending')
const MONITOR = Symbol('secret-guard.monitor')

// Read memo: a value JS has already read is kept in JS (keyed by name + stage) so a
// repeated getSync/get is a Map lookup instead of a native call. The native side stays
// the source of truth: rotation, eviction and failure events drop memo entries, reads
// served here are reported back (hits, LRU recency) before any native call that could
// evict, and env: names and Buffers are never memoized.
class ReadMemo {
  constructor () {
    this.values = new Map() // memo key -> { v, n, label }
    this.byLabel = new Map() // label key -> Set(memo key)
    this.failing = new Set() // label keys whose refresh is failing (reads go native: staleServed)
    this.reads = new Map() // label key -> { name, stage, n } not yet reported
  }

  static memoKey (name, stage) { return stage === undefined ? name : stage + '\0' + name }
  static labelKey (label, stage) { return stage === undefined || stage === 'AWSCURRENT' ? label : label + '\0' + stage }

  set (name, stage, v) {
    if (typeof v !== 'string' || name.startsWith('env:')) return
    const i = name.indexOf('#')
    const label = i < 0 ? name : name.slice(0, i)
    const lk = ReadMemo.labelKey(label, stage)
    if (this.failing.has(lk)) return
    const mk = ReadMemo.memoKey(name, stage)
    this.values.set(mk, { v, n: 0, lk, label, stage: stage === 'AWSCURRENT' ? undefined : stage })
    let set = this.byLabel.get(lk)
    if (!set) this.byLabel.set(lk, (set = new Set()))
    set.add(mk)
  }

  drop (label, stage) {
    const lk = ReadMemo.labelKey(label, stage)
    const set = this.byLabel.get(lk)
    if (!set) return
    for (const mk of set) {
      const e = this.values.get(mk)
      if (e) { this._pend(e); this.values.delete(mk) }
    }
    this.byLabel.delete(lk)
  }

  _pend (e) {
    if (e.n === 0) return
    const r = this.reads.get(e.lk)
    if (r) r.n += e.n
    else this.reads.set(e.lk, { name: e.label, stage: e.stage, n: e.n })
    e.n = 0
  }

  /** Report memo reads to the native side (hits, per-secret reads, LRU recency). */
  flush (native) {
    for (const e of this.values.values()) this._pend(e)
    if (this.reads.size === 0) return
    const names = []; const stages = []; const counts = []
    for (const r of this.reads.values()) {
      names.push(r.name); stages.push(r.stage); counts.push(Math.min(r.n, 0xffffffff))
    }
    this.reads.clear()
    native.recordReads(names, stages, counts)
  }

  clear () {
    this.values.clear(); this.byLabel.clear(); this.reads.clear()
  }
}

const TOP_KEYS = new Set([
  'refreshInterval', 'maxStale', 'maxSize', 'jitter', 'backoffBase', 'backoffMax',
  'requestTimeout', 'connectTimeout', 'aws', 'vault', 'files', 'memo',
  'audit', 'monitor', // usage monitoring (issue 7): lib/monitor.js
])

function isObj (v) { return v !== null && typeof v === 'object' && !Array.isArray(v) }

// Durations are bounded so that their sums stay far inside what the native
// clock can add (1e300 ms used to panic there).
const MAX_MS = 100 * 365 * 24 * 3600 * 1000 // 100 years
function checkMs (opts, key, { min = 0, positive = false } = {}) {
  const v = opts[key]
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (positive && v <= 0) || v > MAX_MS) {
    throw typeError('INVALID_OPTION', `SecretCache: options.${key} must be a ${positive ? 'positive' : 'non-negative'} number of milliseconds, at most 100 years`)
  }
  return v
}

function checkStr (obj, key, where) {
  const v = obj[key]
  if (v === undefined) return undefined
  if (typeof v !== 'string' || v.length === 0) {
    throw typeError('INVALID_OPTION', `SecretCache: options.${where}.${key} must be a non-empty string`)
  }
  return v
}

function checkSub (opts, key, allowed) {
  const v = opts[key]
  if (v === undefined) return {}
  if (!isObj(v)) throw typeError('INVALID_OPTION', `SecretCache: options.${key} must be an object`)
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) throw typeError('INVALID_OPTION', `SecretCache: unknown option ${key}.${k} (allowed: ${allowed.join(', ')})`)
  }
  return v
}

/** Validate user options and flatten them for the native constructor. */
function nativeOptions (opts) {
  if (opts === undefined) opts = {}
  if (!isObj(opts)) throw typeError('INVALID_OPTION', 'SecretCache: options must be an object')
  for (const k of Object.keys(opts)) {
    if (!TOP_KEYS.has(k)) throw typeError('INVALID_OPTION', `SecretCache: unknown option ${k}`)
  }
  const out = {
    refreshInterval: checkMs(opts, 'refreshInterval', { positive: true }),
    maxStale: checkMs(opts, 'maxStale'),
    backoffBase: checkMs(opts, 'backoffBase', { positive: true }),
    backoffMax: checkMs(opts, 'backoffMax', { positive: true }),
    requestTimeout: checkMs(opts, 'requestTimeout', { positive: true }),
    connectTimeout: checkMs(opts, 'connectTimeout', { positive: true }),
  }
  if (opts.maxSize !== undefined) {
    if (!Number.isInteger(opts.maxSize) || opts.maxSize < 1 || opts.maxSize > 0xffffffff) {
      throw typeError('INVALID_OPTION', 'SecretCache: options.maxSize must be a positive integer')
    }
    out.maxSize = opts.maxSize
  }
  if (opts.jitter !== undefined) {
    if (typeof opts.jitter !== 'number' || !(opts.jitter >= 0 && opts.jitter <= 1)) {
      throw typeError('INVALID_OPTION', 'SecretCache: options.jitter must be a number between 0 and 1 (0.1 = ±10 %)')
    }
    out.jitter = opts.jitter
  }
  if (opts.memo !== undefined && typeof opts.memo !== 'boolean') {
    throw typeError('INVALID_OPTION', 'SecretCache: options.memo must be a boolean')
  }
  const aws = checkSub(opts, 'aws', ['region', 'endpoint'])
  out.awsRegion = checkStr(aws, 'region', 'aws')
  out.awsEndpoint = checkStr(aws, 'endpoint', 'aws')
  if (out.awsEndpoint !== undefined && !/^https?:\/\//.test(out.awsEndpoint)) {
    throw typeError('INVALID_OPTION', 'SecretCache: options.aws.endpoint must be an http(s) URL')
  }
  const vault = checkSub(opts, 'vault', ['address', 'token', 'tokenFile', 'namespace', 'mount'])
  out.vaultAddress = checkStr(vault, 'address', 'vault')
  out.vaultToken = checkStr(vault, 'token', 'vault')
  out.vaultTokenFile = checkStr(vault, 'tokenFile', 'vault')
  out.vaultNamespace = checkStr(vault, 'namespace', 'vault')
  out.vaultMount = checkStr(vault, 'mount', 'vault')
  const files = checkSub(opts, 'files', ['dir'])
  out.filesDir = checkStr(files, 'dir', 'files')
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k]
  delete out.memo
  return out
}

function checkName (name) {
  if (typeof name !== 'string') throw typeError('INVALID_NAME', 'SecretCache: the secret name must be a string like "aws:prod/db#password"')
}

function stageOf (options) {
  if (options === undefined) return undefined
  if (!isObj(options)) throw typeError('INVALID_OPTION', 'SecretCache: get options must be an object')
  // a misspelt versionstage must not silently serve AWSCURRENT
  for (const k of Object.keys(options)) {
    if (k !== 'versionStage') throw typeError('UNKNOWN_OPTION', `SecretCache: unknown option '${k}' (allowed: versionStage)`)
  }
  const s = options.versionStage
  if (s !== undefined && typeof s !== 'string') throw typeError('INVALID_OPTION', 'SecretCache: versionStage must be a string')
  return s
}

function nativeSync (fn) {
  try {
    return fn()
  } catch (err) {
    throw toError(err)
  }
}

function toError (err) {
  const e = fromNative(err)
  if (e && e.code && !(e instanceof SecretGuardError) && !(e instanceof TypeError)) {
    return new SecretGuardError(e.code, e.message)
  }
  return e
}

class SecretCache extends EventEmitter {
  // The JS read memo holds served values: a private field, so no inspection
  // (showHidden, customInspect: false) can reach it.
  #memo = null

  /**
   * @param {object} [options] see README.md, "Secret cache"
   */
  constructor (options) {
    super()
    const opts = nativeOptions(options)
    // The native side holds the callback through a weak threadsafe function;
    // the callback holds the cache only weakly, so an unclosed, unreferenced
    // cache can still be garbage-collected.
    const ref = new WeakRef(this)
    const onEvent = (ev) => {
      const self = ref.deref()
      if (self) self._event(ev)
    }
    let nc
    try {
      nc = nativeSync(() => new NativeSecretCache(opts, onEvent))
    } catch (err) {
      // explicit vault options the provider refuses (bad address scheme, mount): an option error
      if (err && err.code === 'PROVIDER_NOT_CONFIGURED' && opts.vaultAddress !== undefined) {
        throw typeError('INVALID_OPTION', `SecretCache: options.vault: ${err.message}`)
      }
      throw err
    }
    Object.defineProperty(this, NATIVE, { value: nc })
    // Calls made while one is pending share its promise (the native side is
    // single-flight too; this also covers calls that would arrive after a very
    // fast upstream call already finished).
    Object.defineProperty(this, PENDING, { value: new Map() })
    this.#memo = options && options.memo === false ? null : new ReadMemo()
    // Usage monitoring (issue 7): client/route recording, audit trail, anomaly rules.
    let monitor
    try {
      monitor = new Monitor(this, this[NATIVE], options && options.monitor, options && options.audit)
    } catch (err) {
      this[NATIVE].close()
      if (err instanceof SecretGuardError || err instanceof TypeError) throw err
      throw new SecretGuardError('AUDIT_OPEN_FAILED', `SecretCache: cannot open the audit file${err && err.code ? ` (${err.code})` : ''}`)
    }
    Object.defineProperty(this, MONITOR, { value: monitor })
  }

  _shared (op, name, stage, start) {
    const k = `${op}\0${stage || ''}\0${name}`
    const pending = this[PENDING]
    let p = pending.get(k)
    if (p) return p
    p = start().then(
      (v) => { pending.delete(k); return v },
      (err) => { pending.delete(k); throw toError(err) })
    pending.set(k, p)
    return p
  }

  _event (ev) {
    const mon = this[MONITOR]
    if (mon) mon.onCacheEvent(ev)
    const memo = this.#memo
    if (memo) {
      if (ev.kind === 'error') {
        memo.failing.add(ReadMemo.labelKey(ev.name, ev.versionStage))
        memo.drop(ev.name, ev.versionStage)
      } else if (ev.kind === 'rotate' || ev.kind === 'invalidate' || ev.kind === 'recovered') {
        if (ev.kind !== 'invalidate') memo.failing.delete(ReadMemo.labelKey(ev.name, ev.versionStage))
        memo.drop(ev.name, ev.versionStage)
      } else if (ev.kind === 'loaded') {
        // loaded again after a failed load removed the entry: memoizable again
        memo.failing.delete(ReadMemo.labelKey(ev.name, ev.versionStage))
      }
    }
    if (ev.kind === 'rotate') {
      this.emit('rotate', { name: ev.name, versionStage: ev.versionStage, previousVersion: ev.previousVersion, version: ev.version })
    } else if (ev.kind === 'error') {
      // A failed background refresh is not fatal (the last good value is still
      // served), so it is only emitted when someone listens.
      if (this.listenerCount('error') > 0) {
        this.emit('error', {
          name: ev.name, versionStage: ev.versionStage, code: ev.code, message: ev.message, failures: ev.failures, retryInMs: ev.retryInMs, at: ev.at,
        })
      }
    }
  }

  /**
   * The secret's value (string, or Buffer for binary secrets). Served from the
   * cache when present (never waiting on the network); otherwise loaded once for
   * all concurrent callers.
   * @param {string} name `provider:name[#field]`
   * @param {{ versionStage?: string }} [options]
   */
  get (name, options) {
    const memo = this.#memo
    if (memo !== null && options === undefined) {
      const e = memo.values.get(name)
      if (e !== undefined) { e.n++; return e.p || (e.p = Promise.resolve(e.v)) }
    }
    let v
    let stage
    try {
      v = this._native(name, options)
      stage = options && options.versionStage
    } catch (err) {
      return Promise.reject(toError(err))
    }
    if (v !== null && v !== undefined) return Promise.resolve(v)
    return this._shared('load', name, stage, () => this[NATIVE].load(name, stage))
  }

  _native (name, options) {
    checkName(name)
    const stage = stageOf(options)
    const memo = this.#memo
    if (memo !== null) {
      const e = memo.values.get(ReadMemo.memoKey(name, stage))
      if (e !== undefined) { e.n++; return e.v }
      memo.flush(this[NATIVE]) // a miss may insert and evict: report recency first
    }
    const v = this[NATIVE].getSync(name, stage)
    if (memo !== null && v !== null) memo.set(name, stage, v)
    return v
  }

  /** The cached value, or undefined when not cached. Never does I/O (env: reads process.env). */
  getSync (name, options) {
    const memo = this.#memo
    if (memo !== null && options === undefined) {
      const e = memo.values.get(name)
      if (e !== undefined) { e.n++; return e.v }
    }
    const v = nativeSync(() => this._native(name, options))
    return v === null ? undefined : v
  }

  /**
   * Load several secrets (e.g. at start-up). Rejects with code READY_FAILED and
   * `errors: [{ name, code, message }]` listing every failure.
   * @param {string[]} names
   */
  async ready (names) {
    if (!Array.isArray(names)) throw typeError('INVALID_OPTION', 'SecretCache.ready: expected an array of secret names')
    const results = await Promise.allSettled(names.map((n) => this.get(n)))
    const errors = []
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        // An invalid or URL-like name may be a value (a connection string with its password): not echoed.
        const code = r.reason && r.reason.code
        const hide = code === 'INVALID_NAME' || String(names[i]).includes('://')
        errors.push({ name: hide ? `(name #${i + 1} not shown)` : String(names[i]), code, message: r.reason && r.reason.message })
      }
    })
    if (errors.length) {
      const list = errors.map((e) => `${e.name} (${e.code})`).join(', ')
      throw new SecretGuardError('READY_FAILED', `${errors.length} of ${names.length} secrets failed to load: ${list}`, { errors })
    }
  }

  /**
   * The provider a secret name uses ('env', 'file', 'aws' or 'vault'), without
   * any I/O; a malformed name throws INVALID_NAME. The Express factories call
   * it so that a mistyped name fails at start-up, not as a 503 per request.
   */
  validateName (name) {
    checkName(name)
    try {
      return this[NATIVE].validate(name, undefined)
    } catch (err) {
      throw toError(err)
    }
  }

  /**
   * Refresh now (joins a refresh already in flight). Resolves true when the value
   * changed (a 'rotate' event is emitted too).
   */
  refresh (name, options) {
    try {
      checkName(name)
      const stage = stageOf(options)
      const kind = this[NATIVE].validate(name, stage)
      if (kind === 'env') return Promise.resolve(this[NATIVE].refreshSync(name))
      if (this.#memo) this.#memo.flush(this[NATIVE])
      return this._shared('refresh', name, stage, () => this[NATIVE].refresh(name, stage).then((changed) => {
        if (changed && this.#memo) this.#memo.drop(name.split('#')[0], stage)
        return changed
      }))
    } catch (err) {
      return Promise.reject(toError(err))
    }
  }

  /** Counters: { entries, hits, misses, upstreamCalls, refreshes, errors, staleServed, rotations, evictions, inflight }. */
  stats () {
    if (this.#memo) this.#memo.flush(this[NATIVE])
    return { ...this[NATIVE].stats() }
  }

  /** Per-secret counters and times (no values). */
  usage () {
    if (this.#memo) this.#memo.flush(this[NATIVE])
    return this[NATIVE].usage().map((u) => ({ ...u }))
  }

  // ---- usage monitoring (issue 7); see README.md, "Monitoring"

  /** Record one inbound API key check: { client, route, outcome, fingerprint, source, requestId, reason }. */
  recordClientUse (u) { this[MONITOR].recordClientUse(u) }

  /** Record a secret read on behalf of a request: { name, route, client, requestId }. */
  recordSecretUse (u) { this[MONITOR].recordSecretUse(u) }

  /** Record a rotation webhook delivery: { outcome: 'accepted' | 'rejected', name, version, reason, source, requestId }. */
  recordWebhook (u) { this[MONITOR].recordWebhook(u) }

  /** A client key was rotated away: { client, fingerprint, graceUntil } (use after graceUntil is an anomaly). */
  retireClientKey (u) { this[MONITOR].retireClientKey(u) }

  /** Run the rate anomaly rules now (the monitor's timer does this every tickInterval). */
  monitorTick () { this[MONITOR].tick() }

  /**
   * Full usage snapshot: { at, stats, secrets, clients, secretRoutes, webhooks, anomalies,
   * anomalyCounts, droppedLabels, audit, series } (no values). `minutes`: series length (default 60).
   */
  usageReport (options) {
    if (options === undefined) options = {}
    if (!isObj(options)) throw typeError('INVALID_OPTION', 'SecretCache.usageReport: options must be an object { minutes }')
    for (const k of Object.keys(options)) {
      if (k !== 'minutes') throw typeError('UNKNOWN_OPTION', `SecretCache.usageReport: unknown option '${k}' (allowed: minutes)`)
    }
    const minutes = options.minutes === undefined ? 60 : options.minutes
    const mon = this[MONITOR]
    const secrets = this.usage()
    const series = mon.series(minutes)
    const enabled = mon.enabled
    return {
      at: enabled ? mon.now() : Date.now(),
      monitoring: enabled,
      stats: this.stats(),
      secrets,
      clients: mon.clients(),
      secretRoutes: mon.secretRoutes(),
      webhooks: enabled ? { ...mon.webhooks } : { accepted: 0, rejected: 0 },
      anomalies: enabled ? mon.anomalies.map((a) => ({ ...a })) : [],
      anomalyCounts: enabled ? { ...mon.anomalyCounts } : {},
      droppedLabels: enabled ? mon.folded + mon.reg.droppedLabels : 0,
      audit: { events: mon.auditEvents, errors: mon.auditErrors },
      series,
    }
  }

  /** Stop background refreshes and drop every value. Idempotent. */
  close () {
    this[MONITOR].close()
    if (this.#memo) { this.#memo.flush(this[NATIVE]); this.#memo.clear(); this.#memo.failing.clear() }
    this[NATIVE].close()
  }

  get closed () {
    return this[NATIVE].closed
  }

  toJSON () {
    return { type: 'SecretCache', closed: this.closed, stats: this.stats() }
  }

  [util.inspect.custom] () {
    const s = this.stats()
    return `SecretCache { entries: ${s.entries}, hits: ${s.hits}, misses: ${s.misses}, closed: ${this.closed} }`
  }
}

module.exports = { SecretCache }
