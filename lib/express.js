'use strict'
// Express integration (issue 5): fresh `req.secrets`, inbound API-key
// validation with rotation grace, a signed rotation webhook and clear failures.
// Works with Express 4 and 5 (only the (req, res, next) contract is used).
//
// Everything here sits on a SecretCache (issue 3): the hot path reads cached
// values with `cache.getSync()` (no promise, no I/O) and only awaits
// `cache.get()` for a secret that was never loaded (single-flight in the cache).

const crypto = require('crypto')
const util = require('util')
const { SecretGuardError, typeError, looksLikeMiddlewareCall, forgottenCall, isPlainObject } = require('./errors')

const REDACTED = '[REDACTED]'
const JSON_TYPE = 'application/json; charset=utf-8'

// ------------------------------------------------------------------ errors

/**
 * A secret needed to serve the request could not be obtained (never loaded and
 * the provider fails, or its content is unusable). `status` 503, `expose` true:
 * the message is safe to send to clients (no value, no secret name, no internals).
 * `secret` is the alias (or option) that failed; `reason` the cache's error code.
 */
class SecretUnavailableError extends SecretGuardError {
  constructor (alias, cause, code = 'SECRET_UNAVAILABLE') {
    super(code, 'A required secret is temporarily unavailable')
    this.name = 'SecretUnavailableError'
    this.status = 503
    this.statusCode = 503
    this.expose = true
    this.secret = alias
    this.reason = (cause && typeof cause.code === 'string') ? cause.code : undefined
    // Kept for server-side diagnosis, but non-enumerable so it is not serialised by accident.
    if (cause) Object.defineProperty(this, 'cause', { value: cause, enumerable: false, configurable: true, writable: true })
  }
}

function sendJson (res, status, body, extraHeaders) {
  if (res.headersSent) return
  const text = JSON.stringify(body)
  res.statusCode = status
  res.setHeader('Content-Type', JSON_TYPE)
  res.setHeader('Content-Length', Buffer.byteLength(text))
  res.setHeader('Cache-Control', 'no-store')
  if (extraHeaders) for (const k of Object.keys(extraHeaders)) res.setHeader(k, extraHeaders[k])
  res.end(text)
}

function errorBody (err) {
  return { error: { code: err.code, message: err.message } }
}

/**
 * Error middleware: renders secret-guard's exposable errors (SecretUnavailableError
 * and friends) as `{ error: { code, message } }` with their status; passes anything
 * else on. Mount it after your routes when you use `onError: 'next'`.
 */
function errorHandler () {
  if (looksLikeMiddlewareCall(arguments)) return forgottenCall('errorHandler', arguments)
  if (arguments.length > 0) throw typeError('INVALID_OPTION', 'errorHandler() takes no options')
  return function secretGuardErrorHandler (err, req, res, next) {
    if (err instanceof SecretGuardError && err.expose === true && typeof err.status === 'number' && !res.headersSent) {
      return sendJson(res, err.status, errorBody(err))
    }
    next(err)
  }
}

// ------------------------------------------------------- option validation

// What every factory checks first, at construction: an options object, only
// known option names, and a SecretCache.
function checkFactoryOptions (fnName, opts, allowed) {
  checkOpts(fnName, opts)
  checkUnknown(fnName, opts, allowed)
  checkCache(fnName, opts.cache)
}

function checkOpts (fnName, opts) {
  if (opts === undefined || opts === null) {
    throw typeError('OPTIONS_REQUIRED', `secretGuard.${fnName}() needs an options object, e.g. ${fnName}({ cache, ... })`)
  }
  if (typeof opts !== 'object' || Array.isArray(opts)) {
    throw typeError('OPTIONS_REQUIRED', `secretGuard.${fnName}() options must be an object, got ${describe(opts)}`)
  }
}

function checkCache (fnName, cache) {
  if (cache === undefined || cache === null) {
    throw typeError('CACHE_REQUIRED', `secretGuard.${fnName}(): options.cache is required (a SecretCache instance)`)
  }
  if (typeof cache !== 'object' || typeof cache.getSync !== 'function' || typeof cache.get !== 'function') {
    throw typeError('CACHE_REQUIRED', `secretGuard.${fnName}(): options.cache must be a SecretCache (with get() and getSync()), got ${describe(cache)}`)
  }
}

const NAME_RE = /^[a-z][a-z0-9]*:[^\s]/
// The shape here, then the cache's own parser (provider, path, #field): a
// mistyped name fails when the middleware is built, not as a 503 on every
// request. The name itself is never echoed (it may be a URL with a password).
function checkSecretName (fnName, what, name, cache) {
  let bad = typeof name !== 'string' || !NAME_RE.test(name)
  if (!bad && typeof cache.validateName === 'function') {
    try { cache.validateName(name) } catch (err) { if (err && err.code === 'INVALID_NAME') bad = true; else throw err }
  }
  if (bad) {
    throw typeError('INVALID_SECRET_NAME',
      `secretGuard.${fnName}(): ${what} must be a secret name such as 'env:API_KEY', 'file:db-password' or 'aws:prod/app#field' (providers: env, file, aws, vault), got ${describe(name)}`)
  }
}

function checkInt (fnName, key, v, min, max) {
  if (v === undefined) return
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw typeError('INVALID_OPTION', `secretGuard.${fnName}(): options.${key} must be an integer from ${min} to ${max}, got ${describe(v)}`)
  }
}

function checkFn (fnName, key, v) {
  if (v !== undefined && typeof v !== 'function') {
    throw typeError('INVALID_OPTION', `secretGuard.${fnName}(): options.${key} must be a function, got ${describe(v)}`)
  }
}

function checkLogger (fnName, logger) {
  if (logger === undefined) return
  if (logger === null || typeof logger !== 'object' || typeof logger.warn !== 'function' || typeof logger.info !== 'function') {
    throw typeError('INVALID_OPTION', `secretGuard.${fnName}(): options.logger must have info() and warn() methods (console, pino, winston), got ${describe(logger)}`)
  }
}

function checkUnknown (fnName, opts, allowed) {
  for (const k of Object.keys(opts)) {
    if (!allowed.includes(k)) {
      throw typeError('UNKNOWN_OPTION', `secretGuard.${fnName}(): unknown option '${k}' (allowed: ${allowed.join(', ')})`)
    }
  }
}

