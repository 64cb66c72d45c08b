'use strict'
// Public API of secret-guard, and the two things `require('secret-guard').config()`
// needs: the Rust addon and the dotenv-compatible loader. Every other capability
// lives in lib/<capability>.js and is loaded on first use.
//
// Why those two live here and not in lib/: on Node 20 each further CommonJS file
// costs ~0.4 ms of start-up (resolve, realpath, read, compile), measured with
// bench/parse.bench.js's start-up rounds; config() start-up is a target of this
// package (README, "Benchmarks"). lib/native.js and lib/env.js hand the same
// objects to the rest of lib/.

const fs = require('fs')
const path = require('path')

// ---------------------------------------------------------------------------
// The native addon. Fast path: one dlopen of a known path, no probing — the
// .node file that `npm run build` puts next to package.json, else the published
// platform package (npm/<platform>/) where package managers install it: a
// sibling of this package (flat node_modules; pnpm links optional dependencies
// next to the package's real path) or nested under it, of this exact version.
// Otherwise the napi CLI's generated loader, binding.js, which also knows musl,
// other layouts and NAPI_RS_NATIVE_LIBRARY_PATH — but spends several
// milliseconds finding out, which would show in `config()` start-up.
const TRIPLE = `${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : process.platform === 'win32' ? '-msvc' : ''}`
// musl (Alpine): a glibc addon from a platform package must never be dlopen'ed
// there (gcompat can make it load). musl's dynamic loader is /lib/ld-musl-<arch>.so.1:
// one stat, made only before opening a platform package (reading /usr/bin/ldd first,
// as binding.js does, cost ~1 ms of start-up). A glibc system with Debian's musl
// package has that file too: there /usr/bin/ldd is glibc's script, not musl's.
// (A local build is opened without this check: a build from source names its file
// for the libc it was built on, -musl on musl.)
let musl
function isMusl () {
  if (musl === undefined) {
    const arch = { x64: 'x86_64', arm64: 'aarch64', arm: 'armhf', ia32: 'i386' }[process.arch]
    musl = process.platform === 'linux' && arch !== undefined && fs.existsSync(`/lib/ld-musl-${arch}.so.1`) && (() => {
      try { return fs.readFileSync('/usr/bin/ldd', 'latin1').includes('musl') } catch { return true }
    })()
  }
  return musl
}
const PREBUILT = ['linux-x64-gnu', 'linux-arm64-gnu', 'darwin-arm64', 'darwin-x64', 'win32-x64-msvc']
let loadFailure = null // a platform package that is there but would not load (e.g. too old a glibc)
const PLATFORM_PACKAGE = `secret-guard-${TRIPLE}`
function dlopen (file) {
  // process.dlopen rather than require(): an absolute path needs none of the
  // module resolver's stat/realpath/package-scope work.
  const m = { exports: {} }
  process.dlopen(m, file)
  return m.exports
}
const versionOf = (dir) => JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version
function localBuild () {
  if (process.env.NAPI_RS_NATIVE_LIBRARY_PATH) return null
  const file = `secret-guard.${TRIPLE}.node`
  try { return dlopen(path.join(__dirname, file)) } catch {}
  let version
  for (const dir of [path.join(__dirname, '..', PLATFORM_PACKAGE), path.join(__dirname, 'node_modules', PLATFORM_PACKAGE)]) {
    try {
      version = version || versionOf(__dirname)
      if (versionOf(dir) === version) {
        if (isMusl()) return null // npm ignoring `libc`, or a node_modules copied from a glibc host
        try { return dlopen(path.join(dir, file)) } catch (err) { loadFailure = loadFailure || err }
      }
    } catch {}
  }
  return null // not installed there, or not loadable (e.g. a musl system): let binding.js decide
}

