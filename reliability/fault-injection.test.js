'use strict'
// Fault injection against real servers: the SecretCache talks to moto (AWS Secrets
// Manager) and OpenBao through reliability/helpers/fault-proxy.js while a steady
// fetch loop hits a real Express app that reads the secrets on every request.
// Figures (requests sent, failed, stale served, upstream calls, backoff gaps) are
// printed as test diagnostics.
//
// The issue asks for a 60 s provider outage; the CI run uses RELIABILITY_DOWN_MS
// (default 20000 ms) to stay inside the suite's time budget. Set
// RELIABILITY_DOWN_MS=60000 for the full-length run.
//
// No assertion is about elapsed wall-clock time (a loaded machine makes every
// timer late). Backoff is checked from the delays the cache announces in its
// error events and from "no retry before the announced delay" (timers are
// never early); recovery and rotation from the proxy's request log (the first
// request after the provider is back succeeds; the first version check after a
// rotation sees it). Waits have a hang guard only.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('crypto')
const { SecretsManagerClient, CreateSecretCommand, PutSecretValueCommand } = require('@aws-sdk/client-secrets-manager')
const { startMoto, startOpenBao } = require('../__test__/helpers/servers')
const { until, once } = require('../__test__/helpers/cache-util')
const { FaultProxy } = require('./helpers/fault-proxy')
const { startApp, startLoad, fp, sleep } = require('./helpers/load')
const { SecretCache } = require('..')

const DOWN_MS = Number(process.env.RELIABILITY_DOWN_MS || 20_000)
const BURST_MS = Number(process.env.RELIABILITY_BURST_MS || 6_000)
const REFRESH = 2000
const JITTER = 0.1
const BASE = 200
const MAX = 1600
const CONCURRENCY = 8
// Waits end here only if something hangs; nothing is asserted about the time.
const HANG_GUARD = 30_000
// The "no retry before the announced delay" check compares the failure times
// the cache records (\`at\`, wall clock) while it schedules on the monotonic
// clock: this much covers rounding and clock slewing between the two.
const CLOCK_SLACK = 2

let moto, proxy, sm
const rnd = () => crypto.randomBytes(16).toString('hex')

before(async () => {
  moto = await startMoto()
  sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: 'us-east-1' })
  proxy = await new FaultProxy(moto.endpoint).start()
})

after(async () => {
  if (proxy) await proxy.stop()
  if (sm) sm.destroy()
  if (moto) await moto.stop()
})

async function createSecrets (tag, n) {
  const out = []
  for (let i = 0; i < n; i++) {
    const id = `rel/${tag}/${i}-${rnd().slice(0, 6)}`
    const value = `sk_test_FAKE_${tag}_${rnd()}`
    await sm.send(new CreateSecretCommand({ Name: id, SecretString: value }))
    out.push({ id, name: `aws:${id}`, value })
  }
  return out
}

function newCache (extra = {}) {
  return new SecretCache({
    aws: { endpoint: proxy.url, region: 'us-east-1' },
    refreshInterval: REFRESH,
    jitter: JITTER,
    backoffBase: BASE,
    backoffMax: MAX,
    requestTimeout: 1000,
    connectTimeout: 500,
    ...extra,
  })
}

const isAws = (id) => (r) => r.secret === id
const fmt = (a) => `[${a.map((x) => Math.round(x)).join(', ')}]`

/**
 * The retry schedule of one secret during a fault, from its error events (in
 * order): each announces `failures` (consecutive failed attempts) and
 * `retryInMs`, which must be backoffBase·2^(failures−1) capped at backoffMax,
 * ±jitter; the count goes up by one per event and reaches the cap; and no
 * failure follows the previous one sooner than the delay it announced (by the
 * times the cache recorded, not when JS got the events).
 */
