'use strict'

/** Base class of every error secret-guard creates: a stable `code`, a short message, never a secret value. */
class SecretGuardError extends Error {
  constructor (code, message, props) {
    super(message)
    this.name = 'SecretGuardError'
    this.code = code
    if (props) Object.assign(this, props)
  }
}

/** Build a TypeError with a code (invalid options and arguments). */
function typeError (code, message) {
  const e = new TypeError(message)
  e.code = code
  return e
}

module.exports = { SecretGuardError, typeError }

// Async native calls report "CODE: message" (napi-derive limitation); sync ones
// already carry err.code. Normalise both into a SecretGuardError.
const CODED = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/
function fromNative (err) {
  if (!err || typeof err.message !== 'string') return err
  const m = CODED.exec(err.message)
  if (isPanic(err)) return scrubPanic(err)
  if (m && (!err.code || err.code === 'GenericFailure')) {
    const e = new SecretGuardError(m[1], m[2])
    return e
  }
  return err
}
module.exports.fromNative = fromNative

// A Rust panic caught by napi's catch_unwind arrives as a GenericFailure whose
// message is the panic payload (which may have been formatted from data). It
// becomes a SecretGuardError with code PANIC and a fixed message; the payload is
// dropped. Async panics arrive as "Panic in async function".
const PANIC_MESSAGE = 'secret-guard: internal error in the native addon (a Rust panic was caught); the call failed, the process continues'
function isPanic (err) {
  return !!err && err.code === 'GenericFailure' && typeof err.message === 'string' && !CODED.test(err.message)
}
function scrubPanic (err) {
  return isPanic(err) ? new SecretGuardError('PANIC', PANIC_MESSAGE) : err
}

/** Wrap every function, class method, getter and constructor of the napi binding so a caught panic surfaces as code PANIC. */
function guardNative (binding) {
  const wrapFn = (fn) => function (...args) {
    let r
    try {
      r = new.target ? Reflect.construct(fn, args, new.target) : fn.apply(this, args)
    } catch (err) {
      throw scrubPanic(err)
    }
    if (r !== null && typeof r === 'object' && typeof r.then === 'function' && !new.target) {
      return r.then(undefined, (err) => { throw scrubPanic(err) })
    }
    return r
  }
  const out = {}
  for (const [k, v] of Object.entries(binding)) {
    if (typeof v !== 'function') { out[k] = v; continue }
    const proto = v.prototype
    if (proto && Object.getOwnPropertyNames(proto).length > 1) {
      for (const [m, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
        if (m === 'constructor' || !d.configurable) continue
        if (typeof d.value === 'function') Object.defineProperty(proto, m, { ...d, value: wrapFn(d.value) })
        else if (d.get) Object.defineProperty(proto, m, { ...d, get: wrapFn(d.get) })
      }
      for (const [m, d] of Object.entries(Object.getOwnPropertyDescriptors(v))) {
        if (typeof d.value === 'function' && d.configurable && d.writable) Object.defineProperty(v, m, { ...d, value: wrapFn(d.value) })
      }
      out[k] = new Proxy(v, {
        construct (target, args, newTarget) {
          try { return Reflect.construct(target, args, newTarget) } catch (err) { throw scrubPanic(err) }
        },
      })
    } else {
      out[k] = wrapFn(v)
    }
  }
  return out
}
module.exports.guardNative = guardNative
module.exports.scrubPanic = scrubPanic
