'use strict'
// Usage monitoring overhead (issue 7), monitoring on vs off in one run:
//  1. getSync of a cached secret: a cache with monitoring on (default options +
//     an audit callback) vs `monitor: false`. (The per-secret read counter of the
//     JS read memo and the Rust per-minute series run in both arms: they predate
//     the switch and are also the LRU signal and usage().)
//  2. one pass of the real requireApiKey middleware (lib/express.js; it reports
//     every check with cache.recordClientUse when the cache monitors), called
//     directly, key set in a file: secret;
//  3. recordClientUse alone;
//  4. the same requireApiKey in a real Express app over loopback HTTP (autocannon).
// Method (1–3): paired rounds — each round times BATCH calls of the "off" arm and
// BATCH of the "on" arm back to back (order alternating), so machine-load drift
// hits both arms alike; we report the median per-call time of each arm and the
// median of the per-round on/off ratios. (4): autocannon, 16 connections, 3 s per
// run, 4 runs alternating off/on, mean req/s.
const autocannon = require('autocannon')
const express = require('express')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { SecretCache, requireApiKey } = require('..')

const BATCH = 2000
const ROUNDS = 40
const KEYS = { 'mobile-app': 'sk_test_FAKE_bench_mobile_0123456789', partner: 'sk_test_FAKE_bench_partner_0123456789' }
const fmt = (ns) => (ns < 1000 ? `${ns.toFixed(1)} ns` : `${(ns / 1000).toFixed(2)} µs`)
const pct = (r) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)} %`
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
const quart = (xs) => { const s = [...xs].sort((a, b) => a - b); return [s[Math.floor(s.length / 4)], s[Math.floor((3 * s.length) / 4)]] }

function time (fn) {
  const t = process.hrtime.bigint()
  for (let i = 0; i < BATCH; i++) fn()
  return Number(process.hrtime.bigint() - t) / BATCH
}

function paired (label, off, on) {
  for (let i = 0; i < 3; i++) { time(off); time(on) } // warm-up
  const a = []; const b = []; const r = []
  for (let i = 0; i < ROUNDS; i++) {
    let x, y
    if (i % 2) { y = time(on); x = time(off) } else { x = time(off); y = time(on) }
    a.push(x); b.push(y); r.push(y / x)
  }
  const [q1, q3] = quart(r)
  console.log(`  ${label.padEnd(26)} off ${fmt(median(a)).padStart(9)}   on ${fmt(median(b)).padStart(9)}   overhead ${pct(median(r))} (IQR ${pct(q1)} … ${pct(q3)})`)
  return median(r)
}

async function http (cache, rps) {
  const app = express()
  const guard = requireApiKey({ cache, name: 'file:keys' })
  app.get('/orders/:id', guard, (req, res) => res.end('ok'))
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  const r = await autocannon({
    url: `http://127.0.0.1:${server.address().port}/orders/1`, connections: 16, duration: 3,
    headers: { 'x-api-key': KEYS['mobile-app'] },
  })
  guard.close()
  await new Promise((resolve) => server.close(resolve))
  if (r.non2xx > 0) throw new Error('requests were rejected')
  rps.push(r.requests.average)
}

async function main () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-usage-bench-'))
  fs.writeFileSync(path.join(dir, 'db'), 'sk_test_FAKE_usage_bench_db_0123456789')
  fs.writeFileSync(path.join(dir, 'keys'), JSON.stringify(KEYS))
  const on = new SecretCache({ files: { dir }, audit: () => {} })
  const off = new SecretCache({ files: { dir }, monitor: false })
  await on.ready(['file:db', 'file:keys']); await off.ready(['file:db', 'file:keys'])
  const rakOn = requireApiKey({ cache: on, name: 'file:keys' })
  const rakOff = requireApiKey({ cache: off, name: 'file:keys' })
  await new Promise((resolve) => setTimeout(resolve, 50)) // both adopt their key set
  const req = { method: 'GET', url: '/orders/1', originalUrl: '/orders/1', headers: { 'x-api-key': KEYS['mobile-app'], 'x-request-id': 'r1' }, route: { path: '/orders/:id' }, ip: '127.0.0.1' }
  const res = { setHeader () {}, end () {} }
  let passed = 0
  const next = () => { passed++ }
  rakOn(req, res, next); rakOff(req, res, next)
  if (passed !== 2) throw new Error('requireApiKey did not accept the bench key')
  let sink = 0

  console.log(`Method: paired rounds (${ROUNDS} × ${BATCH} calls per arm, order alternating), medians; ${process.env.SG_BENCH_NOTE || 'debug or release addon as built'}`)
  const g = paired('getSync (cached)', () => { sink += off.getSync('file:db').length }, () => { sink += on.getSync('file:db').length })
  const m = paired('requireApiKey pass', () => rakOff(req, res, next), () => rakOn(req, res, next))
  const recTimes = []
  for (let i = 0; i < ROUNDS; i++) recTimes.push(time(() => on.recordClientUse({ client: 'mobile-app', route: '/orders/:id', outcome: 'accepted', requestId: 'r1' })))
  console.log(`  recordClientUse alone      ${fmt(median(recTimes))} per call`)
  console.log(`  => getSync ${pct(g)}, requireApiKey ${pct(m)} with monitoring (target ≤ +5 %)`)

  const rps = { off: [], on: [] }
  for (const k of ['off', 'on', 'on', 'off', 'off', 'on', 'on', 'off']) await http(k === 'on' ? on : off, rps[k])
  const avg = (xs) => xs.reduce((x, y) => x + y, 0) / xs.length
  const h = avg(rps.off) / avg(rps.on)
  console.log(`Express + requireApiKey over HTTP (autocannon, 16 connections, 3 s × 4 runs per arm, alternating):`)
  console.log(`  req/s off ${avg(rps.off).toFixed(0)} [${rps.off.map((x) => x.toFixed(0)).join(', ')}], on ${avg(rps.on).toFixed(0)} [${rps.on.map((x) => x.toFixed(0)).join(', ')}] -> time per request ${pct(h)} (target ≤ +5 %)`)

  rakOn.close(); rakOff.close(); on.close(); off.close()
  fs.rmSync(dir, { recursive: true, force: true })
  if (sink === -1) console.log(sink)
}

main().catch((e) => { console.error(e); process.exit(1) })