let binding = localBuild()
if (!binding) {
  try {
    binding = require('./binding.js')
  } catch (err) {
    let version = '?'
    try { version = versionOf(__dirname) } catch {}
    const e = new Error(
      `secret-guard: no native addon for this platform (${isMusl() ? TRIPLE.replace('-gnu', '-musl') : TRIPLE}). ` +
        (err && err.code === 'MODULE_NOT_FOUND' && /binding\.js/.test(String(err.message))
          ? 'This copy of the package is incomplete (binding.js is missing): reinstall it. '
          : isMusl()
            ? 'This is a musl libc system (Alpine): there is no prebuilt addon for it; use a glibc base image (e.g. node:20-slim) or build from source. '
            : !PREBUILT.includes(TRIPLE)
              ? `There is no prebuilt addon for ${TRIPLE}. `
              : loadFailure
                ? `Its platform package ${PLATFORM_PACKAGE}@${version} is installed but could not be loaded: ${loadFailure.message}. `
                : `Install its platform package ${PLATFORM_PACKAGE}@${version} (an optional dependency: ` +
            'reinstall without --omit=optional / --no-optional; with a lockfile made on another platform, ' +
            'delete node_modules and package-lock.json first, npm/cli#4828). ') +
        'Prebuilt: linux-x64-gnu, linux-arm64-gnu, darwin-arm64, darwin-x64, win32-x64-msvc (not musl). ' +
        'In a clone of the repository: npm run build (needs Rust).'
    )
    e.code = 'NATIVE_ADDON_MISSING'
    e.cause = err
    throw e
  }
}
// lib/errors.js is loaded only when a native call fails.
function scrub (err) { return require('./lib/errors').scrubPanic(err) }

/** Wrap every function, class method, getter and constructor of the napi binding so a caught panic surfaces as code PANIC. */
function guardNative (binding) {
  const wrapFn = (fn) => function (...args) {
    let r
    try {
      r = new.target ? Reflect.construct(fn, args, new.target) : fn.apply(this, args)
    } catch (err) {
      throw scrub(err)
    }
    if (r !== null && typeof r === 'object' && typeof r.then === 'function' && !new.target) {
      return r.then(undefined, (err) => { throw scrub(err) })
    }
    return r
  }
  const guardClass = (v) => {
    for (const [m, d] of Object.entries(Object.getOwnPropertyDescriptors(v.prototype))) {
      if (m === 'constructor' || !d.configurable) continue
      if (typeof d.value === 'function') Object.defineProperty(v.prototype, m, { ...d, value: wrapFn(d.value) })
      else if (d.get) Object.defineProperty(v.prototype, m, { ...d, get: wrapFn(d.get) })
    }
    for (const [m, d] of Object.entries(Object.getOwnPropertyDescriptors(v))) {
      if (typeof d.value === 'function' && d.configurable && d.writable) Object.defineProperty(v, m, { ...d, value: wrapFn(d.value) })
    }
    return new Proxy(v, {
      construct (target, args, newTarget) {
        try { return Reflect.construct(target, args, newTarget) } catch (err) { throw scrub(err) }
      },
    })
  }
  // napi-rs classes carry methods on their prototype; plain functions only `constructor`.
  const guard = (v) => typeof v !== 'function' ? v
    : v.prototype && Object.getOwnPropertyNames(v.prototype).length > 1 ? guardClass(v) : wrapFn(v)
  // Wrapped on first access (start-up pays only for what config() uses).
  const out = {}
  for (const k of Object.keys(binding)) {
    Object.defineProperty(out, k, {
      enumerable: true,
      configurable: true,
      get () {
        const value = guard(binding[k])
        Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true })
        return value
      }
    })
  }
  return out
}

// Caught Rust panics surface as errors with code PANIC (lib/errors.js scrubPanic).
const native = guardNative(binding)

// ---------------------------------------------------------------------------
// env files: dotenv-compatible loader. parse() in Rust; config()/populate() as
// thin glue that follows dotenv 18's option handling and return shape.

// os, url and lib/errors.js are needed only for `~` paths, debug output and
// errors: loaded on first use, so `require('secret-guard').config()` reads
// as few files as possible at start-up.
const typeError = (code, message) => require('./lib/errors').typeError(code, message)
const codedError = (code, message, props) => new (require('./lib/errors').SecretGuardError)(code, message, props)

const DEFAULT_MAX_FILE_SIZE = 16 * 1024 * 1024

// Options handled by lib/envx.js (expansion, cascade, decryption, validation).
const EXTRA_OPTIONS = ['expand', 'cascade', 'convention', 'nodeEnv', 'required', 'schema', 'strict', 'decrypt', 'privateKey', 'envKeysFile']
function usesExtras (options) {
  if (options === null || typeof options !== 'object') return false
  return EXTRA_OPTIONS.some((k) => options[k] !== undefined && options[k] !== false && options[k] !== null)
}

