'use strict'
// Usage counters: per secret (Rust, src/cache + src/usage) and per client key /
// route (recorded through the recording API from a real Express app), the
// per-minute series, bounded labels, usage()/usageReport() shape.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const util = require('util')
const { SecretCache } = require('..')
const { once, until, fakeSecret } = require('./helpers/cache-util')
const { startApp } = require('./helpers/monitor-app')

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sg-usage-'))

test('per-secret counters: reads, hits, misses, refreshes, failures, stale serves, times, version', async (t) => {
  const dir = tmpDir()
  const cache = new SecretCache({ files: { dir }, jitter: 0, backoffBase: 3_600_000, monitor: { tickInterval: 0 } })
  t.after(() => { cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  const v1 = fakeSecret('c1')
  const v2 = fakeSecret('c2')
  fs.writeFileSync(path.join(dir, 'k'), v1)
  const before = Date.now()
  assert.equal(await cache.get('file:k'), v1) // miss + load
  for (let i = 0; i < 9; i++) assert.equal(cache.getSync('file:k'), v1) // hits (JS read memo)
  let u = cache.usage().find((x) => x.name === 'file:k')
  assert.equal(u.reads, 10)
  assert.equal(u.misses, 1)
  assert.equal(u.hits, 9)
  assert.equal(u.refreshes, 0)
  assert.equal(u.rotations, 0)
  assert.equal(u.version, '1')
  assert.equal(u.loaded, true)
  assert.ok(u.loadedAt >= before - 1 && u.lastReadAt >= u.loadedAt - 1)
  assert.equal(u.lastRotationAt, undefined)

  // rotation
  fs.writeFileSync(path.join(dir, 'k'), v2)
  const rot = once(cache, 'rotate')
  assert.equal(await cache.refresh('file:k'), true)
  await rot
  u = cache.usage().find((x) => x.name === 'file:k')
  assert.equal(u.refreshes, 1)
  assert.equal(u.rotations, 1)
  assert.equal(u.version, '2')
  assert.ok(u.lastRotationAt >= u.loadedAt)
  assert.equal(u.lastRotationAt, u.lastRefreshAt)

  // refresh failure -> stale serves
  fs.unlinkSync(path.join(dir, 'k'))
  const err = once(cache, 'error')
  await cache.refresh('file:k').catch(() => {})
  await err
  assert.equal(cache.getSync('file:k'), v2)
  assert.equal(cache.getSync('file:k'), v2)
  u = cache.usage().find((x) => x.name === 'file:k')
  assert.equal(u.errors, 1)
  assert.equal(u.failing, true)
  assert.equal(u.lastErrorCode, 'SECRET_NOT_FOUND')
  assert.equal(u.staleServed, 2)
  assert.equal(u.reads, 12)

  // per-minute series: every read is in the last 24 h
  const s = cache.usageReport({ minutes: 1440 }).series
  assert.equal(s.minutes, 1440)
  const row = s.secrets.find((x) => x.name === 'file:k')
  assert.equal(row.counts.length, 1440)
  assert.equal(row.counts.reduce((a, b) => a + b, 0), 12)
  // no value anywhere in the report
  const text = JSON.stringify(cache.usageReport()) + util.inspect(cache.usageReport(), { depth: 10 })
  assert.ok(!text.includes(v1) && !text.includes(v2))
})

test('per-client counters through a real Express app: accepted/rejected, last use, per route, series', async (t) => {
  const keys = { alpha: fakeSecret('alpha'), beta: fakeSecret('beta') }
  process.env.SG_USAGE_KEYS = JSON.stringify(keys)
  process.env.SG_USAGE_DB = fakeSecret('db')
  const cache = new SecretCache({ monitor: { tickInterval: 0 } })
  await cache.ready(['env:SG_USAGE_KEYS', 'env:SG_USAGE_DB'])
  const app = await startApp(cache, { keysName: 'env:SG_USAGE_KEYS', secretName: 'env:SG_USAGE_DB' })
  t.after(async () => { await app.close(); cache.close(); delete process.env.SG_USAGE_KEYS; delete process.env.SG_USAGE_DB })

  const t0 = Date.now()
  for (let i = 0; i < 3; i++) assert.equal((await app.get('/orders/' + i, keys.alpha)).status, 200)
  assert.equal((await app.get('/reports', keys.alpha)).status, 200)
  assert.equal((await app.get('/reports', keys.beta)).status, 200)
  assert.equal((await app.get('/reports', 'sk_test_FAKE_wrong')).status, 401)
  assert.equal((await app.get('/orders/9')).status, 401)

  const clients = cache.usageReport().clients
  const alpha = clients.find((c) => c.client === 'alpha')
  assert.equal(alpha.accepted, 4)
  assert.equal(alpha.rejected, 0)
  assert.ok(alpha.lastUsedAt >= t0 - 1000, 'last use (1 s resolution)')
  assert.deepEqual(alpha.routes.map((r) => [r.route, r.accepted]), [['/orders/:id', 3], ['/reports', 1]])
  const beta = clients.find((c) => c.client === 'beta')
  assert.equal(beta.accepted, 1)
  const unknown = clients.find((c) => c.client === 'unknown')
  assert.equal(unknown.rejected, 2)
  assert.ok(unknown.lastRejectedAt >= t0)
  assert.equal(unknown.lastUsedAt, undefined)
  // secret reads per route
  const sr = cache.usageReport().secretRoutes.find((s) => s.name === 'env:SG_USAGE_DB')
  assert.deepEqual(sr.routes.map((r) => [r.route, r.reads]), [['/orders/:id', 3], ['/reports', 2]])
  // series
  const series = cache.usageReport({ minutes: 5 }).series.clients.find((c) => c.name === 'alpha')
  assert.equal(series.counts.reduce((a, b) => a + b, 0), 4)
  // usage() stays the per-secret array (backwards compatible)
  assert.ok(Array.isArray(cache.usage()))
  const report = JSON.stringify(cache.usageReport())
  for (const k of Object.values(keys)) assert.ok(!report.includes(k))
})

test('bounded labels: clients and routes beyond the caps go to "other"', (t) => {
  const cache = new SecretCache({ monitor: { tickInterval: 0, maxClients: 3, maxRoutes: 2 } })
  t.after(() => cache.close())
  for (let i = 0; i < 50; i++) cache.recordClientUse({ client: `client-${i}`, route: `/r${i % 5}`, outcome: 'accepted' })
  for (let i = 0; i < 2000; i++) cache.recordClientUse({ client: 'client-0', route: `/attacker/${i}`, outcome: 'rejected' })
  const r = cache.usageReport()
  assert.deepEqual(r.clients.map((c) => c.client), ['client-0', 'client-1', 'client-2', 'other'])
  assert.equal(r.clients.reduce((a, c) => a + c.accepted, 0), 50)
  assert.equal(r.clients.find((c) => c.client === 'other').accepted, 47)
  const c0 = r.clients.find((c) => c.client === 'client-0')
  assert.deepEqual(c0.routes.map((x) => x.route), ['/attacker/0', '/r0', 'other']) // 2 distinct routes, then 'other'
  assert.equal(c0.routes.find((x) => x.route === 'other').rejected, 1999)
  assert.equal(c0.rejected, 2000)
  assert.ok(r.droppedLabels > 0)
  // overly long labels are truncated
  cache.recordClientUse({ client: 'x'.repeat(1000), outcome: 'accepted' })
  assert.ok(cache.usageReport().clients.every((c) => c.client.length <= 128))
})

test('recording API validates its input and is a no-op with monitor: false', (t) => {
  const cache = new SecretCache({ monitor: { tickInterval: 0 } })
  const off = new SecretCache({ monitor: false })
  t.after(() => { cache.close(); off.close() })
  assert.throws(() => cache.recordClientUse({ client: 'a', outcome: 'maybe' }), { code: 'INVALID_OPTION' })
  assert.throws(() => cache.recordClientUse(null), { code: 'INVALID_OPTION' })
  assert.throws(() => cache.recordWebhook({ outcome: 'x' }), { code: 'INVALID_OPTION' })
  assert.throws(() => cache.recordSecretUse({}), { code: 'INVALID_OPTION' })
  assert.throws(() => new SecretCache({ monitor: { nope: 1 } }), { code: 'INVALID_OPTION' })
  assert.throws(() => new SecretCache({ monitor: { k: 0.5 } }), { code: 'INVALID_OPTION' })
  assert.throws(() => new SecretCache({ audit: { file: '' } }), { code: 'INVALID_OPTION' })
  assert.throws(() => new SecretCache({ audit: { file: '/nonexistent-dir-sg/x/audit.log' } }), { code: 'AUDIT_OPEN_FAILED' })
  off.recordClientUse({ client: 'a', outcome: 'accepted' })
  const r = off.usageReport()
  assert.equal(r.monitoring, false)
  assert.deepEqual(r.clients, [])
})

test('client series per minute with the monitor clock; 24 h window', (t) => {
  let now = Date.UTC(2026, 0, 1, 0, 0, 30)
  const cache = new SecretCache({ monitor: { tickInterval: 0, clock: () => now } })
  t.after(() => cache.close())
  const use = (n) => { for (let i = 0; i < n; i++) cache.recordClientUse({ client: 'c', route: '/r' }) ; cache.usageReport() }
  use(2)
  now += 60_000; use(0)
  now += 60_000; use(5)
  assert.deepEqual(cache.usageReport({ minutes: 4 }).series.clients[0].counts, [0, 2, 0, 5])
  assert.equal(cache.usageReport({ minutes: 4 }).series.from, Date.UTC(2026, 0, 1, 0, -1))
  now += 24 * 3_600_000 - 60_000 // the first minute leaves the 24 h window
  use(1)
  const day = cache.usageReport({ minutes: 1440 }).series.clients[0].counts
  assert.equal(day.length, 1440)
  assert.equal(day.reduce((a, b) => a + b, 0), 6)
  assert.equal(cache.usageReport().clients[0].accepted, 8, 'totals are not windowed')
})

test('an unclosed, unreferenced cache with monitoring and an audit file is garbage-collected', async (t) => {
  const v8 = require('v8')
  const vm = require('vm')
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-usage-gc-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  let ref
  ;(() => {
    const c = new SecretCache({ audit: { file: path.join(dir, 'audit.log') } })
    c.recordClientUse({ client: 'x' })
    ref = new WeakRef(c)
  })()
  await until(async () => { gc(); await new Promise((resolve) => setImmediate(resolve)); return ref.deref() === undefined }, { timeoutMs: 10_000, what: 'cache collected' })
})
