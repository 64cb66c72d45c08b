'use strict'
// Env files beyond dotenv: NODE_ENV cascade, dotenvx-compatible encrypted values,
// dotenv-expand-compatible expansion (Rust), required keys / schema validation.
// config() in lib/env.js hands over to configx() only when one of these options
// is used, so a plain config() stays byte-identical to dotenv.

const fs = require('fs')
const path = require('path')
const util = require('util')
const native = require('./native')
const env = require('./env')
const { SecretGuardError, typeError } = require('./errors')

const { readEnvFile, readBounded, displayPath, resolveHome, debugLog, learnSecrets, DEFAULT_MAX_FILE_SIZE } = env._internal
const { parseBoolean, optionsFromEnv, populate, parse } = env

const ENCRYPTED_PREFIX = 'encrypted:'

// envKeysFile may name the directory holding .env.keys (dotenvx accepts that too).
function keysFileIn (p) {
  try { if (fs.statSync(p).isDirectory()) return path.join(p, '.env.keys') } catch {}
  return p
}

// A path option as a file-system path: `file:` URLs (which config() accepts) included.
function fsPath (p) {
  return p instanceof URL ? require('url').fileURLToPath(p) : String(resolveHome(p))
}

const usesExtras = env._internal.usesExtras

// ------------------------------------------------------------------ cascade

/**
 * Files of a NODE_ENV cascade, highest precedence first (the first file that sets
 * a key wins; processEnv wins over all unless override).
 * - 'nextjs' (@next/env): .env.$MODE.local, .env.local (not when MODE is test), .env.$MODE, .env;
 *   MODE is used only when it is development, test or production (as Next.js / dotenvx do).
 * - 'flow' (dotenv-flow): .env.$NODE_ENV.local, .env.$NODE_ENV, .env.local (not when test), .env, .env.defaults.
 */
function cascadeFiles (convention, nodeEnv) {
  const e = nodeEnv || 'development'
  if (convention === 'nextjs') {
    const mode = ['development', 'test', 'production'].includes(e) ? e : null
    return [mode && `.env.${mode}.local`, mode !== 'test' && '.env.local', mode && `.env.${mode}`, '.env'].filter(Boolean)
  }
  if (convention === 'flow') {
    return [`.env.${e}.local`, `.env.${e}`, e !== 'test' && '.env.local', '.env', '.env.defaults'].filter(Boolean)
  }
  throw typeError('INVALID_CONVENTION', `convention must be 'nextjs' or 'flow', got ${JSON.stringify(String(convention))}`)
}

// ------------------------------------------------------------- key names

/** dotenvx's key-name convention: .env → DOTENV_PRIVATE_KEY, .env.production → DOTENV_PRIVATE_KEY_PRODUCTION. */
function keyNamesForFile (filepath, parsed) {
  if (parsed) {
    for (const k of Object.keys(parsed)) {
      if (k.startsWith('DOTENV_PUBLIC_KEY')) return { publicKeyName: k, privateKeyName: k.replace('DOTENV_PUBLIC_KEY', 'DOTENV_PRIVATE_KEY') }
    }
  }
  let filename = path.basename(String(filepath)).toLowerCase()
  if (filename.startsWith('.env') && filename.endsWith('.txt')) filename = filename.slice(0, -4)
  if (filename === '.env') return { publicKeyName: 'DOTENV_PUBLIC_KEY', privateKeyName: 'DOTENV_PRIVATE_KEY' }
  const parts = filename.split('.').slice(2)
  let environment
  if (parts.length === 0) environment = filename.replace('.env', 'development')
  else if (parts.length === 1) environment = parts[0]
  else environment = parts.slice(0, 2).join('_')
  const suffix = environment.toUpperCase()
  return { publicKeyName: `DOTENV_PUBLIC_KEY_${suffix}`, privateKeyName: `DOTENV_PRIVATE_KEY_${suffix}` }
}