function assertBackoff (events, label) {
  const shown = () => fmt(events.map((e) => e.retryInMs))
  assert.ok(events.length >= 3, `${label}: expected at least 3 failed attempts, got ${events.length}`)
  for (const [i, e] of events.entries()) {
    const nominal = Math.min(BASE * 2 ** (e.failures - 1), MAX)
    assert.ok(Math.abs(e.retryInMs - nominal) <= nominal * JITTER + 1,
      `${label}: after failure ${e.failures} the retry is in ${Math.round(e.retryInMs)} ms, the schedule says ${nominal} ms ±${JITTER * 100} %: ${shown()}`)
    if (i === 0) continue
    const prev = events[i - 1]
    assert.equal(e.failures, prev.failures + 1, `${label}: failure counts are consecutive`)
    assert.ok(e.at - prev.at >= prev.retryInMs - CLOCK_SLACK,
      `${label}: failed again ${Math.round(e.at - prev.at)} ms after a failure that announced a retry in ${Math.round(prev.retryInMs)} ms`)
  }
  assert.ok(events.some((e) => BASE * 2 ** (e.failures - 1) >= MAX), `${label}: the backoff never reached backoffMax: ${shown()}`)
}

/**
 * Wait (hang guard only) until every secret is loaded and not failing, then
 * check in the proxy log that each secret's first request after `since` (the
 * provider back) succeeded: recovery at the first scheduled attempt, whose
 * delay assertBackoff bounds. Returns the time it took, for the diagnostics.
 */
async function assertRecovered (cache, faultProxy, secretIds, since) {
  const t0 = Date.now()
  await until(() => cache.usage().every((u) => u.loaded && !u.failing), { timeoutMs: HANG_GUARD, everyMs: 20, what: 'recovery' })
  for (const id of secretIds) {
    // r.mode is the proxy's mode when it handled the request: a request handled just
    // before the switch, in the same millisecond as `since`, still carries the fault
    const first = faultProxy.requests((r) => r.secret === id && r.t >= since && r.mode === 'pass')[0]
    assert.ok(first, `no request for ${id} after the provider came back`)
    assert.equal(first.status, 200, `the first request for ${id} after the provider came back failed (${first.status}, ${first.t - since} ms after, proxy mode ${first.mode})`)
  }
  return Date.now() - t0
}

/**
 * One scenario under load: the cache made ready with `names`, an Express app
 * serving them (`/s/<i>`) and a load loop over `paths`; `body` injects the
 * faults and asserts. Every error event is recorded with its time. However
 * the body ends, the proxy goes back to pass and everything is closed.
 */
async function underLoad ({ cache, names, paths = names.map((_, i) => `/s/${i}`), appOptions, faultProxy = proxy }, body) {
  const errors = []
  cache.on('error', (ev) => errors.push({ t: Date.now(), ...ev }))
  await cache.ready(names)
  const app = await startApp(cache, names, appOptions)
  const load = startLoad(app.url, paths, { concurrency: CONCURRENCY })
  try {
    return await body({ app, load, errors })
  } finally {
    await faultProxy.mode('pass')
    await load.stop()
    await app.close()
    cache.close()
  }
}