// Describe a wrong option without ever printing its content (it may be a secret).
function describe (v) {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'string') return v.length === 0 ? 'an empty string' : 'a string'
  if (typeof v === 'object') return (v.constructor && v.constructor.name) ? `an object (${v.constructor.name})` : 'an object'
  return typeof v
}

// getSync without surprises: the cache throws for some misses (e.g. an unset
// env: variable is read synchronously and reported as SECRET_NOT_FOUND); treat
// every throw as "not cached" — the awaited get() then reports the error.
function peek (cache, name) {
  try { return cache.getSync(name) } catch { return undefined }
}

// One 'rotate' listener per cache for all requireApiKey() guards (one guard
// per route is common: a listener each would trip Node's MaxListeners warning).
const rotateHandlers = new WeakMap()
function onCacheRotate (cache, fn) {
  if (typeof cache.on !== 'function') return
  let set = rotateHandlers.get(cache)
  if (set === undefined) {
    const handlers = set = new Set()
    const dispatch = (ev) => { for (const h of handlers) h(ev) }
    rotateHandlers.set(cache, set)
    set.dispatch = dispatch
    cache.on('rotate', dispatch)
  }
  set.add(fn)
}
function offCacheRotate (cache, fn) {
  const set = rotateHandlers.get(cache)
  if (set === undefined || !set.delete(fn) || set.size > 0) return
  rotateHandlers.delete(cache)
  if (typeof cache.off === 'function') cache.off('rotate', set.dispatch)
  else if (typeof cache.removeListener === 'function') cache.removeListener('rotate', set.dispatch)
}

// Names registered by secret-guard middleware per cache: the webhook treats them as "known".
const registered = new WeakMap()
function register (cache, name) {
  let set = registered.get(cache)
  if (!set) { set = new Set(); registered.set(cache, set) }
  set.add(name)
}

// ------------------------------------------------------------ req.secrets

