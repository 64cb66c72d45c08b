'use strict'
// Usage monitoring overhead (issue 7), side by side in one run:
//  1. getSync of a cached secret: monitoring on (default: recording API, tick timer,
//     audit callback) vs `monitor: false`. Per-secret read counting itself (the JS
//     read memo's counter, flushed to Rust; the Rust per-minute series) runs in both
//     arms: it predates monitoring and is also the LRU signal.
//  2. an API-key middleware pass (SHA-256 of the presented key, constant-time compare
//     against two client digests — what requireApiKey does) with and without
//     cache.recordClientUse(); called directly (tinybench) and through a real Express
//     app over loopback HTTP (autocannon, order alternated, 2 rounds).
// Method: tinybench, batches of BATCH calls per iteration, per-call mean; ratios of means.
const { Bench } = require('tinybench')
const crypto = require('crypto')
const autocannon = require('autocannon')
const express = require('express')
const { SecretCache } = require('..')

const BATCH = 1000
const fmt = (ns) => (ns < 1000 ? `${ns.toFixed(1)} ns` : `${(ns / 1000).toFixed(2)} µs`)
const pct = (on, off) => `${(((on / off) - 1) * 100).toFixed(1)} %`

function keyCheck (cache, record) {
  const keys = { 'mobile-app': 'sk_test_FAKE_bench_mobile_0123456789', partner: 'sk_test_FAKE_bench_partner_0123456789' }
  const digests = Object.entries(keys).map(([c, k]) => [c, crypto.createHash('sha256').update(k).digest()])
  return (req, res, next) => {
    const d = crypto.createHash('sha256').update(req.headers['x-api-key'] || '').digest()
    let client = null
    for (const [c, dg] of digests) if (crypto.timingSafeEqual(d, dg) && client === null) client = c
    if (client === null) {
      if (record) cache.recordClientUse({ outcome: 'rejected', route: '/orders/:id', source: req.ip })
      res.statusCode = 401
      return res.end()
    }
    if (record) cache.recordClientUse({ client, route: req.route ? req.route.path : '/orders/:id', outcome: 'accepted', requestId: req.headers['x-request-id'] })
    next()
  }
}

async function http (record) {
  const cache = new SecretCache({ monitor: record ? {} : false, audit: record ? () => {} : undefined })
  const app = express()
  app.get('/orders/:id', keyCheck(cache, record), (req, res) => res.end('ok'))
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  const r = await autocannon({
    url: `http://127.0.0.1:${server.address().port}/orders/1`, connections: 16, duration: 3,
    headers: { 'x-api-key': 'sk_test_FAKE_bench_mobile_0123456789' },
  })
  server.close(); cache.close()
  return r.requests.average
}

async function main () {
  process.env.SG_BENCH_USAGE = 'sk_test_FAKE_usage_bench_0123456789abcdef'
  const on = new SecretCache({ audit: () => {} })
  const off = new SecretCache({ monitor: false })
  process.env.SG_BENCH_FILE_DIR = require('os').tmpdir()
  const file = require('path').join(process.env.SG_BENCH_FILE_DIR, `sg-usage-bench-${process.pid}`)
  require('fs').writeFileSync(file, 'sk_test_FAKE_usage_bench_file_0123456789')
  const name = 'file:' + require('path').basename(file)
  const onF = new SecretCache({ files: { dir: process.env.SG_BENCH_FILE_DIR }, audit: () => {} })
  const offF = new SecretCache({ files: { dir: process.env.SG_BENCH_FILE_DIR }, monitor: false })
  await onF.get(name); await offF.get(name)
  let sink = 0
  const mwOn = keyCheck(on, true)
  const mwOff = keyCheck(off, false)
  const req = { headers: { 'x-api-key': 'sk_test_FAKE_bench_mobile_0123456789', 'x-request-id': 'r1' }, route: { path: '/orders/:id' }, ip: '127.0.0.1' }
  const res = { end () {} }
  const next = () => { sink++ }
  const tasks = {
    'getSync, monitoring off': () => { for (let i = 0; i < BATCH; i++) sink += offF.getSync(name).length },
    'getSync, monitoring on': () => { for (let i = 0; i < BATCH; i++) sink += onF.getSync(name).length },
    'middleware pass, recording off': () => { for (let i = 0; i < BATCH; i++) mwOff(req, res, next) },
    'middleware pass, recording on': () => { for (let i = 0; i < BATCH; i++) mwOn(req, res, next) },
    'recordClientUse alone': () => { for (let i = 0; i < BATCH; i++) on.recordClientUse({ client: 'mobile-app', route: '/orders/:id', outcome: 'accepted', requestId: 'r1' }) },
  }
  // 3 rounds, task order reversed every other round (machine noise and JIT order
  // effects dominate single runs); per task the median of its round means.
  const samples = Object.fromEntries(Object.keys(tasks).map((k) => [k, []]))
  for (let round = 0; round < 3; round++) {
    const bench = new Bench({ time: 500, warmupTime: 150 })
    const names = Object.keys(tasks)
    for (const n of (round % 2 ? names.reverse() : names)) bench.add(n, tasks[n])
    await bench.run()
    for (const t of bench.tasks) samples[t.name].push((t.result.latency ? t.result.latency.mean : t.result.mean) * 1e6 / BATCH)
  }
  const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]
  const mean = (n) => med(samples[n])
  console.log('Method: tinybench, per-call mean of batches of', BATCH, '; median of 3 rounds with alternating order (debug or release addon as built)')
  for (const n of Object.keys(tasks)) console.log(`  ${n.padEnd(34)} ${fmt(mean(n))}   (rounds: ${samples[n].map(fmt).join(', ')})`)
  const g = mean('getSync, monitoring on') / mean('getSync, monitoring off')
  const m = mean('middleware pass, recording on') / mean('middleware pass, recording off')
  console.log(`  getSync overhead of monitoring:          ${pct(g, 1)} (ratio ${g.toFixed(3)}; target ≤ 5 %)`)
  const alone = mean('recordClientUse alone') / mean('middleware pass, recording off')
  console.log(`  recordClientUse alone / middleware pass: ${pct(1 + alone, 1)} (${fmt(mean('recordClientUse alone'))} per call; the least noisy estimate)`)
  console.log(`  middleware-pass overhead of recording:   ${pct(m, 1)} (ratio ${m.toFixed(3)}; absolute ${fmt(mean('middleware pass, recording on') - mean('middleware pass, recording off'))} per request; target ≤ 5 %)`)

  // Express over HTTP: alternate the order to spread machine noise.
  const rps = { on: [], off: [] }
  for (const order of [['off', 'on'], ['on', 'off'], ['off', 'on'], ['on', 'off']]) {
    for (const k of order) rps[k].push(await http(k === 'on'))
  }
  const avg = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length
  const h = avg(rps.off) / avg(rps.on)
  console.log('Express + autocannon (16 connections, 3 s per run, 4 rounds alternating):')
  console.log(`  req/s recording off ${avg(rps.off).toFixed(0)}, on ${avg(rps.on).toFixed(0)} -> time per request ${pct(h, 1)} (target ≤ 5 %)`)
  on.close(); off.close(); onF.close(); offF.close()
  require('fs').rmSync(file, { force: true })
  if (sink === -1) console.log(sink)
}

main().catch((e) => { console.error(e); process.exit(1) })
