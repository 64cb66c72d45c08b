'use strict'
// Express integration against AWS Secrets Manager (a real moto server started
// here): rotation by PutSecretValue during a stream of requests (background
// refresh and signed webhook), API-key rotation grace, rejected webhooks cause
// no upstream call (moto's request log), provider down → stale 200 / cold 503.
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { startMoto, motoRecorder } = require('./helpers/servers')
const { FRAMEWORKS, fakeSecret, sha, serve, captureLogger, assertNoLeak, waitFor } = require('./helpers/express-harness')
const sg = require('..')

const { SecretCache, signWebhook } = sg

let moto, SM, sm
before(async () => {
  moto = await startMoto() // sets AWS_REGION, dummy keys, AWS_EC2_METADATA_DISABLED
  SM = require('@aws-sdk/client-secrets-manager')
  sm = new SM.SecretsManagerClient({ endpoint: moto.endpoint, region: 'us-east-1' })
})
after(async () => {
  if (moto) await moto.stop()
  // moto's request recorder writes ./moto_recording in its working directory (ours).
  require('fs').rmSync(require('path').join(process.cwd(), 'moto_recording'), { force: true })
})

let seq = 0
const uniq = (p) => `${p}-${process.pid}-${++seq}`
const create = (name, value) => sm.send(new SM.CreateSecretCommand({ Name: name, SecretString: value }))
const put = (name, value) => sm.send(new SM.PutSecretValueCommand({ SecretId: name, SecretString: value }))

