'use strict'
// config() extras: NODE_ENV cascade (nextjs / flow precedence, debug lists the
// files), required keys and schema validation (one ENV_VALIDATION error listing
// every problem, names only; typed values in result.env; process env untouched).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const util = require('util')
const sg = require('..')

const { withDir } = require('./helpers/with-dir')

// Each file sets WHO=<its name> and ONLY_<name>=1, so the winner of WHO shows precedence.
const ALL = ['.env', '.env.local', '.env.development', '.env.development.local', '.env.test', '.env.test.local', '.env.production', '.env.production.local', '.env.defaults', '.env.staging', '.env.staging.local']
const files = (names) => Object.fromEntries(names.map((n) => [n, `WHO=${n}\nONLY_${n.replace(/\W/g, '_')}=1\n`]))

function capture (fn) {
  const orig = console.log
  const lines = []
  console.log = (...a) => lines.push(a.join(' '))
  try { return { r: fn(), out: lines.join('\n') } } finally { console.log = orig }
}

test('nextjs cascade: .env.$ENV.local > .env.local > .env.$ENV > .env; .env.local skipped in test', () => {
  withDir(files(ALL), (dir) => {
    const load = (nodeEnv, extra = {}) => {
      const env = { NODE_ENV: nodeEnv }
      const r = sg.config({ path: dir, cascade: true, processEnv: env, ...extra })
      return { env, r }
    }
    let { env, r } = load('development')
    assert.equal(env.WHO, '.env.development.local')
    assert.deepEqual(r.files.map((f) => path.basename(f)), ['.env.development.local', '.env.local', '.env.development', '.env'])
    assert.equal(env.ONLY__env_production, undefined)
    ;({ env, r } = load('test'))
    assert.equal(env.WHO, '.env.test.local')
    assert.equal(env.ONLY__env_local, undefined, '.env.local is not loaded in test')
    ;({ env } = load('production'))
    assert.equal(env.WHO, '.env.production.local')
    // a non-standard NODE_ENV uses only .env.local and .env (as Next.js / dotenvx)
    ;({ env, r } = load('staging'))
    assert.equal(env.WHO, '.env.local')
    assert.deepEqual(r.files.map((f) => path.basename(f)), ['.env.local', '.env'])
    // process env wins over every file; override lets the files win
    const pre = { NODE_ENV: 'production', WHO: 'process' }
    sg.config({ path: dir, cascade: true, processEnv: pre })
    assert.equal(pre.WHO, 'process')
    const pre2 = { NODE_ENV: 'production', WHO: 'process' }
    sg.config({ path: dir, convention: 'nextjs', processEnv: pre2, override: true })
    assert.equal(pre2.WHO, '.env.production.local') // override: the files win over processEnv, precedence kept
  })
  withDir(files(['.env', '.env.development']), (dir) => {
    const env = {}
    const { r, out } = capture(() => sg.config({ path: dir, cascade: true, nodeEnv: 'development', processEnv: env, debug: true }))
    assert.equal(env.WHO, '.env.development')
    assert.equal(r.error, undefined, 'absent cascade files are not errors')
    assert.match(out, /nextjs cascade: .*\.env\.development, .*\.env \(highest precedence first\)/)
    assert.ok(!out.includes('=1'), 'debug output has names only')
  })
})

test('flow cascade: .env.$ENV.local > .env.$ENV > .env.local > .env > .env.defaults', () => {
  withDir(files(ALL), (dir) => {
    const env = { NODE_ENV: 'staging' }
    const r = sg.config({ path: dir, convention: 'flow', processEnv: env })
    assert.equal(env.WHO, '.env.staging.local')
    assert.deepEqual(r.files.map((f) => path.basename(f)), ['.env.staging.local', '.env.staging', '.env.local', '.env', '.env.defaults'])
    assert.equal(env.ONLY__env_defaults, '1')
    const t = { NODE_ENV: 'test' }
    const rt = sg.config({ path: dir, convention: 'flow', processEnv: t })
    assert.ok(!rt.files.some((f) => path.basename(f) === '.env.local'))
  })
  withDir(files(['.env', '.env.local', '.env.staging']), (dir) => {
    const env = { NODE_ENV: 'staging' }
    sg.config({ path: dir, convention: 'flow', processEnv: env })
    assert.equal(env.WHO, '.env.staging', 'flow puts .env.$ENV above .env.local (nextjs does not)')
    const env2 = { NODE_ENV: 'production' }
    sg.config({ path: dir, convention: 'nextjs', processEnv: env2 })
    assert.equal(env2.WHO, '.env.local')
  })
  assert.throws(() => sg.config({ convention: 'rails' }), { code: 'INVALID_CONVENTION' })
})

