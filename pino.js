'use strict'
// secret-guard/pino: two complementary pieces.
//
// destination(stream): wraps the stream pino writes to and masks every line
//   (one native call per line). It sees exactly what pino writes — msg,
//   merged objects, serialized errors, child-logger bindings (which pino
//   pre-serializes when child() is called, out of reach of formatters) — so it
//   is the complete guarantee for known secrets.
// options(pinoOptions): pino options whose formatters.log / hooks.logMethod
//   redact each logged object and argument: values under secret-looking keys
//   (password, token, apiKey, ...) are censored even when the value itself was
//   never registered.
//
//   const pino = require('pino')
//   const sg = require('secret-guard/pino')
//   const logger = pino(sg.options(), sg.destination(pino.destination(1)))

const { defaultMasker } = require('./lib/mask')
const { typeError } = require('./lib/errors')

function pickMasker (o) {
  const m = (o && o.masker) || defaultMasker
  if (typeof m.redact !== 'function' || typeof m.mask !== 'function') throw typeError('INVALID_OPTION', 'masker must come from createMasker()')
  return m
}

const PASSTHROUGH = ['flush', 'flushSync', 'end', 'destroy', 'reopen', 'on', 'once', 'off', 'removeListener', 'emit']

/**
 * destination(stream = process.stdout, { masker }) -> a stream for pino that
 * masks each chunk before handing it to `stream`.
 */
function destination (stream, options) {
  if (stream === undefined || stream === null) stream = process.stdout
  if (typeof stream.write !== 'function') throw typeError('INVALID_OPTION', 'destination() needs a stream with write()')
  const m = pickMasker(options)
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

/**
 * options(pinoOptions = {}, { masker }) -> pinoOptions with formatters.log
 * (deep redaction of every logged object, after any formatters.log you gave)
 * and hooks.logMethod (masks string arguments, redacts object arguments).
 */
function options (pinoOptions = {}, sgOptions) {
  if (pinoOptions === null || typeof pinoOptions !== 'object') throw typeError('INVALID_OPTION', 'options() expects a pino options object')
  const m = pickMasker(sgOptions)
  const formatters = { ...(pinoOptions.formatters || {}) }
  const userLog = formatters.log
  formatters.log = (obj) => m.redact(userLog ? userLog(obj) : obj)
  const hooks = { ...(pinoOptions.hooks || {}) }
  const userLogMethod = hooks.logMethod
  hooks.logMethod = function (args, method, level) {
    const masked = args.map((a) => m.redact(a))
    if (userLogMethod) return userLogMethod.call(this, masked, method, level)
    return method.apply(this, masked)
  }
  return { ...pinoOptions, formatters, hooks }
}

module.exports = { destination, options }