/** Parse a .env.keys file (dotenv rules; last duplicate wins). Missing file → null. */
function readKeysFile (p) {
  let buf
  try {
    const st = fs.statSync(p)
    if (st.isDirectory()) throw new SecretGuardError('EISDIR', `${displayPath(p)} is a directory, not a .env.keys file`)
    if (st.size > DEFAULT_MAX_FILE_SIZE) throw new SecretGuardError('FILE_TOO_LARGE', `${displayPath(p)} is too large for a .env.keys file`)
    buf = readBounded(p, DEFAULT_MAX_FILE_SIZE)
    if (buf.length > DEFAULT_MAX_FILE_SIZE) throw new SecretGuardError('FILE_TOO_LARGE', `${displayPath(p)} is too large for a .env.keys file`)
  } catch (err) {
    if (err && err.code === 'ENOENT') return null
    throw err
  }
  try {
    return parse(buf)
  } catch (err) {
    throw new SecretGuardError(err.code || 'INVALID_KEYS_FILE', `${displayPath(p)}: ${err.message}`)
  }
}

/**
 * Find the private key(s) for a file: options.privateKey, then processEnv / process.env
 * [privateKeyName], then .env.keys (options.envKeysFile, the file's directory, the cwd).
 * Returns { value, source } or null. `value` may hold comma-separated keys.
 */
function findPrivateKey (privateKeyName, filepath, opts, processEnv) {
  if (typeof opts.privateKey === 'string' && opts.privateKey) return { value: opts.privateKey, source: 'options.privateKey' }
  for (const src of [processEnv, process.env]) {
    if (src && typeof src[privateKeyName] === 'string' && src[privateKeyName]) return { value: src[privateKeyName], source: 'env' }
  }
  const candidates = opts.envKeysFile
    ? [keysFileIn(path.resolve(fsPath(opts.envKeysFile)))]
    : [...new Set([path.join(path.dirname(path.resolve(fsPath(filepath))), '.env.keys'), path.resolve('.env.keys')])]
  for (const kf of candidates) {
    const keys = readKeysFile(kf)
    if (keys && keys[privateKeyName]) return { value: keys[privateKeyName], source: displayPath(kf) }
  }
  return null
}

function hasEncrypted (parsed) {
  for (const k of Object.keys(parsed)) if (typeof parsed[k] === 'string' && parsed[k].startsWith(ENCRYPTED_PREFIX)) return true
  return false
}

/** Decrypt the encrypted values of one parsed file in place. Throws a coded error (never a value). */
function decryptParsed (parsed, filepath, opts, processEnv) {
  if (!hasEncrypted(parsed)) return []
  const { privateKeyName } = keyNamesForFile(filepath, parsed)
  const found = findPrivateKey(privateKeyName, filepath, opts, processEnv)
  // The private key is a secret like the values it opens: the default masker
  // learns it (DOTENV_PRIVATE_KEY_* names do not match the key pattern).
  if (found) {
    for (const part of found.value.split(',')) {
      const k = part.trim()
      if (k) try { native.learnSecret(k) } catch { /* too short to mask: not a usable key either */ }
    }
  }
  const keys = Object.keys(parsed)
  const values = keys.map((k) => parsed[k])
  let out
  try {
    out = native.envxDecryptValues(keys, values, found ? found.value : '', privateKeyName)
  } catch (err) {
    throw new SecretGuardError(err.code || 'DECRYPTION_FAILED', `${displayPath(filepath)}: ${err.message}`, { path: String(filepath), keyName: privateKeyName })
  }
  const decrypted = []
  keys.forEach((k, i) => {
    if (out[i] !== values[i]) {
      decrypted.push(k)
      // every decrypted value is a secret, whatever its key is called
      try { native.learnSecret(out[i]) } catch { /* shorter than the masker's minimum */ }
    }
    parsed[k] = out[i]
  })
  return decrypted
}

// ---------------------------------------------------------------- expand

function envSnapshot (processEnv) {
  const snap = {}
  for (const k of Object.keys(processEnv)) {
    const v = processEnv[k]
    if (typeof v === 'string') snap[k] = v
  }
  return snap
}

/**
 * dotenv-expand 12 compatible: expand({ parsed, processEnv }) expands parsed in place,
 * writes every parsed key into processEnv (as dotenv-expand does) and returns the options.
 * Bounded: a reference loop that would hang dotenv-expand ends (see docs).
 */
function expand (options) {
  if (!options || typeof options !== 'object') return options
  const processEnv = options.processEnv != null ? options.processEnv : process.env
  const parsed = options.parsed
  if (!parsed || typeof parsed !== 'object') return options
  const limited = expandInto(parsed, processEnv)
  if (limited.length) options.error = expandLimitError(limited)
  return options
}

