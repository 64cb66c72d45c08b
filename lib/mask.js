'use strict'
// Masked logging: createMasker(), the process-wide default masker behind
// mask()/redact()/addSecret(), fingerprint(), and the leak-proof Secret class.
// Matching runs in Rust (one Aho-Corasick automaton over every value and its
// encodings); masking a string is one native call.

const util = require('util')
const native = require('./native')
const { typeError, isPlainObject } = require('./errors')
// config() learns secret-looking values itself (lib/env.js); the key pattern is shared.
const { learning, DEFAULT_KEY_PATTERN } = require('./env')._internal

const DEFAULT_CENSOR = '[REDACTED]'
const DEFAULT_MAX_DEPTH = 1000

// A RegExp without g/y flags (their lastIndex would make .test() stateful).
function toKeyPattern (p) {
  if (p === undefined) return DEFAULT_KEY_PATTERN
  if (p === null || p === false) return null
  if (!util.types.isRegExp(p)) throw typeError('INVALID_OPTION', 'keyPattern must be a RegExp, null or false') // (a RegExp from another realm too)
  return p.global || p.sticky ? new RegExp(p.source, p.flags.replace(/[gy]/g, '')) : p
}

const MASKER_OPTIONS = ['censor', 'keyPattern', 'encodings', 'minLength', 'partial', 'graceMs', 'maxDepth']

function checkOptions (o, name, allowed = MASKER_OPTIONS) {
  if (o === undefined || o === null) return {}
  if (typeof o !== 'object' || !isPlainObject(o)) throw typeError('INVALID_OPTION', `${name} options must be an object`)
  // a misspelt option (minlength, censr) must not silently keep the default
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw typeError('INVALID_OPTION', `${name}(): unknown option '${k}' (allowed: ${allowed.join(', ')})`)
  }
  return o
}

function nativeOptions (o) {
  const out = {}
  if (o.maxDepth !== undefined && (!Number.isInteger(o.maxDepth) || o.maxDepth < 0)) {
    throw typeError('INVALID_OPTION', 'maxDepth must be an integer >= 0')
  }
  if (o.censor !== undefined) {
    if (typeof o.censor !== 'string') throw typeError('INVALID_OPTION', 'censor must be a string')
    out.censor = o.censor
  }
  if (o.encodings !== undefined) {
    if (typeof o.encodings !== 'boolean') throw typeError('INVALID_OPTION', 'encodings must be true or false')
    out.encodings = o.encodings
  }
  if (o.minLength !== undefined) {
    if (!Number.isInteger(o.minLength) || o.minLength < 1) throw typeError('INVALID_OPTION', 'minLength must be an integer >= 1')
    out.minLength = o.minLength
  }
  if (o.partial === null || o.partial === false) out.keepLast = 0 // partial off
  else if (o.partial !== undefined) {
    const p = o.partial
    if (typeof p !== 'object' || !Number.isInteger(p.keepLast) || p.keepLast < 0) {
      throw typeError('INVALID_OPTION', 'partial must be { keepLast: <integer >= 0>, mask?: string }')
    }
    out.keepLast = p.keepLast
    if (p.mask !== undefined) {
      if (typeof p.mask !== 'string') throw typeError('INVALID_OPTION', 'partial.mask must be a string')
      out.partialMask = p.mask
    }
  }
  if (o.graceMs !== undefined) {
    checkGrace(o.graceMs)
    out.graceMs = o.graceMs
  }
  return out
}

// At most 100 years, as the cache's durations (a larger one overflows Rust's clock).
const MAX_GRACE_MS = 100 * 365 * 24 * 3600 * 1000
function checkGrace (graceMs) {
  if (typeof graceMs !== 'number' || !(graceMs >= 0) || !(graceMs <= MAX_GRACE_MS)) {
    throw typeError('INVALID_OPTION', 'graceMs must be a number of ms from 0 to 100 years')
  }
}

function checkValue (value, fn) {
  if (typeof value !== 'string') {
    throw typeError('SECRET_VALUE_TYPE', `${fn}() expects a string value, got ${value === null ? 'null' : typeof value}`)
  }
  // A lone UTF-16 surrogate has no UTF-8 form: Rust would store U+FFFD instead,
  // so the value as given would never be masked (or exposed back unchanged).
  if (value.isWellFormed !== undefined && !value.isWellFormed()) {
    throw typeError('SECRET_VALUE_TYPE', `${fn}() expects well-formed text: the value has a lone UTF-16 surrogate`)
  }
}

