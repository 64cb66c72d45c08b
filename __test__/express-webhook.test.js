'use strict'
// secretGuard.rotationWebhook(): signed "secret rotated" notifications over real
// HTTP (Express 4 and 5) refresh the real SecretCache; forged, unsigned,
// replayed, stale and future requests are rejected with no upstream call.
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const sg = require('..')
const { FRAMEWORKS, fakeSecret, sha, serve, captureLogger, assertNoLeak } = require('./helpers/express-harness')

const { SecretCache, signWebhook } = sg
function uniqueEnv () { return 'SG_HOOK_TEST_' + Math.random().toString(36).slice(2, 10).toUpperCase() }
const nowSec = () => Math.floor(Date.now() / 1000)

for (const [label, expressLib] of FRAMEWORKS) {
  describe(`rotationWebhook() on ${label}`, () => {
    let dir, cache, s, hook, log, signKeyEnv, signKey, secretEnv, fileName
    const values = []
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-hook-'))
      cache = new SecretCache({ files: { dir } })
      signKeyEnv = uniqueEnv(); signKey = fakeSecret('whsec_test_FAKE_'); process.env[signKeyEnv] = signKey
      secretEnv = uniqueEnv(); values.push(fakeSecret()); process.env[secretEnv] = values[0]
      fileName = 'hook-file-' + label; values.push(fakeSecret()); fs.writeFileSync(path.join(dir, fileName), values[1])
      log = captureLogger()
      hook = sg.rotationWebhook({ cache, signingSecret: `env:${signKeyEnv}`, logger: log, maxBodyBytes: 1024 })
      const a = expressLib()
      a.post('/hooks/secret-rotated', hook)
      a.get('/hooks/secret-rotated', hook)
      a.use(sg.express({ cache, secrets: { stripe: `env:${secretEnv}`, db: `file:${fileName}` } }))
      a.get('/hash', (req, res) => res.json({ stripe: sha(req.secrets.stripe), db: sha(req.secrets.db) }))
      s = await serve(a)
      // Load everything once so later upstream-call counts only move on refresh.
      await cache.ready([`env:${signKeyEnv}`, `env:${secretEnv}`, `file:${fileName}`])
      assert.equal((await s.request('/hash')).status, 200)
    })
    after(async () => {
      await s.close()
      cache.close()
      delete process.env[signKeyEnv]; delete process.env[secretEnv]
      fs.rmSync(dir, { recursive: true, force: true })
      assertNoLeak([...s.transcript, ...log.lines], [signKey, ...values], 'webhook responses and logs')
    })

    const post = (signed, extraHeaders = {}) => s.request('/hooks/secret-rotated', {
      method: 'POST', body: signed.body, headers: { ...signed.headers, ...extraHeaders },
    })
    const upstream = () => cache.stats().upstreamCalls

    test('behind express.raw(): a chunked body over maxBodyBytes → 413, like one read by the webhook itself', async () => {
      const a = expressLib()
      a.post('/raw', expressLib.raw({ type: '*/*', limit: '1mb' }), hook)
      const raw = await serve(a)
      try {
        const signed = signWebhook(signKey, { name: `env:${secretEnv}`, pad: 'x'.repeat(5000) })
        // a ReadableStream body is sent chunked (no Content-Length)
        const body = new ReadableStream({ start (c) { c.enqueue(Buffer.from(signed.body)); c.close() } })
        const r = await raw.request('/raw', { method: 'POST', body, duplex: 'half', headers: signed.headers })
        assert.equal(r.status, 413)
        assert.equal(r.json.error.code, 'WEBHOOK_BODY_TOO_LARGE')
        const bad = await raw.request('/raw', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
        assert.equal(bad.status, 401)
        assert.equal(bad.headers['www-authenticate'], 'Signature header="x-secret-guard-signature"')
      } finally {
        await raw.close()
      }
    })

    test('valid signed request → cache.refresh → 200 { refreshed, version }; next request sees the value', async () => {
      const v = fakeSecret(); values.push(v)
      process.env[secretEnv] = v
      const before = upstream()
      const r = await post(signWebhook(signKey, { name: `env:${secretEnv}` }))
      assert.equal(r.status, 200)
      assert.equal(r.json.refreshed, `env:${secretEnv}`)
      assert.ok('version' in r.json)
      assert.equal(upstream() - before, 1, 'exactly one upstream read')
      assert.equal((await s.request('/hash')).json.stripe, sha(v), 'immediately after the webhook')

      const fv = fakeSecret(); values.push(fv)
      fs.writeFileSync(path.join(dir, fileName), fv)
      assert.equal((await post(signWebhook(signKey, { name: `file:${fileName}` }))).status, 200)
      assert.equal((await s.request('/hash')).json.db, sha(fv))
    })

    test('forged, unsigned, tampered, replayed, stale and future requests → 401, no upstream call', async () => {
      const name = `env:${secretEnv}`
      const good = signWebhook(signKey, { name })
      assert.equal((await post(good)).status, 200)
      const before = upstream()
      const beforeRefreshes = cache.stats().refreshes
      const cases = {
        forged: signWebhook(fakeSecret('whsec_test_FAKE_'), { name }),
        unsigned: { body: JSON.stringify({ name }), headers: { 'content-type': 'application/json' } },
        noSignature: (() => { const x = signWebhook(signKey, { name }); delete x.headers['x-secret-guard-signature']; return x })(),
        noTimestamp: (() => { const x = signWebhook(signKey, { name }); delete x.headers['x-secret-guard-timestamp']; return x })(),
        noId: (() => { const x = signWebhook(signKey, { name }); delete x.headers['x-secret-guard-id']; return x })(),
        tamperedBody: { ...good, body: JSON.stringify({ name: `file:${fileName}` }) },
        tamperedTimestamp: (() => { const x = signWebhook(signKey, { name }); x.headers['x-secret-guard-timestamp'] = String(nowSec() + 1); return x })(),
        replayed: good,
        replayedNewId: { ...good, headers: { ...good.headers, 'x-secret-guard-id': 'another-id' } },
        signedIdChanged: (() => { const x = signWebhook(signKey, { name }); x.headers['x-secret-guard-id'] += 'x'; return x })(),
        stale: signWebhook(signKey, { name }, ), // replaced below
        future: signWebhook(signKey, { name }, { timestamp: nowSec() + 3600 }),
        badScheme: (() => { const x = signWebhook(signKey, { name }); x.headers['x-secret-guard-signature'] = x.headers['x-secret-guard-signature'].replace('v1=', 'v0='); return x })(),
        truncatedSig: (() => { const x = signWebhook(signKey, { name }); x.headers['x-secret-guard-signature'] = x.headers['x-secret-guard-signature'].slice(0, 20); return x })(),
        junkTimestamp: (() => { const x = signWebhook(signKey, { name }); x.headers['x-secret-guard-timestamp'] = '1e12'; return x })(),
        // "<ts>.<id>.<body>" split elsewhere: the body's text before its first '.'
        // moved into the id keeps the signature valid unless ids exclude '.'.
        idReframed: (() => {
          const x = signWebhook(signKey, { name: `file:${fileName}.x` })
          const cut = x.body.indexOf('.') + 1
          x.headers['x-secret-guard-id'] += '.' + x.body.slice(0, cut - 1)
          return { body: x.body.slice(cut), headers: x.headers }
        })(),
      }
      cases.stale = signWebhook(signKey, { name }, { timestamp: nowSec() - 301 })
      for (const [what, req] of Object.entries(cases)) {
        const r = await post(req)
        assert.equal(r.status, 401, what)
        assert.deepEqual(r.json, { error: { code: 'WEBHOOK_UNAUTHORIZED', message: 'Webhook signature verification failed' } }, what)
      }
      assert.equal(upstream(), before, 'no upstream call for any rejected request')
      assert.equal(cache.stats().refreshes, beforeRefreshes)
      assert.ok(hook.stats().rejected >= Object.keys(cases).length)
      assert.ok(log.lines.some((l) => l.includes('replayed')))
    })

    test('several signatures (signing-secret rotation): any valid v1 is accepted', async () => {
      const name = `env:${secretEnv}`
      const signed = signWebhook(signKey, { name })
      const other = signWebhook(fakeSecret('whsec_test_FAKE_'), signed.body, { timestamp: Number(signed.headers['x-secret-guard-timestamp']), id: signed.headers['x-secret-guard-id'] })
      signed.headers['x-secret-guard-signature'] = other.headers['x-secret-guard-signature'] + ', ' + signed.headers['x-secret-guard-signature']
      assert.equal((await post(signed)).status, 200)
    })

    test('verified but bad body → 400; unknown name → 404; both without refresh', async () => {
      const before = upstream()
      for (const body of ['not json', '[]', '{}', '{"name":42}', '{"name":"STRIPE"}', '', 'null']) {
        const r = await post(signWebhook(signKey, body))
        assert.equal(r.status, 400, body)
        assert.equal(r.json.error.code, 'WEBHOOK_BAD_BODY')
      }
      const r = await post(signWebhook(signKey, { name: 'env:SG_NEVER_USED_BY_THIS_APP' }))
      assert.equal(r.status, 404)
      assert.equal(r.json.error.code, 'SECRET_UNKNOWN')
      assert.equal(upstream(), before)
    })

    test('a name registered by express() but not read yet is loaded by the webhook (200)', async () => {
      const n = uniqueEnv()
      const v = fakeSecret(); values.push(v)
      process.env[n] = v
      const a = expressLib()
      a.post('/h', sg.rotationWebhook({ cache, signingSecret: `env:${signKeyEnv}` }))
      a.use(sg.express({ cache, secrets: { later: `env:${n}` } }))
      a.get('/later', (req, res) => res.json({ h: sha(req.secrets.later) }))
      const s2 = await serve(a)
      try {
        const signed = signWebhook(signKey, { name: `env:${n}` })
        const r = await s2.request('/h', { method: 'POST', body: signed.body, headers: signed.headers })
        assert.equal(r.status, 200)
        assert.equal(r.json.refreshed, `env:${n}`)
        assert.equal((await s2.request('/later')).json.h, sha(v))
        assertNoLeak(s2.transcript, [v, signKey])
      } finally { await s2.close(); delete process.env[n] }
    })

    test('an unknown name is not revealed to unverified callers (401 before 404)', async () => {
      const r = await post({ body: JSON.stringify({ name: 'env:NOPE' }), headers: { 'content-type': 'application/json' } })
      assert.equal(r.status, 401)
    })

    test('body over maxBodyBytes → 413; GET → 405', async () => {
      const big = signWebhook(signKey, { name: `env:${secretEnv}`, pad: 'x'.repeat(2000) })
      const r = await post(big)
      assert.equal(r.status, 413)
      assert.equal(r.json.error.code, 'WEBHOOK_BODY_TOO_LARGE')
      const g = await s.request('/hooks/secret-rotated')
      assert.equal(g.status, 405)
      assert.equal(g.headers.allow, 'POST')
    })

    test('refresh failing upstream → 502 REFRESH_FAILED with the provider code; a retry of the same delivery works', async () => {
      const saved = process.env[secretEnv]
      delete process.env[secretEnv]
      const signed = signWebhook(signKey, { name: `env:${secretEnv}` })
      const r = await post(signed)
      assert.equal(r.status, 502)
      assert.equal(r.json.error.code, 'REFRESH_FAILED')
      assert.ok(!r.text.includes(secretEnv))
      process.env[secretEnv] = saved
      assert.equal((await post(signed)).status, 200, 'same delivery retried after the failure')
      assert.equal((await post(signed)).status, 401, 'but not replayed after success')
    })

    test('works behind express.raw(); tells the developer when express.json() ate the body', async () => {
      const a = expressLib()
      const h = sg.rotationWebhook({ cache, signingSecret: `env:${signKeyEnv}` })
      a.post('/raw', expressLib.raw({ type: '*/*' }), h)
      a.post('/json', expressLib.json(), h)
      const s2 = await serve(a)
      try {
        const signed = signWebhook(signKey, { name: `env:${secretEnv}` })
        let r = await s2.request('/raw', { method: 'POST', body: signed.body, headers: signed.headers })
        assert.equal(r.status, 200)
        const signed2 = signWebhook(signKey, { name: `env:${secretEnv}` })
        r = await s2.request('/json', { method: 'POST', body: signed2.body, headers: signed2.headers })
        assert.equal(r.status, 500)
        assert.equal(r.json.error.code, 'WEBHOOK_BODY_CONSUMED')
      } finally { await s2.close() }
    })

    test('signing secret unavailable → 503, nothing refreshed', async () => {
      const a = expressLib()
      a.post('/h', sg.rotationWebhook({ cache, signingSecret: `env:${uniqueEnv()}` }))
      const s2 = await serve(a)
      try {
        const before = cache.stats().refreshes
        const signed = signWebhook(signKey, { name: `env:${secretEnv}` })
        const r = await s2.request('/h', { method: 'POST', body: signed.body, headers: signed.headers })
        assert.equal(r.status, 503)
        assert.equal(r.json.error.code, 'SECRET_UNAVAILABLE')
        assert.equal(cache.stats().refreshes, before)
      } finally { await s2.close() }
    })
  })
}