// config() teaches the process-wide default masker every value whose key looks
// secret, without loading lib/mask.js: with the default pattern Rust does it
// while parsing (src/masking is_secret_key, equal to DEFAULT_KEY_PATTERN on the
// ASCII keys the parser produces); otherwise learnSecrets() below calls the
// masker's native learnSecret (a custom pattern; and lib/envx.js, whose values
// are known only after expansion or decryption). configureMasking({ keyPattern })
// sets learning.keyPattern; too-short values are skipped, and config() never
// throws because of masking.
const DEFAULT_KEY_PATTERN = /pass(word)?|secret|token|api[-_]?key|private[-_]?key|authorization|cookie/i
const learning = { keyPattern: DEFAULT_KEY_PATTERN }
function learnSecrets (parsed) {
  const kp = learning.keyPattern
  if (!kp || !parsed) return
  for (const key of Object.keys(parsed)) {
    const v = parsed[key]
    if (typeof v === 'string' && kp.test(key)) {
      try { binding.learnSecret(v) } catch { /* never break config() (raw binding: no wrapper to build) */ }
    }
  }
}

function parseBoolean (v) {
  if (typeof v === 'string') return !['false', '0', 'no', 'off', ''].includes(v.toLowerCase())
  return Boolean(v)
}

// DOTENV_X or DOTENV_CONFIG_X, as dotenv reads them.
function optionsFromEnv (env = process.env, names = ['ENCODING', 'PATH', 'QUIET', 'DEBUG', 'OVERRIDE']) {
  const out = {}
  for (const name of names) {
    const v = env[`DOTENV_${name}`] != null ? env[`DOTENV_${name}`] : env[`DOTENV_CONFIG_${name}`]
    if (v != null) out[name.toLowerCase()] = name === 'ENCODING' || name === 'PATH' ? v : parseBoolean(v)
  }
  return out
}

function debugLog (msg) { console.log(`[secret-guard][DEBUG] ${msg}`) }

/**
 * Parse .env source text (string or Buffer) into an object, with dotenv's rules.
 * Invalid UTF-8 in a Buffer throws an error with code INVALID_UTF8.
 */
function parse (src) {
  if (typeof src !== 'string' && !(Buffer.isBuffer(src) && src.toString === Buffer.prototype.toString)) {
    if (src == null) throw typeError('INVALID_SOURCE', 'parse() expects a string or a Buffer')
    // dotenv calls src.toString() (a plain Buffer's is UTF-8 decoding, done in Rust here)
    src = src.toString()
    if (typeof src !== 'string') throw typeError('INVALID_SOURCE', `parse() expects a string or a Buffer (toString() returned ${src === null ? 'null' : typeof src})`)
  }
  return parseSource(src, false)
}

// A JS string with lone surrogates (no file holds them: files are bytes, and
// UTF-8 cannot encode them). dotenv keeps them in values; Rust reads strings as
// UTF-8, which would turn them into U+FFFD. So each distinct lone surrogate is
// swapped for a private-use character the source does not contain — the same
// to the dotenv regex: not white space, not a line end, not a key character,
// not a quote — and swapped back in the result.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
const PRIVATE_USE = /[\uE000-\uF8FF]/g
function parseIllFormed (src, learn) {
  // Linear, like the parser: one pass to see which private-use characters the
  // source already holds, one to swap, one per value to swap back.
  const taken = new Set(src.match(PRIVATE_USE))
  const back = new Map()
  const to = new Map()
  let next = 0xE000
  const swapped = src.replace(LONE_SURROGATE, (c) => {
    let p = to.get(c)
    if (p === undefined) {
      while (next <= 0xF8FF && taken.has(String.fromCharCode(next))) next++
      // private-use area exhausted (thousands of them in the source): U+FFFD, as UTF-8 would
      p = next <= 0xF8FF ? String.fromCharCode(next++) : '\uFFFD'
      to.set(c, p)
      if (p !== '\uFFFD') back.set(p, c)
    }
    return p
  })
  const out = parseSource(swapped, false)
  if (back.size > 0) {
    for (const k of Object.keys(out)) out[k] = out[k].replace(PRIVATE_USE, (p) => back.get(p) ?? p)
  }
  // Rust would have learned the swapped values: learn the real ones here.
  if (learn) learnSecrets(out)
  return out
}

