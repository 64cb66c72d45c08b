'use strict'
// Memory soak: 1,000,000 passes (SOAK_PASSES) of getSync + mask + a middleware-shaped
// handler in a fresh process; process.memoryUsage() sampled after forced GCs. The
// growth after warm-up (first 20 % of passes) must stay under a generous bound.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const { spawn } = require('child_process')

const MB = 1024 * 1024

test('memory soak: 1,000,000 getSync + mask + handler passes, bounded growth after warm-up', { timeout: 420_000 }, async (t) => {
  const child = spawn(process.execPath, ['--expose-gc', path.join(__dirname, 'helpers', 'soak-child.js')], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''; let err = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { err += d })
  const code = await new Promise((resolve) => child.on('exit', resolve))
  assert.equal(code, 0, err)
  const r = JSON.parse(out.trim().split('\n').pop())
  const warm = r.samples.find((s) => s.i >= r.passes * 0.2)
  const last = r.samples[r.samples.length - 1]
  const peak = Math.max(...r.samples.filter((s) => s.i >= warm.i).map((s) => s.rss))
  const f = (b) => (b / MB).toFixed(1) + ' MB'
  t.diagnostic(`soak: ${r.passes} passes (getSync + native getSync every 8th + ${r.middleware ? 'secretGuard.express() middleware' : 'hand-written handler'} + mask) in ${r.ms} ms (${(r.ms * 1e6 / r.passes / 1e3).toFixed(2)} µs/pass); wrong results ${r.bad}`)
  t.diagnostic(`soak: rss ${f(r.samples[0].rss)} start, ${f(warm.rss)} after warm-up, ${f(last.rss)} end (growth after warm-up ${f(last.rss - warm.rss)}, peak ${f(peak)}); ` +
    `heapUsed ${f(warm.heapUsed)} -> ${f(last.heapUsed)}; external ${f(warm.external)} -> ${f(last.external)}`)
  t.diagnostic(`soak: rss samples (MB) ${r.samples.map((s) => (s.rss / MB).toFixed(0)).join(' ')}`)
  assert.equal(r.bad, 0)
  // generous bounds: a per-pass leak of even 64 bytes would be ~50 MB over 800k passes
  assert.ok(last.rss - warm.rss < 48 * MB, `rss grew ${f(last.rss - warm.rss)} after warm-up`)
  assert.ok(last.heapUsed - warm.heapUsed < 16 * MB, `heapUsed grew ${f(last.heapUsed - warm.heapUsed)}`)
  assert.ok(last.external - warm.external < 16 * MB, `external grew ${f(last.external - warm.external)}`)
})
