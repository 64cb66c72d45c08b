'use strict'
// Secret (leak-proof values), fingerprint(), the process-wide default masker:
// addSecret/mask/redact, config() learning, retire grace.
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const util = require('node:util')
const { spawnSync } = require('node:child_process')
const sg = require('..')

const fake = (p = 'sk_test_FAKE_') => p + crypto.randomBytes(10).toString('hex')

test('Secret never prints its value', () => {
  const v = fake()
  const s = new sg.Secret(v, { learn: false })
  const outputs = [
    util.inspect(s),
    util.inspect({ s }, { showHidden: true, depth: null, getters: true }),
    util.format('%s %o %O %j', s, s, s, s),
    JSON.stringify(s),
    JSON.stringify({ nested: [s] }),
    `${s}`,
    String(s),
    'x' + s,
    s.toString(),
    Object.prototype.toString.call(s),
    new Error(`failed with ${s}`).message,
    new Error(`failed with ${s}`).stack,
    util.inspect(Object.assign(new Error('e'), { secret: s })),
    Object.keys(s).join(','),
    JSON.stringify(Object.entries(s)),
    util.inspect(structuredClone(s))
  ]
  for (const o of outputs) assert.ok(!o.includes(v), o)
  assert.equal(util.inspect(s), '[REDACTED]')
  assert.equal(JSON.stringify({ s }), '{"s":"[REDACTED]"}')
  assert.equal(`${s}`, '[REDACTED]')
  assert.equal(s.expose(), v)
  assert.equal(s.length, v.length)
  assert.equal(s.value, undefined) // deliberately no .value getter
  assert.ok(s.equals(v))
  assert.ok(!s.equals(v + 'x'))
  assert.ok(sg.Secret.isSecret(s))
  // the prototype is frozen: toString cannot be swapped to leak it
  assert.throws(() => { sg.Secret.prototype.toString = function () { return this.expose() } })
})

test('console.log of a Secret prints [REDACTED] (checked in a child process)', () => {
  const v = fake()
  const code = `const { Secret } = require(${JSON.stringify(path.join(__dirname, '..'))});
    const s = new Secret(process.env.V); console.log(s); console.log({ s }); console.log('%s', s);
    console.error(new Error('boom ' + s)); try { throw new Error(\`x \${s}\`) } catch (e) { console.log(e) }`
  const r = spawnSync(process.execPath, ['-e', code], { env: { ...process.env, V: v }, encoding: 'utf8', timeout: 20000 })
  assert.equal(r.status, 0, r.stderr)
  assert.ok(r.stdout.includes('[REDACTED]'))
  assert.ok(!r.stdout.includes(v))
  assert.ok(!r.stderr.includes(v))
})

test('Secret is learned by the default masker only with { learn: true }', () => {
  const v = fake(); const w = fake()
  // eslint-disable-next-line no-new
  new sg.Secret(v, { learn: true })
  // eslint-disable-next-line no-new
  new sg.Secret(w)
  assert.equal(sg.mask(`a ${v} b ${w}`), `a [REDACTED] b ${w}`)
  assert.equal(sg.redact({ s: new sg.Secret(w, { learn: false }) }).s, '[REDACTED]')
  sg.removeSecret(v)
  assert.throws(() => new sg.Secret(42), { code: 'SECRET_VALUE_TYPE' })
})