function expandInto (parsed, processEnv) {
  const keys = Object.keys(parsed)
  const values = keys.map((k) => String(parsed[k]))
  const out = native.envxExpand(keys, values, envSnapshot(processEnv))
  keys.forEach((k, i) => { parsed[k] = out.values[i] })
  // Reflect.set: a write to a frozen or getter-only processEnv is skipped, as
  // config() does for populate (README: dotenv's sloppy-mode behaviour)
  for (const k of keys) Reflect.set(processEnv, k, parsed[k])
  return out.limited
}

function expandLimitError (keys) {
  return new SecretGuardError('EXPAND_LIMIT', `expansion of ${keys.join(', ')} did not finish (reference loop); left unexpanded`, { keys })
}

// ------------------------------------------------------------- validation

const BOOL_TRUE = ['true', '1', 'yes', 'on']
const BOOL_FALSE = ['false', '0', 'no', 'off']
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const TYPES = ['string', 'port', 'number', 'int', 'integer', 'bool', 'boolean', 'url', 'email', 'enum', 'json']
const SPEC_KEYS = ['type', 'optional', 'required', 'default', 'minLength', 'maxLength', 'pattern', 'min', 'max', 'protocols', 'values', 'oneOf']
const SPEC_APPLIES = {
  minLength: ['string'],
  maxLength: ['string'],
  pattern: ['string'],
  min: ['number', 'int', 'integer'],
  max: ['number', 'int', 'integer'],
  protocols: ['url'],
  values: ['enum'],
  oneOf: ['enum']
}

function normalizeSpec (key, spec) {
  if (typeof spec === 'string') spec = { type: spec }
  else if (Array.isArray(spec)) spec = { type: 'enum', values: spec }
  if (!spec || typeof spec !== 'object') throw typeError('INVALID_SCHEMA', `schema.${key} must be a type name, an array of allowed values or an object`)
  // a misspelt constraint (mni: 10) must not silently check nothing
  for (const k of Object.keys(spec)) {
    if (!SPEC_KEYS.includes(k)) throw typeError('INVALID_SCHEMA', `schema.${key}: unknown option '${k}' (allowed: ${SPEC_KEYS.join(', ')})`)
  }
  for (const k of ['min', 'max']) {
    if (spec[k] != null && (typeof spec[k] !== 'number' || !Number.isFinite(spec[k]))) throw typeError('INVALID_SCHEMA', `schema.${key}: ${k} must be a finite number`)
  }
  for (const k of ['minLength', 'maxLength']) {
    if (spec[k] != null && (!Number.isInteger(spec[k]) || spec[k] < 0)) throw typeError('INVALID_SCHEMA', `schema.${key}: ${k} must be an integer >= 0`)
  }
  const s = { ...spec }
  if (s.oneOf && !s.values) s.values = s.oneOf
  if (!s.type) s.type = s.values ? 'enum' : 'string'
  if (!TYPES.includes(s.type)) throw typeError('INVALID_SCHEMA', `schema.${key}: unknown type ${JSON.stringify(String(s.type))} (supported: ${TYPES.join(', ')})`)
  if (s.type === 'enum' && (!Array.isArray(s.values) || s.values.length === 0)) throw typeError('INVALID_SCHEMA', `schema.${key}: enum needs values (or oneOf)`)
  // a constraint of another type (min on a string) would be silently ignored
  for (const k of Object.keys(SPEC_APPLIES)) {
    if (spec[k] != null && !SPEC_APPLIES[k].includes(s.type)) throw typeError('INVALID_SCHEMA', `schema.${key}: ${k} does not apply to type '${s.type}' (only ${SPEC_APPLIES[k].join(', ')})`)
  }
  if (s.protocols != null && (!Array.isArray(s.protocols) || s.protocols.length === 0 || s.protocols.some((p) => typeof p !== 'string'))) {
    throw typeError('INVALID_SCHEMA', `schema.${key}: protocols must be a non-empty array of strings, e.g. ['https']`)
  }
  if (s.pattern != null && !util.types.isRegExp(s.pattern)) { // (a RegExp from another realm too)
    if (typeof s.pattern !== 'string') throw typeError('INVALID_SCHEMA', `schema.${key}: pattern must be a RegExp or a string`)
    // SyntaxError's message quotes only the pattern (schema code, not a value)
    try { s.pattern = new RegExp(s.pattern) } catch (err) { throw typeError('INVALID_SCHEMA', `schema.${key}: pattern is not a valid regular expression (${err.message})`) }
  } else if (s.pattern != null) {
    // our own copy: checkValue() resets its lastIndex, which a frozen RegExp
    // (a deep-frozen schema) refuses, and the caller's RegExp stays untouched
    s.pattern = new RegExp(s.pattern.source, s.pattern.flags)
  }
  return s
}

