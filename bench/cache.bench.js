'use strict'
// Secret cache benchmarks (issue 3), all against one local moto server:
//  1. cached read from JS: getSync / await get vs Powertools getSecret (cached) vs a JS Map;
//  2. upstream requests when 1000 concurrent gets hit one expired (and one cold) secret,
//     counted with moto's request recorder, vs Powertools;
//  3. time to first secret in a fresh process vs @aws-sdk/client-secrets-manager.
// Method: tinybench, each task iteration does a batch of BATCH reads (amortises timer
// overhead); per-read time = mean iteration time / BATCH. Ratios are of per-read means.
// The native addon is the debug or release build that is present (say which when quoting).

const assert = require('assert')
const { Bench } = require('tinybench')
const { spawn } = require('child_process')
const path = require('path')
const { startMoto, motoRecorder } = require('../__test__/helpers/servers')

const BATCH = 1000
const ROOT = path.join(__dirname, '..')

function fmt (ns) {
  return ns < 1000 ? `${ns.toFixed(1)} ns` : ns < 1e6 ? `${(ns / 1000).toFixed(2)} µs` : `${(ns / 1e6).toFixed(2)} ms`
}
const ratio = (a, b) => (a / b).toFixed(1) + 'x'

async function timeChild (code, env) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint()
    const c = spawn(process.execPath, ['-e', code], { env, stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT })
    let out = ''
    c.stdout.on('data', (d) => { out += d })
    c.on('exit', (status) => {
      const wall = Number(process.hrtime.bigint() - t0) / 1e6
      if (status !== 0) return reject(new Error('child failed: ' + out))
      resolve({ wall, inProcess: Number(out.trim()) })
    })
  })
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }

