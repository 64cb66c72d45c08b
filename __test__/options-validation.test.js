'use strict'
// Bad options give a clear TypeError with a `code` (never silent acceptance,
// never an uncoded TypeError/SyntaxError), and the message never holds a value.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const sg = require('..')

const { withDir } = require('./helpers/with-dir')

const coded = (code, message) => (err) => {
  assert.equal(err.code, code, `code ${err.code} (${err.message})`)
  assert.ok(err instanceof TypeError, `${err.name} is a TypeError`)
  assert.match(err.message, message)
  return true
}

// ------------------------------------------------------------------ 1. schema

test('schema: an invalid pattern source is INVALID_SCHEMA, not a SyntaxError', () => {
  const env = { A: 'x' }
  assert.throws(() => sg.validateEnv(env, { schema: { A: { type: 'string', pattern: '(' } } }),
    coded('INVALID_SCHEMA', /schema\.A: pattern is not a valid regular expression/))
  assert.throws(() => sg.validateEnv(env, { schema: { A: { pattern: 42 } } }), coded('INVALID_SCHEMA', /schema\.A: pattern must be a RegExp or a string/))
  // through config() too (a programming error: thrown, as for an unknown type)
  assert.throws(() => sg.config({ path: os.devNull, processEnv: {}, schema: { A: { pattern: '(' } } }), coded('INVALID_SCHEMA', /pattern/))
  assert.deepEqual(sg.validateEnv(env, { schema: { A: { pattern: '^x$' } } }), { env: { A: 'x' } })
})

