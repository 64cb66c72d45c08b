'use strict'
// secret-guard/pino: two complementary pieces.
//
// destination(stream): wraps the stream pino writes to and masks every line
//   (one native call per line). It sees exactly what pino writes — msg,
//   merged objects, serialized errors, child-logger bindings — so it is the
//   complete guarantee for known secrets.
// options(pinoOptions): pino options that censor values under secret-looking
//   keys (password, token, apiKey, authorization, cookie, ...) even when the
//   value was never registered, and mask known values: in the logged object
//   (formatters.log), in each serializer's output (so an http request still
//   reaches pino's req serializer as a request), in the final interpolated
//   message (a serializer for the message key), in object format arguments,
//   and in `base`, child() and setBindings() bindings.
//
//   const pino = require('pino')
//   const sg = require('secret-guard/pino')
//   const logger = pino(sg.options(), sg.destination(pino.destination(1)))

const { maskKeys, setOwn, httpShape: plainHttpShape, integrationMasker } = require('./lib/mask')
const { typeError } = require('./lib/errors')

const PASSTHROUGH = ['flush', 'flushSync', 'end', 'destroy', 'reopen', 'on', 'once', 'off', 'removeListener', 'emit']

/**
 * destination(stream = process.stdout, { masker }) -> a stream for pino that
 * masks each chunk before handing it to `stream`.
 */
function destination (stream, options) {
  if (stream === undefined || stream === null) stream = process.stdout
  if (typeof stream.write !== 'function') throw typeError('INVALID_OPTION', 'destination() needs a stream with write()')
  const m = integrationMasker(options, 'destination')
  const out = {
    // pino(dest) with a single argument recognises a stream by `writable`.
    writable: true,
    write (chunk, ...rest) {
      return stream.write(typeof chunk === 'string' || Buffer.isBuffer(chunk) ? m.mask(chunk) : chunk, ...rest)
    }
  }
  for (const name of PASSTHROUGH) {
    if (typeof stream[name] === 'function') out[name] = stream[name].bind(stream)
  }
  Object.defineProperty(out, 'stream', { value: stream, enumerable: false })
  return out
}

// pino's own symbols for a logger's serializers and formatters (global,
// Symbol.for) and its
// serialized bindings (module-local: found once by description).
const SERIALIZERS = Symbol.for('pino.serializers')
const FORMATTERS = Symbol.for('pino.formatters')
let chindingsSym = null
const noChindings = new WeakSet()

function chindingsSymbol (logger) {
  if (chindingsSym !== null && typeof logger[chindingsSym] === 'string') return chindingsSym
  if (noChindings.has(logger)) return null
  for (let o = logger; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const s of Object.getOwnPropertySymbols(o)) {
      if (s.description === 'pino.chindings' && typeof logger[s] === 'string') {
        chindingsSym = s
        return s
      }
    }
  }
  noChindings.add(logger)
  return null
}

// Bindings as pino stored them (',"k":v,...', JSON it wrote itself): redacted,
// and rewritten only if that changed something.
function cleanChindings (s, m) {
  if (typeof s !== 'string' || s.length < 2) return s
  let parsed
  try { parsed = JSON.parse('{' + s.slice(1) + '}') } catch { return m.mask(s) }
  const before = JSON.stringify(parsed)
  const after = JSON.stringify(m.redact(parsed))
  return after === before ? s : ',' + after.slice(1, -1)
}



let std
function stdSerializers () {
  if (std === undefined) {
    try { std = require('pino').stdSerializers } catch { std = null }
  }
  return std
}

// An http.IncomingMessage / ServerResponse under a key without a serializer:
// pino would stringify the object itself (socket internals, rawHeaders with
// the authorization and cookie values). Logged the way pino logs one passed as
// the merging object: its std serializer (lib/mask.js has the same shape
// without pino), whose headers redact() censors.
function httpShape (v) {
  if (v === null || typeof v !== 'object') return v
  let p
  // a revoked Proxy / throwing getPrototypeOf trap: let redact() turn it into '[Unreadable]'
  try { p = Object.getPrototypeOf(v); if (Array.isArray(v)) return v } catch { return v }
  if (p === null || p === Object.prototype) return v
  const shape = plainHttpShape(v)
  if (shape === v) return v
  const s = stdSerializers()
  if (s === null) return shape
  try {
    if (typeof v.method === 'string') return s.req(v)
    if (typeof v.setHeader === 'function') return s.res(v)
  } catch {}
  return shape
}

// The merging object (first argument, when it is an object) is left to
// formatters.log and the serializers; object format arguments (%j, %o, %O)
// become text in the message, so they are redacted here. Strings are not: the
// message serializer masks the interpolated message as a whole (a secret split
// across the format string and an argument is caught there).
function formatArgsRedacted (args, m) {
  const first = args.length > 0 && (typeof args[0] === 'object' || args[0] === undefined) ? 2 : 1
  let out = args
  for (let i = first; i < args.length; i++) {
    const a = args[i]
    if (a !== null && typeof a === 'object') {
      if (out === args) out = args.slice()
      out[i] = m.redact(a)
    }
  }
  return out
}

