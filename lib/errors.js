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

module.exports.scrubPanic = scrubPanic