// Native calls with sync errors carry err.code already; keep them as they are.
// `fns`: { str, utf16, buf } native entry points (class methods bound to a
// NativeMasker, or the default masker's plain functions).
function maskWith (fns, minLength, text) {
  if (typeof text === 'string') {
    // No pattern is shorter than minLength characters (UTF-16 length >= char count).
    if (text.length < minLength) return text
    if (text.isWellFormed === undefined || text.isWellFormed()) return fns.str(text)
    return fns.utf16(text)
  }
  if (Buffer.isBuffer(text)) return fns.buf(text)
  if (text instanceof Uint8Array) return new Uint8Array(fns.buf(Buffer.from(text.buffer, text.byteOffset, text.byteLength)))
  throw typeError('MASK_INPUT_TYPE', `mask() expects a string or a Buffer, got ${text === null ? 'null' : typeof text}`)
}

// ------------------------------------------------------------------ redact

// An http.IncomingMessage / ServerResponse (a class instance, never a plain
// object): copied field by field it carries socket internals, `rawHeaders`
// (the authorization and cookie values in an array no key pattern sees) and a
// sent response's raw header block. It is logged as pino's std serializers
// shape instead ({ method, url, headers, remoteAddress, remotePort } /
// { statusCode, headers }), whose headers the key pattern censors.
function httpShape (v) {
  try {
    if (typeof v.method === 'string' && v.headers && typeof v.headers === 'object' && v.socket !== undefined) {
      const s = v.socket || {}
      return { method: v.method, url: v.originalUrl || v.url, headers: v.headers, remoteAddress: s.remoteAddress, remotePort: s.remotePort }
    }
    if (typeof v.setHeader === 'function' && typeof v.getHeaders === 'function') {
      return { statusCode: v.headersSent ? v.statusCode : null, headers: v.getHeaders() }
    }
    // the response an http client received (an IncomingMessage without a method)
    if (v.socket !== undefined && Array.isArray(v.rawHeaders) && typeof v.statusCode === 'number') return { statusCode: v.statusCode, headers: v.headers }
  } catch {}
  return v
}

// The logger integrations copy a record's top level themselves (to leave
// serialized values to their serializers): the keys with any secret in them
// masked, one native call for all of them (a key holding a secret changes the
// joined text), one per key only then.
function maskKeys (keys, m) {
  if (keys.length === 0) return keys
  const all = keys.join('\n')
  return m.mask(all) === all ? keys : keys.map((k) => m.mask(k))
}

// Assignment, except for an own "__proto__" key (JSON.parse makes them), which
// must stay a property and never change the copy's prototype.
function setOwn (obj, key, value) {
  if (key === '__proto__') define(obj, key, value)
  else obj[key] = value
}

// The prototype for an Error's copy: its own, unless the copy cannot use it.
// Built-ins such as DOMException (AbortError, TimeoutError) have getters that
// throw on any object but a real instance, which would make logging the copy
// throw; their copies get Error.prototype (and an own name).
function errorPrototype (err) {
  const proto = Object.getPrototypeOf(err)
  try {
    const probe = Object.create(proto)
    void probe.name
    void probe.code
    return proto
  } catch {
    return Error.prototype
  }
}

function define (obj, key, value) {
  // defineProperty, not assignment: an own "__proto__" key stays an own
  // property and never changes the copy's prototype.
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
}

// An own key that is an array element's index ('7', not '07', '1e3' or '').
function isArrayIndex (k) {
  const i = Number(k)
  return Number.isInteger(i) && i >= 0 && i < 2 ** 32 - 1 && String(i) === k
}

/**
 * Deep copy of `value` for logging: strings masked, values under keys matching
 * keyPattern replaced by the censor, Secret objects replaced by the censor.
 * `report` (optional): its `censored` counts the values the copy removed (key
 * pattern, depth limit, an unreadable object) or dropped (secret-looking keys it
 * does not carry) — not Secrets, not masked strings — so a caller can tell whether
 * the copy hides anything a rendering of the original shows.
 */