test(`provider down for ${DOWN_MS / 1000} s with values cached: 0 failed requests, stale served, backoff, recovery at the first attempt after`, async (t) => {
  const secrets = await createSecrets('down', 3)
  const cache = newCache()
  await underLoad({ cache, names: secrets.map((s) => s.name) }, async ({ load, errors }) => {
    await sleep(500)
    const before = cache.stats()
    await proxy.mode('down')
    const tDown = Date.now()
    await sleep(DOWN_MS)
    await proxy.mode('pass')
    const tUp = Date.now()
    const recoveryMs = await assertRecovered(cache, proxy, secrets.map((s) => s.id), tUp)
    await sleep(300)
    const st = await load.stop()
    const after = cache.stats()
    const mine = errors.filter((e) => e.name === secrets[0].name && e.t >= tDown && e.t <= tUp)
    const gaps = mine.slice(1).map((e, i) => e.at - mine[i].at)
    const codes = [...new Set(errors.map((e) => e.code))]
    t.diagnostic(`down ${DOWN_MS} ms: requests sent ${st.sent}, failed ${st.failed}, stale served ${after.staleServed - before.staleServed}, ` +
      `refresh attempts during outage (error events) ${errors.filter((e) => e.t <= tUp).length} for ${secrets.length} secrets, codes ${codes.join(',')}, ` +
      `recovery ${recoveryMs} ms after the provider came back (refresh interval ${REFRESH} ms), upstream calls total ${after.upstreamCalls}`)
    t.diagnostic(`backoff gaps for one secret (ms, from its error events): ${fmt(gaps)}`)
    assert.equal(st.failed, 0, `failed requests: ${JSON.stringify(st.failures)}`)
    assert.ok(st.sent > 100, 'the load loop ran')
    assert.ok(after.staleServed - before.staleServed > 0, 'stale values were served')
    assert.ok(codes.every((c) => c === 'PROVIDER_UNAVAILABLE' || c === 'TIMEOUT'), `codes ${codes}`)
    assertBackoff(mine, 'down')
    // no hammering: attempts per secret bounded by the backoff schedule
    const bound = Math.ceil(Math.log2(MAX / BASE)) + 1 + Math.ceil(DOWN_MS / (MAX * (1 - JITTER))) + 1
    assert.ok(mine.length <= bound, `attempts ${mine.length} > ${bound}`)
    // every response during and after the outage carried the right value
    for (const [i, s] of secrets.entries()) assert.equal(st.last[`/s/${i}`], fp(s.value))
  })
})

for (const kind of ['throttle', '5xx']) {
  test(`${kind} burst (${BURST_MS / 1000} s): exponential backoff (announced schedule, never early), at most one request in flight per secret, 0 failed requests, recovery at the first attempt after`, async (t) => {
    const secrets = await createSecrets(kind, 2)
    const cache = newCache()
    await underLoad({ cache, names: secrets.map((s) => s.name) }, async ({ load, errors }) => {
      proxy.resetLog()
      await sleep(300)
      const before = cache.stats()
      const t0 = Date.now()
      let flip = 0
      await proxy.mode(kind === 'throttle' ? 'throttle' : '503')
      // 5xx: alternate 500 and 503 during the burst
      const flipper = kind === '5xx' ? setInterval(() => { proxy.mode(++flip % 2 ? '500' : '503') }, 700) : null
      // a cold secret requested by 50 concurrent callers during the burst: one upstream request
      const [cold] = await createSecrets(kind + '-cold', 1)
      const rs = await Promise.allSettled(Array.from({ length: 50 }, () => cache.get(cold.name)))
      await sleep(BURST_MS)
      if (flipper) clearInterval(flipper)
      await proxy.mode('pass')
      const t1 = Date.now()
      const recoveryMs = await assertRecovered(cache, proxy, secrets.map((s) => s.id), t1)
      const st = await load.stop()
      const after = cache.stats()
      const inBurst = (r) => r.t >= t0 && r.t < t1
      const log = proxy.requests((r) => isAws(secrets[0].id)(r) && inBurst(r))
      const gaps = log.slice(1).map((r, i) => r.t - log[i].t)
      const coldCalls = proxy.requests((r) => r.secret === cold.id).length
      const codes = [...new Set(errors.map((e) => e.code))]
      t.diagnostic(`${kind}: requests sent ${st.sent}, failed ${st.failed}, stale served ${after.staleServed - before.staleServed}, ` +
        `upstream calls in burst ${proxy.requests(inBurst).length} (statuses ${[...new Set(proxy.requests(inBurst).map((r) => r.status))].join(',')}), ` +
        `max in flight per secret ${proxy.maxInFlight()}, error codes ${codes.join(',')}, recovery ${recoveryMs} ms`)
      t.diagnostic(`${kind}: backoff gaps for one secret in the proxy log (ms): ${fmt(gaps)}; cold secret: 50 concurrent gets -> ${coldCalls} upstream request(s), all rejected with ${[...new Set(rs.map((r) => r.reason && r.reason.code))]}`)
      assert.equal(st.failed, 0, JSON.stringify(st.failures))
      assert.equal(proxy.maxInFlight(), 1, 'at most one request in flight per secret')
      assert.equal(coldCalls, 1, 'single-flight for a cold secret during the burst')
      assert.ok(rs.every((r) => r.status === 'rejected' && r.reason.code === (kind === 'throttle' ? 'THROTTLED' : 'PROVIDER_UNAVAILABLE')))
      assert.deepEqual(codes, [kind === 'throttle' ? 'THROTTLED' : 'PROVIDER_UNAVAILABLE'])
      assert.ok(after.staleServed - before.staleServed > 0)
      assertBackoff(errors.filter((e) => e.name === secrets[0].name && e.t >= t0 && e.t < t1), kind)
    })
  })
}