// Values live in a private field; each alias is a prototype getter, so the
// object has no own enumerable data: Object.keys / spread / JSON / inspect
// (even with showHidden) never reach a value, only explicit `req.secrets.alias`.
// The first read of each alias in a request is reported to the cache's monitor
// (`recordSecretUse`, with the route known by then), which feeds per-route read
// counts and the new-route anomaly rule. `#u` = { req, refs: [{ cache, name }], seen }.
class Secrets {
  #v
  #u
  constructor (values, use) { this.#v = values; this.#u = use }
  static getter (i) {
    return function () {
      const u = this.#u
      if (u !== undefined && markSeen(u, i)) reportRead(u, i)
      return this.#v[i]
    }
  }
  static useOf (bag) { return bag.#u }
  static rawOf (bag, i) { return bag.#v[i] }
  toJSON () { return REDACTED }
  toString () { return REDACTED }
  [Symbol.toPrimitive] () { return REDACTED }
  [util.inspect.custom] () { return REDACTED }
}
Object.defineProperty(Secrets.prototype, Symbol.toStringTag, { value: 'Secrets' })

// Which aliases this request has read: bits of u.seen for the first 31, a Set
// beyond. Returns true the first time alias i is marked.
function markSeen (u, i) {
  if (i < 31) {
    if ((u.seen & (1 << i)) !== 0) return false
    u.seen |= 1 << i
    return true
  }
  const more = u.more || (u.more = new Set())
  if (more.has(i)) return false
  more.add(i)
  return true
}
function wasSeen (u, i) {
  return i < 31 ? (u.seen & (1 << i)) !== 0 : u.more !== undefined && u.more.has(i)
}

function reportRead (u, i) {
  const { cache, name } = u.refs[i]
  if (!cache || typeof cache.recordSecretUse !== 'function') return
  const req = u.req
  report(() => cache.recordSecretUse({ name, route: routeLabel(req), client: req.apiClient, requestId: requestIdOf(req) }))
}

const RESERVED = new Set(['toJSON', 'toString', 'constructor', 'inspect', 'valueOf', 'then'])

function secretsClass (aliases) {
  class RequestSecrets extends Secrets {}
  aliases.forEach((alias, i) => {
    Object.defineProperty(RequestSecrets.prototype, alias, { get: Secrets.getter(i), enumerable: false, configurable: false })
  })
  return RequestSecrets
}

// Several express() middlewares may run for one request (app- and router-level):
// the later one keeps the earlier aliases readable.
// One merged class per (earlier bag class, this middleware), built once.
function mergeSecrets (prev, aliases, values, use, mergedClasses) {
  const P = prev.constructor
  let entry = mergedClasses.get(P)
  if (entry === undefined) {
    const all = aliases.slice()
    const extra = (P.aliases || []).filter((a) => !aliases.includes(a))
    all.push(...extra)
    const C = secretsClass(all); C.aliases = all
    entry = { C, extra }
    mergedClasses.set(P, entry)
  }
  const vals = values.slice()
  const prevUse = Secrets.useOf(prev)
  const prevAliases = P.aliases || []
  for (const a of entry.extra) {
    const j = prevAliases.indexOf(a)
    vals.push(Secrets.rawOf(prev, j)) // not prev[a]: that would report a read nobody made
    use.refs.push(prevUse && j >= 0 ? prevUse.refs[j] : { cache: null, name: '' })
    // a read already reported through the earlier bag is not reported again
    if (prevUse && j >= 0 && wasSeen(prevUse, j)) markSeen(use, vals.length - 1)
  }
  return new entry.C(vals, use)
}

function attach (req, bag) {
  Object.defineProperty(req, 'secrets', { value: bag, enumerable: false, configurable: true, writable: false })
}

/**
 * `express({ cache, secrets: { alias: 'provider:name' }, onError })` → middleware
 * attaching `req.secrets.<alias>` (current cached value, fresh after a rotation).
 */
function express (opts) {
  if (looksLikeMiddlewareCall(arguments)) return forgottenCall('express', arguments)
  checkFactoryOptions('express', opts, ['cache', 'secrets', 'onError'])
  const { cache, secrets, onError } = opts
  if (secrets === undefined || secrets === null || typeof secrets !== 'object' || Array.isArray(secrets)) {
    throw typeError('SECRETS_REQUIRED', `secretGuard.express(): options.secrets must be an object mapping aliases to secret names, e.g. { stripe: 'env:STRIPE_KEY' }, got ${describe(secrets)}`)
  }
  const aliases = Object.keys(secrets)
  if (aliases.length === 0) {
    throw typeError('SECRETS_REQUIRED', 'secretGuard.express(): options.secrets is empty; list at least one { alias: \'provider:name\' }')
  }
  for (const a of aliases) {
    if (a.length === 0 || RESERVED.has(a) || a in Object.prototype || a.startsWith('__')) {
      throw typeError('INVALID_SECRET_ALIAS', `secretGuard.express(): '${a}' cannot be used as a secret alias (reserved or empty)`)
    }
    checkSecretName('express', `options.secrets.${a}`, secrets[a], cache)
  }
  if (onError !== undefined && onError !== 'next' && typeof onError !== 'function') {
    throw typeError('INVALID_OPTION', `secretGuard.express(): options.onError must be a function (err, req, res, next) or 'next', got ${describe(onError)}`)
  }
  const names = aliases.map((a) => secrets[a])
  for (const n of names) register(cache, n)
  const Bag = secretsClass(aliases); Bag.aliases = aliases
  const mergedClasses = new WeakMap()
  const n = names.length

  const fail = (err, req, res, next) => {
    if (typeof onError === 'function') return onError(err, req, res, next)
    if (onError === 'next' || res.headersSent) return next(err)
    sendJson(res, err.status, errorBody(err))
  }

  const refs = names.map((name) => ({ cache, name }))
  const finish = (req, values, next) => {
    const prev = req.secrets
    const use = { req, refs, seen: 0 }
    if (prev instanceof Secrets) {
      use.refs = refs.slice()
      attach(req, mergeSecrets(prev, aliases, values, use, mergedClasses))
    } else {
      attach(req, new Bag(values, use))
    }
    next()
  }

  return function secretGuardSecrets (req, res, next) {
    const values = new Array(n)
    let missing = null
    for (let i = 0; i < n; i++) {
      const v = peek(cache, names[i])
      if (v === undefined) (missing || (missing = [])).push(i)
      else values[i] = v
    }
    if (missing === null) return finish(req, values, next)
    // Slow path: at least one secret was never loaded (or was evicted). The
    // cache makes concurrent gets for one name a single upstream request.
    let failed = null
    Promise.all(missing.map((i) => cache.get(names[i]).then(
      (v) => { values[i] = v },
      (e) => { if (!failed) failed = new SecretUnavailableError(aliases[i], e) }
    ))).then(() => {
      if (failed) return fail(failed, req, res, next)
      finish(req, values, next)
    }).catch(next)
  }
}

// --------------------------------------------------------------- API keys

// Per-process random key: both the presented key and every stored key are
// digested with it, and only the fixed-length digests are compared (no length
// leak, and a timing difference would reveal nothing about a key since the
// digest key is unknown to callers). The previous key set is kept as digests only.
// With crypto.hash (Node >= 20.12) the keyed digest is SHA-256(key || value) as
// hex — one native call, several times cheaper per request than createHmac plus
// Buffer allocations; for digests that never leave the process this is as good
// as HMAC (length extension needs a known digest). Older Node uses HMAC-SHA256.
const DIGEST_KEY = crypto.randomBytes(32)
const DIGEST_PREFIX = DIGEST_KEY.toString('hex') + '.'
const digest = typeof crypto.hash === 'function'
  ? (s) => crypto.hash('sha256', DIGEST_PREFIX + s, 'hex')
  : (s) => crypto.createHmac('sha256', DIGEST_KEY).update(s, 'utf8').digest('hex')

// Constant-time equality of two 64-char hex digests: no early exit, no branch on data.
function digestEqual (a, b) {
  let diff = a.length ^ b.length
  for (let i = 0; i < 64; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}
const MAX_KEY_LENGTH = 4096

// Parse the secret: a JSON object of named keys { "client-a": "…" } or one key
// (client name 'default'). Returns [{ client, digest }] or throws (no value in the message).
function parseKeySet (raw) {
  if (typeof raw !== 'string') {
    if (Buffer.isBuffer(raw)) raw = raw.toString('utf8')
    else throw new SecretUnavailableError('apiKeys', null, 'API_KEYS_INVALID')
  }
  const set = keyEntries(raw).map(([client, key]) => ({ client, digest: digest(key) }))
  if (set.length === 0) throw new SecretUnavailableError('apiKeys', null, 'API_KEYS_INVALID')
  return set
}

// The [client, key] pairs of a key-set value (see parseKeySet).
function keyEntries (raw) {
  let obj = null
  if (raw.trimStart().startsWith('{')) {
    // A value that looks like a JSON key set but does not parse is a broken key set
    // (a hand-edit typo), not one key spelled '{ "client-a": … }': report API_KEYS_INVALID.
    try { obj = JSON.parse(raw) } catch { return [] }
  }
  if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
    return Object.keys(obj).filter((c) => typeof obj[c] === 'string' && obj[c].length > 0).map((c) => [c, obj[c]])
  }
  return raw.length > 0 ? [['default', raw]] : []
}

// Constant-time match of one presented digest against every candidate (no early exit).
function matchDigest (d, sets) {
  let found = null
  let foundPrev = false
  for (let s = 0; s < sets.length; s++) {
    const set = sets[s]
    if (set === null) continue
    for (let i = 0; i < set.length; i++) {
      const eq = digestEqual(d, set[i].digest)
      if (eq && found === null) { found = set[i].client; foundPrev = s > 0 }
    }
  }
  return found === null ? null : { client: found, previous: foundPrev }
}

// Usage monitoring (issue 7): requireApiKey and rotationWebhook report to the
// cache's recording API (lib/monitor.js) when the cache has one (duck-typed).
function monitorOf (cache) {
  return typeof cache.recordClientUse === 'function' && typeof cache.recordWebhook === 'function' ? cache : null
}
// A route *pattern* with its mount path (bounded cardinality, never the raw URL:
// it may carry a key). Secret reads and key checks label routes the same way.
// The route's pattern after the mount path. Express exposes the mount path only
// as matched text (req.baseUrl): a router mounted at '/tenants/:tenant' gives
// one label per tenant (README, Monitoring). Array and RegExp routes are
// labelled by their patterns.
function routeLabel (req) {
  const r = req.route
  if (r) {
    const p = r.path
    if (typeof p === 'string') return (req.baseUrl || '') + p
    if (p !== undefined && p !== null) return (req.baseUrl || '') + (Array.isArray(p) ? p.map(String).join('|') : String(p))
  }
  return req.baseUrl || '*'
}
function requestIdOf (req, header = 'x-request-id') {
  const h = req.headers && req.headers[header]
  if (typeof h !== 'string' || h.length === 0) return undefined
  // masked before it is cut (a cut could split a secret); short ones are masked in the audit
  return h.length > 200 ? require('./monitor').scrub(h).slice(0, 200) : h
}
function sourceOf (req) {
  return req.ip || (req.socket && req.socket.remoteAddress) || undefined
}
function report (fn) {
  try { fn() } catch { /* monitoring must never break a request */ }
}

let maskingApi
function fingerprintFn () {
  if (maskingApi === undefined) {
    try {
      const sg = require('..')
      maskingApi = typeof sg.fingerprint === 'function' ? sg.fingerprint : null
    } catch { maskingApi = null }
  }
  return maskingApi
}

/**
 * `requireApiKey({ cache, name, header, query, graceMs, onReject, logger })` →
 * middleware that accepts only requests carrying a current (or, within graceMs
 * after a rotation, previous) key; sets `req.apiClient` to the key's name.
 */
function requireApiKey (opts) {
  if (looksLikeMiddlewareCall(arguments)) return forgottenCall('requireApiKey', arguments)
  const F = 'requireApiKey'
  checkFactoryOptions(F, opts, ['cache', 'name', 'header', 'query', 'graceMs', 'onReject', 'onError', 'logger'])
  const { cache, name } = opts
  checkSecretName(F, 'options.name', name, cache)
  const header = opts.header === undefined ? 'x-api-key' : opts.header
  if (typeof header !== 'string' || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(header)) {
    throw typeError('INVALID_OPTION', `secretGuard.${F}(): options.header must be an HTTP header name, got ${describe(header)}`)
  }
  const headerKey = header.toLowerCase()
  const challenge = headerKey === 'authorization' ? 'Bearer' : `ApiKey header="${headerKey}"`
  const bearer = headerKey === 'authorization'
  let queryParam = null
  if (opts.query === true) queryParam = 'api_key'
  else if (typeof opts.query === 'string' && opts.query.length > 0) queryParam = opts.query
  else if (opts.query !== undefined && opts.query !== false) {
    throw typeError('INVALID_OPTION', `secretGuard.${F}(): options.query must be true, false or a query parameter name, got ${describe(opts.query)}`)
  }
  checkInt(F, 'graceMs', opts.graceMs, 0, 7 * 24 * 3600 * 1000) // ≤ 7 days (also keeps setTimeout in range)
  const graceMs = opts.graceMs === undefined ? 600_000 : opts.graceMs
  checkFn(F, 'onReject', opts.onReject)
  if (opts.onError !== undefined && opts.onError !== 'next' && typeof opts.onError !== 'function') {
    throw typeError('INVALID_OPTION', `secretGuard.${F}(): options.onError must be a function (err, req, res, next) or 'next', got ${describe(opts.onError)}`)
  }
  checkLogger(F, opts.logger)
  const { onReject, onError, logger } = opts
  register(cache, name)
  const mon = monitorOf(cache)

  // Current key set, remembered with the raw value it was parsed from so an
  // unchanged value is not re-parsed; the previous set holds digests only.
  let curRaw = null
  let cur = null
  let prev = null
  let prevUntil = 0
  let prevTimer = null
  const counters = { accepted: Object.create(null), acceptedPrevious: Object.create(null), rejected: { missing: 0, invalid: 0 } }

  const dropPrevious = () => { prev = null; prevUntil = 0; if (prevTimer) { clearTimeout(prevTimer); prevTimer = null } }

  // Adopt a new raw value; when it replaces another, keep the old digests for graceMs.
  const adopt = (raw) => {
    if (Buffer.isBuffer(raw)) raw = raw.toString('utf8') // binary secret: compare by content
    if (raw === curRaw) return
    const next = parseKeySet(raw)
    if (cur === null) Promise.resolve().then(restorePrevious) // first key set of this process
    if (cur !== null && graceMs > 0) {
      prev = cur
      prevUntil = Date.now() + graceMs
      if (prevTimer) clearTimeout(prevTimer)
      prevTimer = setTimeout(dropPrevious, graceMs)
      if (prevTimer.unref) prevTimer.unref()
    } else if (cur !== null) {
      dropPrevious()
    }
    if (cur !== null && mon !== null) report(() => retireKeys(curRaw, next, graceMs > 0 ? prevUntil : Date.now()))
    cur = next
    curRaw = raw
  }

  // A process that starts during a rotation's grace period (a restart, a new
  // instance of a fleet) has not seen the rotation: for aws: key sets it reads
  // the AWSPREVIOUS version and accepts it for what is left of graceMs, counted
  // from when the current version was created (its CreatedDate), so it agrees
  // with the instances that saw the rotation (they count from when they saw it,
  // up to one refreshInterval later).
  let closed = false
  let restoreTries = 0
  const restorePrevious = () => {
    if (closed || graceMs === 0 || prev !== null || curRaw === null || !name.startsWith('aws:')) return
    const label = name.split('#')[0]
    let created
    try {
      const u = cache.usage().find((e) => e.name === label && (e.versionStage === undefined || e.versionStage === null || e.versionStage === 'AWSCURRENT'))
      created = u && u.versionCreatedAt
    } catch { return }
    if (typeof created !== 'number' || !(Date.now() < created + graceMs)) return
    const seen = curRaw
    cache.get(name, { versionStage: 'AWSPREVIOUS' }).then((raw) => {
      if (closed || curRaw !== seen || prev !== null) return // rotated meanwhile: adopt() keeps that previous set
      if (Buffer.isBuffer(raw)) raw = raw.toString('utf8')
      const until = created + graceMs
      if (raw === curRaw || Date.now() >= until) return
      let set
      try { set = parseKeySet(raw) } catch { return } // a broken old key set grants nothing
      prev = set
      prevUntil = until
      prevTimer = setTimeout(dropPrevious, until - Date.now())
      if (prevTimer.unref) prevTimer.unref()
      if (mon !== null) report(() => retireKeys(raw, cur, until))
    }, (e) => {
      // No AWSPREVIOUS (a first version): nothing to accept. A provider problem
      // (throttled while a whole fleet restarts, a timeout): try again, while the
      // grace period lasts, after 1, 2, 4 … s (at most 60 s apart).
      const code = e && e.code
      if (code === 'SECRET_NOT_FOUND' || code === 'FIELD_NOT_FOUND' || code === 'NOT_JSON' || code === 'CACHE_CLOSED') return
      const wait = Math.min(60_000, 1000 * 2 ** Math.min(restoreTries++, 6))
      if (closed || Date.now() + wait >= created + graceMs) return
      const t = setTimeout(restorePrevious, wait)
      if (t.unref) t.unref()
    })
  }

  // Start the grace period at rotation time even when no request comes in between.
  const onRotate = (ev) => {
    if (!ev || (ev.name !== name && !name.startsWith(ev.name + '#'))) return
    if (ev.versionStage && ev.versionStage !== 'AWSCURRENT') return // e.g. the AWSPREVIOUS entry moved
    const raw = peek(cache, name)
    if (raw !== undefined) { try { adopt(raw) } catch { /* reported on the next request */ } }
  }
  onCacheRotate(cache, onRotate)

  // Load early so the first request does not wait and a rotation before it is seen.
  Promise.resolve().then(() => cache.get(name)).then((raw) => { try { adopt(raw) } catch {} }, () => {})

  const log = (level, fields) => {
    if (!logger) return
    try { logger[level](fields) } catch { /* a broken logger must not break auth */ }
  }

  // Monitoring: keys of the replaced set that are not in the new one are retired;
  // presenting one after the grace period raises the 'retired_key' anomaly.
  const retireKeys = (oldRaw, next, graceUntil) => {
    const fp = fingerprintFn()
    if (fp === null || typeof oldRaw !== 'string') return
    const keep = new Set(next.map((k) => k.digest))
    for (const [client, key] of keyEntries(oldRaw)) {
      if (!keep.has(digest(key))) cache.retireClientKey({ client, fingerprint: fp(key), graceUntil })
    }
  }

  const reject = (req, res, next, reason, presented) => {
    counters.rejected[reason]++
    if (mon !== null) {
      report(() => {
        const fp = presented ? fingerprintFn() : null
        mon.recordClientUse({
          outcome: 'rejected', reason, fingerprint: fp ? fp(presented) : undefined,
          route: routeLabel(req), source: sourceOf(req), requestId: requestIdOf(req),
        })
      })
    }
    if (logger) {
      const fields = { event: 'api_key_rejected', reason, method: req.method, path: String(req.originalUrl || req.url).split('?')[0] } // never the query: it may hold the key
      const fp = fingerprintFn()
      if (presented && fp) { try { fields.fingerprint = fp(presented) } catch {} }
      log('warn', fields)
    }
    if (onReject) return onReject(req, res, next, { reason })
    // RFC 9110: a 401 names the way to authenticate
    res.setHeader('WWW-Authenticate', challenge)
    sendJson(res, 401, { error: { code: 'API_KEY_INVALID', message: 'A valid API key is required' } })
  }

  const fail = (err, req, res, next) => {
    if (typeof onError === 'function') return onError(err, req, res, next)
    if (onError === 'next' || res.headersSent) return next(err)
    sendJson(res, err.status, errorBody(err))
  }

  const check = (req, res, next) => {
    let presented = req.headers[headerKey]
    if (typeof presented === 'string' && bearer) {
      presented = /^bearer\s+/i.test(presented) ? presented.replace(/^bearer\s+/i, '') : ''
    }
    if ((presented === undefined || presented === '') && queryParam !== null) {
      const q = req.query && req.query[queryParam]
      if (typeof q === 'string') presented = q
    }
    const missing = typeof presented !== 'string' || presented.length === 0 || presented.length > MAX_KEY_LENGTH
    // Same work for a missing key as for a wrong one: HMAC + compare against every candidate.
    const d = digest(missing ? '' : presented)
    if (prev !== null && Date.now() >= prevUntil) dropPrevious()
    const hit = matchDigest(d, prev === null ? [cur] : [cur, prev])
    if (missing || hit === null) return reject(req, res, next, missing && (presented === undefined || presented === '') ? 'missing' : 'invalid', missing ? null : presented)
    const bucket = hit.previous ? counters.acceptedPrevious : counters.accepted
    bucket[hit.client] = (bucket[hit.client] || 0) + 1
    // a key from the previous set: its fingerprint says which retired key is still in use
    // (the same fingerprint as the audit's retired_key event)
    const previousFp = () => { const fp = hit.previous ? fingerprintFn() : null; return fp ? fp(presented) : undefined }
    if (mon !== null) {
      report(() => mon.recordClientUse({ client: hit.client, outcome: hit.previous ? 'previous' : 'accepted', fingerprint: previousFp(), route: routeLabel(req), requestId: requestIdOf(req) }))
    }
    if (hit.previous && logger) {
      const fields = { event: 'api_key_previous_used', client: hit.client, graceRemainingMs: Math.max(0, prevUntil - Date.now()) }
      try { fields.fingerprint = previousFp() } catch {}
      log('info', fields)
    }
    req.apiClient = hit.client
    next()
  }

  const withValue = (raw, req, res, next) => {
    try { adopt(raw) } catch (e) { return fail(e instanceof SecretGuardError ? e : new SecretUnavailableError('apiKeys', e), req, res, next) }
    check(req, res, next)
  }

  function secretGuardApiKey (req, res, next) {
    const raw = peek(cache, name)
    if (raw !== undefined) return withValue(raw, req, res, next)
    cache.get(name).then(
      (v) => withValue(v, req, res, next),
      (e) => fail(new SecretUnavailableError('apiKeys', e), req, res, next)
    ).catch(next)
  }

  /** Counters: accepted per client (current and previous keys), rejected by reason. */
  secretGuardApiKey.stats = () => ({
    accepted: { ...counters.accepted },
    acceptedPrevious: { ...counters.acceptedPrevious },
    rejected: { ...counters.rejected },
    graceActive: prev !== null && Date.now() < prevUntil,
    graceRemainingMs: prev !== null ? Math.max(0, prevUntil - Date.now()) : 0,
  })
  /** Stop listening to the cache and end the grace timer. */
  secretGuardApiKey.close = () => {
    closed = true
    dropPrevious()
    offCacheRotate(cache, onRotate)
  }
  return secretGuardApiKey
}

// ---------------------------------------------------------- rotation webhook

const DEFAULT_HEADERS = Object.freeze({
  timestamp: 'x-secret-guard-timestamp',
  id: 'x-secret-guard-id',
  signature: 'x-secret-guard-signature',
})

// The signed content binds the timestamp, the delivery id and the exact body
// bytes: "<timestamp>.<id>.<raw body>". (Signing the id too is what makes the
// replay cache sound: an unsigned id could be changed by whoever replays.)
// Delivery ids never contain '.', the separator of the signed content.
const ID_RE = /^[A-Za-z0-9_:-]{1,200}$/
function hmacHex (secret, timestamp, id, body) {
  const h = crypto.createHmac('sha256', secret)
  h.update(String(timestamp) + '.' + id + '.', 'utf8')
  h.update(body)
  return h.digest('hex')
}

/**
 * Sign a webhook request (for senders and tests). `body` is a string, Buffer or
 * an object (JSON-encoded). Returns `{ body, headers }` to send as-is.
 * Signature: `v1=<hex HMAC-SHA256(secret, "<timestamp>.<id>.<raw body>")>`,
 * timestamp in Unix seconds.
 */
function signWebhook (secret, body, options = {}) {
  if (typeof secret !== 'string' && !Buffer.isBuffer(secret)) throw typeError('INVALID_SECRET', 'signWebhook(): secret must be a string or Buffer')
  if (secret.length === 0) throw typeError('INVALID_SECRET', 'signWebhook(): secret is empty')
  if (options === null || typeof options !== 'object') throw typeError('INVALID_OPTION', 'signWebhook(): options must be an object')
  let raw
  try { raw = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) } catch { raw = undefined }
  if (raw === undefined) throw typeError('INVALID_BODY', 'signWebhook(): body must be a string, Buffer or JSON-serialisable value')
  const timestamp = options.timestamp === undefined ? Math.floor(Date.now() / 1000) : options.timestamp
  // ≥ 1e11 s is the year 5138: a Date.now() (milliseconds) the receiver would refuse as stale
  if (!Number.isInteger(timestamp) || timestamp < 0) throw typeError('INVALID_OPTION', 'signWebhook(): options.timestamp must be integer Unix seconds')
  if (timestamp >= 1e11) throw typeError('INVALID_OPTION', 'signWebhook(): options.timestamp must be Unix seconds, not milliseconds (Math.floor(Date.now() / 1000))')
  const id = options.id === undefined ? crypto.randomUUID() : options.id
  if (typeof id !== 'string' || !ID_RE.test(id)) throw typeError('INVALID_OPTION', 'signWebhook(): options.id must be 1-200 characters from A-Z a-z 0-9 _ : - (no \'.\')')
  const h = headerNames('signWebhook', options.headers)
  const bodyBuf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'utf8')
  return {
    body: raw,
    headers: {
      'content-type': 'application/json',
      [h.timestamp]: String(timestamp),
      [h.id]: id,
      [h.signature]: 'v1=' + hmacHex(secret, timestamp, id, bodyBuf),
    },
  }
}

// The webhook header names, sender and receiver alike: the defaults, overridden
// by options.headers entries that are set (undefined keeps the default).
function headerNames (fnName, headers) {
  // an array, Date or Map has no header keys of its own: it would silently keep the defaults
  if (headers !== undefined && (headers === null || typeof headers !== 'object' || !isPlainObject(headers))) {
    throw typeError('INVALID_OPTION', `secretGuard.${fnName}(): options.headers must be an object { timestamp, id, signature }, got ${describe(headers)}`)
  }
  const hdr = { ...DEFAULT_HEADERS }
  for (const k of Object.keys(headers || {})) {
    if (!Object.prototype.hasOwnProperty.call(DEFAULT_HEADERS, k)) throw typeError('UNKNOWN_OPTION', `secretGuard.${fnName}(): unknown header option '${k}' (allowed: timestamp, id, signature)`)
    const v = headers[k]
    if (v === undefined) continue
    if (typeof v !== 'string' || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(v)) throw typeError('INVALID_OPTION', `secretGuard.${fnName}(): options.headers.${k} must be an HTTP header name`)
    hdr[k] = v.toLowerCase()
  }
  // three distinct names, none the body's own headers: two options naming one header
  // made signWebhook() drop one of them and rotationWebhook() reject every delivery
  const names = [hdr.timestamp, hdr.id, hdr.signature]
  if (new Set(names).size !== 3 || names.some((n) => n === 'content-type' || n === 'content-length')) {
    throw typeError('INVALID_OPTION', `secretGuard.${fnName}(): options.headers must name three different headers (not content-type or content-length)`)
  }
  return hdr
}

function readRawBody (req, limit) {
  return new Promise((resolve, reject) => {
    // A body parser ran first: use its raw Buffer if it kept one (express.raw()),
    // within the same limit (its own limit may be larger).
    const parsed = Buffer.isBuffer(req.body) ? req.body : Buffer.isBuffer(req.rawBody) ? req.rawBody : null
    if (parsed !== null) {
      if (parsed.length > limit) { const e = new Error('body too large'); e.code = 'WEBHOOK_BODY_TOO_LARGE'; return reject(e) }
      return resolve(parsed)
    }
    // Someone else read the stream (express.json(), express.text()…): the exact bytes are gone.
    if (req._body || req.readableEnded) {
      const e = new Error('body already consumed'); e.code = 'WEBHOOK_BODY_CONSUMED'; return reject(e)
    }
    const chunks = []
    let size = 0
    let done = false
    const finish = (err, buf) => {
      if (done) return
      done = true
      req.removeListener('data', onData); req.removeListener('end', onEnd)
      req.removeListener('error', onErr); req.removeListener('aborted', onAborted)
      err ? reject(err) : resolve(buf)
    }
    const onData = (c) => {
      size += c.length
      if (size > limit) {
        const e = new Error('body too large'); e.code = 'WEBHOOK_BODY_TOO_LARGE'
        req.resume() // drain, do not buffer
        return finish(e)
      }
      chunks.push(c)
    }
    const onEnd = () => finish(null, Buffer.concat(chunks, size))
    const onErr = (e) => finish(Object.assign(new Error('request stream error'), { code: 'WEBHOOK_BODY_ERROR', cause: e }))
    const onAborted = () => finish(Object.assign(new Error('request aborted'), { code: 'WEBHOOK_BODY_ERROR' }))
    req.on('data', onData); req.on('end', onEnd); req.on('error', onErr); req.on('aborted', onAborted)
  })
}

/**
 * `rotationWebhook({ cache, signingSecret, toleranceMs, headers, maxBodyBytes, names, maxReplayEntries, logger })`
 * → POST handler: verify the signed "secret rotated" notification, then
 * `await cache.refresh(name)` and answer `{ refreshed, version }`.
 */
function rotationWebhook (opts) {
  if (looksLikeMiddlewareCall(arguments)) return forgottenCall('rotationWebhook', arguments)
  const F = 'rotationWebhook'
  checkFactoryOptions(F, opts, ['cache', 'signingSecret', 'toleranceMs', 'headers', 'maxBodyBytes', 'names', 'maxReplayEntries', 'logger'])
  const { cache } = opts
  if (typeof cache.refresh !== 'function') throw typeError('CACHE_REQUIRED', `secretGuard.${F}(): options.cache must have refresh()`)
  const signingSecret = opts.signingSecret === undefined ? 'env:SECRET_GUARD_WEBHOOK_KEY' : opts.signingSecret
  checkSecretName(F, 'options.signingSecret', signingSecret, cache)
  checkInt(F, 'toleranceMs', opts.toleranceMs, 1000, 24 * 3600 * 1000)
  const toleranceMs = opts.toleranceMs === undefined ? 300_000 : opts.toleranceMs
  checkInt(F, 'maxBodyBytes', opts.maxBodyBytes, 64, 1024 * 1024)
  const maxBodyBytes = opts.maxBodyBytes === undefined ? 16 * 1024 : opts.maxBodyBytes
  checkInt(F, 'maxReplayEntries', opts.maxReplayEntries, 1, 10_000_000)
  const maxReplayEntries = opts.maxReplayEntries === undefined ? 100_000 : opts.maxReplayEntries
  const hdr = headerNames(F, opts.headers)
  let allow = null
  if (opts.names !== undefined) {
    if (!Array.isArray(opts.names)) throw typeError('INVALID_OPTION', `secretGuard.${F}(): options.names must be an array of secret names`)
    for (const n of opts.names) checkSecretName(F, 'each of options.names', n, cache)
    allow = new Set(opts.names)
  }
  checkLogger(F, opts.logger)
  const { logger } = opts
  register(cache, signingSecret)
  const mon = monitorOf(cache)
  // Load the signing secret early; a failure is reported on the first request.
  Promise.resolve().then(() => cache.get(signingSecret)).catch(() => {})

  // Replay cache: ids of verified deliveries, each kept until its timestamp
  // leaves the tolerance window (after that the timestamp check rejects it).
  const seen = new Map()
  // Insertion order is nearly expiry order (expiry = max(now, timestamp) + tolerance),
  // so a sweep stops at the first live entry; a full sweep runs when the cache is full.
  const sweep = (now, full) => {
    for (const [k, exp] of seen) {
      if (exp > now) { if (!full) break; continue }
      seen.delete(k)
    }
  }
  const counters = { refreshed: 0, rejected: 0, notFound: 0, badRequest: 0, failed: 0 }

  // "Known" = listed in options.names, used by a secret-guard middleware on this
  // cache (express(), requireApiKey(), this webhook's signing secret), or present
  // in the cache (cache.usage()). Deciding it never reads from a provider.
  const base = (n) => { const i = n.indexOf('#'); return i < 0 ? n : n.slice(0, i) }
  const known = (name) => {
    if (allow !== null && allow.has(name)) return true
    const b = base(name)
    const reg = registered.get(cache)
    if (reg) for (const r of reg) if (r === name || base(r) === b) return true
    if (base(signingSecret) === b) return true
    return usageOf(b).length > 0
  }
  const usageOf = (b) => {
    if (typeof cache.usage !== 'function') return []
    try { return cache.usage().filter((u) => u && u.name === b) } catch { return [] }
  }

  const deny = (res, status, code, message) => {
    sendJson(res, status, { error: { code, message } })
  }
  const log = (level, fields) => {
    if (!logger) return
    try { logger[level](fields) } catch {}
  }
  const unauthorized = (res, why, req) => {
    counters.rejected++
    if (mon !== null && req) {
      report(() => mon.recordWebhook({ outcome: 'rejected', reason: why, source: sourceOf(req), requestId: requestIdOf(req, hdr.id), route: routeLabel(req) }))
    }
    log('warn', { event: 'webhook_rejected', reason: why })
    res.setHeader('WWW-Authenticate', `Signature header="${hdr.signature}"`)
    deny(res, 401, 'WEBHOOK_UNAUTHORIZED', 'Webhook signature verification failed')
  }

  async function handle (req, res) {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST')
      return deny(res, 405, 'METHOD_NOT_ALLOWED', 'Use POST')
    }
    const cl = req.headers['content-length']
    if (cl !== undefined && Number(cl) > maxBodyBytes) {
      counters.badRequest++
      res.setHeader('Connection', 'close')
      return deny(res, 413, 'WEBHOOK_BODY_TOO_LARGE', `Body larger than ${maxBodyBytes} bytes`)
    }
    let body
    try {
      body = await readRawBody(req, maxBodyBytes)
    } catch (e) {
      counters.badRequest++
      if (e.code === 'WEBHOOK_BODY_TOO_LARGE') { res.setHeader('Connection', 'close'); return deny(res, 413, e.code, `Body larger than ${maxBodyBytes} bytes`) }
      if (e.code === 'WEBHOOK_BODY_CONSUMED') return deny(res, 500, e.code, 'Mount the rotation webhook before body-parsing middleware (or use express.raw())')
      return deny(res, 400, 'WEBHOOK_BAD_BODY', 'Could not read the request body')
    }

    // 1. Authenticate before anything else.
    const ts = req.headers[hdr.timestamp]
    const id = req.headers[hdr.id]
    const sig = req.headers[hdr.signature]
    if (typeof ts !== 'string' || typeof id !== 'string' || typeof sig !== 'string') return unauthorized(res, 'missing_headers', req)
    if (!/^\d{1,12}$/.test(ts) || !ID_RE.test(id)) return unauthorized(res, 'malformed_headers', req)
    const now = Date.now()
    const tsMs = Number(ts) * 1000
    if (Math.abs(now - tsMs) > toleranceMs) return unauthorized(res, 'timestamp_out_of_tolerance', req)

    let secret = peek(cache, signingSecret)
    if (secret === undefined) {
      try { secret = await cache.get(signingSecret) } catch (e) {
        const err = new SecretUnavailableError('signingSecret', e)
        return deny(res, 503, err.code, err.message)
      }
    }
    if (typeof secret !== 'string' && !Buffer.isBuffer(secret)) secret = String(secret)
    if (secret.length === 0) {
      return deny(res, 503, 'SECRET_UNAVAILABLE', 'A required secret is temporarily unavailable')
    }
    const expected = Buffer.from(hmacHex(secret, ts, id, body), 'utf8')
    let ok = false
    // Several signatures may be sent (comma separated) while the signing secret rotates.
    for (const part of sig.split(',').slice(0, 8)) {
      const p = part.trim()
      if (!p.startsWith('v1=')) continue
      const got = Buffer.from(p.slice(3), 'utf8')
      // Equal lengths for timingSafeEqual: compare digests of both sides.
      const eq = crypto.timingSafeEqual(Buffer.from(digest(got.toString('latin1')), 'hex'), Buffer.from(digest(expected.toString('latin1')), 'hex'))
      if (eq) ok = true
    }
    if (!ok) return unauthorized(res, 'bad_signature', req)

    sweep(now)
    if (seen.has(id)) return unauthorized(res, 'replayed', req)
    if (seen.size >= maxReplayEntries) sweep(now, true)
    if (seen.size >= maxReplayEntries) {
      res.setHeader('Retry-After', '1')
      return deny(res, 429, 'WEBHOOK_REPLAY_CACHE_FULL', 'Too many webhook deliveries in the tolerance window')
    }
    // Entries expire when their timestamp leaves the window (future timestamps too).
    const exp = Math.max(now, tsMs) + toleranceMs
    seen.set(id, exp)

    // 2. Verified: now look at the body.
    let msg
    try { msg = JSON.parse(body.toString('utf8')) } catch {
      counters.badRequest++
      return deny(res, 400, 'WEBHOOK_BAD_BODY', 'Body must be JSON: { "name": "provider:secret" }')
    }
    const name = msg !== null && typeof msg === 'object' ? msg.name : undefined
    if (typeof name !== 'string' || !NAME_RE.test(name) || name.length > 1024) {
      counters.badRequest++
      return deny(res, 400, 'WEBHOOK_BAD_BODY', 'Body must be JSON: { "name": "provider:secret" }')
    }
    if (!known(name)) {
      counters.notFound++
      return deny(res, 404, 'SECRET_UNKNOWN', 'This secret is not used by this service')
    }
    let version
    try {
      const r = await refreshAll(name)
      version = r
    } catch (e) {
      counters.failed++
      // The sender may retry the same delivery (same id and signature) after a failure.
      seen.delete(id)
      log('warn', { event: 'webhook_refresh_failed', name, code: e && e.code })
      return deny(res, 502, 'REFRESH_FAILED', 'The secret could not be refreshed' + (e && typeof e.code === 'string' ? ` (${e.code})` : ''))
    }
    counters.refreshed++
    log('info', { event: 'webhook_refreshed', name })
    if (mon !== null) {
      report(() => mon.recordWebhook({ outcome: 'accepted', name, version: version === undefined ? undefined : String(version), source: sourceOf(req), requestId: requestIdOf(req, hdr.id), route: routeLabel(req) }))
    }
    sendJson(res, 200, { refreshed: name, version: version === undefined ? null : version })
  }

