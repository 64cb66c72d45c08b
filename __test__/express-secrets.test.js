'use strict'
// secretGuard.express(): req.secrets fresh after rotation (env: and file:
// providers of the real SecretCache), redaction, 503 for never-loaded secrets,
// stale values while the provider fails, option validation. Real HTTP on
// 127.0.0.1 with Express 4 and 5.
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const util = require('util')
const sg = require('..')
const { FRAMEWORKS, fakeSecret, sha, serve, assertNoLeak } = require('./helpers/express-harness')

const { SecretCache } = sg

function uniqueEnv () { return 'SG_EXPRESS_TEST_' + Math.random().toString(36).slice(2, 10).toUpperCase() }

for (const [label, expressLib] of FRAMEWORKS) {
  describe(`express() middleware on ${label}`, () => {
    let dir, cache
    const envNames = []
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-express-'))
      cache = new SecretCache({ files: { dir }, refreshInterval: 3_600_000 })
    })
    after(() => {
      cache.close()
      for (const n of envNames) delete process.env[n]
      fs.rmSync(dir, { recursive: true, force: true })
    })
    const env = (value) => { const n = uniqueEnv(); envNames.push(n); process.env[n] = value; return n }

    function app (mw, extra) {
      const a = expressLib()
      a.use(mw)
      a.get('/hash', (req, res) => {
        // Never echo a value: send its hash and what printing req.secrets gives.
        const out = {}
        for (const k of req.query.keys.split(',')) out[k] = sha(req.secrets[k])
        res.json(out)
      })
      if (extra) extra(a)
      return a
    }

    test('req.secrets follows env: rotation (process.env change + cache.refresh), no restart', async () => {
      const v1 = fakeSecret(); const v2 = fakeSecret()
      const n = env(v1)
      const s = await serve(app(sg.express({ cache, secrets: { stripe: `env:${n}` } })))
      try {
        let r = await s.request('/hash?keys=stripe')
        assert.equal(r.status, 200)
        assert.equal(r.json.stripe, sha(v1))
        process.env[n] = v2
        await cache.refresh(`env:${n}`)
        r = await s.request('/hash?keys=stripe')
        assert.equal(r.json.stripe, sha(v2), 'the next request sees the rotated value')
        assertNoLeak(s.transcript, [v1, v2], 'responses')
      } finally { await s.close() }
    })

    test('req.secrets follows file: rotation (file rewritten + cache.refresh)', async () => {
      const v1 = fakeSecret(); const v2 = fakeSecret()
      const file = 'db-password-' + label
      fs.writeFileSync(path.join(dir, file), v1 + '\n')
      const n = env(fakeSecret())
      const s = await serve(app(sg.express({ cache, secrets: { db: `file:${file}`, other: `env:${n}` } })))
      try {
        let r = await s.request('/hash?keys=db,other')
        assert.equal(r.status, 200)
        assert.equal(r.json.db, sha(v1), 'trailing newline trimmed by the file provider')
        assert.equal(r.json.other, sha(process.env[n]))
        fs.writeFileSync(path.join(dir, file), v2 + '\n')
        await cache.refresh(`file:${file}`)
        r = await s.request('/hash?keys=db')
        assert.equal(r.json.db, sha(v2))
        assertNoLeak(s.transcript, [v1, v2, process.env[n]], 'responses')
      } finally { await s.close() }
    })

    test('a stream of requests during rotations never fails and ends on the new value', async () => {
      const values = [fakeSecret(), fakeSecret(), fakeSecret(), fakeSecret()]
      const n = env(values[0])
      const s = await serve(app(sg.express({ cache, secrets: { k: `env:${n}` } })))
      try {
        assert.equal((await s.request('/hash?keys=k')).json.k, sha(values[0]))
        const hashes = new Set(values.map(sha))
        let stop = false
        const seen = []
        const stream = (async () => {
          while (!stop) {
            const r = await s.request('/hash?keys=k')
            assert.equal(r.status, 200)
            assert.ok(hashes.has(r.json.k))
            seen.push(r.json.k)
          }
        })()
        for (const v of values.slice(1)) {
          process.env[n] = v
          await cache.refresh(`env:${n}`)
          await new Promise((resolve) => setImmediate(resolve))
        }
        stop = true
        await stream
        const r = await s.request('/hash?keys=k')
        assert.equal(r.json.k, sha(values[3]))
        assert.ok(seen.length > 0)
        assertNoLeak(s.transcript, values, 'responses')
      } finally { await s.close() }
    })

    test('req.secrets is non-enumerable and prints as [REDACTED]; properties readable', async () => {
      const v = fakeSecret()
      const n = env(v)
      const a = app(sg.express({ cache, secrets: { stripe: `env:${n}` } }), (a) => {
        a.get('/print', (req, res) => {
          res.json({
            inspect: util.inspect(req.secrets),
            inspectHidden: util.inspect(req.secrets, { showHidden: true, customInspect: false, getters: false }),
            inspectReq: util.inspect(req, { depth: 4 }).includes(v),
            json: JSON.stringify(req.secrets),
            jsonObj: JSON.stringify({ s: req.secrets }),
            string: String(req.secrets),
            template: `${req.secrets}`,
            concat: '' + req.secrets,
            keys: Object.keys(req.secrets),
            spread: JSON.stringify({ ...req.secrets }),
            reqKeys: Object.keys(req).includes('secrets'),
            formatted: util.format('%s %o %O %j', req.secrets, req.secrets, req.secrets, req.secrets),
            readable: req.secrets.stripe === process.env[n],
          })
        })
      })
      const s = await serve(a)
      try {
        const r = await s.request('/print')
        assert.equal(r.status, 200)
        const j = r.json
        assert.equal(j.inspect, '[REDACTED]')
        assert.equal(j.json, '"[REDACTED]"')
        assert.equal(j.jsonObj, '{"s":"[REDACTED]"}')
        assert.equal(j.string, '[REDACTED]')
        assert.equal(j.template, '[REDACTED]')
        assert.equal(j.concat, '[REDACTED]')
        assert.deepEqual(j.keys, [])
        assert.equal(j.spread, '{}')
        assert.equal(j.reqKeys, false)
        assert.equal(j.inspectReq, false, 'util.inspect(req) does not show the value')
        assert.equal(j.readable, true)
        assert.ok(!j.inspectHidden.includes(v))
        assertNoLeak(s.transcript, [v], 'printed forms')
      } finally { await s.close() }
    })

    test('a secret not yet loaded is awaited once (single upstream call for concurrent requests)', async () => {
      // file: (async provider): a miss is loaded off the JS thread; env: is read synchronously by getSync.
      const v = fakeSecret()
      const file = 'first-load-' + label
      fs.writeFileSync(path.join(dir, file), v)
      const name = `file:${file}`
      const s = await serve(app(sg.express({ cache, secrets: { k: name } })))
      try {
        assert.equal(cache.getSync(name), undefined)
        const before = cache.stats().upstreamCalls
        const rs = await Promise.all(Array.from({ length: 20 }, () => s.request('/hash?keys=k')))
        for (const r of rs) { assert.equal(r.status, 200); assert.equal(r.json.k, sha(v)) }
        assert.equal(cache.stats().upstreamCalls - before, 1, 'one upstream read for 20 concurrent first requests')
      } finally { await s.close() }
    })

    test('never-loaded secret with a failing provider → 503 JSON with code, no internals', async () => {
      const missing = uniqueEnv() // never set
      const good = fakeSecret()
      const n = env(good)
      const s = await serve(app(sg.express({ cache, secrets: { ok: `env:${n}`, gone: `env:${missing}` } })))
      try {
        const r = await s.request('/hash?keys=ok,gone')
        assert.equal(r.status, 503)
        assert.match(r.headers['content-type'], /application\/json/)
        assert.deepEqual(r.json, { error: { code: 'SECRET_UNAVAILABLE', message: 'A required secret is temporarily unavailable' } })
        assert.ok(!r.text.includes(missing), 'the secret name is not exposed')
        assert.ok(!r.text.includes(n))
        assert.ok(!/at \w|\.js:\d/.test(r.text), 'no stack trace')
        assertNoLeak(s.transcript, [good], 'responses')
      } finally { await s.close() }
    })

    test("onError: 'next' + errorHandler(): error reaches the app's handlers, then JSON 503", async () => {
      const missing = uniqueEnv()
      const caught = []
      const a = expressLib()
      a.use(sg.express({ cache, secrets: { gone: `env:${missing}` }, onError: 'next' }))
      a.get('/x', (req, res) => res.send('unreachable'))
      a.use((err, req, res, next) => { caught.push(err); next(err) })
      a.use(sg.errorHandler())
      const s = await serve(a)
      try {
        const r = await s.request('/x')
        assert.equal(r.status, 503)
        assert.equal(r.json.error.code, 'SECRET_UNAVAILABLE')
        assert.equal(caught.length, 1)
        const err = caught[0]
        assert.ok(err instanceof sg.SecretUnavailableError)
        assert.ok(err instanceof sg.SecretGuardError)
        assert.equal(err.status, 503)
        assert.equal(err.expose, true)
        assert.equal(err.secret, 'gone')
        assert.equal(err.reason, 'SECRET_NOT_FOUND')
        assert.ok(!JSON.stringify(err).includes(missing))
      } finally { await s.close() }
    })

    test('onError function receives the SecretUnavailableError', async () => {
      const missing = uniqueEnv()
      const a = expressLib()
      a.use(sg.express({
        cache,
        secrets: { gone: `env:${missing}` },
        onError: (err, req, res) => res.status(err.status).json({ custom: err.code }),
      }))
      a.get('/x', (req, res) => res.send('unreachable'))
      const s = await serve(a)
      try {
        const r = await s.request('/x')
        assert.equal(r.status, 503)
        assert.deepEqual(r.json, { custom: 'SECRET_UNAVAILABLE' })
      } finally { await s.close() }
    })

    test('provider fails after the secret was loaded → the last good value is served (200)', async () => {
      const v = fakeSecret()
      const n = env(v)
      const file = 'stale-' + label
      const fv = fakeSecret()
      fs.writeFileSync(path.join(dir, file), fv)
      const s = await serve(app(sg.express({ cache, secrets: { e: `env:${n}`, f: `file:${file}` } })))
      try {
        let r = await s.request('/hash?keys=e,f')
        assert.equal(r.status, 200)
        delete process.env[n]
        fs.rmSync(path.join(dir, file))
        await assert.rejects(cache.refresh(`env:${n}`), (e) => typeof e.code === 'string')
        await assert.rejects(cache.refresh(`file:${file}`), (e) => typeof e.code === 'string')
        r = await s.request('/hash?keys=e,f')
        assert.equal(r.status, 200)
        assert.equal(r.json.e, sha(v))
        assert.equal(r.json.f, sha(fv))
        assertNoLeak(s.transcript, [v, fv], 'responses')
      } finally { await s.close() }
    })

    test('two express() middlewares (app + router level) merge their aliases', async () => {
      const a1 = fakeSecret(); const a2 = fakeSecret()
      const n1 = env(a1); const n2 = env(a2)
      const a = expressLib()
      a.use(sg.express({ cache, secrets: { one: `env:${n1}` } }))
      const r = expressLib.Router()
      r.use(sg.express({ cache, secrets: { two: `env:${n2}` } }))
      r.get('/both', (req, res) => res.json({ one: sha(req.secrets.one), two: sha(req.secrets.two), p: String(req.secrets) }))
      a.use('/r', r)
      const s = await serve(a)
      try {
        for (let i = 0; i < 2; i++) { // the second request uses the merged class built by the first
          const res = await s.request('/r/both')
          assert.deepEqual(res.json, { one: sha(a1), two: sha(a2), p: '[REDACTED]' })
        }
      } finally { await s.close() }
    })

    test('app.use(secretGuard.express) (factory not called) → clear error, status 500', async () => {
      const a = expressLib()
      a.use(sg.express)
      a.get('/x', (req, res) => res.send('unreachable'))
      let seen
      a.use((err, req, res, next) => { seen = err; res.status(err.status || 500).json({ code: err.code }) })
      const s = await serve(a)
      try {
        const r = await s.request('/x')
        assert.equal(r.status, 500)
        assert.equal(r.json.code, 'FACTORY_NOT_CALLED')
        assert.ok(seen instanceof TypeError)
        assert.match(seen.message, /secretGuard\.express\(\{/)
      } finally { await s.close() }
    })
  })
}