test('slow provider: the client timeout fires (TIMEOUT), requests keep being served', async (t) => {
  const secrets = await createSecrets('slow', 2)
  const cache = newCache({ requestTimeout: 400 })
  await underLoad({ cache, names: secrets.map((s) => s.name) }, async ({ load, errors }) => {
    proxy.resetLog()
    const before = cache.stats()
    await proxy.mode('slow', { delayMs: 5000 })
    const first = await once(cache, 'error', { timeoutMs: HANG_GUARD, filter: (e) => e.code === 'TIMEOUT' })
    await sleep(2000)
    // a cold secret through the slow proxy: rejects with TIMEOUT instead of hanging
    const [cold] = await createSecrets('slow-cold', 1)
    const t0 = Date.now()
    const coldErr = await cache.get(cold.name).then(() => null, (e) => e)
    const coldMs = Date.now() - t0
    await proxy.mode('pass')
    const recoveryMs = await assertRecovered(cache, proxy, secrets.map((s) => s.id), Date.now())
    const st = await load.stop()
    const after = cache.stats()
    t.diagnostic(`slow (5 s delay, requestTimeout 400 ms): requests sent ${st.sent}, failed ${st.failed}, stale served ${after.staleServed - before.staleServed}, ` +
      `timeouts ${errors.filter((e) => e.code === 'TIMEOUT').length}, cold get rejected with ${coldErr && coldErr.code} after ${coldMs} ms, ` +
      `upstream calls ${proxy.requests().length}, max in flight per secret ${proxy.maxInFlight()}, recovery ${recoveryMs} ms`)
    assert.equal(first.code, 'TIMEOUT')
    assert.equal(coldErr && coldErr.code, 'TIMEOUT')
    assert.equal(st.failed, 0, JSON.stringify(st.failures))
    assert.ok(after.staleServed - before.staleServed > 0)
    assert.equal(proxy.maxInFlight(), 1)
  })
})

test('dropped connections: PROVIDER_UNAVAILABLE, stale served, 0 failed requests', async (t) => {
  const secrets = await createSecrets('drop', 1)
  const cache = newCache()
  await underLoad({ cache, names: secrets.map((s) => s.name), paths: ['/s/0'] }, async ({ load, errors }) => {
    await proxy.mode('drop')
    await until(() => errors.length >= 3, { timeoutMs: HANG_GUARD, what: '3 failed refreshes' })
    await proxy.mode('pass')
    const recoveryMs = await assertRecovered(cache, proxy, secrets.map((s) => s.id), Date.now())
    const st = await load.stop()
    t.diagnostic(`drop: requests sent ${st.sent}, failed ${st.failed}, stale served ${cache.stats().staleServed}, error codes ${[...new Set(errors.map((e) => e.code))]}, recovery ${recoveryMs} ms`)
    assert.equal(st.failed, 0, JSON.stringify(st.failures))
    assert.ok(errors.every((e) => e.code === 'PROVIDER_UNAVAILABLE'), JSON.stringify(errors.map((e) => e.code)))
  })
})