/** Check one present string value; returns [typedValue] or a reason (string). */
function checkValue (raw, s) {
  const num = (v) => (v.trim() === '' ? NaN : Number(v))
  const range = (n) => {
    if (s.min != null && n < s.min) return `must be >= ${s.min}`
    if (s.max != null && n > s.max) return `must be <= ${s.max}`
    return null
  }
  switch (s.type) {
    case 'string': {
      if (s.minLength != null && raw.length < s.minLength) return `must be at least ${s.minLength} characters (got ${raw.length})`
      if (s.maxLength != null && raw.length > s.maxLength) return `must be at most ${s.maxLength} characters (got ${raw.length})`
      if (s.pattern) { s.pattern.lastIndex = 0; if (!s.pattern.test(raw)) return `must match ${s.pattern}` }
      return [raw]
    }
    case 'port': {
      const n = num(raw)
      if (!/^\s*\d+\s*$/.test(raw) || !Number.isInteger(n) || n < 1 || n > 65535) return 'must be a port number (1-65535)'
      return [n]
    }
    case 'number': {
      const n = num(raw)
      if (!Number.isFinite(n)) return 'must be a number'
      return range(n) || [n]
    }
    case 'int': case 'integer': {
      const n = num(raw)
      if (!/^\s*[-+]?\d+\s*$/.test(raw) || !Number.isSafeInteger(n)) return 'must be an integer'
      return range(n) || [n]
    }
    case 'bool': case 'boolean': {
      const v = raw.trim().toLowerCase()
      if (BOOL_TRUE.includes(v)) return [true]
      if (BOOL_FALSE.includes(v)) return [false]
      return 'must be a boolean (true/false, 1/0, yes/no, on/off)'
    }
    case 'url': {
      let u
      try { u = new URL(raw) } catch { return 'must be an absolute URL' }
      if (Array.isArray(s.protocols) && !s.protocols.map((p) => p.replace(/:?$/, ':')).includes(u.protocol)) return `must use ${s.protocols.join(' or ')}`
      return [raw]
    }
    case 'email':
      return EMAIL_RE.test(raw) ? [raw] : 'must be an email address'
    case 'enum':
      return s.values.map(String).includes(raw) ? [raw] : `must be one of: ${s.values.join(', ')}`
    case 'json':
      try { return [JSON.parse(raw)] } catch { return 'must be valid JSON' }
  }
  return 'unsupported type'
}

/**
 * Validate `source` (e.g. process.env) against `required` names and a `schema`.
 * Returns { env, issues }: `env` holds typed values for schema keys and strings for
 * required keys; `issues` is [{ key, reason }] (names and reasons only, never values).
 */
function validate (source, { required, schema } = {}) {
  const issues = []
  const out = {}
  const get = (k) => (Object.prototype.hasOwnProperty.call(source, k) && typeof source[k] === 'string' ? source[k] : undefined)
  if (required != null) {
    if (!Array.isArray(required)) throw typeError('INVALID_SCHEMA', 'required must be an array of variable names')
    for (const k of required) {
      const v = get(String(k))
      if (v === undefined || v === '') issues.push({ key: String(k), reason: 'is missing' })
      else out[k] = v
    }
  }
  if (schema != null) {
    if (typeof schema !== 'object') throw typeError('INVALID_SCHEMA', 'schema must be an object')
    for (const key of Object.keys(schema)) {
      const s = normalizeSpec(key, schema[key])
      const v = get(key)
      if (v === undefined || (v === '' && s.type !== 'string')) {
        if (s.default !== undefined) {
          // a string default is read like an env value ('3000' for a port is 3000)
          const d = typeof s.default === 'string' ? checkValue(s.default, s) : [s.default]
          if (Array.isArray(d)) out[key] = d[0]
          else issues.push({ key, reason: `default ${d}` })
        }
        else if (s.optional === true || s.required === false) { /* absent and allowed */ } else if (!issues.some((i) => i.key === key)) issues.push({ key, reason: 'is missing' })
        continue
      }
      const r = checkValue(v, s)
      if (Array.isArray(r)) out[key] = r[0]
      else {
        const prev = issues.findIndex((i) => i.key === key)
        if (prev >= 0) issues.splice(prev, 1)
        issues.push({ key, reason: r })
      }
    }
  }
  return { env: out, issues }
}

