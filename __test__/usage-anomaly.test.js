'use strict'
// Anomaly rules with a fake clock (monitor.clock): no sleeping, no timing thresholds.
const test = require('node:test')
const assert = require('node:assert/strict')
const { SecretCache, fingerprint } = require('..')
const { fakeSecret } = require('./helpers/cache-util')
const { startApp } = require('./helpers/monitor-app')

function fakeClock (start = Date.UTC(2026, 0, 1, 12, 0, 0)) {
  let now = start
  const clock = () => now
  clock.advance = (ms) => { now += ms }
  return clock
}

function setup (t, monitor) {
  const clock = fakeClock()
  const audit = []
  const cache = new SecretCache({ monitor: { tickInterval: 0, clock, ...monitor }, audit: (e) => audit.push(e) })
  const anomalies = []
  cache.on('anomaly', (ev) => anomalies.push(ev))
  t.after(() => cache.close())
  return { cache, clock, anomalies, audit }
}

test('secret_rate: read rate above k × EWMA baseline alerts (after warm-up, above minRate), rate-limited', (t) => {
  const { cache, clock, anomalies, audit } = setup(t, { k: 3, minRate: 20, alpha: 0.5, warmupTicks: 3, alertInterval: 600_000, rules: ['secret_rate'] })
  process.env.SG_ANOM_A = fakeSecret('a')
  process.env.SG_ANOM_QUIET = fakeSecret('q')
  t.after(() => { delete process.env.SG_ANOM_A; delete process.env.SG_ANOM_QUIET })
  const minute = (reads, quiet = 0) => {
    for (let i = 0; i < reads; i++) cache.getSync('env:SG_ANOM_A')
    for (let i = 0; i < quiet; i++) cache.getSync('env:SG_ANOM_QUIET')
    clock.advance(60_000)
    cache.monitorTick()
  }
  for (let i = 0; i < 4; i++) minute(10, i === 0 ? 1 : 0) // baseline 10/min
  assert.deepEqual(anomalies, [])
  minute(25, 15) // 25 < 3 × 10; quiet key: 15/min from a 0 baseline but below minRate
  assert.deepEqual(anomalies, [])
  minute(200)
  assert.equal(anomalies.length, 1)
  const ev = anomalies[0]
  assert.equal(ev.rule, 'secret_rate')
  assert.equal(ev.secret, 'env:SG_ANOM_A')
  assert.equal(ev.observed, 200)
  assert.ok(ev.expected > 10 && ev.expected < 25, `baseline ${ev.expected}`)
  assert.equal(ev.k, 3)
  assert.equal(ev.unit, 'per minute')
  // rate-limited: another spike within alertInterval is suppressed …
  minute(5000)
  assert.equal(anomalies.length, 1)
  // … and counted in the next alert after the interval
  clock.advance(600_000); cache.monitorTick() // quiet 10 minutes (rate 0)
  minute(50_000)
  assert.equal(anomalies.length, 2)
  assert.equal(anomalies[1].suppressed, 1)
  // each alert is in the audit trail
  assert.deepEqual(audit.filter((e) => e.event === 'anomaly').map((e) => e.rule), ['secret_rate', 'secret_rate'])
})

test('client_rate: request rate per client key', (t) => {
  const { cache, clock, anomalies } = setup(t, { k: 4, minRate: 30, warmupTicks: 2, rules: ['client_rate'] })
  const minute = (n) => {
    for (let i = 0; i < n; i++) cache.recordClientUse({ client: 'mobile-app', route: '/orders/:id', outcome: 'accepted' })
    cache.recordClientUse({ client: 'batch', route: '/reports', outcome: 'accepted' })
    clock.advance(60_000)
    cache.monitorTick()
  }
  minute(20); minute(20); minute(20)
  assert.deepEqual(anomalies, [])
  minute(100) // 100 > 4 × 20
  assert.equal(anomalies.length, 1)
  assert.deepEqual([anomalies[0].rule, anomalies[0].client, anomalies[0].observed, anomalies[0].expected], ['client_rate', 'mobile-app', 100, 20])
})