for (const [label, expressLib] of FRAMEWORKS) {
  describe(`Express + AWS Secrets Manager (moto) on ${label}`, () => {
    const signEnv = 'SG_EXPRESS_AWS_WEBHOOK_' + label.toUpperCase()
    const signKey = fakeSecret('whsec_test_FAKE_')
    const leaks = []
    const transcripts = []
    let log
    before(() => { process.env[signEnv] = signKey; leaks.push(signKey); log = captureLogger() })
    // An app with one guard per area (`/<area>/me` answers the client name); `me(key, area)`.
    const serveGuards = async (t, areas, setup = () => {}) => {
      const a = expressLib()
      setup(a)
      for (const [area, guard] of Object.entries(areas)) a.use(`/${area}`, guard)
      a.get(Object.keys(areas).map((area) => `/${area}/me`), (req, res) => res.json({ client: req.apiClient }))
      const s = await serve(a)
      transcripts.push(s.transcript)
      t.after(() => s.close())
      return { s, me: (key, area = Object.keys(areas)[0]) => s.request(`/${area}/me`, { headers: { 'x-api-key': key } }) }
    }
    // A key set rotated once (old → AWSPREVIOUS, neu → AWSCURRENT) before the test's process starts.
    const rotatedKeySet = async (prefix) => {
      const name = uniq(prefix)
      const old = { 'client-a': fakeSecret('sgk_test_FAKE_') }
      const neu = { 'client-a': fakeSecret('sgk_test_FAKE_') }
      leaks.push(old['client-a'], neu['client-a'])
      await create(name, JSON.stringify(old))
      await put(name, JSON.stringify(neu))
      return { name, old, neu }
    }
    after(() => {
      delete process.env[signEnv]
      assertNoLeak([...transcripts.flat(), ...log.lines], leaks, 'responses and logs')
    })

    test('rotation during a stream of requests: no request fails; new value right after a signed webhook', async (t) => {
      const cache = new SecretCache({ aws: { endpoint: moto.endpoint, region: 'us-east-1' }, refreshInterval: 3_600_000 })
      t.after(() => cache.close())
      const name = uniq('prod/stripe')
      const v1 = fakeSecret(); const v2 = fakeSecret(); leaks.push(v1, v2)
      await create(name, JSON.stringify({ apiKey: v1, mode: 'test' }))
      const a = expressLib()
      a.post('/hook', sg.rotationWebhook({ cache, signingSecret: `env:${signEnv}`, logger: log }))
      a.use(sg.express({ cache, secrets: { stripe: `aws:${name}#apiKey` } }))
      a.get('/', (req, res) => res.json({ h: sha(req.secrets.stripe) }))
      const s = await serve(a)
      transcripts.push(s.transcript)
      t.after(() => s.close())

      assert.equal((await s.request('/')).json.h, sha(v1), 'first request loads the secret (awaited once)')
      let stop = false
      let count = 0
      const stream = (async () => {
        while (!stop) {
          const r = await s.request('/')
          assert.equal(r.status, 200, 'no request fails during the rotation')
          assert.ok(r.json.h === sha(v1) || r.json.h === sha(v2))
          count++
        }
      })()
      await waitFor(() => count >= 5, 10_000, 'stream to run')
      await put(name, JSON.stringify({ apiKey: v2, mode: 'test' }))
      // Until someone refreshes, the cached (old) value is served without touching AWS.
      assert.equal((await s.request('/')).json.h, sha(v1))
      const signed = signWebhook(signKey, { name: `aws:${name}` })
      const r = await s.request('/hook', { method: 'POST', body: signed.body, headers: signed.headers })
      assert.equal(r.status, 200)
      assert.equal(r.json.refreshed, `aws:${name}`)
      assert.equal(typeof r.json.version, 'string', 'the AWS VersionId of the new AWSCURRENT')
      assert.equal((await s.request('/')).json.h, sha(v2), 'new value immediately after the webhook')
      const after = count
      await waitFor(() => count >= after + 5, 10_000, 'stream to continue')
      stop = true
      await stream
    })

    test('background refresh: the rotated value is served within the refresh interval, no webhook', async (t) => {
      const cache = new SecretCache({ aws: { endpoint: moto.endpoint, region: 'us-east-1' }, refreshInterval: 300, jitter: 0 })
      t.after(() => cache.close())
      const name = uniq('prod/db')
      const v1 = fakeSecret(); const v2 = fakeSecret(); leaks.push(v1, v2)
      await create(name, v1)
      const a = expressLib()
      a.use(sg.express({ cache, secrets: { db: `aws:${name}` } }))
      a.get('/', (req, res) => res.json({ h: sha(req.secrets.db) }))
      const s = await serve(a)
      transcripts.push(s.transcript)
      t.after(() => s.close())
      assert.equal((await s.request('/')).json.h, sha(v1))
      await put(name, v2)
      // Requests keep succeeding while the background refresh picks the new version up.
      await waitFor(async () => {
        const r = await s.request('/')
        assert.equal(r.status, 200)
        return r.json.h === sha(v2)
      }, 15_000, 'background refresh to serve the new value')
    })

    test('client API keys in an AWS JSON secret: rotation grace for the old key, then rejected', async (t) => {
      const cache = new SecretCache({ aws: { endpoint: moto.endpoint, region: 'us-east-1' }, refreshInterval: 3_600_000 })
      t.after(() => cache.close())
      const name = uniq('prod/client-keys')
      const old = { 'client-a': fakeSecret('sgk_test_FAKE_'), 'client-b': fakeSecret('sgk_test_FAKE_') }
      const neu = { 'client-a': fakeSecret('sgk_test_FAKE_'), 'client-b': old['client-b'] }
      leaks.push(...Object.values(old), neu['client-a'])
      await create(name, JSON.stringify(old))
      // A long grace (old key certainly valid when checked) and a short one (waited out).
      const guard = sg.requireApiKey({ cache, name: `aws:${name}`, graceMs: 120_000, logger: log })
      const short = sg.requireApiKey({ cache, name: `aws:${name}`, graceMs: 300 })
      t.after(() => { guard.close(); short.close() })
      const { s, me } = await serveGuards(t, { api: guard, short }, (a) => a.post('/hook', sg.rotationWebhook({ cache, signingSecret: `env:${signEnv}` })))

      assert.deepEqual((await me(old['client-a'])).json, { client: 'client-a' })
      assert.deepEqual((await me(old['client-a'], 'short')).json, { client: 'client-a' })
      await put(name, JSON.stringify(neu))
      const signed = signWebhook(signKey, { name: `aws:${name}` })
      assert.equal((await s.request('/hook', { method: 'POST', body: signed.body, headers: signed.headers })).status, 200)
      await waitFor(() => guard.stats().graceActive, 5000, 'grace to start')
      assert.deepEqual((await me(neu['client-a'])).json, { client: 'client-a' })
      assert.deepEqual((await me(old['client-a'])).json, { client: 'client-a' }, 'old key valid during grace')
      assert.deepEqual((await me(old['client-b'])).json, { client: 'client-b' }, 'unchanged key stays valid')
      await waitFor(() => short.stats().graceRemainingMs === 0, 10_000, 'short grace to end')
      assert.equal((await me(old['client-a'], 'short')).status, 401, 'old key rejected after grace')
      assert.equal((await me(neu['client-a'], 'short')).status, 200)
      assert.equal((await me(old['client-b'], 'short')).status, 200)
      assert.equal(guard.stats().acceptedPrevious['client-a'], 1)
      assert.equal(short.stats().rejected.invalid, 1)
    })

    test('a process started during the grace period accepts the AWSPREVIOUS keys for what is left of it (counted from CreatedDate)', async (t) => {
      const { name, old, neu } = await rotatedKeySet('prod/client-keys-restart')
      const rotatedAt = Date.now()
      // the process starts well after the rotation, so that counting the grace from its own
      // start instead of CreatedDate would show
      await new Promise((resolve) => setTimeout(resolve, 1500))
      const cache = new SecretCache({ aws: { endpoint: moto.endpoint, region: 'us-east-1' }, refreshInterval: 3_600_000 })
      t.after(() => cache.close())
      const long = sg.requireApiKey({ cache, name: `aws:${name}`, graceMs: 120_000, logger: log })
      const none = sg.requireApiKey({ cache, name: `aws:${name}`, graceMs: 0 })
      t.after(() => { long.close(); none.close() })
      const { me } = await serveGuards(t, { api: long, none })

      await waitFor(() => long.stats().graceActive, 5000, 'the previous key set to be read')
      const u = cache.usage().find((e) => e.name === `aws:${name}` && e.versionStage === undefined)
      assert.equal(typeof u.versionCreatedAt, 'number', 'CreatedDate of the AWSCURRENT version')
      assert.ok(Math.abs(u.versionCreatedAt - rotatedAt) < 5000, `CreatedDate ${u.versionCreatedAt} vs put at ${rotatedAt}`)
      // the grace ends graceMs after CreatedDate (graceRemainingMs is that end minus now)
      const end = Date.now() + long.stats().graceRemainingMs
      assert.ok(Math.abs(end - (u.versionCreatedAt + 120_000)) < 500, `grace ends at ${end}, CreatedDate + graceMs is ${u.versionCreatedAt + 120_000}`)
      assert.deepEqual((await me(neu['client-a'])).json, { client: 'client-a' })
      assert.deepEqual((await me(old['client-a'])).json, { client: 'client-a' }, 'previous key accepted after a restart within grace')
      assert.equal(long.stats().acceptedPrevious['client-a'], 1)
      assert.equal((await me(old['client-a'], 'none')).status, 401, 'graceMs: 0 never accepts the previous set')
      assert.equal((await me(neu['client-a'], 'none')).status, 200)
      assert.ok(cache.usage().some((e) => e.name === `aws:${name}` && e.versionStage === 'AWSPREVIOUS'), 'read through the cache (masked, single-flight)')
    })

    test('restart during grace: a throttled AWSPREVIOUS read is tried again (fault proxy in front of moto); guard.close() stops it', async (t) => {
      const { FaultProxy } = require('../reliability/helpers/fault-proxy')
      const proxy = await new FaultProxy(moto.endpoint).start()
      t.after(() => proxy.stop())
      const { name, old } = await rotatedKeySet('prod/client-keys-throttled')
      const cache = new SecretCache({ aws: { endpoint: proxy.url, region: 'us-east-1' }, refreshInterval: 3_600_000, backoffBase: 100 })
      t.after(() => cache.close())
      await cache.get(`aws:${name}`) // AWSCURRENT loaded through the proxy
      await proxy.mode('throttle') // … then the whole fleet restarts and AWS throttles
      const guard = sg.requireApiKey({ cache, name: `aws:${name}`, graceMs: 120_000 })
      const closedEarly = sg.requireApiKey({ cache, name: `aws:${name}`, graceMs: 120_000 })
      closedEarly.close()
      t.after(() => guard.close())
      await waitFor(() => proxy.log.some((e) => e.mode === 'throttle'), 5000, 'the AWSPREVIOUS read to be throttled')
      assert.equal(guard.stats().graceActive, false)
      await proxy.mode('pass')
      await waitFor(() => guard.stats().graceActive, 10_000, 'the AWSPREVIOUS read to be tried again')
      const { me } = await serveGuards(t, { api: guard })
      assert.deepEqual((await me(old['client-a'])).json, { client: 'client-a' })
      await new Promise((resolve) => setTimeout(resolve, 300))
      assert.equal(closedEarly.stats().graceActive, false, 'a closed guard does not start a grace period')
    })

    test('a process started after the grace period does not read or accept AWSPREVIOUS', async (t) => {
      const { name, old, neu } = await rotatedKeySet('prod/client-keys-late')
      await new Promise((resolve) => setTimeout(resolve, 1200)) // the 1 s grace below is over
      const cache = new SecretCache({ aws: { endpoint: moto.endpoint, region: 'us-east-1' }, refreshInterval: 3_600_000 })
      t.after(() => cache.close())
      const guard = sg.requireApiKey({ cache, name: `aws:${name}`, graceMs: 1000 })
      t.after(() => guard.close())
      const { me } = await serveGuards(t, { api: guard })
      assert.deepEqual((await me(neu['client-a'])).json, { client: 'client-a' })
      assert.equal((await me(old['client-a'])).status, 401)
      await new Promise((resolve) => setTimeout(resolve, 100))
      assert.equal(guard.stats().graceActive, false)
      assert.ok(!cache.usage().some((e) => e.versionStage === 'AWSPREVIOUS'), 'AWSPREVIOUS not read')
    })

    test('forged, unsigned, replayed, stale webhooks → 401 and no request reaches AWS (moto log)', async (t) => {
      const cache = new SecretCache({ aws: { endpoint: moto.endpoint, region: 'us-east-1' }, refreshInterval: 3_600_000 })
      t.after(() => cache.close())
      const name = uniq('prod/hooked')
      const v = fakeSecret(); leaks.push(v)
      await create(name, v)
      await cache.ready([`aws:${name}`, `env:${signEnv}`])
      const a = expressLib()
      a.post('/hook', sg.rotationWebhook({ cache, signingSecret: `env:${signEnv}` }))
      const s = await serve(a)
      transcripts.push(s.transcript)
      t.after(() => s.close())
      const body = { name: `aws:${name}` }
      const good = signWebhook(signKey, body)
      assert.equal((await s.request('/hook', { method: 'POST', body: good.body, headers: good.headers })).status, 200)

      const rec = motoRecorder(moto.endpoint)
      await rec.start()
      const before = cache.stats().upstreamCalls
      const bad = [
        signWebhook(fakeSecret('whsec_test_FAKE_'), body),
        { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } },
        good, // replay
        signWebhook(signKey, body, { timestamp: Math.floor(Date.now() / 1000) - 3600 }),
        signWebhook(signKey, body, { timestamp: Math.floor(Date.now() / 1000) + 3600 }),
      ]
      for (const x of bad) {
        const r = await s.request('/hook', { method: 'POST', body: x.body, headers: x.headers })
        assert.equal(r.status, 401)
      }
      assert.equal(cache.stats().upstreamCalls, before)
      assert.deepEqual((await rec.requests()).filter((x) => /secretsmanager/i.test(x)), [], 'no Secrets Manager call')
      // Control: a verified webhook does reach AWS (so the log above is not vacuous).
      const ok = signWebhook(signKey, body)
      assert.equal((await s.request('/hook', { method: 'POST', body: ok.body, headers: ok.headers })).status, 200)
      assert.ok((await rec.requests()).some((x) => /secretsmanager/i.test(x)), 'moto recorded the refresh')
    })

    test('key and signing secrets missing upstream: unauthenticated requests make no AWS call within backoffBase (one each at construction)', async (t) => {
      const cache = new SecretCache({ aws: { endpoint: moto.endpoint, region: 'us-east-1' }, backoffBase: 60_000 })
      t.after(() => cache.close())
      const keys = uniq('missing/api-keys'); const signing = uniq('missing/whsec')
      const a = expressLib()
      a.post('/hook', sg.rotationWebhook({ cache, signingSecret: `aws:${signing}` }))
      const guard = sg.requireApiKey({ cache, name: `aws:${keys}` })
      t.after(() => guard.close())
      a.get('/api', guard, (req, res) => res.send('x'))
      const s = await serve(a)
      transcripts.push(s.transcript)
      t.after(() => s.close())
      // (the factories start loading their secrets at construction: wait for those loads)
      await assert.rejects(cache.ready([`aws:${keys}`]))
      await new Promise((resolve) => setTimeout(resolve, 100))
      const before = cache.stats().upstreamCalls
      assert.equal(before, 2, 'one load of each secret at construction')
      for (let i = 0; i < 25; i++) {
        assert.equal((await s.request('/api')).status, 503)
      }
      assert.equal(cache.stats().upstreamCalls - before, 0, 'requireApiKey(): no load of the key secret within backoffBase')
      const unsigned = signWebhook(fakeSecret('whsec_test_FAKE_'), { name: `aws:${keys}` })
      for (let i = 0; i < 25; i++) {
        const r = await s.request('/hook', { method: 'POST', body: unsigned.body, headers: { ...unsigned.headers, 'x-secret-guard-id': 'id' + i } })
        assert.equal(r.status, 503)
      }
      assert.equal(cache.stats().upstreamCalls - before, 0, 'rotationWebhook(): no load of the signing secret within backoffBase')
    })

    test('a signed webhook for a secret whose first load failed asks AWS at once (not the remembered failure)', async (t) => {
      const cache = new SecretCache({ aws: { endpoint: moto.endpoint, region: 'us-east-1' }, backoffBase: 60_000 })
      t.after(() => cache.close())
      const keys = uniq('late/api-keys')
      const a = expressLib()
      a.post('/hook', sg.rotationWebhook({ cache, signingSecret: `env:${signEnv}` }))
      const guard = sg.requireApiKey({ cache, name: `aws:${keys}` })
      t.after(() => guard.close())
      a.get('/api', guard, (req, res) => res.json({ client: req.apiClient }))
      const s = await serve(a)
      transcripts.push(s.transcript)
      t.after(() => s.close())
      const clientKey = fakeSecret(); leaks.push(clientKey)
      assert.equal((await s.request('/api', { headers: { 'x-api-key': clientKey } })).status, 503)
      await create(keys, JSON.stringify({ 'client-a': clientKey })) // ops creates it, then notifies
      const signed = signWebhook(signKey, { name: `aws:${keys}` })
      const hook = await s.request('/hook', { method: 'POST', body: signed.body, headers: signed.headers })
      assert.equal(hook.status, 200, hook.text)
      assert.equal(hook.json.refreshed, `aws:${keys}`)
      const r = await s.request('/api', { headers: { 'x-api-key': clientKey } })
      assert.equal(r.status, 200)
      assert.deepEqual(r.json, { client: 'client-a' })
    })

    test('provider down: a loaded secret keeps being served (200); a never-loaded one → 503 with code', async (t) => {
      const moto2 = await startMoto()
      t.after(() => moto2.stop())
      const sm2 = new SM.SecretsManagerClient({ endpoint: moto2.endpoint, region: 'us-east-1' })
      const cache = new SecretCache({ aws: { endpoint: moto2.endpoint, region: 'us-east-1' }, refreshInterval: 3_600_000, requestTimeout: 2000, connectTimeout: 1000 })
      t.after(() => cache.close())
      const loaded = uniq('loaded'); const cold = uniq('cold')
      const v = fakeSecret(); const c = fakeSecret(); leaks.push(v, c)
      await sm2.send(new SM.CreateSecretCommand({ Name: loaded, SecretString: v }))
      await sm2.send(new SM.CreateSecretCommand({ Name: cold, SecretString: c }))
      const a = expressLib()
      a.get('/warm', sg.express({ cache, secrets: { k: `aws:${loaded}` } }), (req, res) => res.json({ h: sha(req.secrets.k) }))
      a.get('/cold', sg.express({ cache, secrets: { k: `aws:${cold}` } }), (req, res) => res.json({ h: sha(req.secrets.k) }))
      const s = await serve(a)
      transcripts.push(s.transcript)
      t.after(() => s.close())
      assert.equal((await s.request('/warm')).json.h, sha(v))
      await moto2.stop()
      await assert.rejects(cache.refresh(`aws:${loaded}`), (e) => typeof e.code === 'string' && !e.message.includes(v))
      const warm = await s.request('/warm')
      assert.equal(warm.status, 200, 'stale-if-error: last good value')
      assert.equal(warm.json.h, sha(v))
      const r = await s.request('/cold')
      assert.equal(r.status, 503)
      assert.deepEqual(r.json, { error: { code: 'SECRET_UNAVAILABLE', message: 'A required secret is temporarily unavailable' } })
      assert.ok(!r.text.includes(cold))
    })
  })
}
