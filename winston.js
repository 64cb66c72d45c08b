'use strict'
// secret-guard/winston: a winston format that masks every known secret (and
// censors secret-looking keys) in `message`, meta fields, splat arguments and,
// when placed after a finalizing format such as printf(), in the written line.
//
// Order: after errors() and splat() (so it sees the interpolated message and
// the merged meta), before the finalizing format:
//
//   const { createLogger, format, transports } = require('winston')
//   const sg = require('secret-guard/winston')
//   createLogger({
//     format: format.combine(format.errors({ stack: true }), format.splat(), sg.format(), format.json()),
//     transports: [...]
//   })
//
// The format never writes into the object it receives (winston passes the
// caller's own object as `info` for logger.info({ message, ... })): it returns
// a new info object carrying the triple-beam symbols (LEVEL, MESSAGE, SPLAT).

const util = require('util')
const { maskKeys, setOwn, integrationMasker } = require('./lib/mask')
const { typeError, SecretGuardError } = require('./lib/errors')

const MESSAGE = Symbol.for('message')
const SPLAT = Symbol.for('splat')

// logform's splat(): the tokens util.format interpolates, and escaped percents.
const FORMAT_TOKENS = /%[scdjifoO%]/g
const ESCAPED_PERCENT = /%%/g



/**
 * format({ masker }) -> a winston Format. `masker`: a masker from createMasker()
 * (default: the process-wide default masker behind mask()/redact()).
 */
function format (options = {}) {
  if (options === null || typeof options !== 'object') throw typeError('INVALID_OPTION', 'format() options must be an object')
  const m = integrationMasker(options, 'format')
  let winstonFormat
  try { winstonFormat = require('winston').format } catch (err) {
    if (err && err.code !== 'MODULE_NOT_FOUND') throw err
    throw new SecretGuardError('PEER_DEPENDENCY_MISSING', 'secret-guard/winston needs the winston package (an optional peer dependency): npm install winston')
  }

  const transform = (info) => {
    const state = m._state || {}
    const kp = state.keyPattern
    const censor = state.censor !== undefined ? state.censor : '[REDACTED]'
    let out
    if (info instanceof Error) {
      // logger.error(err) without errors() before us: keep it an Error (masked
      // message/stack, censored props) so a later errors() still recognises it.
      out = m.redact(info)
    } else {
      out = {}
      const keys = Object.keys(info)
      const names = maskKeys(keys, m) // a secret used as a key is masked too (as redact() does)
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]
        const v = info[k]
        if (k === 'level') setOwn(out, k, v) // colorized level names stay as they are
        else setOwn(out, names[i], kp && v != null && kp.test(k) ? censor : m.redact(v))
      }
    }
    for (const s of Object.getOwnPropertySymbols(info)) out[s] = info[s]
    const splat = info[SPLAT]
    if (Array.isArray(splat)) {
      // each argument's redacted copy, and how many values the copy removed
      const counted = splat.map((a) => m._redactCounting ? m._redactCounting(a) : [m.redact(a), 1])
      const redacted = counted.map((c) => c[0])
      out[SPLAT] = redacted
      if (!(info instanceof Error) && typeof info.message === 'string') {
        // (masked once above; a second native call only when a rendering was replaced)
        const msg = censorRenderedArgs(info.message, splat, counted, info)
        if (msg !== info.message) setOwn(out, 'message', m.mask(msg))
      }
    }
    if (typeof out[MESSAGE] === 'string') out[MESSAGE] = m.mask(out[MESSAGE])
    interpolateIfAssembling(out, m)
    return out
  }
  return winstonFormat(transform)()
}

// After splat(), an object argument is already written into the message
// (`%o`, `%O`, `%j`, `%s`), where a value under a secret-looking key the masker
// does not know cannot be found any more. splat() writes it with util.format,
// i.e. one of these renderings: find each object argument's rendering in the
// message and put the rendering of its redacted copy in its place.
const RENDERINGS = [
  (a) => util.inspect(a, { showHidden: true, showProxy: true, depth: 4 }), // %o
  (a) => util.inspect(a), // %O
  (a) => JSON.stringify(a), // %j
  (a) => util.inspect(a, { depth: 0, colors: false, compact: 3 }) // %s of an object
]
// A meta object winston merged into info (logger.info('msg', meta)) that is not
// also printed into the message (logger.info('%o', creds, creds) merges the second
// and prints the first, the same values): a rendering writes each key followed by
// ':' as `k:`, `'k':` (inspect, escaped) or `"k":` (JSON, escaped), so one whose
// keys the message has in none of those spellings was not printed.
const renderedKey = (msg, k) => msg.includes(k + ':') || msg.includes(JSON.stringify(k) + ':') || msg.includes(util.inspect(k) + ':')
function mergedMeta (info, a, msg) {
  let ks
  try {
    // only a rendering that writes the keys can be told apart this way: not an
    // array's ('0' is never written) nor one through toJSON / inspect.custom
    if (Array.isArray(a) || typeof a.toJSON === 'function' || typeof a[util.inspect.custom] === 'function') return false
    ks = Object.keys(a)
  } catch { return false }
  return ks.length > 0 && ks.every((k) => Object.prototype.hasOwnProperty.call(info, k) && info[k] === a[k]) &&
    !ks.some((k) => renderedKey(msg, k))
}
// Only arguments whose copy removed or dropped something (a value under a
// secret-looking key, a depth limit, an unreadable object) are looked for:
// anything else the final mask() covers (known values), and their renderings
// stay as splat() wrote them (class names, boxed values, Secrets).
function censorRenderedArgs (msg, splat, counted, info) {
  for (let i = 0; i < splat.length; i++) {
    const a = splat[i]
    const [copy, removed] = counted[i]
    if (removed === 0 || a === null || typeof a !== 'object') continue
    // a rendering that shows a censored value has a {, [ or < in it
    if (!/[{[<]/.test(msg) || mergedMeta(info, a, msg)) continue
    for (const render of RENDERINGS) {
      let before, after
      try { before = render(a) } catch { continue }
      if (typeof before !== 'string' || before.length === 0 || !msg.includes(before)) continue
      try { after = String(render(copy)) } catch { continue }
      if (after !== before) msg = msg.split(before).join(after)
    }
  }
  return msg
}

// Placed before splat() (the order older docs showed), masking the message and
// the splat arguments one by one cannot see a secret that splat() assembles
// from pieces ('key=sk_live_%s' + the rest). When the message still has
// tokens, check what splat() would write; if that contains a secret, do the
// interpolation here, masked, leaving only the meta objects for splat().
function interpolateIfAssembling (out, m) {
  const msg = out.message
  const splat = out[SPLAT]
  if (typeof msg !== 'string' || !Array.isArray(splat) || splat.length === 0 || msg.indexOf('%') === -1) return
  const tokens = msg.match(FORMAT_TOKENS)
  if (!tokens) return
  const escapes = msg.match(ESCAPED_PERCENT)
  const expected = tokens.length - (escapes ? escapes.length : 0)
  const args = splat.length > expected ? splat.slice(0, expected) : splat
  const text = util.format(msg, ...args)
  const masked = m.mask(text)
  if (masked === text) return // nothing assembled: leave interpolation to splat()
  out.message = masked
  out[SPLAT] = splat.length > expected ? splat.slice(expected) : []
}

module.exports = { format }
