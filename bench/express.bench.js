'use strict'
// Requests/s of a hello-world Express 5 route (autocannon over loopback):
//   bare Express  vs  + secretGuard.express() with 3 cached secrets
//                 vs  + secretGuard.requireApiKey()  vs  + both.
// Each variant runs in its own child process (the load generator stays in this
// one); variants are interleaved over ROUNDS rounds and the best round counts,
// which damps noise from other work on the machine. Target: >= 97 % of bare.
//
// Env: SG_BENCH_SECONDS (per measured run, default 2), SG_BENCH_ROUNDS (default 3).
const { spawn } = require('child_process')
const path = require('path')

const VARIANTS = {
  bare: 'bare Express',
  noop: '+ one no-op middleware',
  noop2: '+ two no-op middlewares',
  secrets: '+ express() (3 cached secrets)',
  apikey: '+ requireApiKey()',
  both: '+ requireApiKey() + express()',
}
// Each secret-guard variant against the same number of no-op middlewares: what
// Express itself charges for running any middleware layer (tens of µs of CPU
// per request on this machine) is not secret-guard's cost.
const SAME_SHAPE = { secrets: 'noop', apikey: 'noop', both: 'noop2' }
const API_KEY = 'sgk_test_FAKE_bench_client_key_0001'

// Three secrets and a client-key set as mounted files (file: provider), the way
// Docker/Kubernetes deliver them; the directory is removed on exit.
function benchCache (sg) {
  const fs = require('fs')
  const os = require('os')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-bench-express-'))
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
  fs.writeFileSync(path.join(dir, 'stripe'), 'sk_test_FAKE_bench_stripe_000000')
  fs.writeFileSync(path.join(dir, 'db'), 'FAKE_bench_db_password_000000')
  fs.writeFileSync(path.join(dir, 'mail'), 'mt_test_FAKE_bench_mailer_00000')
  fs.writeFileSync(path.join(dir, 'keys'), JSON.stringify({ 'bench-client': API_KEY, other: 'sgk_test_FAKE_other_client_0002' }))
  const cache = new sg.SecretCache({ files: { dir } })
  return { cache, dir, secrets: { stripe: 'file:stripe', db: 'file:db', mail: 'file:mail' }, keysName: 'file:keys' }
}

// ------------------------------------------------------------ server child
if (process.argv[2] === '--serve') {
  const variant = process.argv[3]
  const express = require('express')
  const sg = require('..')
  const { cache, secrets, keysName } = benchCache(sg)
  const app = express()
  app.disable('etag')
  const noop = (req, res, next) => next()
  if (variant === 'noop' || variant === 'noop2') app.use(noop)
  if (variant === 'noop2') app.use(noop)
  if (variant === 'apikey' || variant === 'both') app.use(sg.requireApiKey({ cache, name: keysName }))
  if (variant === 'secrets' || variant === 'both') app.use(sg.express({ cache, secrets }))
  app.get('/', (req, res) => res.send('hello'))
  cache.ready([...Object.values(secrets), keysName]).then(() => {
    const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
  })
  // CPU time of this server process, asked for around each measured run.
  process.on('message', (m) => { if (m === 'cpu') { const u = process.cpuUsage(); process.send({ cpu: u.user + u.system }) } })
  process.on('disconnect', () => process.exit(0))
  return
}

// ------------------------------------------------------------ load generator
const autocannon = require('autocannon')
const SECONDS = Number(process.env.SG_BENCH_SECONDS || 2)
const ROUNDS = Number(process.env.SG_BENCH_ROUNDS || 3)

function startServer (variant) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [__filename, '--serve', variant], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    child.once('message', (m) => resolve({ child, url: `http://127.0.0.1:${m.port}/` }))
    child.once('exit', (code) => reject(new Error(`bench server ${variant} exited with ${code}`)))
  })
}

function run (url, variant, duration) {
  const headers = variant === 'apikey' || variant === 'both' ? { 'x-api-key': API_KEY } : {}
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: 32, duration, headers }, (err, res) => {
      if (err) return reject(err)
      if (res.non2xx || res.errors) return reject(new Error(`${variant}: ${res.non2xx} non-2xx, ${res.errors} errors`))
      resolve({ rps: res.requests.average, total: res.requests.total })
    })
  })
}

function serverCpu (child) {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m.cpu))
    child.send('cpu')
  })
}

