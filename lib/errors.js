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
  if (m && (!err.code || err.code === 'GenericFailure')) {
    const e = new SecretGuardError(m[1], m[2])
    return e
  }
  return err
}
module.exports.fromNative = fromNative
