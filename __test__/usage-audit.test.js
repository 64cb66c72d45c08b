'use strict'
// Audit trail: one JSON line per security-relevant event, never a value; size rotation.
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('crypto')
const fs = require('fs')
const os = require('os')
const path = require('path')
const express = require('express')
const { SecretCache } = require('..')
const { once, until, fakeSecret } = require('./helpers/cache-util')
const { startApp } = require('./helpers/monitor-app')

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sg-audit-'))
const lines = (f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))

// A signed-webhook route built on the recording API (what rotationWebhook will call).
function webhookRoute (cache, signingName) {
  return async (req, res) => {
    const body = req.body.toString('utf8')
    const want = crypto.createHmac('sha256', cache.getSync(signingName)).update(body).digest('hex')
    const got = String(req.get('x-signature') || '')
    const ok = got.length === want.length && crypto.timingSafeEqual(Buffer.from(got), Buffer.from(want))
    const base = { source: req.ip, requestId: req.get('x-request-id'), route: req.route.path }
    if (!ok) {
      cache.recordWebhook({ ...base, outcome: 'rejected', reason: 'bad_signature' })
      return res.status(401).end()
    }
    const { name } = JSON.parse(body)
    await cache.refresh(name)
    const u = cache.usage().find((x) => x.name === name)
    cache.recordWebhook({ ...base, outcome: 'accepted', name, version: u && u.version })
    res.json({ refreshed: name })
  }
}

test('audit file: loaded, rotated, refresh failed, load failed, webhook accepted/rejected, API key rejected, anomaly — no values', async (t) => {
  const dir = tmpDir()
  const file = path.join(dir, 'audit.log')
  const v1 = fakeSecret('db1'); const v2 = fakeSecret('db2')
  const signing = fakeSecret('sign')
  const keys = { alpha: fakeSecret('alpha') }
  const wrongKey = fakeSecret('wrong')
  fs.writeFileSync(path.join(dir, 'db'), v1)
  fs.writeFileSync(path.join(dir, 'keys'), JSON.stringify(keys))
  fs.writeFileSync(path.join(dir, 'sign'), signing)
  const cache = new SecretCache({ files: { dir }, jitter: 0, backoffBase: 3_600_000, audit: { file }, monitor: { tickInterval: 0, rejectBurst: { threshold: 3, windowMs: 60_000 } } })
  cache.on('error', () => {})
  await cache.ready(['file:db', 'file:keys', 'file:sign'])
  const app = await startApp(cache, {
    keysName: 'file:keys',
    secretName: 'file:db',
    extra: (a) => a.post('/hooks/rotated', express.raw({ type: '*/*' }), webhookRoute(cache, 'file:sign')),
  })
  t.after(async () => { await app.close(); cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })

  // API key rejected ×3 from one source -> also a rejected_burst anomaly
  for (let i = 0; i < 3; i++) assert.equal((await app.get('/orders/1', wrongKey, { 'x-request-id': `rq-${i}` })).status, 401)
  assert.equal((await app.get('/orders/1', keys.alpha)).status, 200)
  // webhook: rejected (bad signature), then accepted -> rotation
  const post = (body, sig) => fetch(app.url + '/hooks/rotated', { method: 'POST', body, headers: { 'x-signature': sig, 'x-request-id': 'hook-1', 'content-type': 'application/json' } })
  assert.equal((await post('{"name":"file:db"}', 'bad')).status, 401)
  fs.writeFileSync(path.join(dir, 'db'), v2)
  const rotated = once(cache, 'rotate')
  const body = JSON.stringify({ name: 'file:db' })
  assert.equal((await post(body, crypto.createHmac('sha256', signing).update(body).digest('hex'))).status, 200)
  await rotated
  // refresh failure, load failure
  fs.unlinkSync(path.join(dir, 'db'))
  await cache.refresh('file:db').catch(() => {})
  await cache.get('file:missing').catch(() => {})

  const want = ['secret_loaded', 'api_key_rejected', 'anomaly', 'webhook_rejected', 'webhook_accepted', 'secret_rotated', 'secret_refresh_failed', 'secret_load_failed']
  await until(() => { const ev = new Set(lines(file).map((e) => e.event)); return want.every((w) => ev.has(w)) }, { what: 'all audit events' })
  const evs = lines(file)
  for (const e of evs) {
    assert.ok(!Number.isNaN(Date.parse(e.time)), 'ISO time')
    assert.equal(typeof e.event, 'string')
    assert.equal(typeof e.outcome, 'string')
  }
  assert.deepEqual(evs.filter((e) => e.event === 'secret_loaded').map((e) => [e.secret, e.version]).sort(), [['file:db', '1'], ['file:keys', '1'], ['file:sign', '1']])
  const rot = evs.find((e) => e.event === 'secret_rotated')
  assert.deepEqual([rot.secret, rot.previousVersion, rot.version], ['file:db', '1', '2'])
  const rej = evs.filter((e) => e.event === 'api_key_rejected')
  assert.equal(rej.length, 3)
  assert.deepEqual([rej[0].route, rej[0].requestId, rej[0].reason, rej[0].source], ['/orders/:id', 'rq-0', 'invalid', '127.0.0.1'])
  assert.match(rej[0].fingerprint, /^sgfp_[0-9a-f]{10}$/)
  const burst = evs.find((e) => e.event === 'anomaly')
  assert.deepEqual([burst.rule, burst.source, burst.observed], ['rejected_burst', '127.0.0.1', 3])
  const acc = evs.find((e) => e.event === 'webhook_accepted')
  assert.deepEqual([acc.secret, acc.version, acc.requestId, acc.route], ['file:db', '2', 'hook-1', '/hooks/rotated'])
  assert.equal(evs.find((e) => e.event === 'webhook_rejected').reason, 'bad_signature')
  assert.equal(evs.find((e) => e.event === 'secret_refresh_failed').code, 'SECRET_NOT_FOUND')
  assert.deepEqual([evs.find((e) => e.event === 'secret_load_failed').secret], ['file:missing'])
  // never a value: search the raw file for every secret and presented key
  const raw = fs.readFileSync(file, 'utf8')
  for (const v of [v1, v2, signing, keys.alpha, wrongKey, JSON.stringify(keys)]) assert.ok(!raw.includes(v), 'a value leaked into the audit file')
  // owner-only permissions
  if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600)
})