function validationError (issues) {
  const list = issues.map((i) => `${i.key} ${i.reason}`).join('; ')
  return new SecretGuardError('ENV_VALIDATION', `invalid environment (${issues.length} problem${issues.length === 1 ? '' : 's'}): ${list}`, { issues })
}

/** validateEnv(source, { required, schema, strict }) → { env, error? }; strict throws. */
function validateEnv (source = process.env, options = {}) {
  if (source === null || typeof source !== 'object') throw typeError('INVALID_ARGUMENT', `validateEnv(source): source must be an object such as process.env, got ${source === null ? 'null' : typeof source}`)
  if (options === null) options = {}
  if (typeof options !== 'object' || Array.isArray(options)) throw typeError('INVALID_OPTION', 'validateEnv(source, options): options must be an object { required, schema, strict }')
  for (const k of Object.keys(options)) {
    if (!['required', 'schema', 'strict'].includes(k)) throw typeError('UNKNOWN_OPTION', `validateEnv(): unknown option '${k}' (allowed: required, schema, strict)`)
  }
  const { env: typed, issues } = validate(source, options)
  if (issues.length) {
    const error = validationError(issues)
    if (options.strict) throw error
    return { env: typed, error }
  }
  return { env: typed }
}

// ----------------------------------------------------------------- config

