'use strict'
// secret-guard/winston: a winston format that masks every known secret (and
// censors secret-looking keys) in `message`, meta fields, splat arguments and,
// when placed after a finalizing format such as json(), in the written line.
//
//   const { createLogger, format, transports } = require('winston')
//   const sg = require('secret-guard/winston')
//   createLogger({ format: format.combine(format.splat(), format.json(), sg.format()), transports: [...] })

const { defaultMasker } = require('./lib/mask')
const { typeError } = require('./lib/errors')

const MESSAGE = Symbol.for('message')
const SPLAT = Symbol.for('splat')

/**
 * format({ masker }) -> a winston Format. `masker`: a masker from createMasker()
 * (default: the process-wide default masker behind mask()/redact()).
 */
function format (options = {}) {
  if (options === null || typeof options !== 'object') throw typeError('INVALID_OPTION', 'format() options must be an object')
  const m = options.masker || defaultMasker
  if (typeof m.redact !== 'function' || typeof m.mask !== 'function') throw typeError('INVALID_OPTION', 'masker must come from createMasker()')
  const { format: winstonFormat } = require('winston')
  const transform = (info) => {
    const state = m._state || {}
    const kp = state.keyPattern
    const censor = state.censor !== undefined ? state.censor : '[REDACTED]'
    for (const k of Object.keys(info)) {
      if (k === 'level') continue // colorized level names stay as they are
      const v = info[k]
      if (kp && v != null && kp.test(k)) info[k] = censor
      else info[k] = m.redact(v)
    }
    const splat = info[SPLAT]
    if (Array.isArray(splat)) info[SPLAT] = splat.map((a) => m.redact(a))
    if (typeof info[MESSAGE] === 'string') info[MESSAGE] = m.mask(info[MESSAGE])
    return info
  }
  return winstonFormat(transform)()
}

module.exports = { format }