test('audit file rotation by size: audit.log -> audit.log.1 -> … (maxFiles)', (t) => {
  const dir = tmpDir()
  const file = path.join(dir, 'audit.log')
  const cache = new SecretCache({ audit: { file, maxBytes: 600, maxFiles: 2, fsync: false }, monitor: { tickInterval: 0, rules: [] } })
  t.after(() => { cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  for (let i = 0; i < 40; i++) cache.recordWebhook({ outcome: 'rejected', reason: 'bad_signature', requestId: `req-${String(i).padStart(3, '0')}` })
  const names = fs.readdirSync(dir).sort()
  assert.deepEqual(names, ['audit.log', 'audit.log.1', 'audit.log.2'])
  for (const n of names) {
    const size = fs.statSync(path.join(dir, n)).size
    assert.ok(size > 0 && size <= 600, `${n}: ${size} bytes`)
  }
  // every kept line is whole JSON; the newest is last in audit.log; order is preserved across files
  const ids = [...lines(file + '.2'), ...lines(file + '.1'), ...lines(file)].map((e) => e.requestId)
  assert.equal(ids[ids.length - 1], 'req-039')
  assert.deepEqual(ids, [...ids].sort())
  for (let i = 1; i < ids.length; i++) assert.equal(Number(ids[i].slice(4)), Number(ids[i - 1].slice(4)) + 1)
  // reopening appends to the existing file
  const sizeBefore = fs.statSync(file).size
  const c2 = new SecretCache({ audit: { file, maxBytes: 100_000 }, monitor: { tickInterval: 0 } })
  c2.recordWebhook({ outcome: 'accepted', name: 'env:X', requestId: 'req-040' })
  c2.close()
  assert.ok(fs.statSync(file).size > sizeBefore)
  assert.equal(lines(file).pop().requestId, 'req-040')
})

test('audit callback and masking: a value passed by mistake in a field is masked', async (t) => {
  const events = []
  const v = fakeSecret('cb')
  process.env.SG_AUDIT_CB = v
  const cache = new SecretCache({ audit: (e) => events.push(e), monitor: { tickInterval: 0 } })
  t.after(() => { cache.close(); delete process.env.SG_AUDIT_CB })
  assert.equal(cache.getSync('env:SG_AUDIT_CB'), v) // teaches the masker
  // a careless caller puts the value into the request id / route
  cache.recordClientUse({ outcome: 'rejected', route: `/x?key=${v}`, requestId: v, source: 's1' })
  // … or an object, an array or a boxed string where a string belongs (masked JSON text, never raw)
  cache.recordClientUse({ outcome: 'rejected', reason: { detail: v }, requestId: [v], source: new String(v) })
  cache.recordWebhook({ outcome: 'rejected', reason: { detail: v } })
  // … and a value the masker does not know, under a secret-looking key
  const unknown = fakeSecret('unknown')
  cache.recordWebhook({ outcome: 'rejected', reason: { password: unknown } })
  await until(() => events.some((e) => e.event === 'secret_loaded'), { what: 'loaded event' })
  const text = JSON.stringify(events)
  assert.ok(!text.includes(v) && !text.includes(unknown), text)
  assert.ok(text.includes('[REDACTED]') || text.includes('sgfp_') || text.includes('*'), text)
  // a throwing callback does not break the caller; it is counted
  const bad = new SecretCache({ audit: () => { throw new Error('disk full') }, monitor: { tickInterval: 0 } })
  const errs = []
  bad.on('auditError', (e) => errs.push(e))
  bad.recordWebhook({ outcome: 'rejected' })
  assert.equal(bad.usageReport().audit.errors, 1)
  assert.equal(errs.length, 1)
  bad.close()
})

test('monitor: false still writes security events to the audit trail (no counters, no rules)', (t) => {
  const events = []
  const cache = new SecretCache({ monitor: false, audit: (e) => events.push(e) })
  t.after(() => cache.close())
  cache.recordClientUse({ client: 'a', outcome: 'accepted', route: '/r' })
  cache.recordClientUse({ outcome: 'rejected', route: '/r', fingerprint: 'sgfp_0123456789', requestId: 'q1' })
  cache.recordWebhook({ outcome: 'rejected', reason: 'bad_signature' })
  assert.deepEqual(events.map((e) => e.event), ['api_key_rejected', 'webhook_rejected'])
  assert.equal(events[0].fingerprint, 'sgfp_0123456789')
  assert.deepEqual(cache.usageReport().clients, [])
  assert.deepEqual(cache.usageReport().webhooks, { accepted: 0, rejected: 0 })
})
