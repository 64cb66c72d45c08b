'use strict'
// dotenvx-compatible encrypted values: cross-checked with the real @dotenvx/dotenvx
// (its CLI and its crypto primitives) in both directions; key naming, .env.keys,
// comma-separated keys, and typed errors on bad input (never a value in a message).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const util = require('util')
const crypto = require('crypto')
const { spawnSync } = require('child_process')
const primitives = require('@dotenvx/primitives')
const sg = require('..')
const envx = require('../lib/envx')
const { dotenvx } = require('./helpers/dotenvx')

const CLI = path.join(__dirname, '..', 'bin', 'secret-guard.js')
const fake = (tag) => `sk_test_FAKE_${tag}_${crypto.randomBytes(8).toString('hex')}`
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sg-crypto-'))
const sgCli = (args, cwd, env = {}) => spawnSync(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 30000 })

test('values encrypted by dotenvx primitives decrypt here and vice versa (120 random values)', () => {
  for (let i = 0; i < 120; i++) {
    const kp = primitives.keypair()
    const len = i % 40 === 0 ? 0 : 1 + ((i * 37) % 300)
    const value = crypto.randomBytes(len).toString(i % 2 ? 'base64' : 'latin1').replace(/\0/g, 'x') + (i % 7 === 0 ? ' é 🔑\n' : '')
    const theirs = primitives.encrypt(kp.publicKey, value)
    assert.equal(sg.decryptValue(theirs, kp.privateKey), value)
    const ours = sg.encryptValue(value, kp.publicKey)
    assert.equal(primitives.decrypt(kp.privateKey, ours), value)
    // payload layout: 65-byte uncompressed ephemeral key ‖ 16 nonce ‖ 16 tag ‖ ciphertext
    const bytes = Buffer.from(ours.slice('encrypted:'.length), 'base64')
    assert.equal(bytes[0], 4)
    assert.equal(bytes.length, 65 + 16 + 16 + Buffer.byteLength(value))
  }
  const ours = sg.keypair()
  assert.match(ours.privateKey, /^[0-9a-f]{64}$/)
  assert.match(ours.publicKey, /^0[23][0-9a-f]{64}$/)
  assert.equal(primitives.decrypt(ours.privateKey, sg.encryptValue('x', ours.publicKey)), 'x')
})

