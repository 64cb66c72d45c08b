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

// A factory mounted without being called (`app.use(secretGuard.express)`): it
// then receives (req, res, next). Every request is answered with a clear error
// through next() instead of hanging or half-working.
function looksLikeMiddlewareCall (args) {
  if (args.length < 3) return false
  const req = args[0]
  return req !== null && typeof req === 'object' && typeof req.method === 'string' &&
    req.headers !== null && typeof req.headers === 'object' && typeof args[2] === 'function'
}

function forgottenCall (fnName, args, call = `${fnName}({ ... })`) {
  const err = typeError('FACTORY_NOT_CALLED',
    `secretGuard.${fnName} is a factory: mount secretGuard.${call}, not secretGuard.${fnName} itself`)
  err.status = 500
  args[2](err)
}

// An options object as written in code ({ ... } or Object.create(null)): not an
// array, Date, Map or class instance, whose options would be silently ignored.
function isPlainObject (v) {
  const p = Object.getPrototypeOf(v)
  if (p === null || p === Object.prototype) return true
  // another realm's Object.prototype (vm contexts, some test runners)
  return Object.getPrototypeOf(p) === null && typeof p.constructor === 'function' && p.constructor.name === 'Object'
}

module.exports = { SecretGuardError, typeError, looksLikeMiddlewareCall, forgottenCall, isPlainObject }

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

module.exports.scrubPanic = scrubPanic
