'use strict'
// secretGuard.requireApiKey(): constant-time validation of inbound keys held in
// a real SecretCache (env: and file: providers), named client keys, rotation
// grace, identical 401s, query opt-in, counters, no key in any output.
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const sg = require('..')
const { FRAMEWORKS, fakeSecret, serve, captureLogger, assertNoLeak, waitFor } = require('./helpers/express-harness')

const { SecretCache } = sg
function uniqueEnv () { return 'SG_APIKEY_TEST_' + Math.random().toString(36).slice(2, 10).toUpperCase() }

for (const [label, expressLib] of FRAMEWORKS) {
  describe(`requireApiKey() on ${label}`, () => {
    let dir, cache
    const envNames = []
    const closers = []
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-apikey-'))
      cache = new SecretCache({ files: { dir } })
    })
    after(() => {
      for (const c of closers) c()
      cache.close()
      for (const n of envNames) delete process.env[n]
      fs.rmSync(dir, { recursive: true, force: true })
    })
    const env = (value) => { const n = uniqueEnv(); envNames.push(n); process.env[n] = value; return n }

    async function setup (opts) {
      const guard = sg.requireApiKey({ cache, ...opts })
      closers.push(guard.close)
      const a = expressLib()
      a.get('/public', (req, res) => res.json({ ok: true }))
      a.use('/api', guard)
      a.get('/api/whoami', (req, res) => res.json({ client: req.apiClient }))
      const s = await serve(a)
      return { guard, s }
    }
    const hdr = (key) => ({ headers: { 'x-api-key': key } })

    test('a 401 names the way to authenticate (WWW-Authenticate)', async () => {
      const n = env(JSON.stringify({ a: fakeSecret('sk_test_FAKE_A_') }))
      const { s } = await setup({ name: `env:${n}` })
      const bearer = await setup({ name: `env:${n}`, header: 'Authorization' })
      try {
        assert.equal((await s.request('/api/whoami')).headers['www-authenticate'], 'ApiKey header="x-api-key"')
        assert.equal((await bearer.s.request('/api/whoami')).headers['www-authenticate'], 'Bearer')
      } finally {
        await s.close()
        await bearer.s.close()
      }
    })

    test('JSON secret of named keys: correct key → 200 + req.apiClient; missing/wrong → identical 401', async () => {
      const keys = { 'client-a': fakeSecret('sk_test_FAKE_A_'), 'client-b': fakeSecret('sk_test_FAKE_B_') }
      const n = env(JSON.stringify(keys))
      const log = captureLogger()
      const { guard, s } = await setup({ name: `env:${n}`, logger: log })
      try {
        let r = await s.request('/api/whoami', hdr(keys['client-a']))
        assert.equal(r.status, 200)
        assert.deepEqual(r.json, { client: 'client-a' })
        r = await s.request('/api/whoami', hdr(keys['client-b']))
        assert.deepEqual(r.json, { client: 'client-b' })

        const missing = await s.request('/api/whoami')
        const wrong = await s.request('/api/whoami', hdr(fakeSecret('sk_test_FAKE_A_')))
        const prefix = await s.request('/api/whoami', hdr(keys['client-a'].slice(0, -1)))
        const longer = await s.request('/api/whoami', hdr(keys['client-a'] + 'x'))
        const empty = await s.request('/api/whoami', hdr(''))
        for (const x of [missing, wrong, prefix, longer, empty]) {
          assert.equal(x.status, 401)
          assert.equal(x.text, missing.text, 'same body for missing and wrong keys')
          assert.equal(x.headers['content-type'], missing.headers['content-type'])
          assert.equal(x.headers['content-length'], missing.headers['content-length'])
        }
        assert.deepEqual(missing.json, { error: { code: 'API_KEY_INVALID', message: 'A valid API key is required' } })
        assert.equal((await s.request('/public')).status, 200, 'routes outside the guard are open')

        const st = guard.stats()
        assert.deepEqual(st.accepted, { 'client-a': 1, 'client-b': 1 })
        assert.equal(st.rejected.missing, 2) // no header and empty header
        assert.equal(st.rejected.invalid, 3)
        assert.ok(log.lines.some((l) => l.includes('api_key_rejected')))
        assertNoLeak([...s.transcript, ...log.lines, JSON.stringify(st)], Object.values(keys), 'responses and logs')
      } finally { await s.close() }
    })

    test('a single-key secret: client name "default"', async () => {
      const key = fakeSecret()
      const file = 'api-key-' + label
      fs.writeFileSync(path.join(dir, file), key + '\n')
      const { s } = await setup({ name: `file:${file}` })
      try {
        const r = await s.request('/api/whoami', hdr(key))
        assert.equal(r.status, 200)
        assert.deepEqual(r.json, { client: 'default' })
        assert.equal((await s.request('/api/whoami', hdr(key.slice(1)))).status, 401)
        assertNoLeak(s.transcript, [key])
      } finally { await s.close() }
    })

    test('keys from the query string only when query: true', async () => {
      const key = fakeSecret()
      const n = env(JSON.stringify({ svc: key }))
      const off = await setup({ name: `env:${n}` })
      const on = await setup({ name: `env:${n}`, query: true })
      const named = await setup({ name: `env:${n}`, query: 'token', header: 'authorization' })
      try {
        assert.equal((await off.s.request(`/api/whoami?api_key=${key}`)).status, 401)
        const r = await on.s.request(`/api/whoami?api_key=${key}`)
        assert.equal(r.status, 200)
        assert.equal(r.json.client, 'svc')
        assert.equal((await on.s.request(`/api/whoami?api_key=${key}&api_key=${key}`)).status, 401, 'repeated parameter is not a key')
        assert.equal((await named.s.request(`/api/whoami?token=${key}`)).status, 200)
        assert.equal((await named.s.request('/api/whoami', { headers: { authorization: `Bearer ${key}` } })).status, 200)
        assert.equal((await named.s.request('/api/whoami', { headers: { authorization: key } })).status, 401, 'Authorization needs the Bearer scheme')
      } finally { await off.s.close(); await on.s.close(); await named.s.close() }
    })

    test('rotation: old key accepted during graceMs, rejected after; new key accepted at once', async () => {
      // Two guards watch the same secret: a long grace (old key certainly still valid when
      // checked, however slow the machine) and a short one (waited out, then the old key fails).
      const old = { web: fakeSecret('sk_test_FAKE_OLD_') }
      const neu = { web: fakeSecret('sk_test_FAKE_NEW_') }
      const n = env(JSON.stringify(old))
      const log = captureLogger()
      const long = await setup({ name: `env:${n}`, graceMs: 120_000, logger: log })
      const short = await setup({ name: `env:${n}`, graceMs: 300, logger: log })
      try {
        for (const { s } of [long, short]) assert.equal((await s.request('/api/whoami', hdr(old.web))).status, 200)
        process.env[n] = JSON.stringify(neu)
        await cache.refresh(`env:${n}`)
        // Grace starts at the rotation (rotate event), not at the next request.
        await waitFor(() => long.guard.stats().graceActive, 5000, 'grace to start')
        let r = await long.s.request('/api/whoami', hdr(neu.web))
        assert.equal(r.status, 200)
        r = await long.s.request('/api/whoami', hdr(old.web))
        assert.equal(r.status, 200, 'previous key still valid during grace')
        assert.equal(r.json.client, 'web')
        assert.equal(long.guard.stats().acceptedPrevious.web, 1)
        assert.ok(log.lines.some((l) => l.includes('api_key_previous_used')))
        // After the grace period the old key is rejected (wait for the condition, bounded).
        await waitFor(() => short.guard.stats().graceRemainingMs === 0, 10_000, 'short grace to end')
        r = await short.s.request('/api/whoami', hdr(old.web))
        assert.equal(r.status, 401)
        assert.equal(short.guard.stats().graceActive, false)
        assert.equal((await short.s.request('/api/whoami', hdr(neu.web))).status, 200)
        assertNoLeak([...long.s.transcript, ...short.s.transcript, ...log.lines], [old.web, neu.web], 'responses and logs')
      } finally { await long.s.close(); await short.s.close() }
    })

    test('rotation of a file: secret (rewrite + refresh) with graceMs: 0 → old key rejected at once', async () => {
      const k1 = fakeSecret(); const k2 = fakeSecret()
      const file = 'rot-' + label
      fs.writeFileSync(path.join(dir, file), JSON.stringify({ a: k1 }))
      const { s } = await setup({ name: `file:${file}`, graceMs: 0 })
      try {
        assert.equal((await s.request('/api/whoami', hdr(k1))).status, 200)
        fs.writeFileSync(path.join(dir, file), JSON.stringify({ a: k2 }))
        await cache.refresh(`file:${file}`)
        assert.equal((await s.request('/api/whoami', hdr(k2))).status, 200)
        assert.equal((await s.request('/api/whoami', hdr(k1))).status, 401)
      } finally { await s.close() }
    })

    test('key secret never loadable → 503 with code, not 401', async () => {
      const { s } = await setup({ name: `env:${uniqueEnv()}` })
      try {
        const r = await s.request('/api/whoami', hdr(fakeSecret()))
        assert.equal(r.status, 503)
        assert.equal(r.json.error.code, 'SECRET_UNAVAILABLE')
      } finally { await s.close() }
    })

    test('a key secret with no usable key → 503 API_KEYS_INVALID', async () => {
      const n = env(JSON.stringify({ a: 1, b: '' }))
      const { s } = await setup({ name: `env:${n}` })
      try {
        const r = await s.request('/api/whoami', hdr('whatever-key-123'))
        assert.equal(r.status, 503)
        assert.equal(r.json.error.code, 'API_KEYS_INVALID')
      } finally { await s.close() }
    })

    test('a JSON key set with a typo → 503 API_KEYS_INVALID, not one key spelled as the whole text', async () => {
      const text = `{ "client-a": "${fakeSecret()}", }`
      const n = env(text)
      const { s } = await setup({ name: `env:${n}` })
      try {
        for (const key of [text, 'whatever-key-123']) {
          const r = await s.request('/api/whoami', hdr(key))
          assert.equal(r.status, 503)
          assert.equal(r.json.error.code, 'API_KEYS_INVALID')
        }
      } finally { await s.close() }
    })

    test('onReject customises the 401', async () => {
      const n = env(fakeSecret())
      const guard = sg.requireApiKey({ cache, name: `env:${n}`, onReject: (req, res, next, info) => res.status(401).json({ nope: info.reason }) })
      closers.push(guard.close)
      const a = expressLib(); a.use(guard); a.get('/', (req, res) => res.send('x'))
      const s = await serve(a)
      try {
        assert.deepEqual((await s.request('/')).json, { nope: 'missing' })
        assert.deepEqual((await s.request('/', hdr('abcdefgh'))).json, { nope: 'invalid' })
      } finally { await s.close() }
    })

    test('app.use(secretGuard.requireApiKey) (factory not called) → FACTORY_NOT_CALLED', async () => {
      const a = expressLib()
      a.use(sg.requireApiKey)
      a.get('/', (req, res) => res.send('unreachable'))
      a.use((err, req, res, next) => res.status(err.status).json({ code: err.code }))
      const s = await serve(a)
      try {
        const r = await s.request('/')
        assert.equal(r.status, 500)
        assert.equal(r.json.code, 'FACTORY_NOT_CALLED')
      } finally { await s.close() }
    })
  })
}