// parse() of a string or Buffer; `learn`: Rust also teaches the default masker
// the values whose keys pass the default key rule (config()'s learning).
function parseSource (src, learn) {
  if (typeof src === 'string' && !src.isWellFormed()) return parseIllFormed(src, learn)
  // Rust parses and serialises; V8 builds the object from the JSON text
  // faster than napi can define it property by property (src/env_file/napi.rs).
  // The raw binding with the guard's panic scrubbing inline: config() start-up
  // skips building the guarded wrapper.
  let json
  try {
    json = binding.parseEnvJson(src, learn)
  } catch (err) {
    throw scrub(err)
  }
  return JSON.parse(json)
}

/** Copy `parsed` into `target`; existing keys stay unless override. Returns the keys it set. */
function populate (target, parsed, options = {}) {
  checkObjects(target, parsed)
  const set = {}
  assign(target, parsed, parseBoolean(options && options.override), parseBoolean(options && options.debug), set)
  return set
}

function checkObjects (target, parsed) {
  if (target === null || typeof target !== 'object' || parsed === null || typeof parsed !== 'object') {
    throw typeError('OBJECT_REQUIRED', 'OBJECT_REQUIRED: Please check the processEnv argument being passed to populate')
  }
}

// populate() without the argument checks; records what it set in `set` when
// given one. Returns how many keys it set. Writes go through Reflect.set:
// dotenv's code is sloppy-mode, where a write to a frozen target or a
// getter-only key fails silently and the next keys are still written.
function assign (target, parsed, override, debug, set) {
  let n = 0
  for (const key of Object.keys(parsed)) {
    if (Object.prototype.hasOwnProperty.call(target, key)) {
      if (override === true) {
        Reflect.set(target, key, parsed[key])
        if (set) set[key] = parsed[key]
        n++
      }
      if (debug) debugLog(override === true ? `"${key}" is already defined and WAS overwritten` : `"${key}" is already defined and was NOT overwritten`)
    } else {
      Reflect.set(target, key, parsed[key])
      if (set) set[key] = parsed[key]
      n++
    }
  }
  return n
}

function resolveHome (p) {
  return typeof p === 'string' && p[0] === '~' ? path.join(require('os').homedir(), p.slice(1)) : p
}

function displayPath (p) {
  try {
    return path.relative(process.cwd(), p instanceof URL ? require('url').fileURLToPath(p) : String(p))
  } catch {
    return String(p)
  }
}

// Read at most limit + 1 bytes: a character device (/dev/zero, /dev/urandom) or a pipe
// reports size 0 and may never end, so readFileSync() would read until memory runs
// out. Plain reads into a growing buffer, no stat (fs.fstatSync cost ~0.5 ms of
// config() start-up); a directory fails in read() with EISDIR, as before.
// `p`: a path, or an open file descriptor (stdin: 0), which is not closed.
function readBounded (p, limit) {
  const cap = Number.isFinite(limit) && limit >= 0 ? Math.floor(limit) + 1 : Infinity
  const own = typeof p !== 'number'
  const fd = own ? fs.openSync(p, 'r') : p
  try {
    let buf = Buffer.allocUnsafeSlow(Math.min(cap, 64 * 1024))
    let total = 0
    while (total < cap) {
      if (total === buf.length) {
        const bigger = Buffer.allocUnsafeSlow(Math.min(cap, buf.length * 2))
        buf.copy(bigger, 0, 0, total)
        buf.fill(0) // (it may hold secrets)
        buf = bigger
      }
      let n
      try { n = fs.readSync(fd, buf, total, buf.length - total, null) } catch (e) {
        if (e.code !== 'EAGAIN') throw e // a non-blocking pipe with no data yet: wait a little
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5)
        continue
      }
      if (n === 0) break
      total += n
    }
    if (buf.length - total <= 64 * 1024) return buf.subarray(0, total)
    // (a large maxFileSize: do not keep up to twice the file alive)
    const out = Buffer.allocUnsafeSlow(total)
    buf.copy(out, 0, 0, total)
    buf.fill(0)
    return out
  } finally { if (own) fs.closeSync(fd) }
}