async function main () {
  const moto = await startMoto()
  process.env.AWS_ENDPOINT_URL = moto.endpoint // Powertools' default client honours it
  process.env.AWS_SDK_JS_SUPPRESS_DEPRECATION_WARNINGS = '1'
  process.removeAllListeners('warning')
  try {
    const SM = require('@aws-sdk/client-secrets-manager')
    const sm = new SM.SecretsManagerClient({ endpoint: moto.endpoint, region: 'us-east-1' })
    const value = JSON.stringify({ apiKey: 'sk_test_FAKE_bench_0123456789abcdef' })
    await sm.send(new SM.CreateSecretCommand({ Name: 'bench/payments', SecretString: value }))
    const { SecretCache } = require('..')
    const { getSecret } = require('@aws-lambda-powertools/parameters/secrets')

    // ---------------------------------------------------------------- 1. cached reads
    const cache = new SecretCache({ aws: { endpoint: moto.endpoint } })
    await cache.get('aws:bench/payments')
    await getSecret('bench/payments', { maxAge: 3600 })
    const map = new Map([['aws:bench/payments', value]])
    // the same output on every side before timing
    assert.equal(cache.getSync('aws:bench/payments'), value)
    assert.equal(await cache.get('aws:bench/payments'), value)
    assert.equal(cache.getSync('aws:bench/payments#apiKey'), JSON.parse(value).apiKey)
    assert.equal(await getSecret('bench/payments', { maxAge: 3600 }), value)
    assert.equal(map.get('aws:bench/payments'), value)
    let sink = 0
    const bench = new Bench({ time: 1500, warmupTime: 300 })
    bench
      .add('JS Map.get', () => { for (let i = 0; i < BATCH; i++) sink += map.get('aws:bench/payments').length })
      .add('cache.getSync', () => { for (let i = 0; i < BATCH; i++) sink += cache.getSync('aws:bench/payments').length })
      .add('cache.getSync #field', () => { for (let i = 0; i < BATCH; i++) sink += cache.getSync('aws:bench/payments#apiKey').length })
      .add('await cache.get', async () => { for (let i = 0; i < BATCH; i++) sink += (await cache.get('aws:bench/payments')).length })
      .add('await Powertools getSecret (cached)', async () => { for (let i = 0; i < BATCH; i++) sink += (await getSecret('bench/payments', { maxAge: 3600 })).length })
    await bench.run()
    const per = {}
    for (const t of bench.tasks) per[t.name] = (t.result.latency.mean * 1e6) / BATCH
    console.log('\nCached read (per read, mean):')
    console.table(bench.tasks.map((t) => ({ task: t.name, 'per read': fmt(per[t.name]), 'reads/s': Math.round(1e9 / per[t.name]).toLocaleString() })))
    const pt = per['await Powertools getSecret (cached)']
    console.log(`getSync is ${ratio(pt, per['cache.getSync'])} faster than Powertools' cached getSecret (target >= 10x)`)
    console.log(`await get is ${ratio(pt, per['await cache.get'])} faster than Powertools' cached getSecret`)
    console.log(`getSync costs ${ratio(per['cache.getSync'], per['JS Map.get'])} a JS Map lookup (target <= 3x)`)
    cache.close()

    // -------------------------------------------- 2. 1000 concurrent gets, one expired secret
    const rec = motoRecorder(moto.endpoint)
    const c2 = new SecretCache({ aws: { endpoint: moto.endpoint }, refreshInterval: 200, jitter: 0 })
    await rec.start()
    await Promise.all(Array.from({ length: 1000 }, () => c2.get('aws:bench/payments'))) // cold
    const cold = (await rec.requests()).length
    c2.close()
    // Expired: the entry passes its refresh time; 1000 gets arrive right then. Requests are
    // counted over the whole window (expiry + burst + settling), and once more for the
    // same window with no gets at all: the background refresh makes that request anyway,
    // so what this shows is that readers add none (and wait for none), not a load they share.
    await sm.send(new SM.CreateSecretCommand({ Name: 'bench/expiry', SecretString: value }))
    const expiryWindow = async (gets) => {
      const c3 = new SecretCache({ aws: { endpoint: moto.endpoint }, refreshInterval: 200, jitter: 0 })
      await c3.get('aws:bench/expiry')
      await rec.start()
      await new Promise((resolve) => setTimeout(resolve, 200))
      const got = await Promise.all(Array.from({ length: gets }, () => c3.get('aws:bench/expiry')))
      assert.ok(got.every((v) => v === value))
      await new Promise((resolve) => setTimeout(resolve, 100))
      while (c3.stats().inflight > 0) await new Promise((resolve) => setTimeout(resolve, 5))
      const reqs = await rec.requests()
      c3.close()
      return reqs
    }
    const expired = await expiryWindow(1000)
    const expiredNoReads = await expiryWindow(0)
    await getSecret('bench/expiry', { maxAge: 1 })
    await new Promise((resolve) => setTimeout(resolve, 1100))
    await rec.start()
    await Promise.all(Array.from({ length: 1000 }, () => getSecret('bench/expiry', { maxAge: 1 })))
    const ptReqs = (await rec.requests()).length
    await sm.send(new SM.CreateSecretCommand({ Name: 'bench/cold-pt', SecretString: value }))
    await rec.start()
    await Promise.all(Array.from({ length: 1000 }, () => getSecret('bench/cold-pt', { maxAge: 60 })))
    const ptCold = (await rec.requests()).length
    console.log('\nUpstream requests for 1000 concurrent gets (moto request log):')
    console.table([
      { case: 'cold secret (first load)', 'secret-guard': cold, Powertools: ptCold },
      { case: 'expired secret', 'secret-guard': `${expired.length} (${expired.map((x) => x.split('.')[1]).join(', ')}; callers served the cached value; with no gets: ${expiredNoReads.length})`, Powertools: ptReqs },
    ])

    // ----------------------------------------------------- 3. time to first secret (fresh process)
    const env = { ...process.env, NODE_NO_WARNINGS: '1' }
    const ours = `const t0 = performance.now(); const { SecretCache } = require('./'); const c = new SecretCache();
      c.get('aws:bench/payments').then((v) => { process.stdout.write(String(performance.now() - t0)); c.close() })`
    const sdk = `const t0 = performance.now(); const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
      new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: 'bench/payments' })).then((r) => { process.stdout.write(String(performance.now() - t0)) })`
    const a = []; const b = []
    for (let i = 0; i < 7; i++) { a.push(await timeChild(ours, env)); b.push(await timeChild(sdk, env)) }
    const ai = median(a.map((x) => x.inProcess)); const bi = median(b.map((x) => x.inProcess))
    const aw = median(a.map((x) => x.wall)); const bw = median(b.map((x) => x.wall))
    console.log('\nTime to first secret in a fresh process (median of 7; require + client + first GetSecretValue):')
    console.table([
      { client: 'secret-guard SecretCache', 'in-process ms': ai.toFixed(1), 'process wall ms': aw.toFixed(1) },
      { client: '@aws-sdk/client-secrets-manager', 'in-process ms': bi.toFixed(1), 'process wall ms': bw.toFixed(1) },
    ])
    console.log(`secret-guard needs ${(ai / bi).toFixed(2)}x the SDK's time to first secret (target <= 0.5x); whole process ${(aw / bw).toFixed(2)}x`)
    if (sink === -1) console.log(sink)
  } finally {
    await moto.stop()
  }
}

main().catch((e) => { console.error(e); process.exit(1) })