test('fingerprint: stable, sgfp_ + 10 hex, keyed, env key, per-process random key', () => {
  const v = fake()
  const a = sg.fingerprint(v, { key: 'k1' })
  assert.match(a, /^sgfp_[0-9a-f]{10}$/)
  assert.equal(sg.fingerprint(v, { key: 'k1' }), a)
  assert.equal(sg.fingerprint(Buffer.from(v), { key: Buffer.from('k1') }), a)
  assert.notEqual(sg.fingerprint(v, { key: 'k2' }), a)
  assert.notEqual(sg.fingerprint(v + 'x', { key: 'k1' }), a)
  // HMAC-SHA256, checked against node:crypto
  assert.equal(a, 'sgfp_' + crypto.createHmac('sha256', 'k1').update(v).digest('hex').slice(0, 10))
  assert.equal(new sg.Secret(v, { learn: false }).fingerprint({ key: 'k1' }), a)
  assert.equal(sg.fingerprint(new sg.Secret(v, { learn: false }), { key: 'k1' }), a)

  const saved = process.env.SECRET_GUARD_FINGERPRINT_KEY
  try {
    process.env.SECRET_GUARD_FINGERPRINT_KEY = 'k1'
    assert.equal(sg.fingerprint(v), a)
    delete process.env.SECRET_GUARD_FINGERPRINT_KEY
    const p1 = sg.fingerprint(v)
    assert.equal(sg.fingerprint(v), p1) // stable within the process
    assert.notEqual(p1, a)
    const code = `console.log(require(${JSON.stringify(path.join(__dirname, '..'))}).fingerprint(process.env.V))`
    const env = { ...process.env, V: v }
    delete env.SECRET_GUARD_FINGERPRINT_KEY
    const other = spawnSync(process.execPath, ['-e', code], { env, encoding: 'utf8', timeout: 20000 })
    assert.equal(other.status, 0, other.stderr)
    assert.match(other.stdout.trim(), /^sgfp_[0-9a-f]{10}$/)
    assert.notEqual(other.stdout.trim(), p1) // a different random key in another process
  } finally {
    if (saved === undefined) delete process.env.SECRET_GUARD_FINGERPRINT_KEY
    else process.env.SECRET_GUARD_FINGERPRINT_KEY = saved
  }
  assert.throws(() => sg.fingerprint(42), { code: 'SECRET_VALUE_TYPE' })
  assert.throws(() => sg.fingerprint(v, { key: 42 }), { code: 'INVALID_KEY' })
  assert.throws(() => sg.fingerprint(v, { key: '' }), { code: 'INVALID_KEY' })
})

test('default masker: addSecret / mask / redact / removeSecret', () => {
  const v = fake()
  sg.addSecret(v)
  assert.equal(sg.mask(`k=${Buffer.from(v).toString('base64')}`), 'k=[REDACTED]')
  assert.deepEqual(sg.redact({ msg: v, token: 'zz' }), { msg: '[REDACTED]', token: '[REDACTED]' })
  assert.throws(() => sg.addSecret('abc'), { code: 'VALUE_TOO_SHORT' })
  sg.configureMasking({ partial: { keepLast: 4 } })
  try {
    assert.equal(sg.mask(`k=${v}`), `k=****${v.slice(-4)}`)
  } finally {
    sg.configureMasking({ partial: false })
  }
  assert.equal(sg.mask(`k=${v}`), 'k=[REDACTED]')
  assert.equal(sg.removeSecret(v), true)
  assert.equal(sg.mask(v), v)
})