test('a file encrypted by the dotenvx CLI loads here with config({ decrypt: true }), keys from .env.keys or env', () => {
  const dir = tmp()
  try {
    const secret = fake('dx')
    fs.writeFileSync(path.join(dir, '.env'), `HELLO=world\nAPI_KEY="${secret}"\nMULTI="l1\nl2"\n`)
    fs.writeFileSync(path.join(dir, '.env.production'), `API_KEY=${secret}-prod\n`)
    assert.equal(dotenvx(['encrypt'], dir).status, 0)
    assert.equal(dotenvx(['encrypt', '-f', '.env.production'], dir).status, 0)
    const src = fs.readFileSync(path.join(dir, '.env'), 'utf8')
    assert.ok(!src.includes(secret) && src.includes('encrypted:') && src.includes('DOTENV_PUBLIC_KEY='))

    const env = {}
    const r = sg.config({ path: path.join(dir, '.env'), processEnv: env, decrypt: true, envKeysFile: path.join(dir, '.env.keys') })
    assert.equal(r.error, undefined)
    assert.equal(env.API_KEY, secret)
    assert.equal(env.HELLO, 'world')
    assert.equal(env.MULTI, 'l1\nl2')
    assert.match(env.DOTENV_PUBLIC_KEY, /^0[23]/)
    // debug output names the decrypted keys, never their values
    const logged = []
    const orig = console.log
    console.log = (...a) => logged.push(a.join(' '))
    try { sg.config({ path: path.join(dir, '.env'), processEnv: {}, decrypt: true, debug: true, envKeysFile: path.join(dir, '.env.keys') }) } finally { console.log = orig }
    assert.match(logged.join('\n'), /decrypted: HELLO, API_KEY, MULTI/)
    assert.ok(!logged.join('\n').includes(secret))

    // _PRODUCTION key from processEnv (as in a deployment), no .env.keys
    const keys = sg.parse(fs.readFileSync(path.join(dir, '.env.keys')))
    fs.renameSync(path.join(dir, '.env.keys'), path.join(dir, 'keys.bak'))
    const env2 = { DOTENV_PRIVATE_KEY_PRODUCTION: `${sg.keypair().privateKey},${keys.DOTENV_PRIVATE_KEY_PRODUCTION}` }
    const r2 = sg.config({ path: path.join(dir, '.env.production'), processEnv: env2, decrypt: true })
    assert.equal(r2.error, undefined)
    assert.equal(env2.API_KEY, `${secret}-prod`)

    // no key anywhere: MISSING_PRIVATE_KEY naming the variable and the key name, never a value
    const env3 = {}
    const r3 = sg.config({ path: path.join(dir, '.env.production'), processEnv: env3, decrypt: true })
    assert.equal(r3.error.code, 'MISSING_PRIVATE_KEY')
    assert.match(r3.error.message, /DOTENV_PRIVATE_KEY_PRODUCTION/)
    assert.match(r3.error.message, /API_KEY/)
    // a wrong key: DECRYPTION_FAILED
    const wrong = sg.keypair().privateKey
    const r4 = sg.config({ path: path.join(dir, '.env'), processEnv: {}, decrypt: true, privateKey: wrong })
    assert.equal(r4.error.code, 'DECRYPTION_FAILED')
    for (const e of [r3.error, r4.error]) {
      const shown = util.inspect(e) + JSON.stringify(e) + e.message + e.stack
      for (const v of [secret, wrong, keys.DOTENV_PRIVATE_KEY, keys.DOTENV_PRIVATE_KEY_PRODUCTION]) assert.ok(!shown.includes(v), 'no secret in the error')
    }
    // strict throws the same coded error
    assert.throws(() => sg.config({ path: path.join(dir, '.env'), processEnv: {}, decrypt: true, privateKey: wrong, strict: true }), { code: 'DECRYPTION_FAILED' })
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('a file encrypted by the secret-guard CLI decrypts with the dotenvx CLI (get and run)', () => {
  const dir = tmp()
  try {
    const secret = fake('sg')
    fs.writeFileSync(path.join(dir, '.env.staging'), `# app\nexport TOKEN=${secret}\nQUOTED='it''s'\nEMPTY=\n`)
    let r = sgCli(['encrypt', '-f', '.env.staging'], dir)
    assert.equal(r.status, 0, r.stderr)
    const src = fs.readFileSync(path.join(dir, '.env.staging'), 'utf8')
    assert.ok(!src.includes(secret))
    assert.match(src, /DOTENV_PUBLIC_KEY_STAGING="0[23][0-9a-f]{64}"/)
    assert.match(fs.readFileSync(path.join(dir, '.env.keys'), 'utf8'), /DOTENV_PRIVATE_KEY_STAGING=[0-9a-f]{64}/)
    assert.equal(fs.statSync(path.join(dir, '.env.keys')).mode & 0o777, 0o600)
    r = dotenvx(['get', 'TOKEN', '-f', '.env.staging'], dir)
    assert.equal(r.stdout.trim(), secret, r.stderr)
    r = dotenvx(['run', '-f', '.env.staging', '--', process.execPath, '-e', 'process.stdout.write(process.env.TOKEN + "|" + process.env.QUOTED)'], dir)
    assert.ok(r.stdout.includes(`${secret}|${sg.parse("Q='it''s'").Q}`), r.stdout + r.stderr)
    // set (encrypted by default) is readable by dotenvx too
    const second = fake('set')
    assert.equal(sgCli(['set', 'SECOND', second, '-f', '.env.staging'], dir).status, 0)
    assert.ok(!fs.readFileSync(path.join(dir, '.env.staging'), 'utf8').includes(second))
    assert.equal(dotenvx(['get', 'SECOND', '-f', '.env.staging'], dir).stdout.trim(), second)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('key names follow dotenvx (file name, or the DOTENV_PUBLIC_KEY* in the file)', () => {
  const names = (f, parsed) => envx.keyNamesForFile(f, parsed).privateKeyName
  assert.equal(names('.env'), 'DOTENV_PRIVATE_KEY')
  assert.equal(names('/x/.env.production'), 'DOTENV_PRIVATE_KEY_PRODUCTION')
  assert.equal(names('.env.production.local'), 'DOTENV_PRIVATE_KEY_PRODUCTION_LOCAL')
  assert.equal(names('.env.a.b.c'), 'DOTENV_PRIVATE_KEY_A_B')
  assert.equal(names('.env1'), 'DOTENV_PRIVATE_KEY_DEVELOPMENT1')
  assert.equal(names('.env.ci', { A: '1', DOTENV_PUBLIC_KEY_OTHER: 'x' }), 'DOTENV_PRIVATE_KEY_OTHER')
})

test('bad input gives typed errors, no crash, no value in the message', () => {
  const kp = sg.keypair()
  const good = sg.encryptValue('sk_test_FAKE_payload_0123456789', kp.publicKey)
  const body = good.slice('encrypted:'.length)
  const cases = [
    ['encrypted:', 'MALFORMED_ENCRYPTED_DATA'],
    ['encrypted:!!!not-base64!!!', 'MALFORMED_ENCRYPTED_DATA'],
    ['encrypted:' + body.slice(0, 40), 'MALFORMED_ENCRYPTED_DATA'], // truncated below the minimum
    ['encrypted:' + body.slice(0, body.length - 12), 'DECRYPTION_FAILED'], // truncated ciphertext/tag
    ['encrypted:' + Buffer.concat([Buffer.from([5]), Buffer.from(body, 'base64').subarray(1)]).toString('base64'), 'MALFORMED_ENCRYPTED_DATA'],
    ['encrypted:' + Buffer.from(body, 'base64').map((b, i) => (i === 100 ? b ^ 1 : b)).toString('base64'), 'DECRYPTION_FAILED']
  ]
  for (const [v, code] of cases) {
    assert.throws(() => sg.decryptValue(v, kp.privateKey), (e) => e.code === code && !e.message.includes(kp.privateKey), `${code} for ${v.slice(0, 30)}`)
  }
  for (const bad of ['abc', 'zz'.repeat(32), '00'.repeat(32), 'ff'.repeat(32), kp.privateKey + '00']) {
    assert.throws(() => sg.decryptValue(good, bad), (e) => e.code === 'INVALID_PRIVATE_KEY' && !e.message.includes(bad))
  }
  assert.throws(() => sg.decryptValue(good, ''), { code: 'MISSING_PRIVATE_KEY' })
  assert.throws(() => sg.encryptValue('x', '02abcd'), { code: 'INVALID_PUBLIC_KEY' })
  assert.throws(() => sg.encryptValue('x', 'not hex at all'), { code: 'INVALID_PUBLIC_KEY' })
  assert.equal(sg.decryptValue('not encrypted', ''), 'not encrypted')
  // values.map(decryptValue) passes the whole array as the third argument: the
  // napi conversion error quoted it (every value) in its message
  const secretsBag = { DB_PASSWORD: 'FAKE_db_password_bag_1' }
  assert.equal(sg.decryptValue(good, kp.privateKey, secretsBag), sg.decryptValue(good, kp.privateKey))
  assert.deepEqual([good].map((v, i, all) => sg.decryptValue(v, kp.privateKey, all)), [sg.decryptValue(good, kp.privateKey)])
  assert.throws(() => sg.decryptValue(good, Buffer.from(kp.privateKey)), (e) => e.code === 'INVALID_ARGUMENT' && !e.message.includes(kp.privateKey))
  assert.throws(() => sg.decryptValue('encrypted:AAAA', kp.privateKey, secretsBag), (e) => typeof e.code === 'string' && !e.message.includes('FAKE_db_password_bag_1'))

  // garbage .env.keys: no crash; a typed error when it is unusable
  const dir = tmp()
  try {
    fs.writeFileSync(path.join(dir, '.env'), `A=${good}\n`)
    fs.writeFileSync(path.join(dir, '.env.keys'), Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x3d, 0x0a]))
    let r = sg.config({ path: path.join(dir, '.env'), processEnv: {}, decrypt: true })
    assert.equal(r.error.code, 'INVALID_UTF8')
    fs.writeFileSync(path.join(dir, '.env.keys'), 'garbage line\n=\nDOTENV_PRIVATE_KEY=not-a-key\n')
    r = sg.config({ path: path.join(dir, '.env'), processEnv: {}, decrypt: true })
    assert.equal(r.error.code, 'INVALID_PRIVATE_KEY')
    fs.rmSync(path.join(dir, '.env.keys'))
    fs.mkdirSync(path.join(dir, '.env.keys'))
    r = sg.config({ path: path.join(dir, '.env'), processEnv: {}, decrypt: true })
    assert.equal(r.error.code, 'EISDIR')
    // a plain config() leaves encrypted values untouched (dotenv behaviour)
    const env = {}
    assert.equal(sg.config({ path: path.join(dir, '.env'), processEnv: env }).error, undefined)
    assert.equal(env.A, good)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('config({ decrypt: true }) teaches the default masker the private key(s) it used', () => {
  const dir = tmp()
  try {
    const kp = sg.keypair()
    const other = sg.keypair()
    fs.writeFileSync(path.join(dir, '.env'), `DOTENV_PUBLIC_KEY="${kp.publicKey}"\nSTRIPE_API_KEY="${sg.encryptValue(fake('stripe'), kp.publicKey)}"\n`)
    // comma-separated keys: each is a secret
    fs.writeFileSync(path.join(dir, '.env.keys'), `DOTENV_PRIVATE_KEY="${other.privateKey},${kp.privateKey}"\n`)
    assert.equal(sg.mask(`k=${kp.privateKey}`), `k=${kp.privateKey}`, 'not known before')
    const r = sg.config({ path: path.join(dir, '.env'), decrypt: true, processEnv: {} })
    assert.equal(r.error, undefined)
    for (const key of [kp.privateKey, other.privateKey]) {
      const line = JSON.stringify(sg.redact({ env: { DOTENV_PRIVATE_KEY: key } }))
      assert.ok(!line.includes(key), line)
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('config({ decrypt }) teaches the masker every decrypted value, whatever its key is called; a file: URL path finds .env.keys next to the file', () => {
  const { pathToFileURL } = require('url')
  const dir = tmp()
  const cwd = process.cwd()
  try {
    const kp = sg.keypair()
    const values = { DATABASE_URL: `postgres://u:${fake('dbpw')}@h/db`, MY_CRED: fake('cred'), PLAIN_NAME: fake('plain') }
    const lines = Object.entries(values).map(([k, v]) => `${k}="${sg.encryptValue(v, kp.publicKey)}"`)
    fs.writeFileSync(path.join(dir, '.env'), `DOTENV_PUBLIC_KEY="${kp.publicKey}"\n${lines.join('\n')}\nHOST=db.internal\n`)
    fs.writeFileSync(path.join(dir, '.env.keys'), `DOTENV_PRIVATE_KEY="${kp.privateKey}"\n`)
    process.chdir(os.tmpdir()) // .env.keys is found next to the file, not in the cwd
    const r = sg.config({ path: pathToFileURL(path.join(dir, '.env')), decrypt: true, processEnv: {} })
    assert.equal(r.error, undefined)
    for (const [k, v] of Object.entries(values)) {
      assert.equal(r.parsed[k], v)
      assert.equal(sg.mask(`x=${v}`), 'x=[REDACTED]', k)
    }
    assert.equal(sg.mask('db.internal'), 'db.internal', 'plain values are not learned')
  } finally {
    process.chdir(cwd)
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('envKeysFile may name the directory that holds .env.keys', () => {
  const dir = tmp()
  try {
    const kp = sg.keypair()
    const v = fake('dirkeys')
    fs.mkdirSync(path.join(dir, 'keys'))
    fs.writeFileSync(path.join(dir, '.env'), `DOTENV_PUBLIC_KEY="${kp.publicKey}"\nK="${sg.encryptValue(v, kp.publicKey)}"\n`)
    fs.writeFileSync(path.join(dir, 'keys', '.env.keys'), `DOTENV_PRIVATE_KEY="${kp.privateKey}"\n`)
    const r = sg.config({ path: path.join(dir, '.env'), decrypt: true, envKeysFile: path.join(dir, 'keys'), processEnv: {} })
    assert.equal(r.error, undefined)
    assert.equal(r.parsed.K, v)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