describe('express() option validation', () => {
  const cache = new SecretCache({})
  after(() => cache.close())
  const bad = (opts, code, re) => assert.throws(() => sg.express(opts), (e) => {
    assert.ok(e instanceof TypeError)
    assert.equal(e.code, code)
    if (re) assert.match(e.message, re)
    return true
  })
  test('missing or wrong options', () => {
    bad(undefined, 'OPTIONS_REQUIRED')
    bad('env:X', 'OPTIONS_REQUIRED')
    bad({ secrets: { a: 'env:A' } }, 'CACHE_REQUIRED', /options\.cache is required/)
    bad({ cache: {}, secrets: { a: 'env:A' } }, 'CACHE_REQUIRED')
    bad({ cache: new Map(), secrets: { a: 'env:A' } }, 'CACHE_REQUIRED')
    bad({ cache }, 'SECRETS_REQUIRED')
    bad({ cache, secrets: {} }, 'SECRETS_REQUIRED', /empty/)
    bad({ cache, secrets: ['env:A'] }, 'SECRETS_REQUIRED')
    bad({ cache, secrets: { a: 42 } }, 'INVALID_SECRET_NAME', /options\.secrets\.a/)
    bad({ cache, secrets: { a: 'STRIPE_KEY' } }, 'INVALID_SECRET_NAME')
    bad({ cache, secrets: { a: '' } }, 'INVALID_SECRET_NAME')
    bad({ cache, secrets: { toJSON: 'env:A' } }, 'INVALID_SECRET_ALIAS')
    bad({ cache, secrets: { constructor: 'env:A' } }, 'INVALID_SECRET_ALIAS')
    bad({ cache, secrets: { __proto__x: 'env:A' } }, 'INVALID_SECRET_ALIAS')
    bad({ cache, secrets: { a: 'env:A' }, onError: 'throw' }, 'INVALID_OPTION')
    bad({ cache, secrets: { a: 'env:A' }, secret: {} }, 'UNKNOWN_OPTION', /unknown option 'secret'/)
  })
  test('a secret-looking string passed as a name is not echoed in the error', () => {
    const v = fakeSecret()
    assert.throws(() => sg.express({ cache, secrets: { a: v } }), (e) => !e.message.includes(v) && e.code === 'INVALID_SECRET_NAME')
  })
  test('app.use(secretGuard.errorHandler) (factory not called) is reported, not silently ignored', async () => {
    const { serve } = require('./helpers/express-harness')
    const a = require('express')()
    a.use(sg.errorHandler)
    a.use((err, req, res, next) => res.status(err.status).json({ code: err.code }))
    const s = await serve(a)
    try {
      const r = await s.request('/nowhere')
      assert.equal(r.status, 500)
      assert.equal(r.json.code, 'FACTORY_NOT_CALLED')
    } finally { await s.close() }
    assert.throws(() => sg.errorHandler({}), (e) => e.code === 'INVALID_OPTION')
  })

  test('named ESM imports work: import { express, requireApiKey, … } from "secret-guard"', () => {
    const { execFileSync } = require('child_process')
    const url = require('url').pathToFileURL(path.join(__dirname, '..', 'index.js')).href
    const src = `import { express, requireApiKey, rotationWebhook, signWebhook, errorHandler, SecretUnavailableError } from ${JSON.stringify(url)}
console.log([express, requireApiKey, rotationWebhook, signWebhook, errorHandler, SecretUnavailableError].map((f) => typeof f).join(','))`
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', src], { encoding: 'utf8', timeout: 20_000 })
    assert.equal(out.trim(), 'function,function,function,function,function,function')
  })

  test('valid options build a 3-argument middleware', () => {
    const mw = sg.express({ cache, secrets: { a: 'env:A', b: 'file:b', c: 'aws:prod/x#k' } })
    assert.equal(typeof mw, 'function')
    assert.equal(mw.length, 3)
  })
})