  // Refresh the secret (the cache keeps one entry per secret and version stage;
  // fields like 'aws:x#key' are served from the 'aws:x' entry). Other cached
  // stages (AWSPREVIOUS) are refreshed too, since a rotation moves them as well.
  // Returns the current version as the cache reports it in usage(), if any.
  async function refreshAll (name) {
    const b = base(name)
    const entries = usageOf(b)
    const stages = new Set(entries.map((u) => u.versionStage).filter((st) => st && st !== 'AWSCURRENT'))
    // refresh() also loads a name never loaded (e.g. registered by express()
    // before its first request), and it asks the provider even within a
    // remembered failed first load, where get() would answer from memory.
    await cache.refresh(b)
    await Promise.all([...stages].map((st) => cache.refresh(b, { versionStage: st }).catch(() => {})))
    const cur = usageOf(b).find((u) => !u.versionStage || u.versionStage === 'AWSCURRENT')
    return cur && cur.version != null ? cur.version : undefined
  }

  function secretGuardRotationWebhook (req, res, next) {
    handle(req, res).catch((e) => {
      if (!res.headersSent) deny(res, 500, 'WEBHOOK_ERROR', 'Internal error')
      else next(e)
    })
  }
  secretGuardRotationWebhook.stats = () => ({ ...counters, replayEntries: seen.size })
  return secretGuardRotationWebhook
}

module.exports = {
  express,
  requireApiKey,
  rotationWebhook,
  signWebhook,
  errorHandler,
  SecretUnavailableError,
  webhookHeaders: DEFAULT_HEADERS,
}