test('schema: an unknown key in an entry (mni) is INVALID_SCHEMA naming it', () => {
  assert.throws(() => sg.validateEnv({ N: '5' }, { schema: { N: { type: 'number', mni: 10 } } }),
    coded('INVALID_SCHEMA', /schema\.N: unknown option 'mni' \(allowed: .*\bmin\b/))
  assert.throws(() => sg.validateEnv({ N: 'SECRET_VALUE_FAKE' }, { schema: { N: { minLenght: 3 } } }),
    (err) => err.code === 'INVALID_SCHEMA' && /minLenght/.test(err.message) && !/SECRET_VALUE_FAKE/.test(err.message))
})

test('schema: min/max must be finite numbers, minLength/maxLength integers >= 0', () => {
  const bad = [
    [{ type: 'number', min: '10' }, /schema\.N: min must be a finite number/],
    [{ type: 'int', max: NaN }, /schema\.N: max must be a finite number/],
    [{ type: 'number', max: Infinity }, /max must be a finite number/],
    [{ type: 'string', minLength: -1 }, /schema\.N: minLength must be an integer >= 0/],
    [{ type: 'string', maxLength: 2.5 }, /maxLength must be an integer >= 0/],
    [{ type: 'string', maxLength: '3' }, /maxLength must be an integer >= 0/],
    // a constraint of another type would check nothing
    [{ type: 'string', min: 3 }, /schema\.N: min does not apply to type 'string'/],
    [{ type: 'url', protocols: 'https' }, /protocols must be a non-empty array of strings/]
  ]
  for (const [spec, re] of bad) {
    assert.throws(() => sg.validateEnv({ N: '5' }, { schema: { N: spec } }), coded('INVALID_SCHEMA', re), JSON.stringify(spec))
  }
  const ok = sg.validateEnv({ N: '5', S: 'abc' }, { schema: { N: { type: 'int', min: -1, max: 5 }, S: { minLength: 0, maxLength: 3 } } })
  assert.deepEqual(ok, { env: { N: 5, S: 'abc' } })
})

test('validateEnv: a null or non-object source, or bad options, get coded errors', () => {
  assert.throws(() => sg.validateEnv(null, { required: ['A'] }), coded('INVALID_ARGUMENT', /validateEnv\(source\): source must be an object.*got null/))
  assert.throws(() => sg.validateEnv(null), coded('INVALID_ARGUMENT', /source must be an object/))
  assert.throws(() => sg.validateEnv('A=1'), coded('INVALID_ARGUMENT', /got string/))
  assert.throws(() => sg.validateEnv({}, { requried: ['A'] }), coded('UNKNOWN_OPTION', /validateEnv\(\): unknown option 'requried'/))
  assert.throws(() => sg.validateEnv({}, ['A']), coded('INVALID_OPTION', /options must be an object/))
  // undefined still means process.env, null options still mean none
  assert.deepEqual(sg.validateEnv(undefined, null), { env: {} })
})

// ------------------------------------------------------------------ 2. cache get options

test('cache.get / getSync / refresh: a misspelt option is UNKNOWN_OPTION (no silent AWSCURRENT)', async () => {
  process.env.SG_OPTVAL_FAKE = 'FAKE_value_1'
  const cache = new sg.SecretCache()
  try {
    assert.equal(await cache.get('env:SG_OPTVAL_FAKE'), 'FAKE_value_1')
    const re = /SecretCache: unknown option 'versionstage' \(allowed: versionStage\)/
    await assert.rejects(cache.get('env:SG_OPTVAL_FAKE', { versionstage: 'AWSPREVIOUS' }), coded('UNKNOWN_OPTION', re))
    assert.throws(() => cache.getSync('env:SG_OPTVAL_FAKE', { versionstage: 'AWSPREVIOUS' }), coded('UNKNOWN_OPTION', re))
    await assert.rejects(cache.refresh('env:SG_OPTVAL_FAKE', { versionstage: 'AWSPREVIOUS' }), coded('UNKNOWN_OPTION', re))
    assert.throws(() => cache.getSync('aws:prod/x', { stage: 'AWSPREVIOUS' }), coded('UNKNOWN_OPTION', /unknown option 'stage'/))
    assert.equal(cache.getSync('env:SG_OPTVAL_FAKE', {}), 'FAKE_value_1')
  } finally {
    cache.close()
    delete process.env.SG_OPTVAL_FAKE
  }
})

// ------------------------------------------------------------------ 3. pino / winston

test('secret-guard/pino and /winston: unknown option names are UNKNOWN_OPTION', () => {
  const sgPino = require('../pino')
  const sgWinston = require('../winston')
  const stream = { write () { return true } }
  const masker = sg.createMasker()
  assert.throws(() => sgPino.destination(stream, { maskr: masker }), coded('UNKNOWN_OPTION', /destination\(\): unknown option 'maskr' \(allowed: masker\)/))
  assert.throws(() => sgPino.options({}, { maskr: masker }), coded('UNKNOWN_OPTION', /options\(\): unknown option 'maskr'/))
  assert.throws(() => sgWinston.format({ maskr: masker }), coded('UNKNOWN_OPTION', /format\(\): unknown option 'maskr'/))
  assert.throws(() => sgPino.destination(stream, 'masker'), coded('INVALID_OPTION', /destination\(\) options must be an object/))
  assert.throws(() => sgPino.options({}, [masker]), coded('INVALID_OPTION', /options\(\) options must be an object/))
  assert.throws(() => sgWinston.format({ masker: {} }), coded('INVALID_OPTION', /masker must come from createMasker\(\)/))
  // the documented forms still work
  assert.equal(typeof sgPino.destination(stream, { masker }).write, 'function')
  assert.equal(typeof sgPino.destination(stream).write, 'function')
  assert.equal(typeof sgPino.options({}, { masker }), 'object')
  assert.equal(typeof sgWinston.format({ masker }).transform, 'function')
  assert.equal(typeof sgWinston.format().transform, 'function')
})

// ------------------------------------------------------------------ 4. maxFileSize

test('config({ maxFileSize }): not a positive finite number is INVALID_OPTION in result.error', () => withDir({ '.env': 'A=1\n' }, (dir) => {
  const file = path.join(dir, '.env')
  for (const [v, re] of [['5', /got string/], [NaN, /got NaN/], [[], /got an array/], [-1, /got -1/], [0, /got 0/], [Infinity, /got Infinity/]]) {
    for (const extra of [{}, { expand: true }]) {
      const env = {}
      const r = sg.config({ path: file, processEnv: env, maxFileSize: v, ...extra })
      assert.ok(r.error, `maxFileSize ${String(v)} ${JSON.stringify(extra)}`)
      assert.equal(r.error.code, 'INVALID_OPTION')
      assert.ok(r.error instanceof TypeError)
      assert.match(r.error.message, /maxFileSize must be a positive finite number of bytes/)
      assert.match(r.error.message, re)
      assert.deepEqual(env, {}, 'no file is read with an invalid limit')
    }
  }
  assert.throws(() => sg.config({ path: file, processEnv: {}, maxFileSize: '5', strict: true }), { code: 'INVALID_OPTION' })
  // undefined is the default; a valid limit still works
  assert.deepEqual(sg.config({ path: file, processEnv: {}, maxFileSize: undefined }), { parsed: { A: '1' } })
  assert.deepEqual(sg.config({ path: file, processEnv: {}, maxFileSize: null }), { parsed: { A: '1' } }, 'null: the default, as before')
  assert.deepEqual(sg.config({ path: file, processEnv: {}, maxFileSize: 100 }), { parsed: { A: '1' } })
  assert.equal(sg.config({ path: file, processEnv: {}, maxFileSize: 2 }).error.code, 'FILE_TOO_LARGE')
}))

// ------------------------------------------------------------------ 5. cascade path

test('config({ cascade, path }): a file means its directory (dotenv habit); a list or a non-path is INVALID_PATH in result.error', () => withDir({ '.env': 'A=1\n', 'other.env': 'B=2\n' }, (dir) => {
  const env = {}
  const r = sg.config({ cascade: true, path: path.join(dir, 'other.env'), nodeEnv: 'development', processEnv: env })
  assert.equal(r.error, undefined)
  assert.deepEqual(r.parsed, { A: '1' }, 'the cascade of the file\'s directory')
  const a = sg.config({ cascade: true, path: [dir], processEnv: {} })
  assert.equal(a.error && a.error.code, 'INVALID_PATH')
  assert.match(a.error.message, /with cascade, path must be one directory.*got an array/)
  assert.deepEqual(a.files, [])
  assert.throws(() => sg.config({ cascade: true, path: [dir], processEnv: {}, strict: true }), { code: 'INVALID_PATH' })
  // the directory itself works
  const ok = sg.config({ cascade: true, path: dir, nodeEnv: 'development', processEnv: {} })
  assert.equal(ok.error, undefined)
  assert.deepEqual(ok.parsed, { A: '1' })
}))

// ------------------------------------------------------------------ 6. assorted

test('cache.usageReport(null / non-object / misspelt) is coded', () => {
  const cache = new sg.SecretCache()
  try {
    assert.throws(() => cache.usageReport(null), coded('INVALID_OPTION', /usageReport: options must be an object/))
    assert.throws(() => cache.usageReport(30), coded('INVALID_OPTION', /usageReport: options must be an object/))
    assert.throws(() => cache.usageReport({ minute: 30 }), coded('UNKNOWN_OPTION', /unknown option 'minute' \(allowed: minutes\)/))
    assert.equal(cache.usageReport().series.minutes, 60)
    assert.equal(cache.usageReport({ minutes: 5 }).series.minutes, 5)
  } finally { cache.close() }
})

test('statusPage({ title: <non-string> }) is INVALID_OPTION', () => {
  const cache = new sg.SecretCache()
  try {
    const auth = { bearer: 'FAKE_status_token_0123456789' }
    for (const title of [42, { a: 1 }, null, ['t']]) {
      assert.throws(() => sg.statusPage({ cache, auth, title }), coded('INVALID_OPTION', /statusPage\(\): options\.title must be a string/))
    }
    assert.equal(typeof sg.statusPage({ cache, auth, title: 'ok' }), 'function')
  } finally { cache.close() }
})

test('rotationWebhook({ headers: [] | Date | Map }) is INVALID_OPTION', () => {
  process.env.SG_OPTVAL_SIGN = 'FAKE_signing_key_0123456789abcdef'
  const cache = new sg.SecretCache()
  try {
    for (const headers of [[], new Date(), new Map([['timestamp', 'x-ts']])]) {
      assert.throws(() => sg.rotationWebhook({ cache, signingSecret: 'env:SG_OPTVAL_SIGN', headers }),
        coded('INVALID_OPTION', /rotationWebhook\(\): options\.headers must be an object \{ timestamp, id, signature \}, got an/))
    }
    assert.throws(() => sg.signWebhook('FAKE_signing_key_0123456789abcdef', 'x', { headers: [] }), { code: 'INVALID_OPTION' })
    assert.equal(typeof sg.rotationWebhook({ cache, signingSecret: 'env:SG_OPTVAL_SIGN', headers: { id: 'x-delivery' } }), 'function')
  } finally {
    cache.close()
    delete process.env.SG_OPTVAL_SIGN
  }
})

test('fingerprint(v, []) and createMasker / Secret with a non-plain options object are INVALID_OPTION', () => {
  assert.throws(() => sg.fingerprint('FAKE_value_1', []), coded('INVALID_OPTION', /fingerprint options must be an object/))
  assert.throws(() => sg.fingerprint('FAKE_value_1', new Date()), coded('INVALID_OPTION', /fingerprint options must be an object/))
  assert.throws(() => sg.createMasker([]), coded('INVALID_OPTION', /createMasker options must be an object/))
  assert.throws(() => new sg.Secret('FAKE_value_1', new Map()), coded('INVALID_OPTION', /Secret options must be an object/))
  assert.match(sg.fingerprint('FAKE_value_1', { key: 'k' }), /^sgfp_[0-9a-f]{10}$/)
  assert.match(sg.fingerprint('FAKE_value_1'), /^sgfp_[0-9a-f]{10}$/)
})

test('createMasker({ encodings: <not a boolean> }) is INVALID_OPTION (\'false\' used to mean true)', () => {
  for (const encodings of ['false', 0, 1, null, {}]) {
    assert.throws(() => sg.createMasker({ encodings }), coded('INVALID_OPTION', /encodings must be true or false/), String(encodings))
  }
  const m = sg.createMasker({ encodings: false })
  m.add('FAKE_secret_value_1')
  assert.equal(m.mask(Buffer.from('FAKE_secret_value_1').toString('base64')), Buffer.from('FAKE_secret_value_1').toString('base64'))
  assert.equal(m.mask('x FAKE_secret_value_1'), 'x [REDACTED]')
})

test('configureMasking(null | [] | Date | undefined) is INVALID_OPTION', () => {
  assert.throws(() => sg.configureMasking(null), coded('INVALID_OPTION', /configureMasking\(\) needs an options object/))
  assert.throws(() => sg.configureMasking(), coded('INVALID_OPTION', /configureMasking\(\) needs an options object/))
  assert.throws(() => sg.configureMasking([]), coded('INVALID_OPTION', /configureMasking options must be an object/))
  assert.throws(() => sg.configureMasking(new Date()), coded('INVALID_OPTION', /configureMasking options must be an object/))
  assert.throws(() => sg.configureMasking({ encodings: 'no' }), coded('INVALID_OPTION', /encodings must be true or false/))
  sg.configureMasking({}) // an empty object is fine (nothing changes)
})

// ------------------------------------------------------------------ 7. frozen processEnv + expand

test('config({ processEnv: frozen, expand: true }) skips the writes as config() does (README)', () => withDir({ '.env': 'HOST=db\nURL=http://${HOST}/x\nPRE=${PRESET}\n' }, (dir) => {
  const frozen = Object.freeze({ PRESET: 'p' })
  const r = sg.config({ path: path.join(dir, '.env'), processEnv: frozen, expand: true })
  assert.equal(r.error, undefined)
  assert.deepEqual(r.parsed, { HOST: 'db', URL: 'http://db/x', PRE: 'p' })
  assert.deepEqual({ ...frozen }, { PRESET: 'p' })
  // a getter-only key is skipped too; the other keys are still written
  const target = {}
  Object.defineProperty(target, 'HOST', { get: () => 'from-getter', enumerable: true })
  const r2 = sg.config({ path: path.join(dir, '.env'), processEnv: target, expand: true })
  assert.equal(r2.error, undefined)
  assert.equal(target.HOST, 'from-getter')
  assert.equal(target.URL, 'http://from-getter/x')
  // same for the exported expand()
  const out = sg.expand({ parsed: { A: 'x', B: '${A}y' }, processEnv: Object.freeze({}) })
  assert.deepEqual(out.parsed, { A: 'x', B: 'xy' })
}))

test('options and RegExps from another realm (vm contexts, some test runners) are accepted', () => {
  const vm = require('vm')
  const r = sg.validateEnv({ A: 'abc' }, { schema: { A: { pattern: vm.runInNewContext('/^a/') } } })
  assert.equal(r.error, undefined)
  assert.equal(sg.validateEnv({ A: 'xbc' }, { schema: { A: { pattern: vm.runInNewContext('/^a/') } } }).error.code, 'ENV_VALIDATION')
  const m = sg.createMasker(vm.runInNewContext('({ censor: "#" })'))
  m.add('FAKE_cross_realm_value_1')
  assert.equal(m.mask('x FAKE_cross_realm_value_1 y'), 'x # y')
  assert.throws(() => sg.createMasker(vm.runInNewContext('[]')), { code: 'INVALID_OPTION' })
  // keyPattern too
  const k = sg.createMasker({ keyPattern: vm.runInNewContext('/secret/i') })
  assert.deepEqual(k.redact({ mySecret: 'x', other: 1 }), { mySecret: '[REDACTED]', other: 1 })
})

test('a deep-frozen schema with a RegExp pattern works (the RegExp is copied, never written to)', () => {
  const re = /^[a-z]+$/
  const schema = Object.freeze({ NAME: Object.freeze({ pattern: Object.freeze(re) }), PORT: Object.freeze({ type: 'port', default: 3000 }) })
  const r = sg.validateEnv({ NAME: 'abc' }, { schema })
  assert.equal(r.error, undefined)
  assert.deepEqual(r.env, { NAME: 'abc', PORT: 3000 })
  assert.equal(sg.validateEnv({ NAME: 'ABC' }, { schema }).error.code, 'ENV_VALIDATION')
  const c = sg.config({ path: os.devNull, processEnv: { NAME: 'abc' }, schema })
  assert.equal(c.error, undefined)
  // a sticky/global pattern stays anchored as written
  assert.equal(sg.validateEnv({ A: 'xa' }, { schema: { A: { pattern: /a/y } } }).error.code, 'ENV_VALIDATION')
})