test('rotation (moto PutSecretValue) mid-load: 0 failed requests, new value at the first refresh after it, immediately after cache.refresh() and after a signed webhook', async (t) => {
  const secrets = await createSecrets('rotate', 3)
  const cache = newCache()
  const rotations = []
  cache.on('rotate', (ev) => rotations.push(ev))
  process.env.SG_REL_WEBHOOK_KEY = `whsec_test_FAKE_${rnd()}`
  const names = secrets.map((s) => s.name)
  await underLoad({ cache, names, appOptions: { webhookKey: 'env:SG_REL_WEBHOOK_KEY' } }, async ({ app, load }) => {
    await sleep(300)
    // 1) background refresh picks up the new value
    const v2 = `sk_test_FAKE_rotated_${rnd()}`
    await sm.send(new PutSecretValueCommand({ SecretId: secrets[0].id, SecretString: v2 }))
    const tPut = Date.now()
    await until(() => load.stats.last['/s/0'] === fp(v2), { timeoutMs: HANG_GUARD, everyMs: 5, what: 'rotated value served' })
    const visibleMs = Date.now() - tPut
    // picked up by the first background refresh after the rotation: at most
    // one version check (DescribeSecret) reached moto before the value showed
    const checks = proxy.requests((r) => r.secret === secrets[0].id && r.target === 'secretsmanager.DescribeSecret' && r.t > tPut && r.t <= tPut + visibleMs)
    // 2) explicit refresh: the very next request sees the new value
    const v3 = `sk_test_FAKE_rotated2_${rnd()}`
    await sm.send(new PutSecretValueCommand({ SecretId: secrets[1].id, SecretString: v3 }))
    const changed = await cache.refresh(secrets[1].name)
    const r = await (await fetch(app.url + '/s/1')).json()
    // 3) signed rotation webhook (when the Express module is present): the next request sees it
    let hook = 'n/a (lib/express.js not merged)'
    const sg = require('..')
    if (typeof sg.signWebhook === 'function') {
      const v4 = `sk_test_FAKE_rotated3_${rnd()}`
      await sm.send(new PutSecretValueCommand({ SecretId: secrets[2].id, SecretString: v4 }))
      const { body, headers } = sg.signWebhook(process.env.SG_REL_WEBHOOK_KEY, { name: secrets[2].name })
      const hr = await fetch(app.url + '/hooks/rotated', { method: 'POST', headers, body })
      const after = await (await fetch(app.url + '/s/2')).json()
      hook = `webhook ${hr.status}, next request new value: ${after.fp === fp(v4)}`
      assert.equal(hr.status, 200, await hr.text())
      assert.equal(after.fp, fp(v4))
      // a replay and a bad signature are rejected without touching the provider
      const replay = await fetch(app.url + '/hooks/rotated', { method: 'POST', headers, body })
      const bad = await fetch(app.url + '/hooks/rotated', { method: 'POST', headers: { ...headers, 'x-secret-guard-signature': 'v1=' + '0'.repeat(64) }, body })
      hook += `; replay ${replay.status}, bad signature ${bad.status}`
      assert.ok(replay.status >= 400 && bad.status === 401)
    }
    const st = await load.stop()
    const old = st.seen.filter((s) => s.path === '/s/0' && s.fp === fp(secrets[0].value) && s.t > tPut + visibleMs)
    t.diagnostic(`rotation: requests sent ${st.sent}, failed ${st.failed}, new value visible ${visibleMs} ms after PutSecretValue (refresh interval ${REFRESH} ms), ` +
      `version checks until then ${checks.length}, cache.refresh() -> changed=${changed}, next request new value: ${r.fp === fp(v3)}, ${hook}, rotate events ${rotations.length}, upstream calls ${cache.stats().upstreamCalls}`)
    assert.equal(st.failed, 0, JSON.stringify(st.failures))
    assert.ok(checks.length <= 1, `${checks.length} version checks before the rotated value was served`)
    assert.equal(changed, true)
    assert.equal(r.fp, fp(v3))
    assert.equal(old.length, 0, 'the old value is not served again after the new one appeared')
    assert.ok(rotations.some((e) => e.name === secrets[0].name) && rotations.some((e) => e.name === secrets[1].name))
  }).finally(() => { delete process.env.SG_REL_WEBHOOK_KEY })
})