function redactWith (value, ctx, report) {
  const seen = new Map()
  const removed = () => { if (report) report.censored++ }

  function walk (v, depth) {
    if (typeof v === 'string') return ctx.mask(v)
    if (v === null || typeof v !== 'object') return v // numbers, booleans, bigint, symbols, functions, undefined
    if (seen.has(v)) return seen.get(v)
    if (depth > ctx.maxDepth) { removed(); return '[Depth limit]' }
    try {
      return walkObject(v, depth + 1)
    } catch (err) {
      // A hostile object (throwing Proxy trap, revoked Proxy): never let logging crash.
      if (err && err.code === 'MASK_INPUT_TYPE') throw err
      removed()
      return '[Unreadable]'
    }
  }

  // (counting only) own properties the copy does not carry but util.inspect prints:
  // named props of arrays/Maps/Sets/Buffers/Dates/boxed values, an instance's fields
  // its toJSON() leaves out, symbol keys
  function countDropped (v, keep) {
    if (!report || ctx.keyPattern === null) return
    try {
      for (const k of Object.keys(v)) {
        if (!keep(k) && ctx.keyPattern.test(k) && v[k] != null) removed()
      }
      for (const s of Object.getOwnPropertySymbols(v)) {
        if (ctx.keyPattern.test(String(s.description)) && v[s] != null) removed()
      }
    } catch { removed() }
  }
  const all = () => true
  const none = () => false
  // Which own keys of v its copy carries: all for plain objects, Errors and class
  // instances (copyProps); indices only for arrays and typed arrays; none for what
  // toJSON() replaces or what is copied by value (Map, Set, Date, boxed primitives).
  function copiedKeys (v) {
    if (isPlainObject(v) || v instanceof Error) return all
    if (Array.isArray(v) || ArrayBuffer.isView(v)) return isArrayIndex
    if (typeof v.toJSON === 'function' || v instanceof Map || v instanceof Set || v instanceof Date ||
      v instanceof String || v instanceof Number || v instanceof Boolean) return none
    return all
  }

  function walkObject (v, d) {
    if (v instanceof Secret) return ctx.censor
    if (report) countDropped(v, copiedKeys(v))

    if (Buffer.isBuffer(v)) return ctx.mask(v)
    if (ArrayBuffer.isView(v)) {
      if (v instanceof Uint8Array) return ctx.mask(v)
      // a DataView's bytes, masked, as a Buffer
      if (v instanceof DataView) return ctx.mask(Buffer.from(v.buffer, v.byteOffset, v.byteLength))
      return v.slice()
    }
    if (v instanceof Date) return new Date(v.getTime())
    if (v instanceof String) return ctx.mask(v.valueOf())
    // other boxed primitives: their value (no own keys: a copy would be {})
    if (v instanceof Number || v instanceof Boolean || v instanceof BigInt || v instanceof Symbol) return v.valueOf()
    if (v instanceof RegExp) {
      // its source may hold a secret: then the masked text, not the RegExp
      const s = String(v)
      const m = ctx.mask(s)
      return m === s ? v : m
    }
    if (Array.isArray(v)) {
      const out = new Array(v.length)
      seen.set(v, out)
      // a sparse array with a huge length (a[2 ** 32 - 2] = x) must not cost O(length)
      if (v.length > 65536) {
        for (const k of Object.keys(v)) if (isArrayIndex(k)) out[Number(k)] = walk(v[k], d)
        return out
      }
      for (let i = 0; i < v.length; i++) out[i] = walk(v[i], d)
      return out
    }
    if (v instanceof Map) {
      const out = new Map()
      seen.set(v, out)
      for (const [k, val] of v) {
        const censored = typeof k === 'string' && ctx.keyPattern !== null && ctx.keyPattern.test(k) && val != null
        if (censored) removed()
        out.set(walk(k, d), censored ? ctx.censor : walk(val, d))
      }
      return out
    }
    if (v instanceof Set) {
      const out = new Set()
      seen.set(v, out)
      for (const x of v) out.add(walk(x, d))
      return out
    }
    if (v instanceof Error) {
      const out = Object.create(errorPrototype(v))
      seen.set(v, out)
      for (const k of ['message', 'stack']) {
        if (typeof v[k] === 'string') Object.defineProperty(out, k, { value: ctx.mask(v[k]), writable: true, configurable: true, enumerable: false })
      }
      if (Object.prototype.hasOwnProperty.call(v, 'name') || Object.getPrototypeOf(out) !== Object.getPrototypeOf(v)) {
        Object.defineProperty(out, 'name', { value: walk(v.name, d), writable: true, configurable: true, enumerable: false })
      }
      if ('cause' in v) Object.defineProperty(out, 'cause', { value: walk(v.cause, d), writable: true, configurable: true, enumerable: false })
      if (v instanceof AggregateError && Array.isArray(v.errors)) Object.defineProperty(out, 'errors', { value: walk(v.errors, d), writable: true, configurable: true, enumerable: false })
      copyProps(v, out, d)
      return out
    }
    const shape = isPlainObject(v) ? v : httpShape(v)
    if (shape !== v) {
      // an http request/response: its fields, not its socket internals
      seen.set(v, null)
      const r = walk(shape, d)
      seen.set(v, r)
      return r
    }
    if (!isPlainObject(v) && typeof v.toJSON === 'function') {
      // What JSON.stringify (and so most loggers) would write for it.
      let j
      try { j = v.toJSON() } catch { j = undefined }
      if (j !== v && j !== undefined) {
        seen.set(v, null)
        const r = walk(j, d)
        seen.set(v, r)
        return r
      }
    }
    // Plain objects and other instances: a plain object of own enumerable string keys.
    const out = isPlainObject(v) && Object.getPrototypeOf(v) === null ? Object.create(null) : {}
    seen.set(v, out)
    copyProps(v, out, d)
    return out
  }

  // Copies whose keys came from the input: a secret used as a key (a map of
  // tokens to clients) is masked too, checked once for the whole value at the end.
  const keyed = []
  function copyProps (src, out, d) {
    const keys = Object.keys(src)
    // (counting only) non-enumerable secret-looking keys are not copied, but util.inspect
    // with showHidden (winston's %o) prints them: count them as removed
    if (report && ctx.keyPattern !== null) {
      for (const k of Object.getOwnPropertyNames(src)) {
        if (!Object.prototype.propertyIsEnumerable.call(src, k) && ctx.keyPattern.test(k)) removed()
      }
    }
    if (keys.length > 0) keyed.push(out)
    for (const k of keys) {
      let val
      try { val = src[k] } catch { val = '[Unreadable]'; removed() }
      if (k === 'toJSON' && typeof val === 'function') continue // would serialize the copy its own way
      if (ctx.keyPattern !== null && val != null && ctx.keyPattern.test(k)) { removed(); define(out, k, ctx.censor) }
      else define(out, k, walk(val, d))
    }
  }

  const out = walk(value, 0)
  if (keyed.length > 0) maskCopiedKeys(keyed, ctx)
  return out
}