describe('requireApiKey() option validation', () => {
  const cache = new SecretCache({})
  after(() => cache.close())
  const bad = (opts, code) => assert.throws(() => sg.requireApiKey(opts), (e) => e instanceof TypeError && e.code === code)
  test('clear TypeErrors with codes', () => {
    bad(undefined, 'OPTIONS_REQUIRED')
    bad({ name: 'env:K' }, 'CACHE_REQUIRED')
    bad({ cache }, 'INVALID_SECRET_NAME')
    bad({ cache, name: 'K' }, 'INVALID_SECRET_NAME')
    bad({ cache, name: 'env:K', header: 'x api key' }, 'INVALID_OPTION')
    bad({ cache, name: 'env:K', header: 42 }, 'INVALID_OPTION')
    bad({ cache, name: 'env:K', query: 1 }, 'INVALID_OPTION')
    bad({ cache, name: 'env:K', graceMs: -1 }, 'INVALID_OPTION')
    bad({ cache, name: 'env:K', graceMs: 1.5 }, 'INVALID_OPTION')
    bad({ cache, name: 'env:K', graceMs: 8 * 24 * 3600 * 1000 }, 'INVALID_OPTION')
    bad({ cache, name: 'env:K', graceMs: '10m' }, 'INVALID_OPTION')
    bad({ cache, name: 'env:K', onReject: 'x' }, 'INVALID_OPTION')
    bad({ cache, name: 'env:K', logger: {} }, 'INVALID_OPTION')
    bad({ cache, name: 'env:K', grace: 1 }, 'UNKNOWN_OPTION')
    // names the cache cannot parse fail here, not as a 503 on every request
    for (const name of ['evn:K', 'http://example', 'file:../etc/passwd', 'aws:x#', 'env:A#']) bad({ cache, name }, 'INVALID_SECRET_NAME')
    const url = 'postgres://app:FAKE-pw-in-url@db.internal/app'
    assert.throws(() => sg.requireApiKey({ cache, name: url }), (e) => e.code === 'INVALID_SECRET_NAME' && !e.message.includes('FAKE-pw'))
    assert.throws(() => sg.express({ cache, secrets: { db: url } }), (e) => e.code === 'INVALID_SECRET_NAME' && !e.message.includes('FAKE-pw'))
    for (const name of [`env:${url}`, `aws:${url}`]) { // behind a provider too: never reaches metrics labels or the audit trail
      assert.throws(() => sg.express({ cache, secrets: { db: name } }), (e) => e.code === 'INVALID_SECRET_NAME' && !e.message.includes('FAKE-pw'), name)
    }
  })

  test('one rotate listener per cache however many guards; close() removes it with the last guard', () => {
    const c = new SecretCache({})
    const warnings = []
    const onWarning = (w) => warnings.push(w)
    process.on('warning', onWarning)
    try {
      const guards = Array.from({ length: 20 }, () => sg.requireApiKey({ cache: c, name: 'env:SG_APIKEY_LISTENERS' }))
      assert.equal(c.listenerCount('rotate'), 1)
      for (const g of guards) g.close()
      assert.equal(c.listenerCount('rotate'), 0)
    } finally {
      process.off('warning', onWarning)
      c.close()
    }
    assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning'), [])
  })
})

