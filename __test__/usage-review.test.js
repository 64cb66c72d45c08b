'use strict'
// Monitoring cases a review found wrong: counts of merged express() bags and of
// many aliases, routes taught by rejected requests, labels cut before masking,
// the audit trail after a failed rotation and its file mode.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const express = require('express')
const sg = require('..')
const { fakeSecret } = require('./helpers/cache-util')

async function serve (t, app) {
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  t.after(() => { server.closeAllConnections(); server.close() })
  return (p) => fetch(`http://127.0.0.1:${server.address().port}${p}`).then((r) => r.text())
}
const reads = (cache, name, route) => {
  const s = cache.usageReport().secretRoutes.find((x) => x.name === name)
  const r = s && s.routes.find((x) => x.route === route)
  return r ? r.reads : 0
}

test('express(): a read is reported once per request, also through a later merged express() and past 31 aliases', async (t) => {
  const names = Array.from({ length: 34 }, (_, i) => `SG_REVIEW_A${i}`)
  for (const n of names) process.env[n] = fakeSecret(n)
  process.env.SG_REVIEW_DB = fakeSecret('db')
  process.env.SG_REVIEW_OTHER = fakeSecret('other')
  const cache = new sg.SecretCache({ monitor: { tickInterval: 0 } })
  t.after(() => { cache.close(); for (const n of [...names, 'SG_REVIEW_DB', 'SG_REVIEW_OTHER']) delete process.env[n] })
  const app = express()
  app.use(sg.express({ cache, secrets: { db: 'env:SG_REVIEW_DB' } }))
  app.get('/p', (req, res, next) => { void req.secrets.db; next() }, sg.express({ cache, secrets: { other: 'env:SG_REVIEW_OTHER' } }), (req, res) => {
    void req.secrets.db; void req.secrets.other; res.send('ok')
  })
  const many = Object.fromEntries(names.map((n, i) => [`a${i}`, `env:${n}`]))
  app.get('/many', sg.express({ cache, secrets: many }), (req, res) => { for (const a of Object.keys(many)) void req.secrets[a]; res.send('ok') })
  const get = await serve(t, app)
  for (let i = 0; i < 3; i++) assert.equal(await get('/p'), 'ok')
  assert.equal(await get('/many'), 'ok')
  assert.equal(reads(cache, 'env:SG_REVIEW_DB', '/p'), 3)
  assert.equal(reads(cache, 'env:SG_REVIEW_OTHER', '/p'), 3)
  for (const n of names) assert.equal(reads(cache, `env:${n}`, '/many'), 1, n)
})

test('route labels: array and RegExp routes keep their patterns', async (t) => {
  process.env.SG_REVIEW_R = fakeSecret('r')
  const cache = new sg.SecretCache({ monitor: { tickInterval: 0 } })
  t.after(() => { cache.close(); delete process.env.SG_REVIEW_R })
  const app = express()
  const mw = sg.express({ cache, secrets: { r: 'env:SG_REVIEW_R' } })
  app.get(['/a', '/b'], mw, (req, res) => { void req.secrets.r; res.send('ok') })
  app.get(/^\/re\/(\d+)$/, mw, (req, res) => { void req.secrets.r; res.send('ok') })
  const get = await serve(t, app)
  await get('/a'); await get('/b'); await get('/re/5')
  assert.equal(reads(cache, 'env:SG_REVIEW_R', '/a|/b'), 2)
  assert.equal(reads(cache, 'env:SG_REVIEW_R', String(/^\/re\/(\d+)$/)), 1)
})

test('a rejected request does not teach a route: its first accepted use is still a new_route', () => {
  let now = Date.UTC(2026, 0, 1)
  const cache = new sg.SecretCache({ monitor: { tickInterval: 0, clock: () => now, learningPeriod: 1000, rules: ['new_route'] } })
  const anomalies = []
  cache.on('anomaly', (a) => anomalies.push(a))
  try {
    cache.recordClientUse({ client: 'mobile', route: '/orders/:id' })
    now += 2000
    cache.recordClientUse({ client: 'mobile', route: '/admin/export', outcome: 'rejected' })
    assert.deepEqual(anomalies, [])
    cache.recordClientUse({ client: 'mobile', route: '/admin/export' })
    assert.deepEqual(anomalies.map((a) => [a.rule, a.client, a.route]), [['new_route', 'mobile', '/admin/export']])
  } finally {
    cache.close()
  }
})

test('a long route label is masked before it is cut (no piece of a secret survives the cut)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-review-'))
  const token = 'FAKEtok9a8b7c6d5e4f3g2h1'
  fs.writeFileSync(path.join(dir, 'bot'), token)
  const cache = new sg.SecretCache({ files: { dir }, monitor: { tickInterval: 0 }, audit: { file: path.join(dir, 'audit.log') } })
  t.after(() => { cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  await cache.get('file:bot')
  const route = '/hook/' + 'p'.repeat(110) + token
  cache.recordClientUse({ client: 'tg', route })
  cache.recordClientUse({ client: 'tg', route, outcome: 'rejected' })
  const out = sg.metrics(cache) + JSON.stringify(cache.usageReport()) + fs.readFileSync(path.join(dir, 'audit.log'), 'utf8')
  assert.ok(!out.includes(token.slice(0, 8)), 'a piece of the token survived the cut')
})

test('audit file: mode 0600 even when it existed, a failed rotation does not end the trail, events count writes', { skip: process.platform === 'win32' }, (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-review-audit-'))
  const file = path.join(dir, 'audit.log')
  fs.writeFileSync(file, '', { mode: 0o644 })
  const cache = new sg.SecretCache({ audit: { file, maxBytes: 256, maxFiles: 1, fsync: false }, monitor: { tickInterval: 0 } })
  t.after(() => { cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  assert.equal(fs.statSync(file).mode & 0o777, 0o600)
  cache.on('auditError', () => {})
  fs.mkdirSync(`${file}.1`)
  fs.writeFileSync(`${file}.1/x`, 'x') // the rotation's rename fails
  const rec = () => cache.recordWebhook({ outcome: 'rejected', requestId: 'a'.repeat(60) })
  for (let i = 0; i < 6; i++) rec()
  const during = cache.usageReport().audit
  assert.ok(during.errors >= 1, 'the failing rotation is reported')
  assert.equal(during.events + during.errors, 6, 'events count writes only')
  fs.rmSync(`${file}.1`, { recursive: true })
  for (let i = 0; i < 6; i++) rec()
  const after = cache.usageReport().audit
  assert.deepEqual([after.events - during.events, after.errors - during.errors], [6, 0], 'the trail recovers once the cause is gone')
  for (const f of [file, `${file}.1`]) for (const l of fs.readFileSync(f, 'utf8').split('\n').filter(Boolean)) JSON.parse(l)
})