describe('hot path', () => {
  test('cached secrets are attached without creating a promise (express() and requireApiKey())', async () => {
    const asyncHooks = require('async_hooks')
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-hot-'))
    const cache = new SecretCache({ files: { dir } })
    const n = uniqueEnv()
    const key = fakeSecret('sgk_test_FAKE_')
    process.env[n] = fakeSecret()
    process.env[n + '_KEYS'] = JSON.stringify({ c: key })
    fs.writeFileSync(path.join(dir, 'f'), fakeSecret())
    try {
      const mw = sg.express({ cache, secrets: { a: `env:${n}`, b: 'file:f' } })
      const guard = sg.requireApiKey({ cache, name: `env:${n}_KEYS` })
      await cache.ready([`env:${n}`, 'file:f', `env:${n}_KEYS`])
      const res = { headersSent: false, setHeader () {}, end () { throw new Error('unexpected response') } }
      let promises = 0
      const hook = asyncHooks.createHook({ init (id, type) { if (type === 'PROMISE') promises++ } })
      let nexts = 0
      const reqs = Array.from({ length: 100 }, () => ({ method: 'GET', url: '/', headers: { 'x-api-key': key } }))
      hook.enable()
      for (const req of reqs) {
        guard(req, res, (err) => { if (err) throw err; nexts++ })
        mw(req, res, (err) => { if (err) throw err; nexts++ })
      }
      hook.disable()
      assert.equal(nexts, 200)
      assert.equal(promises, 0, 'no promise created on the hot path')
      assert.equal(reqs[99].apiClient, 'c')
      assert.equal(reqs[99].secrets.a, process.env[n])
      // Control: a never-loaded secret does go through a promise (so the hook counts).
      const cold = sg.express({ cache, secrets: { z: 'file:not-there' }, onError: (err, req, res, next) => next() })
      let coldDone
      const done = new Promise((resolve) => { coldDone = resolve })
      hook.enable()
      cold({ method: 'GET', url: '/', headers: {} }, res, () => coldDone())
      hook.disable()
      await done
      assert.ok(promises > 0)
      guard.close()
    } finally {
      cache.close()
      delete process.env[n]; delete process.env[n + '_KEYS']
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