test('OpenBao (Vault KV v2) behind the proxy: 503 burst and outage, 0 failed requests, backoff, recovery', async (t) => {
  const bao = await startOpenBao()
  const vproxy = await new FaultProxy(bao.address).start()
  const path = `rel/vault-${rnd().slice(0, 8)}`
  const value = `sk_test_FAKE_vault_${rnd()}`
  const put = (v) => fetch(`${bao.address}/v1/secret/data/${path}`, {
    method: 'POST', headers: { 'X-Vault-Token': bao.token, 'content-type': 'application/json' }, body: JSON.stringify({ data: { apiKey: v } }),
  }).then((r) => assert.equal(r.status, 200))
  await put(value)
  const cache = new SecretCache({
    vault: { address: vproxy.url, token: bao.token }, refreshInterval: REFRESH, jitter: JITTER, backoffBase: BASE, backoffMax: MAX, requestTimeout: 1000, connectTimeout: 500,
  })
  const name = `vault:${path}#apiKey`
  await underLoad({ cache, names: [name], faultProxy: vproxy }, async ({ load, errors }) => {
    await sleep(300)
    vproxy.resetLog()
    await vproxy.mode('503')
    const t0 = Date.now()
    await sleep(BURST_MS)
    await vproxy.mode('down')
    await sleep(Math.min(DOWN_MS, 8000))
    await vproxy.mode('pass')
    const t1 = Date.now()
    const recoveryMs = await assertRecovered(cache, vproxy, [path], t1)
    const v2 = `sk_test_FAKE_vault2_${rnd()}`
    await put(v2)
    const tPut = Date.now()
    await until(() => load.stats.last['/s/0'] === fp(v2), { timeoutMs: HANG_GUARD, everyMs: 5, what: 'rotated vault value served' })
    const visibleMs = Date.now() - tPut
    const checks = vproxy.requests((r) => r.secret === path && r.path.includes('/metadata/') && r.t > tPut && r.t <= tPut + visibleMs)
    const st = await load.stop()
    const log = vproxy.requests((r) => r.t >= t0 && r.t < t1 && r.mode === '503')
    const gaps = log.slice(1).map((r, i) => r.t - log[i].t)
    const all = errors.filter((e) => e.t >= t0 && e.t < t1)
    const egaps = all.slice(1).map((e, i) => e.at - all[i].at)
    t.diagnostic(`vault: requests sent ${st.sent}, failed ${st.failed}, stale served ${cache.stats().staleServed}, upstream calls in faults ${vproxy.requests((r) => r.t >= t0 && r.t < t1).length}, ` +
      `max in flight ${vproxy.maxInFlight()}, codes ${[...new Set(errors.map((e) => e.code))]}, recovery ${recoveryMs} ms, rotation visible after ${visibleMs} ms (${checks.length} version check)`)
    t.diagnostic(`vault: 503 gaps in the proxy log ${fmt(gaps)}; gaps between failed refreshes (503 then down) ${fmt(egaps)}`)
    assert.equal(st.failed, 0, JSON.stringify(st.failures))
    assert.equal(vproxy.maxInFlight(), 1)
    assertBackoff(all, 'vault')
    assert.ok(checks.length <= 1, `${checks.length} version checks before the rotated value was served`)
  }).finally(async () => {
    await vproxy.stop()
    await bao.stop()
  })
})