test('rejected_burst: many rejected API keys from one source within the window', (t) => {
  const { cache, clock, anomalies, audit } = setup(t, { rejectBurst: { threshold: 5, windowMs: 10_000 }, rules: ['rejected_burst'] })
  // spread out: never 5 within 10 s
  for (let i = 0; i < 10; i++) { cache.recordClientUse({ outcome: 'rejected', source: '10.0.0.1', route: '/x' }); clock.advance(3_000) }
  // other sources do not add up
  for (let i = 0; i < 4; i++) cache.recordClientUse({ outcome: 'rejected', source: `10.0.0.${10 + i}`, route: '/x' })
  assert.deepEqual(anomalies, [])
  for (let i = 0; i < 5; i++) { cache.recordClientUse({ outcome: 'rejected', source: '10.0.0.66', route: '/x', requestId: `req-${i}` }); clock.advance(100) }
  assert.equal(anomalies.length, 1)
  assert.deepEqual([anomalies[0].rule, anomalies[0].source, anomalies[0].observed], ['rejected_burst', '10.0.0.66', 5])
  assert.match(anomalies[0].expected, /< 5 per 10000 ms/)
  // rejected webhooks from one source count as well (after the rate limit window for this subject)
  for (let i = 0; i < 5; i++) cache.recordWebhook({ outcome: 'rejected', source: '10.9.9.9', reason: 'bad_signature' })
  assert.equal(anomalies.length, 2)
  assert.equal(anomalies[1].kind, 'webhook')
  assert.equal(audit.filter((e) => e.event === 'api_key_rejected').length, 19)
})

test('retired_key: a rotated-away client key used after its grace period', (t) => {
  const { cache, clock, anomalies, audit } = setup(t, { rules: ['retired_key'] })
  const oldKey = fakeSecret('old')
  const fp = fingerprint(oldKey)
  cache.retireClientKey({ client: 'partner-x', fingerprint: fp, graceUntil: clock() + 60_000 })
  // within the grace period the middleware accepts it as 'previous' or rejects it: no anomaly
  cache.recordClientUse({ client: 'partner-x', outcome: 'previous', fingerprint: fp, route: '/orders/:id' })
  cache.recordClientUse({ outcome: 'rejected', fingerprint: fp, route: '/orders/:id' })
  assert.deepEqual(anomalies, [])
  clock.advance(61_000)
  cache.recordClientUse({ outcome: 'rejected', fingerprint: fp, route: '/orders/:id', source: '192.0.2.7', requestId: 'r-1' })
  assert.equal(anomalies.length, 1)
  const ev = anomalies[0]
  assert.deepEqual([ev.rule, ev.client, ev.fingerprint, ev.source, ev.requestId], ['retired_key', 'partner-x', fp, '192.0.2.7', 'r-1'])
  assert.match(ev.observed, /used 1000 ms after its grace period/)
  assert.equal(audit.filter((e) => e.event === 'api_key_retired_used').length, 1)
  // explicit outcome 'retired' (a middleware that tracks retired keys itself)
  cache.recordClientUse({ client: 'partner-y', outcome: 'retired', route: '/r' })
  assert.equal(anomalies.length, 2)
  assert.equal(anomalies[1].client, 'partner-y')
  assert.ok(!JSON.stringify(audit).includes(oldKey))
  // counted as rejected
  assert.equal(cache.usageReport().clients.find((c) => c.client === 'partner-y').rejected, 1)
})

