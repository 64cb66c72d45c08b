'use strict'
// Memory soak body (run with --expose-gc by memory-soak.test.js): PASSES passes of
// getSync (JS memo path and native path) + mask() + a request-handler-shaped call,
// sampling process.memoryUsage() after a forced GC. Prints one JSON line.
const fs = require('fs')
const os = require('os')
const path = require('path')
const sg = require('../..')

async function main () {
  const PASSES = Number(process.env.SOAK_PASSES || 1_000_000)
  const EVERY = Math.max(1, Math.floor(PASSES / 20))
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-soak-'))
  const value = `sk_test_FAKE_soak_${require('crypto').randomBytes(8).toString('hex')}`
  fs.writeFileSync(path.join(dir, 'k'), value)
  const memo = new sg.SecretCache({ files: { dir }, refreshInterval: 200 })
  const raw = new sg.SecretCache({ files: { dir }, refreshInterval: 200, memo: false })
  await memo.get('file:k'); await raw.get('file:k')
  // the Express middleware (secretGuard.express, when present) run on a fresh request
  // object per pass, then a masked log line; without lib/express.js a hand-written
  // handler of the same shape
  const mw = typeof sg.express === 'function' ? sg.express({ cache: memo, secrets: { key: 'file:k' } }) : null
  let line = null
  const next = (err) => { if (err) throw err }
  const handler = () => {
    const r = { headers: { authorization: `Bearer ${value}` } }
    if (mw) {
      mw(r, {}, next)
      if (r.secrets.key !== value) return 'bad'
    } else if (memo.getSync('file:k') !== value) return 'bad'
    line = sg.mask(`GET /pay auth=${r.headers.authorization} ok`)
    return line
  }
  const samples = []
  const sample = (i) => {
    global.gc()
    const m = process.memoryUsage()
    samples.push({ i, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers })
  }
  const t0 = Date.now()
  let bad = 0
  for (let i = 0; i < PASSES; i++) {
    if (i % EVERY === 0) { sample(i); await new Promise((resolve) => setImmediate(resolve)) }
    if (memo.getSync('file:k') !== value) bad++
    if ((i & 7) === 0 && raw.getSync('file:k') !== value) bad++ // native path (1 in 8: ~10 µs each in a debug build)
    if (handler() !== 'GET /pay auth=Bearer [REDACTED] ok') bad++
  }
  sample(PASSES)
  const stats = memo.stats()
  memo.close(); raw.close()
  fs.rmSync(dir, { recursive: true, force: true })
  console.log(JSON.stringify({ middleware: !!mw, passes: PASSES, ms: Date.now() - t0, bad, samples, stats }))
}
main().catch((e) => { console.error(e); process.exit(1) })