/** config() with the extra options. Same return shape as dotenv plus `env` (typed) and `files`. */
function configx (options = {}) {
  const given = { ...options }
  for (const k of Object.keys(given)) if (given[k] === undefined) delete given[k]
  const opts = { ...optionsFromEnv(), ...given }
  const processEnv = opts.processEnv != null ? opts.processEnv : process.env
  const debug = parseBoolean(opts.debug)
  const strict = parseBoolean(opts.strict)
  const maxFileSize = opts.maxFileSize == null ? DEFAULT_MAX_FILE_SIZE : opts.maxFileSize
  const encoding = opts.encoding || 'utf8'

  let paths
  let lastError
  let optional = false // cascade files may be absent
  const convention = opts.convention || (parseBoolean(opts.cascade) ? 'nextjs' : null)
  if (convention) {
    const nodeEnv = opts.nodeEnv || (processEnv.NODE_ENV) || process.env.NODE_ENV || 'development'
    let dir = process.cwd()
    paths = cascadeFiles(convention, nodeEnv)
    optional = true
    // With a cascade, `path` is the directory; a file's own directory is taken
    // (`path: '.env'` out of dotenv habit). A list or a non-path is an error in
    // `error`, as config() reports its other file problems.
    if (opts.path) {
      if (Array.isArray(opts.path) || (typeof opts.path !== 'string' && !(opts.path instanceof URL) && !Buffer.isBuffer(opts.path))) {
        lastError = typeError('INVALID_PATH', `with cascade, path must be one directory (a string or file: URL), got ${Array.isArray(opts.path) ? 'an array' : opts.path === null ? 'null' : typeof opts.path}`)
        paths = []
      } else {
        dir = path.resolve(fsPath(opts.path))
        try { if (fs.statSync(dir).isFile()) dir = path.dirname(dir) } catch {}
      }
    }
    paths = paths.map((f) => path.join(dir, f))
  } else {
    paths = [path.resolve(process.cwd(), '.env')]
    if (opts.path) paths = Array.isArray(opts.path) ? opts.path.map(resolveHome) : [resolveHome(opts.path)]
  }

  const decrypt = opts.decrypt !== undefined ? parseBoolean(opts.decrypt) : typeof opts.privateKey === 'string'
  const parsedAll = {}
  const loaded = []
  const decryptedKeys = new Set()
  for (const p of paths) {
    try {
      const parsed = readEnvFile(p, encoding, maxFileSize)
      let decrypted = []
      if (decrypt) decrypted = decryptParsed(parsed, p, opts, processEnv)
      for (const k of decrypted) decryptedKeys.add(k)
      // a cascade keeps its precedence even with override (which then only means: files win over processEnv)
      populate(parsedAll, parsed, convention ? { ...opts, override: false } : opts)
      loaded.push(displayPath(p))
      if (debug) debugLog(`loaded ${displayPath(p)}: ${Object.keys(parsed).join(', ') || '(no keys)'}${decrypted.length ? ` (decrypted: ${decrypted.join(', ')})` : ''}`)
    } catch (err) {
      if (optional && err && err.code === 'ENOENT') continue
      if (debug) debugLog(`failed to load ${p} ${err.message}`)
      lastError = err
    }
  }
  if (debug && convention) debugLog(`${convention} cascade: ${loaded.length ? loaded.join(', ') : '(no files found)'} (highest precedence first)`)

  // as config(): a processEnv that is not an object throws (OBJECT_REQUIRED)
  const populated = populate(processEnv, parsedAll, opts)

  if (parseBoolean(opts.expand)) {
    const limited = expandInto(parsedAll, processEnv)
    if (limited.length) lastError = expandLimitError(limited)
    // a decrypted value as expansion made it (`${HOST}` around a password)
    for (const k of decryptedKeys) {
      if (typeof parsedAll[k] === 'string') try { native.learnSecret(parsedAll[k]) } catch {}
    }
  }
  learnSecrets(parsedAll)

  const quiet = parseBoolean(Object.prototype.hasOwnProperty.call(opts, 'quiet') ? opts.quiet : (optionsFromEnv(processEnv, ['QUIET']).quiet ?? true))
  if (debug || !quiet) {
    console.error(`[secret-guard] injected env (${Object.keys(populated).length}) from ${(convention ? loaded : paths.map(displayPath)).join(',')}`)
  }

  const result = { parsed: parsedAll }
  if (convention) result.files = loaded
  if (opts.required != null || opts.schema != null) {
    const v = validateEnv(processEnv, { required: opts.required, schema: opts.schema, strict: false })
    result.env = v.env
    if (v.error) {
      if (strict) throw v.error
      result.error = v.error
      return result
    }
  }
  if (lastError) {
    if (strict) throw lastError
    result.error = lastError
  }
  return result
}

// ------------------------------------------------------------ public helpers

/** A new dotenvx-compatible keypair { publicKey, privateKey } (hex). */
function keypair () {
  const kp = native.envxKeypair()
  return { publicKey: kp.publicKey, privateKey: kp.privateKey }
}

/** Encrypt one value for a hex public key → 'encrypted:<base64>' (dotenvx format). */
function encryptValue (value, publicKey) {
  if (typeof value !== 'string') throw typeError('INVALID_ARGUMENT', 'value must be a string')
  if (typeof publicKey !== 'string') throw typeError('INVALID_ARGUMENT', 'publicKey must be a hex string')
  return native.envxEncryptValue(publicKey, value, 'publicKey')
}

/** Decrypt one 'encrypted:' value with a hex private key (comma-separated keys are tried in order). */
function decryptValue (value, privateKey, name = 'value') {
  if (typeof value !== 'string') throw typeError('INVALID_ARGUMENT', 'value must be a string')
  // never hand a non-string to the napi conversion: its error message is the argument's JSON
  if (typeof name !== 'string') name = 'value'
  if (privateKey != null && typeof privateKey !== 'string') throw typeError('INVALID_ARGUMENT', 'privateKey must be a hex string')
  return native.envxDecryptValues([name], [value], typeof privateKey === 'string' ? privateKey : '', 'privateKey')[0]
}

module.exports = {
  usesExtras,
  configx,
  cascadeFiles,
  keyNamesForFile,
  findPrivateKey,
  readKeysFile,
  decryptParsed,
  expand,
  validateEnv,
  keypair,
  encryptValue,
  decryptValue,
  ENCRYPTED_PREFIX
}