describe('rotationWebhook() / signWebhook() validation', () => {
  const cache = new SecretCache({})
  after(() => cache.close())
  const bad = (opts, code) => assert.throws(() => sg.rotationWebhook(opts), (e) => e instanceof TypeError && e.code === code)
  test('clear TypeErrors with codes', () => {
    bad(undefined, 'OPTIONS_REQUIRED')
    bad({}, 'CACHE_REQUIRED')
    bad({ cache, signingSecret: 'hunter2-raw-secret' }, 'INVALID_SECRET_NAME')
    bad({ cache, toleranceMs: 0 }, 'INVALID_OPTION')
    bad({ cache, toleranceMs: '5m' }, 'INVALID_OPTION')
    bad({ cache, maxBodyBytes: 1e9 }, 'INVALID_OPTION')
    bad({ cache, headers: { sig: 'x' } }, 'UNKNOWN_OPTION')
    bad({ cache, headers: { signature: 'bad header' } }, 'INVALID_OPTION')
    bad({ cache, names: 'env:A' }, 'INVALID_OPTION')
    bad({ cache, names: ['A'] }, 'INVALID_SECRET_NAME')
    bad({ cache, tolerance: 1 }, 'UNKNOWN_OPTION')
  })
  test('a raw secret passed as signingSecret is not echoed', () => {
    const v = fakeSecret('whsec_test_FAKE_')
    assert.throws(() => sg.rotationWebhook({ cache, signingSecret: v }), (e) => !e.message.includes(v))
  })
  test('signWebhook: protocol is v1=hex(HMAC-SHA256(secret, "<ts>.<id>.<body>"))', () => {
    const crypto = require('crypto')
    const r = signWebhook('k_test_FAKE_123', '{"name":"env:X"}', { timestamp: 1700000000, id: 'evt_1' })
    assert.equal(r.headers['x-secret-guard-timestamp'], '1700000000')
    assert.equal(r.headers['x-secret-guard-id'], 'evt_1')
    const want = crypto.createHmac('sha256', 'k_test_FAKE_123').update('1700000000.evt_1.{"name":"env:X"}').digest('hex')
    assert.equal(r.headers['x-secret-guard-signature'], 'v1=' + want)
    assert.throws(() => signWebhook('', 'x'), (e) => e.code === 'INVALID_SECRET')
    assert.throws(() => signWebhook('k', 'x', { timestamp: 1.5 }), (e) => e.code === 'INVALID_OPTION')
    // header options: undefined keeps the default, on both sides; the same checks on both
    assert.deepEqual(Object.keys(signWebhook('k', 'x', { headers: { timestamp: undefined } }).headers),
      ['content-type', 'x-secret-guard-timestamp', 'x-secret-guard-id', 'x-secret-guard-signature'])
    assert.throws(() => signWebhook('k', 'x', { headers: { bogus: 'x-b' } }), (e) => e.code === 'UNKNOWN_OPTION')
    assert.throws(() => signWebhook('k', 'x', { headers: { id: 'bad header' } }), (e) => e.code === 'INVALID_OPTION')
    // one header for two roles (signWebhook dropped one; rotationWebhook refused every delivery),
    // the body's own headers, and names inherited from Object.prototype
    for (const headers of [{ id: 'X-Secret-Guard-Timestamp' }, { timestamp: 'x-sig', signature: 'x-sig' }, { signature: 'Content-Type' }, { id: 'content-length' }]) {
      assert.throws(() => signWebhook('k', 'x', { headers }), (e) => e.code === 'INVALID_OPTION' && /three different headers/.test(e.message), JSON.stringify(headers))
      assert.throws(() => sg.rotationWebhook({ cache, headers }), (e) => e.code === 'INVALID_OPTION', JSON.stringify(headers))
    }
    for (const headers of [{ toString: 'x-a' }, JSON.parse('{"__proto__": "x-a"}'), { constructor: 'x-a' }]) {
      assert.throws(() => signWebhook('k', 'x', { headers }), (e) => e.code === 'UNKNOWN_OPTION')
      assert.throws(() => sg.rotationWebhook({ cache, headers }), (e) => e.code === 'UNKNOWN_OPTION')
    }
    // Date.now() is milliseconds: every delivery would be refused as stale
    assert.throws(() => signWebhook('k', 'x', { timestamp: Date.now() }), (e) => e.code === 'INVALID_OPTION' && /not milliseconds/.test(e.message))
    assert.ok(signWebhook('k', 'x', { timestamp: Math.floor(Date.now() / 1000) }))
    // ids exclude '.', the separator of the signed content
    assert.throws(() => signWebhook('k', 'x', { id: 'a.b' }), (e) => e.code === 'INVALID_OPTION')
    assert.ok(signWebhook('k', 'x', { id: 'evt:01J_abc-9' }))
    // unserialisable bodies are INVALID_BODY TypeErrors, whatever JSON.stringify threw
    const circular = {}; circular.self = circular
    for (const body of [{ n: 1n }, circular, { toJSON () { throw new Error('boom') } }, undefined]) {
      assert.throws(() => signWebhook('k', body), (e) => e instanceof TypeError && e.code === 'INVALID_BODY')
    }
  })
  test('the replay cache is bounded: when full of live ids, new deliveries get 429 (not a silent replay window)', async () => {
    const n = 'SG_HOOK_BOUND_' + Math.random().toString(36).slice(2, 8).toUpperCase()
    const key = fakeSecret('whsec_test_FAKE_')
    process.env[n] = key
    process.env[n + '_X'] = fakeSecret()
    const a = require('express')()
    const hook = sg.rotationWebhook({ cache, signingSecret: `env:${n}`, maxReplayEntries: 2, names: [`env:${n}_X`] })
    a.post('/h', hook)
    const s = await serve(a)
    try {
      const send = async () => {
        const x = signWebhook(key, { name: `env:${n}_X` })
        return (await s.request('/h', { method: 'POST', body: x.body, headers: x.headers })).status
      }
      assert.equal(await send(), 200)
      assert.equal(await send(), 200)
      assert.equal(await send(), 429)
      assert.equal(hook.stats().replayEntries, 2)
    } finally { await s.close(); delete process.env[n]; delete process.env[n + '_X'] }
  })

  test('app.post(path, secretGuard.rotationWebhook) (factory not called) → FACTORY_NOT_CALLED', async () => {
    const a = require('express')()
    a.post('/h', sg.rotationWebhook)
    a.use((err, req, res, next) => res.status(err.status).json({ code: err.code }))
    const s = await serve(a)
    try {
      const r = await s.request('/h', { method: 'POST', body: '{}' })
      assert.equal(r.json.code, 'FACTORY_NOT_CALLED')
    } finally { await s.close() }
  })
})