test('new_route: a secret (or client) used from a route never seen, after the learning period — through Express', async (t) => {
  const { cache, clock, anomalies } = setup(t, { learningPeriod: 3_600_000, rules: ['new_route'] })
  const keys = { alpha: fakeSecret('alpha') }
  process.env.SG_ANOM_KEYS = JSON.stringify(keys)
  process.env.SG_ANOM_DB = fakeSecret('db')
  await cache.ready(['env:SG_ANOM_KEYS', 'env:SG_ANOM_DB'])
  const app = await startApp(cache, { keysName: 'env:SG_ANOM_KEYS', secretName: 'env:SG_ANOM_DB' })
  t.after(async () => { await app.close(); delete process.env.SG_ANOM_KEYS; delete process.env.SG_ANOM_DB })
  // learning period: new routes are learned silently
  await app.get('/orders/1', keys.alpha)
  await app.get('/reports', keys.alpha)
  clock.advance(3_600_000)
  await app.get('/orders/2', keys.alpha)
  await app.get('/reports', keys.alpha)
  assert.deepEqual(anomalies, [])
  const r = await app.get('/admin/export', keys.alpha, { 'x-request-id': 'req-42' })
  assert.equal(r.status, 200)
  const rules = anomalies.map((a) => [a.rule, a.secret || null, a.client || null, a.route])
  assert.deepEqual(rules, [
    ['new_route', null, 'alpha', '/admin/export'],
    ['new_route', 'env:SG_ANOM_DB', 'alpha', '/admin/export'], // the secret, read on behalf of client alpha
  ])
  assert.equal(anomalies[1].requestId, 'req-42')
  assert.match(anomalies[1].expected, /2 route\(s\)/)
  // once seen, the route is known
  await app.get('/admin/export', keys.alpha)
  assert.equal(anomalies.length, 2)
})

test('rules can be switched off; quiet keys never alert below minRate', (t) => {
  const { cache, clock, anomalies } = setup(t, { rules: [], warmupTicks: 0 })
  for (let i = 0; i < 50; i++) cache.recordClientUse({ outcome: 'rejected', source: 's' })
  cache.recordClientUse({ client: 'x', outcome: 'retired' })
  clock.advance(60_000); cache.monitorTick()
  assert.deepEqual(anomalies, [])
})

test('a secret in a route path (a bot token in a webhook URL) is masked in anomalies, metrics, the status page and usageReport', async (t) => {
  const sg = require('..')
  const express = require('express')
  const { cache, clock, anomalies, audit } = setup(t, { learningPeriod: 0, rules: ['new_route'] })
  const token = `123456:${fakeSecret('bot')}`
  const keys = { alpha: fakeSecret('alpha') }
  process.env.SG_ROUTE_BOT = token
  process.env.SG_ROUTE_KEYS = JSON.stringify(keys)
  // the masker knows what the cache has served (a value it has never seen cannot be masked)
  await cache.ready(['env:SG_ROUTE_BOT', 'env:SG_ROUTE_KEYS'])
  const app = express()
  app.post(`/telegram/${token}`,
    sg.requireApiKey({ cache, name: 'env:SG_ROUTE_KEYS' }),
    sg.express({ cache, secrets: { bot: 'env:SG_ROUTE_BOT' } }),
    (req, res) => res.json({ ok: req.secrets.bot === token }))
  app.get('/_status', sg.statusPage({ cache, auth: { bearer: keys.alpha } }))
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  t.after(() => { server.closeAllConnections(); server.close(); delete process.env.SG_ROUTE_BOT; delete process.env.SG_ROUTE_KEYS })
  const url = `http://127.0.0.1:${server.address().port}`
  clock.advance(1000)
  const r = await fetch(`${url}/telegram/${token}`, { method: 'POST', headers: { 'x-api-key': keys.alpha } })
  assert.deepEqual(await r.json(), { ok: true })
  const page = await (await fetch(`${url}/_status`, { headers: { authorization: `Bearer ${keys.alpha}` } })).text()
  const outputs = {
    anomalies: JSON.stringify(anomalies),
    metrics: sg.metrics(cache),
    page,
    usageReport: JSON.stringify(cache.usageReport()),
    audit: JSON.stringify(audit),
  }
  assert.ok(anomalies.some((a) => a.rule === 'new_route' && a.route === '/telegram/[REDACTED]'), outputs.anomalies)
  assert.match(outputs.metrics, /route="\/telegram\/\[REDACTED\]"/)
  for (const [what, text] of Object.entries(outputs)) {
    assert.ok(!text.includes(token.slice(7)), `the token reached ${what}`)
  }
})
