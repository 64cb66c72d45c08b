'use strict'
// Wiring: the real requireApiKey and rotationWebhook (lib/express.js) report to the
// cache's recording API — client counters, retired keys, webhook audit events.
const test = require('node:test')
const assert = require('node:assert/strict')
const express = require('express')
const secretGuard = require('..')
const { SecretCache, requireApiKey, rotationWebhook, signWebhook, fingerprint } = secretGuard
const { once, until, fakeSecret } = require('./helpers/cache-util')

test('requireApiKey + rotationWebhook report to the monitor (counters, audit, retired key anomaly)', async (t) => {
  const k1 = fakeSecret('alpha1'); const k2 = fakeSecret('alpha2'); const kb = fakeSecret('beta')
  const signing = fakeSecret('sign')
  process.env.SG_WIRE_KEYS = JSON.stringify({ alpha: k1, beta: kb })
  process.env.SG_WIRE_SIGN = signing
  process.env.SG_WIRE_DB = fakeSecret('db')
  let offset = 0
  const audit = []
  const cache = new SecretCache({ audit: (e) => audit.push(e), monitor: { tickInterval: 0, clock: () => Date.now() + offset } })
  const anomalies = []
  cache.on('anomaly', (e) => anomalies.push(e))
  await cache.ready(['env:SG_WIRE_KEYS', 'env:SG_WIRE_SIGN', 'env:SG_WIRE_DB'])
  const guard = requireApiKey({ cache, name: 'env:SG_WIRE_KEYS', graceMs: 0 })
  const app = express()
  app.get('/orders/:id', guard, (req, res) => res.json({ client: req.apiClient }))
  // behind a mounted router, the label carries the mount path (as secret reads do)
  const v1 = express.Router()
  v1.get('/items/:id', guard, (req, res) => res.json({ client: req.apiClient }))
  app.use('/v1', v1)
  app.post('/hooks/rotated', rotationWebhook({ cache, signingSecret: 'env:SG_WIRE_SIGN' }))
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  const url = `http://127.0.0.1:${server.address().port}`
  t.after(() => { guard.close(); server.closeAllConnections(); server.close(); cache.close(); for (const k of ['SG_WIRE_KEYS', 'SG_WIRE_SIGN', 'SG_WIRE_DB']) delete process.env[k] })
  const get = (key, id) => fetch(url + '/orders/1', { headers: { 'x-api-key': key, 'x-request-id': id } })

  assert.equal((await get(k1, 'a-1')).status, 200)
  assert.equal((await get(k1, 'a-2')).status, 200)
  assert.equal((await get(kb, 'b-1')).status, 200)
  assert.equal((await get('sk_test_FAKE_nope', 'x-1')).status, 401)
  assert.equal((await fetch(url + '/v1/items/7', { headers: { 'x-api-key': k1 } })).status, 200)
  let r = cache.usageReport()
  assert.deepEqual(r.clients.map((c) => [c.client, c.accepted, c.rejected]), [['alpha', 3, 0], ['beta', 1, 0], ['unknown', 0, 1]])
  assert.deepEqual(r.clients[0].routes.map((x) => x.route), ['/orders/:id', '/v1/items/:id'])
  const rej = audit.find((e) => e.event === 'api_key_rejected')
  assert.deepEqual([rej.route, rej.requestId, rej.reason, rej.fingerprint], ['/orders/:id', 'x-1', 'invalid', fingerprint('sk_test_FAKE_nope')])

  // rotate alpha's key (beta unchanged), no grace: the old alpha key is retired
  process.env.SG_WIRE_KEYS = JSON.stringify({ alpha: k2, beta: kb })
  const rotated = once(cache, 'rotate')
  await cache.refresh('env:SG_WIRE_KEYS')
  await rotated
  await until(async () => (await get(k2, 'a-3')).status === 200, { what: 'new key accepted' })
  offset = 5000 // the monitor's clock is past the grace end
  assert.equal((await get(k1, 'old-1')).status, 401)
  assert.equal((await get(kb, 'b-2')).status, 200, 'an unchanged key is not retired')
  assert.equal(anomalies.filter((a) => a.rule === 'retired_key').length, 1)
  const ev = anomalies.find((a) => a.rule === 'retired_key')
  assert.deepEqual([ev.client, ev.fingerprint, ev.requestId], ['alpha', fingerprint(k1), 'old-1'])

  // webhook: a bad signature, then a good one
  const body = { name: 'env:SG_WIRE_DB' }
  const bad = signWebhook('sk_test_FAKE_wrong_signing_key', body)
  assert.equal((await fetch(url + '/hooks/rotated', { method: 'POST', body: bad.body, headers: bad.headers })).status, 401)
  const good = signWebhook(signing, body)
  assert.equal((await fetch(url + '/hooks/rotated', { method: 'POST', body: good.body, headers: good.headers })).status, 200)
  r = cache.usageReport()
  assert.deepEqual(r.webhooks, { accepted: 1, rejected: 1 })
  const wr = audit.find((e) => e.event === 'webhook_rejected')
  assert.equal(wr.reason, 'bad_signature')
  assert.equal(wr.requestId, bad.headers['x-secret-guard-id'])
  const wa = audit.find((e) => e.event === 'webhook_accepted')
  assert.deepEqual([wa.secret, wa.requestId, wa.route], ['env:SG_WIRE_DB', good.headers['x-secret-guard-id'], '/hooks/rotated'])
  // never a value
  const text = JSON.stringify(audit) + JSON.stringify(r) + secretGuard.metrics(cache)
  for (const v of [k1, k2, kb, signing, process.env.SG_WIRE_DB]) assert.ok(!text.includes(v))
})