// Read one file as the loader wants it: a clear coded error for every bad input.
// `learn`: see parseSource().
function readEnvFile (p, encoding, maxFileSize, learn = false) {
  if (typeof p !== 'string' && !(p instanceof URL) && !Buffer.isBuffer(p)) {
    throw typeError('INVALID_PATH', `path must be a string, Buffer or file: URL, got ${p === null ? 'null' : typeof p}`)
  }
  // ('5', NaN, -1 would make every file FILE_TOO_LARGE or lift the limit)
  if (typeof maxFileSize !== 'number' || !(maxFileSize > 0) || maxFileSize === Infinity) {
    throw typeError('INVALID_OPTION', `maxFileSize must be a positive finite number of bytes, got ${maxFileSize === null ? 'null' : Array.isArray(maxFileSize) ? 'an array' : typeof maxFileSize === 'number' ? String(maxFileSize) : typeof maxFileSize}`)
  }
  // An encoding Node does not know: fs's own error (ERR_INVALID_ARG_VALUE),
  // thrown before the file is opened, as dotenv gets it.
  if (typeof encoding !== 'string' || !Buffer.isEncoding(encoding)) fs.readFileSync(p, { encoding })
  // readFileSync reports ENOENT / EISDIR / EACCES itself, with a code.
  const buf = readBounded(p, maxFileSize)
  if (buf.length > maxFileSize) {
    let size = ''
    try { const st = fs.statSync(p); if (st.isFile() && st.size > maxFileSize) size = ` is ${st.size} bytes,` } catch {}
    throw codedError('FILE_TOO_LARGE', `${displayPath(p)}${size || ' is'} over the ${maxFileSize}-byte limit (maxFileSize)`, { path: String(p) })
  }
  if (!encoding || encoding === 'utf8' || /^utf-?8$/i.test(encoding)) {
    try {
      return parseSource(buf, learn)
    } catch (err) {
      if (err && err.code === 'INVALID_UTF8') {
        throw codedError('INVALID_UTF8', `${displayPath(p)}: ${err.message}`, { path: String(p) })
      }
      throw err
    }
  }
  return parseSource(buf.toString(encoding), learn)
}

/**
 * Load .env file(s) into process.env (or options.processEnv), like dotenv.config().
 * Never throws for file problems: returns { parsed, error }.
 */
function config (options = {}) {
  if (options === null || typeof options !== 'object') options = {}
  // expand / cascade / decrypt / required / schema (issue 6): lib/envx.js
  // (loaded only when one of those options is used, to keep start-up lean)
  if (usesExtras(options)) {
    return require('./lib/envx').configx(options)
  }
  const given = { ...options }
  for (const k of Object.keys(given)) if (given[k] === undefined) delete given[k]
  const fromEnv = optionsFromEnv() // process.env reads are costly: once per call
  const opts = { ...fromEnv, ...given }

  const processEnv = opts.processEnv != null ? opts.processEnv : process.env
  const debug = parseBoolean(opts.debug)
  const maxFileSize = opts.maxFileSize == null ? DEFAULT_MAX_FILE_SIZE : opts.maxFileSize
  let encoding = 'utf8'
  if (opts.encoding) encoding = opts.encoding
  else if (debug) debugLog('no encoding is specified (UTF-8 is used by default)')

  let paths = [path.resolve(process.cwd(), '.env')]
  if (opts.path) paths = Array.isArray(opts.path) ? opts.path.map(resolveHome) : [resolveHome(opts.path)]

  const override = parseBoolean(opts.override)
  // With the default key pattern, Rust learns secret-looking values while it
  // parses each file (every file read, duplicates included: a superset of what
  // ends up in processEnv, which errs on the side of masking). A custom
  // pattern (configureMasking({ keyPattern })) is applied in JS afterwards.
  const learnInRust = learning.keyPattern === DEFAULT_KEY_PATTERN
  let lastError
  let parsedAll = null
  for (const p of paths) {
    try {
      const parsed = readEnvFile(p, encoding, maxFileSize, learnInRust)
      // The first file loaded is taken as it is (a fresh object: nothing to merge).
      if (parsedAll === null) parsedAll = parsed
      else assign(parsedAll, parsed, override, debug)
      if (debug) debugLog(`loaded ${displayPath(p)}: ${Object.keys(parsed).join(', ') || '(no keys)'}`)
    } catch (err) {
      if (debug) debugLog(`failed to load ${p} ${err.message}`)
      lastError = err
    }
  }

  if (parsedAll === null) parsedAll = {}
  // Like dotenv: a processEnv that is not an object throws (OBJECT_REQUIRED).
  checkObjects(processEnv, parsedAll)
  const count = assign(processEnv, parsedAll, override, debug)
  if (!learnInRust) learnSecrets(parsedAll)

  // Like dotenv, DOTENV_CONFIG_QUIET is also taken from the target once the
  // files are in (a .env file may set it).
  const quiet = parseBoolean(Object.prototype.hasOwnProperty.call(opts, 'quiet') ? opts.quiet : (optionsFromEnv(processEnv, ['QUIET']).quiet ?? true))
  if (debug || !quiet) {
    const shown = paths.map(displayPath).join(',')
    console.error(`[secret-guard] injected env (${count}) from ${shown}`)
  }
  return lastError ? { parsed: parsedAll, error: lastError } : { parsed: parsedAll }
}