// One native call for every key of every copy (the joined text changes when a
// key holds a secret); only then are the copies whose keys changed rebuilt, in
// place (they may be referenced from elsewhere in the copy) and in key order.
function maskCopiedKeys (copies, ctx) {
  const all = []
  for (const o of copies) for (const k of Object.keys(o)) all.push(k)
  const joined = all.join('\n')
  if (ctx.mask(joined) === joined) return
  for (const o of copies) {
    const keys = Object.keys(o)
    const names = maskKeys(keys, ctx)
    if (names === keys || names.every((n, i) => n === keys[i])) continue
    const values = keys.map((k) => o[k])
    for (const k of keys) delete o[k]
    for (let i = 0; i < keys.length; i++) define(o, names[i], values[i])
  }
}

// ------------------------------------------------------------------ masker

/**
 * createMasker({ censor, encodings, minLength, partial, keyPattern }) ->
 * { add, remove, mask, redact, size }
 */
function createMasker (options) {
  const o = checkOptions(options, 'createMasker')
  const nm = new native.NativeMasker(nativeOptions(o))
  return wrap(nm, {
    censor: o.censor !== undefined ? o.censor : DEFAULT_CENSOR,
    keyPattern: toKeyPattern(o.keyPattern),
    minLength: o.minLength !== undefined ? o.minLength : 4,
    maxDepth: Number.isInteger(o.maxDepth) ? o.maxDepth : DEFAULT_MAX_DEPTH
  })
}