test('express(): the first read of each req.secrets alias in a request is reported per route (and feeds new_route)', async (t) => {
  process.env.SG_WIRE_R_DB = fakeSecret('rdb')
  process.env.SG_WIRE_R_STRIPE = fakeSecret('rstripe')
  let offset = 0
  const anomalies = []
  const cache = new SecretCache({ monitor: { tickInterval: 0, clock: () => Date.now() + offset, learningPeriod: 60_000, rules: ['new_route'] } })
  cache.on('anomaly', (e) => anomalies.push(e))
  const app = express()
  app.use(secretGuard.express({ cache, secrets: { db: 'env:SG_WIRE_R_DB' } }))
  app.get('/a', secretGuard.express({ cache, secrets: { stripe: 'env:SG_WIRE_R_STRIPE' } }), (req, res) => {
    // two reads of db count once for this request; the merged bag still reports db
    res.json({ ok: req.secrets.db.length > 0 && req.secrets.db === req.secrets.db && req.secrets.stripe.length > 0 })
  })
  app.get('/quiet', (req, res) => res.json({ ok: true })) // never reads a secret: not counted
  const router = express.Router()
  router.get('/c/:id', (req, res) => res.json({ ok: req.secrets.db.length > 0 }))
  app.use('/r', router)
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  const url = `http://127.0.0.1:${server.address().port}`
  t.after(() => { server.closeAllConnections(); server.close(); cache.close(); delete process.env.SG_WIRE_R_DB; delete process.env.SG_WIRE_R_STRIPE })
  for (const p of ['/a', '/a', '/quiet', '/r/c/1']) assert.equal((await fetch(url + p)).status, 200)
  const routes = (name) => cache.usageReport().secretRoutes.find((s) => s.name === name).routes.map((r) => [r.route, r.reads])
  assert.deepEqual(routes('env:SG_WIRE_R_DB'), [['/a', 2], ['/r/c/:id', 1]])
  assert.deepEqual(routes('env:SG_WIRE_R_STRIPE'), [['/a', 2]])
  assert.deepEqual(anomalies, [])
  // after the learning period a secret read from a route never seen before is an anomaly
  app.get('/admin/dump', (req, res) => res.json({ ok: req.secrets.db.length > 0 }))
  offset += 120_000
  assert.equal((await fetch(url + '/admin/dump')).status, 200)
  assert.deepEqual(anomalies.map((a) => [a.rule, a.secret, a.route]), [['new_route', 'env:SG_WIRE_R_DB', '/admin/dump']])
  assert.ok(!JSON.stringify(cache.usageReport()).includes(process.env.SG_WIRE_R_DB))
})

test('a key used in its grace period: api_key_previous_used carries its fingerprint (audit and log), never the key', async (t) => {
  const k1 = fakeSecret('gamma1'); const k2 = fakeSecret('gamma2')
  process.env.SG_WIRE_GRACE_KEYS = JSON.stringify({ gamma: k1 })
  const audit = []
  const lines = []
  const logger = { info: (o) => lines.push(JSON.stringify(o)), warn: (o) => lines.push(JSON.stringify(o)) }
  const cache = new SecretCache({ audit: (e) => audit.push(e), monitor: { tickInterval: 0 } })
  await cache.ready(['env:SG_WIRE_GRACE_KEYS'])
  const guard = requireApiKey({ cache, name: 'env:SG_WIRE_GRACE_KEYS', graceMs: 60_000, logger })
  const app = express()
  app.get('/x', guard, (req, res) => res.json({ client: req.apiClient }))
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  t.after(() => { guard.close(); server.closeAllConnections(); server.close(); cache.close(); delete process.env.SG_WIRE_GRACE_KEYS })
  const url = `http://127.0.0.1:${server.address().port}/x`
  process.env.SG_WIRE_GRACE_KEYS = JSON.stringify({ gamma: k2 })
  const rotated = once(cache, 'rotate')
  await cache.refresh('env:SG_WIRE_GRACE_KEYS')
  await rotated
  const r = await fetch(url, { headers: { 'x-api-key': k1, 'x-request-id': 'g-1' } })
  assert.equal(r.status, 200)
  await until(() => audit.some((e) => e.event === 'api_key_previous_used'), { what: 'audit event' })
  const ev = audit.find((e) => e.event === 'api_key_previous_used')
  assert.deepEqual([ev.client, ev.fingerprint, ev.requestId], ['gamma', fingerprint(k1), 'g-1'])
  const line = lines.map((l) => JSON.parse(l)).find((l) => l.event === 'api_key_previous_used')
  assert.equal(line.fingerprint, fingerprint(k1))
  const text = JSON.stringify(audit) + lines.join('\n')
  for (const v of [k1, k2]) assert.ok(!text.includes(v))
})