async function main () {
  console.log(`method: autocannon, 32 connections, ${SECONDS}s per run after a 1s warm-up, ${ROUNDS} interleaved rounds (order rotated), best round per variant;`)
  console.log('        each server in its own process (Express 5, hello-world GET /), 3 secrets + a 2-client key set as file: secrets')
  console.log('        through the real SecretCache. Reported: requests/s, and the server process\'s CPU time per request')
  console.log('        (process.cpuUsage() around the run / requests served) — the CPU figure is far less sensitive to other load.')
  const best = {}
  const cpu = {}
  const names = Object.keys(VARIANTS)
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order each round so no variant always runs first or last.
    for (const v of names.slice(r % names.length).concat(names.slice(0, r % names.length))) {
      const { child, url } = await startServer(v)
      try {
        await run(url, v, 1)
        const c0 = await serverCpu(child)
        const res = await run(url, v, SECONDS)
        const c1 = await serverCpu(child)
        best[v] = Math.max(best[v] || 0, res.rps)
        const perReq = (c1 - c0) / res.total // µs of server CPU per request
        cpu[v] = Math.min(cpu[v] === undefined ? Infinity : cpu[v], perReq)
      } finally {
        child.disconnect()
        child.kill()
      }
    }
  }
  const cost = await middlewareCost()
  const perReqNs = cpu.bare * 1000 // CPU ns per bare request
  console.log('')
  console.log('variant                              req/s  vs bare | server CPU/req  vs bare  vs no-op | middleware ns/call  projected')
  for (const [v, label] of Object.entries(VARIANTS)) {
    const ratio = best[v] / best.bare
    const cpuRatio = cpu.bare / cpu[v]
    const same = SAME_SHAPE[v] ? `${(cpu[SAME_SHAPE[v]] / cpu[v] * 100).toFixed(1).padStart(6)} %` : '       —'
    const ns = cost[v] || 0
    const proj = 1 / (1 + ns / perReqNs)
    console.log(`${label.padEnd(34)} ${best[v].toFixed(0).padStart(7)} ${(ratio * 100).toFixed(1).padStart(6)} % | ` +
      `${cpu[v].toFixed(1).padStart(9)} µs ${(cpuRatio * 100).toFixed(1).padStart(6)} % ${same} | ${ns.toFixed(0).padStart(10)}       ${(proj * 100).toFixed(1).padStart(6)} %`)
  }
  const g = cost.getSync
  console.log('')
  console.log(`cache.getSync() of a cached file: secret: ${g.toFixed(0)} ns/call (this addon build)`)
  console.log(`secret-guard's own JS work per request (same middlewares over a Map-backed source, no addon): ` +
    `express() ${cost.secretsJs.toFixed(0)} ns, requireApiKey() ${cost.apikeyJs.toFixed(0)} ns`)
  console.log('"vs bare" (req/s) is end to end and swings with other load on the machine; "server CPU/req vs bare" = bare CPU per')
  console.log('request / variant CPU per request (the throughput ratio when the server is CPU-bound); "projected" = 1 / (1 + middleware')
  console.log('ns / bare CPU ns per request), with the middleware cost measured in-process (direct calls with a stub req/res,')
  console.log('real SecretCache, median of 5 x 10k calls, minus the cost of creating the stub).')
}

// In-process cost of the middleware itself: call it directly many times.
async function middlewareCost () {
  const sg = require('..')
  const { cache, secrets, keysName } = benchCache(sg)
  await cache.ready([...Object.values(secrets), keysName])
  const sec = sg.express({ cache, secrets })
  const key = sg.requireApiKey({ cache, name: keysName })
  await new Promise((resolve) => setTimeout(resolve, 10))
  const res = { headersSent: false, setHeader () {}, end () { throw new Error('rejected') } }
  const mk = () => ({ method: 'GET', url: '/', headers: { 'x-api-key': API_KEY, host: 'x' } })
  let calls = 0
  const next = (err) => { if (err) throw err; calls++ }
  const fns = {
    bare: (req) => next(),
    secrets: (req) => sec(req, res, next),
    apikey: (req) => key(req, res, next),
    both: (req) => key(req, res, () => sec(req, res, next)),
  }
  const N = 10_000
  const out = {}
  const baseline = []
  // Median over 5 repetitions of N calls, in ns per call. A fresh req per call,
  // as in a server (the baseline 'bare' includes creating it).
  const medianNs = (fn, make = mk) => {
    const samples = []
    for (let rep = 0; rep < 5; rep++) {
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < N; i++) fn(make())
      samples.push(Number(process.hrtime.bigint() - t0) / N)
    }
    samples.sort((a, b) => a - b)
    return samples[2]
  }
  for (const [v, fn] of Object.entries(fns)) {
    out[v] = medianNs(fn)
    if (v === 'bare') baseline.push(out[v])
  }
  for (const v of Object.keys(out)) out[v] = Math.max(0, out[v] - baseline[0])
  // The cache read itself (depends on how the addon was built: debug builds are ~10-50x slower).
  out.getSync = medianNs(() => cache.getSync('file:stripe'), () => undefined)
  // secret-guard's own JS work, independent of the addon build: the same
  // middlewares over a Map-backed source (labelled as such in the output).
  const m = new Map([...Object.values(secrets), keysName].map((k) => [k, cache.getSync(k)]))
  const mapSource = { getSync: (k) => m.get(k), get: async (k) => m.get(k) }
  const secJs = sg.express({ cache: mapSource, secrets })
  const keyJs = sg.requireApiKey({ cache: mapSource, name: keysName })
  await new Promise((resolve) => setTimeout(resolve, 10))
  for (const [v, fn] of [['secretsJs', (req) => secJs(req, res, next)], ['apikeyJs', (req) => keyJs(req, res, next)], ['bareJs', (req) => next()]]) {
    out[v] = medianNs(fn)
  }
  out.secretsJs = Math.max(0, out.secretsJs - out.bareJs)
  out.apikeyJs = Math.max(0, out.apikeyJs - out.bareJs)
  keyJs.close()
  if (calls !== N * 5 * 7) throw new Error('middleware did not call next() every time')
  key.close()
  cache.close()
  return out
}

main().catch((err) => { console.error(err); process.exit(1) })