function wrap (nm, state, fns) {
  if (!fns) fns = { str: (t) => nm.mask(t), utf16: (t) => nm.maskUtf16(t), buf: (b) => nm.maskBuffer(b) }
  const ctx = {
    get censor () { return state.censor },
    get keyPattern () { return state.keyPattern },
    get maxDepth () { return state.maxDepth },
    mask: (t) => maskWith(fns, state.minLength, t)
  }
  const masker = {
    /** Register a value (and its encodings). Throws VALUE_TOO_SHORT below minLength. Returns whether it was new. */
    add (value) {
      if (value instanceof Secret) value = value.expose()
      checkValue(value, 'add')
      return nm.add(value)
    },
    /** Forget a value now. Returns whether it was known. */
    remove (value) {
      if (value instanceof Secret) value = value.expose()
      checkValue(value, 'remove')
      return nm.remove(value)
    },
    /** Keep masking a value for graceMs (default: the masker's grace period), then forget it. */
    retire (value, graceMs) {
      if (value instanceof Secret) value = value.expose()
      checkValue(value, 'retire')
      if (graceMs !== undefined) checkGrace(graceMs)
      return nm.retire(value, graceMs)
    },
    /** Mask a string (returns a string) or a Buffer/Uint8Array (returns a new one). */
    mask: ctx.mask,
    /** Deep copy with strings masked and secret-looking keys censored. */
    redact: (value) => redactWith(value, ctx),
    clear () { nm.clear() },
    get size () { return nm.size },
    get patternCount () { return nm.patternCount }
  }
  Object.defineProperty(masker, '_native', { value: nm, enumerable: false })
  Object.defineProperty(masker, '_state', { value: state, enumerable: false })
  // redact() plus how many values the copy removed (the winston format's test
  // for "does this argument's rendering need replacing")
  Object.defineProperty(masker, '_redactCounting', {
    value: (value) => { const report = { censored: 0 }; return [redactWith(value, ctx, report), report.censored] },
    enumerable: false
  })
  return masker
}

// The process-wide default masker (shared with the Rust secret cache, which
// teaches it every value it serves).
const defaultState = {
  censor: DEFAULT_CENSOR,
  minLength: 4,
  maxDepth: DEFAULT_MAX_DEPTH,
  get keyPattern () { return learning.keyPattern },
  set keyPattern (p) { learning.keyPattern = p }
}
const defaultMasker = wrap(native.NativeMasker.defaultMasker(), defaultState,
  { str: native.maskDefault, utf16: native.maskDefaultUtf16, buf: native.maskDefaultBuffer })
const defaultNative = defaultMasker._native

/** Mask known secrets in a string or Buffer with the process-wide default masker. */
function mask (text) { return defaultMasker.mask(text) }
/** Deep-copy redaction with the default masker and the configured key pattern. */
function redact (value) { return defaultMasker.redact(value) }
/** Register a value with the default masker (throws VALUE_TOO_SHORT when too short). */
function addSecret (value) { return defaultMasker.add(value) }
/** Remove a value from the default masker now. */
function removeSecret (value) { return defaultMasker.remove(value) }
/** The value was rotated away: keep masking it for the grace period, then forget it. */
function retireSecret (value, graceMs) { return defaultMasker.retire(value, graceMs) }

/**
 * Configure the default masker: { keyPattern, graceMs, censor, minLength, encodings, partial }.
 * keyPattern also decides which config() keys are learned.
 */
function configureMasking (options) {
  if (options === undefined || options === null) throw typeError('INVALID_OPTION', 'configureMasking() needs an options object, e.g. { keyPattern, censor }')
  const o = checkOptions(options, 'configureMasking')
  const n = nativeOptions(o)
  if (o.keyPattern !== undefined) defaultState.keyPattern = toKeyPattern(o.keyPattern)
  if (Object.keys(n).length) defaultNative.configure(n)
  if (n.censor !== undefined) defaultState.censor = n.censor
  // The shortcut in maskWith() must stay at the lowest minLength ever set: values
  // registered under a lower minimum stay masked after it is raised.
  if (n.minLength !== undefined) defaultState.minLength = Math.min(defaultState.minLength, n.minLength)
  if (Number.isInteger(o.maxDepth)) defaultState.maxDepth = o.maxDepth
}

// ------------------------------------------------------------- fingerprint