test('required + schema: one ENV_VALIDATION error listing every problem, names only; typed result.env', () => {
  const secretPort = 'sk_test_FAKE_notaport_93d1'
  const src = [
    'PORT=8080', 'DEBUG=on', 'API_URL=https://api.example.test/v1', 'RATIO=0.25', 'WORKERS=4', 'MODE=fast',
    'CFG={"a":[1,2]}', 'ADMIN=ops@example.test', 'SHORT_KEY=sk_test_FAKE_short',
    `BAD_PORT=${secretPort}`, 'BAD_BOOL=maybe', 'BAD_URL=not a url', 'BAD_JSON={', 'BAD_ENUM=slow', 'BAD_INT=4.5', 'BAD_MAIL=nope'
  ].join('\n')
  withDir({ '.env': src }, (dir) => {
    const env = {}
    const schema = {
      PORT: 'port', DEBUG: 'bool', API_URL: { type: 'url', protocols: ['https'] }, RATIO: 'number', WORKERS: { type: 'int', min: 1, max: 64 },
      MODE: ['fast', 'safe'], CFG: 'json', ADMIN: 'email', SHORT_KEY: { type: 'string', minLength: 20 },
      BAD_PORT: 'port', BAD_BOOL: 'boolean', BAD_URL: 'url', BAD_JSON: 'json', BAD_ENUM: { type: 'enum', oneOf: ['fast'] }, BAD_INT: 'integer', BAD_MAIL: 'email',
      OPTIONAL: { type: 'string', optional: true }, WITH_DEFAULT: { type: 'port', default: 3000 }
    }
    const r = sg.config({ path: path.join(dir, '.env'), processEnv: env, required: ['API_KEY', 'PORT', 'DB_URL'], schema })
    assert.equal(r.error.code, 'ENV_VALIDATION')
    const keys = r.error.issues.map((i) => i.key).sort()
    assert.deepEqual(keys, ['API_KEY', 'BAD_BOOL', 'BAD_ENUM', 'BAD_INT', 'BAD_JSON', 'BAD_MAIL', 'BAD_PORT', 'BAD_URL', 'DB_URL', 'SHORT_KEY'])
    for (const k of keys) assert.match(r.error.message, new RegExp(k))
    const shown = r.error.message + util.inspect(r.error) + JSON.stringify(r.error) + r.error.stack
    for (const v of [secretPort, 'sk_test_FAKE_short', 'maybe', 'not a url', 'slow', 'nope']) assert.ok(!shown.includes(v), `value ${v} leaked`)
    assert.deepEqual(r.env, { PORT: 8080, DEBUG: true, API_URL: 'https://api.example.test/v1', RATIO: 0.25, WORKERS: 4, MODE: 'fast', CFG: { a: [1, 2] }, ADMIN: 'ops@example.test', WITH_DEFAULT: 3000 })
    assert.equal(env.PORT, '8080', 'process env keeps strings')
    assert.equal(typeof env.DEBUG, 'string')
    assert.deepEqual(r.parsed.PORT, '8080')
    // strict: throws the same error (after loading)
    assert.throws(() => sg.config({ path: path.join(dir, '.env'), processEnv: {}, required: ['NOPE'], strict: true }), (e) => e.code === 'ENV_VALIDATION' && e.issues[0].key === 'NOPE')
    // all good: no error, typed env
    const ok = sg.config({ path: path.join(dir, '.env'), processEnv: {}, schema: { PORT: 'port', DEBUG: 'bool' }, required: ['API_URL'] })
    assert.equal(ok.error, undefined)
    assert.deepEqual(ok.env, { API_URL: 'https://api.example.test/v1', PORT: 8080, DEBUG: true })
  })
  // process env values count (validation sees what the app sees)
  const v = sg.validateEnv({ PORT: '70000', X: '' }, { required: ['X'], schema: { PORT: 'port' } })
  assert.deepEqual(v.error.issues, [{ key: 'X', reason: 'is missing' }, { key: 'PORT', reason: 'must be a port number (1-65535)' }])
  assert.throws(() => sg.validateEnv({}, { schema: { A: 'uuidv9' } }), { code: 'INVALID_SCHEMA' })
  assert.deepEqual(sg.validateEnv({ A: '1' }, null), { env: {} }) // null options: no rules, like undefined
})

test('plain config() is untouched by the extras (no files/env keys in the result)', () => {
  withDir({ '.env': 'A=$B\nB=b\n' }, (dir) => {
    const env = {}
    const r = sg.config({ path: path.join(dir, '.env'), processEnv: env, expand: false })
    assert.deepEqual(r, { parsed: { A: '$B', B: 'b' } })
  })
})

test('cascade with a file: URL path reads that directory', () => withDir(files(['.env', '.env.development']), (dir) => {
  const { pathToFileURL } = require('url')
  const r = sg.config({ path: pathToFileURL(dir + '/'), cascade: true, nodeEnv: 'development', processEnv: {} })
  assert.equal(r.error, undefined)
  assert.equal(r.parsed.WHO, '.env.development')
  assert.deepEqual(r.files.map((f) => path.basename(f)), ['.env.development', '.env'])
}))

test('a string schema default is read like an env value', () => {
  const r = sg.validateEnv({}, { schema: { PORT: { type: 'port', default: '3000' }, N: { type: 'number', default: 'abc' }, B: { type: 'bool', default: true } } })
  assert.deepEqual(r.env, { PORT: 3000, B: true })
  assert.deepEqual(r.error.issues.map((i) => i.key), ['N'])
})