// ---------------------------------------------------------------------------
// Exports. Every export is one `module.exports.name =` line so Node's ESM loader
// (cjs-module-lexer) sees it: `import { config, SecretCache } from 'secret-guard'`.

// --- env files: dotenv-compatible loader (drop-in: same options, parse results and return shape)
module.exports.config = config
module.exports.configDotenv = config
module.exports.parse = parse
module.exports.populate = populate

// Capabilities that config() does not need are loaded on first use, so that
// `require('secret-guard').config()` starts as fast as possible. Each name is
// still assigned once below (that is what Node's ESM loader detects).
function lazy (file, name) {
  Object.defineProperty(module.exports, name, {
    enumerable: true,
    configurable: true,
    get () {
      const value = require(file)[name]
      Object.defineProperty(module.exports, name, { value, enumerable: true, writable: true, configurable: true })
      return value
    }
  })
}

module.exports.SecretGuardError = undefined
lazy('./lib/errors', 'SecretGuardError')

// --- secret cache (issue 3)
module.exports.SecretCache = undefined
lazy('./lib/cache', 'SecretCache')


// --- masking (issue 4)
// config() teaches the default masker itself (learnSecrets above), so
// lib/mask.js loads on first use of one of these names.
module.exports.createMasker = undefined
module.exports.mask = undefined
module.exports.redact = undefined
module.exports.addSecret = undefined
module.exports.removeSecret = undefined
module.exports.retireSecret = undefined
module.exports.configureMasking = undefined
module.exports.defaultMasker = undefined
module.exports.fingerprint = undefined
module.exports.Secret = undefined
module.exports.DEFAULT_KEY_PATTERN = DEFAULT_KEY_PATTERN
for (const n of ['createMasker', 'mask', 'redact', 'addSecret', 'removeSecret', 'retireSecret', 'configureMasking', 'defaultMasker', 'fingerprint', 'Secret']) lazy('./lib/mask', n)


// --- express (issue 5)
// Written as one assignment per name so Node's ESM loader (cjs-module-lexer) sees
// them: `import { express, requireApiKey } from 'secret-guard'` works.
module.exports.express = undefined
module.exports.requireApiKey = undefined
module.exports.rotationWebhook = undefined
module.exports.signWebhook = undefined
module.exports.errorHandler = undefined
module.exports.SecretUnavailableError = undefined
module.exports.webhookHeaders = undefined
for (const n of ['express', 'requireApiKey', 'rotationWebhook', 'signWebhook', 'errorHandler', 'SecretUnavailableError', 'webhookHeaders']) lazy('./lib/express', n)


// --- monitoring (issue 7)
module.exports.metrics = undefined
module.exports.metricsHandler = undefined
module.exports.statusPage = undefined
lazy('./lib/metrics', 'metrics')
lazy('./lib/metrics', 'metricsHandler')
lazy('./lib/status-page', 'statusPage')


// --- env extras: expand, cascade, encrypted values, validation (issue 6)
module.exports.expand = undefined
module.exports.validateEnv = undefined
module.exports.keypair = undefined
module.exports.encryptValue = undefined
module.exports.decryptValue = undefined
for (const n of ['expand', 'validateEnv', 'keypair', 'encryptValue', 'decryptValue']) lazy('./lib/envx', n)

// Shared with lib/ (lib/native.js, lib/env.js); not part of the public API.
Object.defineProperty(module.exports, Symbol.for('secret-guard.internal'), {
  value: {
    native,
    env: {
      parse, config, configDotenv: config, populate, parseBoolean, optionsFromEnv,
      _internal: { readEnvFile, readBounded, displayPath, resolveHome, debugLog, learnSecrets, learning, DEFAULT_KEY_PATTERN, DEFAULT_MAX_FILE_SIZE, usesExtras }
    }
  }
})
