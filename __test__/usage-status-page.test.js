'use strict'
// Status page in real headless Chromium (Debian package `chromium`): the table
// and the SVG charts render with auth; without auth the page is a 401. A
// screenshot is saved in test-output/ (git-ignored).
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFile } = require('child_process')
const fs = require('fs')
const os = require('os')
const path = require('path')
const crypto = require('crypto')
const express = require('express')
const secretGuard = require('..')
const { SecretCache } = secretGuard
const { fakeSecret } = require('./helpers/cache-util')

const CHROMIUM = '/usr/bin/chromium'
const OUT = path.join(__dirname, '..', 'test-output')
const skip = fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install the Debian package "chromium" (apt-get install -y chromium)`

function chromium (args, timeoutMs = 60_000) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-chromium-'))
  const base = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--no-default-browser-check', '--hide-scrollbars',
    `--user-data-dir=${profile}`]
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM, [...base, ...args], { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      fs.rmSync(profile, { recursive: true, force: true })
      if (err) return reject(Object.assign(new Error(`chromium failed: ${err.message}\n${stderr.slice(-2000)}`), { stderr }))
      resolve(stdout)
    })
  })
}

async function setup (t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-status-'))
  const values = { db: fakeSecret('db'), stripe: fakeSecret('stripe'), keys: JSON.stringify({ 'mobile-app': fakeSecret('k1'), 'partner-<b>': fakeSecret('k2') }) }
  fs.writeFileSync(path.join(dir, 'db-password'), values.db)
  fs.writeFileSync(path.join(dir, 'stripe-key'), values.stripe)
  fs.writeFileSync(path.join(dir, 'api-keys'), values.keys)
  const cache = new SecretCache({ files: { dir }, jitter: 0, backoffBase: 3_600_000, monitor: { tickInterval: 0, rejectBurst: { threshold: 3 } } })
  cache.on('error', () => {})
  await cache.ready(['file:db-password', 'file:stripe-key', 'file:api-keys'])
  for (let i = 0; i < 40; i++) cache.getSync('file:db-password')
  for (let i = 0; i < 15; i++) cache.getSync('file:stripe-key')
  for (let i = 0; i < 30; i++) cache.recordClientUse({ client: 'mobile-app', route: '/orders/:id', outcome: 'accepted' })
  for (let i = 0; i < 8; i++) cache.recordClientUse({ client: 'partner-<b>', route: '/reports', outcome: 'accepted' })
  for (let i = 0; i < 3; i++) cache.recordClientUse({ outcome: 'rejected', route: '/orders/:id', source: '203.0.113.9' })
  // one failing secret (stale)
  fs.unlinkSync(path.join(dir, 'stripe-key'))
  await cache.refresh('file:stripe-key').catch(() => {})

  const token = crypto.randomBytes(16).toString('hex')
  const app = express()
  // Test-only auth predicate: the token in the query string (Chromium's CLI cannot send headers).
  app.get('/status', secretGuard.statusPage({ cache, auth: (req) => req.query.token === token, minutes: 30, title: 'Acme API — secrets' }))
  app.get('/status-bearer', secretGuard.statusPage({ cache, auth: { bearer: token } }))
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  const url = `http://127.0.0.1:${server.address().port}`
  t.after(() => { server.closeAllConnections(); server.close(); cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  return { url, token, values }
}

test('status page: bearer auth (constant-time), 401 without it, security headers, no values', async (t) => {
  const { url, token, values } = await setup(t)
  const no = await fetch(url + '/status-bearer')
  assert.equal(no.status, 401)
  assert.match(no.headers.get('www-authenticate'), /^Bearer/)
  const bodyNo = await no.text()
  assert.ok(!bodyNo.includes('db-password'))
  assert.equal((await fetch(url + '/status-bearer', { headers: { authorization: 'Bearer wrong' } })).status, 401)
  assert.equal((await fetch(url + '/status-bearer', { headers: { authorization: `Bearer ${token}x` } })).status, 401)
  const ok = await fetch(url + '/status-bearer', { headers: { authorization: `Bearer ${token}` } })
  assert.equal(ok.status, 200)
  assert.match(ok.headers.get('content-security-policy'), /default-src 'none'/)
  assert.equal(ok.headers.get('cache-control'), 'no-store')
  const html = await ok.text()
  for (const v of [values.db, values.stripe, values.keys, ...Object.values(JSON.parse(values.keys))]) assert.ok(!html.includes(v), 'value rendered')
  assert.ok(html.includes('partner-&lt;b&gt;'), 'client names are escaped')
  assert.ok(!html.includes('partner-<b>'))
  assert.ok(!/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(html), 'no script, no external resource')
  assert.throws(() => secretGuard.statusPage({ cache: {} }), { code: 'CACHE_REQUIRED' })
  assert.throws(() => secretGuard.statusPage({ cache: new SecretCache({ monitor: false }) }), { code: 'AUTH_REQUIRED' })
  assert.throws(() => secretGuard.statusPage({ cache: new SecretCache({ monitor: false }), auth: { bearer: 'short' } }), { code: 'AUTH_REQUIRED' })
})

test('status page in headless Chromium: table and SVG charts render; without auth 401; screenshot', { skip, timeout: 180_000 }, async (t) => {
  const { url, token, values } = await setup(t)
  // without auth
  const denied = await chromium(['--dump-dom', `${url}/status`])
  assert.match(denied, /401 Unauthorized/)
  assert.ok(!/<table/.test(denied))
  // with auth
  const dom = await chromium(['--dump-dom', `${url}/status?token=${token}`])
  assert.match(dom, /<table id="secrets"/)
  const rows = [...dom.matchAll(/<tr data-secret="([^"]+)"/g)].map((m) => m[1])
  assert.deepEqual(rows, ['file:api-keys', 'file:db-password', 'file:stripe-key'])
  assert.match(dom, /data-secret="file:stripe-key">[\s\S]*?stale \(refresh failing\)/)
  assert.match(dom, /data-secret="file:db-password">[\s\S]*?healthy/)
  assert.match(dom, /<td class="age" title="value since \d{4}-/)
  assert.match(dom, /<svg id="chart-secrets"[^>]*>/)
  assert.match(dom, /<svg id="chart-clients"[^>]*>/)
  const polylines = [...dom.matchAll(/<polyline class="series" data-name="([^"]+)"[^>]*points="([^"]+)"/g)]
  assert.ok(polylines.some((m) => m[1] === 'file:db-password'))
  assert.ok(polylines.some((m) => m[1] === 'mobile-app'))
  for (const m of polylines) assert.equal(m[2].trim().split(/\s+/).length, 30, 'one point per minute')
  assert.match(dom, /rejected_burst/)
  for (const v of [values.db, values.stripe, ...Object.values(JSON.parse(values.keys))]) assert.ok(!dom.includes(v))
  // screenshot
  fs.mkdirSync(OUT, { recursive: true })
  const png = path.join(OUT, 'status-page.png')
  fs.rmSync(png, { force: true })
  await chromium([`--screenshot=${png}`, '--window-size=1280,900', '--run-all-compositor-stages-before-draw', '--virtual-time-budget=2000', `${url}/status?token=${token}`])
  const buf = fs.readFileSync(png)
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG')
  assert.equal(buf.readUInt32BE(16), 1280)
  assert.equal(buf.readUInt32BE(20), 900)
  assert.ok(buf.length > 20_000, 'not a blank page')
})

test('statusPage / metricsHandler mounted without calling the factory → FACTORY_NOT_CALLED through next()', async (t) => {
  const app = express()
  app.get('/status', secretGuard.statusPage)
  app.get('/metrics', secretGuard.metricsHandler)
  const seen = []
  app.use((err, req, res, next) => { seen.push(err); res.status(err.status || 500).json({ code: err.code }) })
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  t.after(() => { server.closeAllConnections(); server.close() })
  const url = `http://127.0.0.1:${server.address().port}`
  for (const [p, call] of [['/status', 'statusPage({ cache, auth })'], ['/metrics', 'metricsHandler(cache)']]) {
    const r = await fetch(url + p)
    assert.equal(r.status, 500)
    assert.deepEqual(await r.json(), { code: 'FACTORY_NOT_CALLED' })
    const err = seen.pop()
    assert.ok(err instanceof TypeError)
    assert.ok(err.message.includes(`secretGuard.${call}`), err.message)
  }
})