/**
 * fingerprint(value, { key }) -> 'sgfp_' + 10 hex digits of HMAC-SHA256.
 * Key: options.key, else SECRET_GUARD_FINGERPRINT_KEY, else a random per-process key.
 */
function fingerprint (value, options) {
  const o = checkOptions(options, 'fingerprint', ['key'])
  let key = o.key
  if (key === undefined || key === null) {
    const k = process.env.SECRET_GUARD_FINGERPRINT_KEY
    key = k ? k : undefined
  } else if (typeof key !== 'string' && !Buffer.isBuffer(key)) {
    throw typeError('INVALID_KEY', 'fingerprint key must be a string or a Buffer')
  }
  if (value instanceof Secret) return value.fingerprint({ key })
  if (typeof value !== 'string' && !Buffer.isBuffer(value)) {
    throw typeError('SECRET_VALUE_TYPE', `fingerprint() expects a string or a Buffer, got ${value === null ? 'null' : typeof value}`)
  }
  if (typeof value === 'string') checkValue(value, 'fingerprint')
  return native.fingerprint(value, key)
}

// ------------------------------------------------------------------ Secret

/**
 * A secret value that never prints: console.log, util.inspect, JSON.stringify,
 * String(), template strings and concatenation all give '[REDACTED]'. The value
 * lives in Rust memory (zeroized when collected) and is read only by expose().
 */
class Secret {
  #box

  constructor (value, options) {
    if (value instanceof Secret) value = value.expose()
    checkValue(value, 'Secret')
    const o = checkOptions(options, 'Secret', ['learn'])
    this.#box = new native.SecretBox(value)
    // { learn: true }: the default masker also learns the value (skipped when
    // too short). Off by default: per-request Secrets would grow the default
    // masker without bound and force an automaton rebuild on each new value.
    if (o.learn === true) defaultNative.learn(value)
  }

  /** The raw value. The only way to read it. */
  expose () { return this.#box.expose() }
  /** Length in characters (not secret enough to hide; useful for validation). */
  get length () { return this.#box.length }
  /** Constant-time comparison with a candidate string. */
  equals (other) {
    if (other instanceof Secret) other = other.expose()
    return typeof other === 'string' && this.#box.equals(other)
  }

  /** fingerprint() of the value, computed in Rust without exposing it. */
  fingerprint (options) {
    const o = checkOptions(options, 'fingerprint', ['key'])
    let key = o.key
    if (key === undefined || key === null) key = process.env.SECRET_GUARD_FINGERPRINT_KEY || undefined
    else if (typeof key !== 'string' && !Buffer.isBuffer(key)) throw typeError('INVALID_KEY', 'fingerprint key must be a string or a Buffer')
    return this.#box.fingerprint(key)
  }

  toString () { return DEFAULT_CENSOR }
  toJSON () { return DEFAULT_CENSOR }
  valueOf () { return DEFAULT_CENSOR }
  [Symbol.toPrimitive] () { return DEFAULT_CENSOR }
  [util.inspect.custom] () { return DEFAULT_CENSOR }
  get [Symbol.toStringTag] () { return 'Secret' }

  static isSecret (v) { return v instanceof Secret }
}
Object.freeze(Secret.prototype)

// The `{ masker }` options of the winston and pino integrations: a misspelt
// name (maskr) must not silently fall back to the default masker.
function integrationMasker (o, name) {
  if (o === undefined || o === null) return defaultMasker
  if (typeof o !== 'object' || !isPlainObject(o)) throw typeError('INVALID_OPTION', `${name}() options must be an object { masker }`)
  for (const k of Object.keys(o)) {
    if (k !== 'masker') throw typeError('UNKNOWN_OPTION', `${name}(): unknown option '${k}' (allowed: masker)`)
  }
  const m = o.masker || defaultMasker
  if (typeof m.redact !== 'function' || typeof m.mask !== 'function') throw typeError('INVALID_OPTION', 'masker must come from createMasker()')
  return m
}

module.exports = {
  createMasker,
  mask,
  redact,
  addSecret,
  removeSecret,
  retireSecret,
  configureMasking,
  defaultMasker,
  fingerprint,
  Secret,
  DEFAULT_KEY_PATTERN,
  // for the winston and pino integrations
  maskKeys,
  setOwn,
  httpShape,
  integrationMasker
}