describe('requireApiKey() with real pino and winston loggers', () => {
  test('rejections and grace use are logged without the key (header or query)', async () => {
    const pino = require('pino')
    const winston = require('winston')
    const { Writable } = require('stream')
    let out = ''
    const sink = () => new Writable({ write (c, e, cb) { out += c.toString(); cb() } })
    const loggers = {
      pino: pino({ level: 'info' }, sink()),
      winston: winston.createLogger({ level: 'info', format: winston.format.json(), transports: [new winston.transports.Stream({ stream: sink() })] }),
    }
    const cache = new SecretCache({})
    const n = 'SG_APIKEY_LOG_' + Math.random().toString(36).slice(2, 8).toUpperCase()
    const good = fakeSecret('sgk_test_FAKE_')
    const wrong = fakeSecret('sgk_test_FAKE_WRONG_')
    process.env[n] = JSON.stringify({ app: good })
    const closers = []
    try {
      for (const [which, logger] of Object.entries(loggers)) {
        const guard = sg.requireApiKey({ cache, name: `env:${n}`, query: true, logger })
        closers.push(guard.close)
        const a = require('express')()
        a.use(guard)
        a.get('/', (req, res) => res.json({ c: req.apiClient }))
        const s = await serve(a)
        try {
          assert.equal((await s.request('/', { headers: { 'x-api-key': wrong } })).status, 401)
          assert.equal((await s.request(`/?api_key=${wrong}`)).status, 401)
          assert.equal((await s.request('/')).status, 401)
          assert.equal((await s.request(`/?api_key=${good}`)).status, 200)
          assertNoLeak(s.transcript, [good, wrong], which + ' responses')
        } finally { await s.close() }
      }
      await new Promise((resolve) => setImmediate(resolve))
      assert.equal((out.match(/api_key_rejected/g) || []).length, 6, 'three rejections per logger')
      assert.ok(out.includes('"reason":"missing"') && out.includes('"reason":"invalid"'))
      assert.ok(!out.includes('api_key='), 'the query string is not logged')
      if (typeof sg.fingerprint === 'function') assert.match(out, /sgfp_[0-9a-f]+/, 'fingerprint of the presented key when masking is present')
      assertNoLeak([out], [good, wrong], 'pino/winston output')
    } finally {
      for (const c of closers) c()
      cache.close()
      delete process.env[n]
    }
  })
})