test('config() teaches the default masker values whose keys look secret', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-mask-'))
  try {
    const apiKey = fake('sk_live_FAKE_'); const dbPass = fake('pw_'); const host = 'db-' + crypto.randomBytes(4).toString('hex') + '.internal'
    const tok = fake('tok_'); const custom = fake('cst_')
    fs.writeFileSync(path.join(dir, '.env'), [
      `STRIPE_API_KEY=${apiKey}`, `DB_PASSWORD="${dbPass}"`, `DB_HOST=${host}`, `GITHUB_TOKEN=${tok}`,
      'SHORT_SECRET=abc', `MY_CUSTOM=${custom}`
    ].join('\n'))
    const processEnv = {}
    const r = sg.config({ path: path.join(dir, '.env'), processEnv })
    assert.equal(r.error, undefined)
    assert.equal(processEnv.STRIPE_API_KEY, apiKey)
    const line = sg.mask(`stripe=${apiKey} db=${dbPass} host=${host} gh=${encodeURIComponent(tok)} c=${custom} abc`)
    assert.equal(line, `stripe=[REDACTED] db=[REDACTED] host=${host} gh=[REDACTED] c=${custom} abc`)

    // the key pattern is configurable
    sg.configureMasking({ keyPattern: /CUSTOM/ })
    try {
      sg.config({ path: path.join(dir, '.env'), processEnv: {} })
      assert.equal(sg.mask(custom), '[REDACTED]')
    } finally {
      sg.configureMasking({ keyPattern: sg.DEFAULT_KEY_PATTERN })
    }
    for (const v of [apiKey, dbPass, tok, custom]) sg.removeSecret(v)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('config() learns, in Rust while parsing, exactly the values whose keys DEFAULT_KEY_PATTERN selects', () => {
  // With the default pattern, config() has Rust apply the key rule (src/masking
  // is_secret_key) as it parses: it must decide as the RegExp does on every key
  // the parser accepts ([\w.-]+, so ASCII only).
  const kp = sg.DEFAULT_KEY_PATTERN
  // keys glued from the secret words, their near misses and separators (seeded)
  const parts = ['pass', 'PASSWORD', 'Secret', 'TOKEN', 'api', 'API', 'key', 'KEY', '_', '-', '.', 'x', '9',
    'authorization', 'COOKIE', 'pas', 'tok', 'apikey', 'Api-Key', 'api_KEY', 'api.key', 'ey', 'sec', 'ret', 'Auth',
    'private', 'PRIVATE', 'Private-Key', 'privatekey', 'priv', 'ate']
  let rnd = 777
  const next = () => { rnd = (rnd * 1103515245 + 12345) % 2147483648; return rnd }
  const nextKey = () => Array.from({ length: 1 + (next() % 4) }, () => parts[next() % parts.length]).join('')
  const lines = Array.from({ length: 3000 }, () => [nextKey(), fake()])
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-learn-'))
  try {
    const file = path.join(dir, '.env')
    fs.writeFileSync(file, lines.map(([k, v]) => `${k}=${v}`).join('\n'))
    const r = sg.config({ path: file, processEnv: {} })
    assert.equal(r.error, undefined)
    let learned = 0
    for (const [key, value] of lines) {
      const masked = sg.mask(value) !== value
      assert.equal(masked, kp.test(key), key)
      if (masked) learned++
    }
    assert.ok(learned > 300 && learned < 2700, 'the generator covers both outcomes')
  } finally {
    for (const [, v] of lines) sg.removeSecret(v)
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('retired values stay masked for graceMs, then are forgotten', async () => {
  const v = fake(); const w = fake()
  sg.addSecret(v); sg.addSecret(w)
  sg.configureMasking({ graceMs: 150 })
  try {
    sg.retireSecret(v)
    assert.equal(sg.mask(v), '[REDACTED]') // still masked right after rotation
    const deadline = Date.now() + 10000
    while (sg.mask(v) !== v) {
      if (Date.now() > deadline) assert.fail('retired value was never forgotten')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    assert.equal(sg.mask(w), '[REDACTED]') // others unaffected
    // explicit grace per call; learning it again (served again) makes it active again
    sg.retireSecret(w, 50)
    sg.defaultMasker.add(w)
    await new Promise((resolve) => setTimeout(resolve, 120))
    assert.equal(sg.mask(w), '[REDACTED]')
  } finally {
    sg.configureMasking({ graceMs: 3600000 })
    sg.removeSecret(w)
  }
  assert.throws(() => sg.configureMasking({ graceMs: -1 }), { code: 'INVALID_OPTION' })
})

test('node -r secret-guard/config: the preload learns secret-looking keys', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-preload-'))
  try {
    const key = fake('sk_live_FAKE_')
    fs.writeFileSync(path.join(dir, '.env'), `PAYMENT_API_KEY=${key}\nPORT=3000\n`)
    const code = 'const sg = require("secret-guard"); console.log(sg.mask("key=" + process.env.PAYMENT_API_KEY + " port=" + process.env.PORT))'
    const env = { ...process.env }
    delete env.PAYMENT_API_KEY
    const r = spawnSync(process.execPath, ['-r', require.resolve('secret-guard/config'), '-e', code.replace(/"secret-guard"/, JSON.stringify(path.join(__dirname, '..')))], { cwd: dir, env, encoding: 'utf8', timeout: 20000 })
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout.trim(), 'key=[REDACTED] port=3000')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