/**
 * options(pinoOptions = {}, { masker }) -> pinoOptions with
 * - formatters.log: redacts each logged object (after any formatters.log you
 *   gave) — except values whose key has a serializer: those reach the
 *   serializer untouched (an http.IncomingMessage stays one) and the
 *   serializer's output is redacted instead. An http request/response under a
 *   key without a serializer is logged in pino's std serializer shape.
 * - formatters.bindings: redacts `base` (after your own bindings formatter);
 * - serializers: yours, their output redacted, plus one for the message key
 *   that masks the final, interpolated message;
 * - hooks.logMethod: redacts object format arguments (%j, %o), then calls your
 *   own hook; it also redacts child-logger and setBindings() bindings, which
 *   pino serializes without any formatter.
 */
function options (pinoOptions = {}, sgOptions) {
  if (pinoOptions === null || typeof pinoOptions !== 'object') throw typeError('INVALID_OPTION', 'options() expects a pino options object')
  const m = integrationMasker(sgOptions, 'options')
  const messageKey = typeof pinoOptions.messageKey === 'string' ? pinoOptions.messageKey : 'msg'
  const errorKey = typeof pinoOptions.errorKey === 'string' ? pinoOptions.errorKey : 'err'
  const ours = new WeakSet() // serializers whose output is redacted
  const wrappedSets = new WeakSet() // pino serializer objects already wrapped
  const CLEAN = Symbol('secret-guard.cleanChindings')

  const outputRedacted = (fn) => {
    if (ours.has(fn)) return fn
    const w = function (v) { return m.redact(fn.call(this, v)) }
    ours.add(w)
    return w
  }
  const messageMasked = (fn) => {
    const w = function (v) {
      const u = fn ? fn.call(this, v) : v
      return typeof u === 'string' ? m.mask(u) : m.redact(u)
    }
    ours.add(w)
    return w
  }

  const userSerializers = pinoOptions.serializers || {}
  const serializers = {}
  for (const k of Object.keys(userSerializers)) {
    const s = userSerializers[k]
    serializers[k] = typeof s === 'function' && k !== messageKey ? outputRedacted(s) : s
  }
  for (const s of Object.getOwnPropertySymbols(userSerializers)) serializers[s] = userSerializers[s]
  serializers[messageKey] = messageMasked(typeof userSerializers[messageKey] === 'function' ? userSerializers[messageKey] : undefined)

  // The serializers of the logger now logging (set by logMethod, which runs
  // synchronously around formatters.log); the static set as a fallback.
  let active = null

  // formatters.log: `userLog` first, then redaction. One per log formatter:
  // a child given its own formatters.log gets it wrapped too (see prepare()).
  const ourLogs = new WeakSet()
  const makeLog = (userLog) => {
    const log = (obj) => {
      const o = userLog ? userLog(obj) : obj
      let isArr = true
      try { isArr = Array.isArray(o) } catch {}
      if (o === null || typeof o !== 'object' || isArr) return m.redact(o)
      const ser = active || serializers
      const state = m._state || {}
      const kp = state.keyPattern
      const censor = state.censor !== undefined ? state.censor : '[REDACTED]'
      const out = {}
      const keys = Object.keys(o)
      const names = maskKeys(keys, m) // a secret used as a key is masked too (as redact() does)
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]
        const key = names[i]
        let v
        try { v = o[k] } catch { v = '[Unreadable]' }
        if (kp && v != null && kp.test(k)) { setOwn(out, key, censor); continue }
        const s = ser[k] || (k === errorKey ? ser.err : undefined)
        if (key === k && typeof s === 'function' && ours.has(s)) setOwn(out, k, v) // serialized next, output redacted
        else setOwn(out, key, m.redact(httpShape(v)))
      }
      return out
    }
    ourLogs.add(log)
    return log
  }
  const formatters = { ...(pinoOptions.formatters || {}) }
  formatters.log = makeLog(formatters.log)
  const userBindings = formatters.bindings
  formatters.bindings = (b) => m.redact(userBindings ? userBindings(b) : b)

  const hooks = { ...(pinoOptions.hooks || {}) }
  const userLogMethod = hooks.logMethod
  hooks.logMethod = function (args, method, level) {
    prepare(this)
    const prev = active
    active = this[SERIALIZERS] || null
    try {
      const a = formatArgsRedacted(args, m)
      if (userLogMethod) return userLogMethod.call(this, a, method, level)
      return method.apply(this, a)
    } finally {
      active = prev
    }
  }

  // Once per logger instance / serializer set / bindings change; per line it
  // is a WeakSet lookup and a string comparison.
  function prepare (logger) {
    const ser = logger[SERIALIZERS]
    if (ser && typeof ser === 'object' && !wrappedSets.has(ser)) {
      // pino's default err serializer and serializers given to child(): wrap them too.
      for (const k of Object.keys(ser)) {
        const s = ser[k]
        if (typeof s === 'function' && !ours.has(s)) ser[k] = k === messageKey ? messageMasked(s) : outputRedacted(s)
      }
      if (typeof ser[messageKey] !== 'function') ser[messageKey] = messageMasked(undefined)
      wrappedSets.add(ser)
    }
    const fm = logger[FORMATTERS]
    if (fm && typeof fm.log === 'function' && !ourLogs.has(fm.log)) logger[FORMATTERS] = { ...fm, log: makeLog(fm.log) }
    const ch = chindingsSymbol(logger)
    if (ch === null) return
    const cur = logger[ch]
    if (cur === logger[CLEAN]) return
    const clean = cleanChindings(cur, m)
    if (clean !== cur) logger[ch] = clean
    logger[CLEAN] = clean
  }

  return { ...pinoOptions, formatters, hooks, serializers }
}

module.exports = { destination, options }
