'use strict'
// Concurrency: the addon from several worker_threads and the main thread at once
// (one cache per thread, shared-nothing check, parse/mask loops), no crash, no
// deadlock (bounded), and processes that exit cleanly with background refresh
// running — after cache.close() and without it.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('crypto')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { Worker } = require('worker_threads')
const { spawn } = require('child_process')
const { SecretsManagerClient, CreateSecretCommand } = require('@aws-sdk/client-secrets-manager')
const { startMoto } = require('../__test__/helpers/servers')
const sg = require('..')

const THREADS = 4
const ITER = Number(process.env.RELIABILITY_THREAD_ITER || 10000)
let dir, moto

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-conc-'))
  moto = await startMoto()
})
after(async () => {
  if (moto) await moto.stop()
  fs.rmSync(dir, { recursive: true, force: true })
})

const bounded = (p, ms, what) => Promise.race([p, new Promise((resolve, reject) => setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms (deadlock?)`)), ms).unref())])

test(`${THREADS} worker_threads + main thread use the addon at once: correct results, shared-nothing caches, no deadlock`, { timeout: 180_000 }, async (t) => {
  const names = Array.from({ length: THREADS + 1 }, (_, i) => `t${i}`)
  const values = names.map((n) => `sk_test_FAKE_${n}_${crypto.randomBytes(8).toString('hex')}`)
  names.forEach((n, i) => fs.writeFileSync(path.join(dir, n), values[i]))
  const envText = 'A=1\nB="two words"\nexport C=\'x\'\nD=${A}\n# comment\n'
  const t0 = Date.now()
  const workers = names.slice(0, THREADS).map((_, id) => new Worker(path.join(__dirname, 'helpers', 'thread-worker.js'), {
    workerData: { id, dir, names, iterations: ITER, envText, close: id % 2 === 0 },
  }))
  const results = workers.map((w) => new Promise((resolve, reject) => {
    w.once('message', resolve)
    w.once('error', reject)
    w.once('exit', (code) => { if (code !== 0) reject(new Error(`worker exited ${code}`)) })
  }))
  // main thread at the same time
  const main = (async () => {
    const id = THREADS
    const cache = new sg.SecretCache({ files: { dir }, refreshInterval: 50 })
    const v = await cache.get(`file:${names[id]}`)
    let ok = 0
    for (let i = 0; i < ITER; i++) {
      if (sg.parse(envText).B === 'two words' && sg.mask(`m ${v}`) === 'm [REDACTED]' && cache.getSync(`file:${names[id]}`) === v) ok++
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    const others = names.slice(0, THREADS).map((n) => cache.getSync(`file:${n}`)).filter((x) => x !== undefined).length
    cache.close()
    return { ok, others }
  })()
  const [rs, m] = await bounded(Promise.all([Promise.all(results), main]), 150_000, 'threads')
  await Promise.all(workers.map((w) => w.terminate()))
  t.diagnostic(`threads: ${THREADS} workers + main, ${ITER} iterations each (parse + 2 masks + getSync), ${Date.now() - t0} ms; results ${JSON.stringify(rs)}; main ${JSON.stringify(m)}`)
  for (const r of rs) {
    assert.equal(r.error, undefined, r.error)
    assert.equal(r.parsed, ITER)
    assert.equal(r.masked, 2 * ITER)
    assert.equal(r.reads, ITER)
    assert.equal(r.othersVisible, 0, 'a value loaded in one thread\'s cache is not visible in another\'s')
    assert.equal(r.entries, 1)
  }
  assert.equal(m.ok, ITER)
  assert.equal(m.others, 0)
})

test('workers terminated while their cache refreshes in the background: no crash', { timeout: 60_000 }, async () => {
  fs.writeFileSync(path.join(dir, 'term'), 'sk_test_FAKE_term_0123456789')
  const code = `
    const { parentPort } = require('worker_threads')
    const sg = require(${JSON.stringify(path.join(__dirname, '..'))})
    const c = new sg.SecretCache({ files: { dir: ${JSON.stringify(dir)} }, refreshInterval: 10 })
    c.on('rotate', () => {})
    c.get('file:term').then(() => parentPort.postMessage('ready'))
    setInterval(() => sg.mask('x sk_test_FAKE_term_0123456789 y'), 1)`
  for (let i = 0; i < 4; i++) {
    const w = new Worker(code, { eval: true })
    await bounded(new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject) }), 20_000, 'worker ready')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const exit = await bounded(w.terminate(), 20_000, 'terminate')
    assert.equal(exit, 1) // terminate() resolves with exit code 1
  }
})

for (const mode of ['close', 'no-close']) {
  test(`child process with background refresh running exits on its own (${mode === 'close' ? 'after cache.close()' : 'without close()'})`, { timeout: 60_000 }, async (t) => {
    fs.writeFileSync(path.join(dir, 'a'), 'sk_test_FAKE_exit_0123456789')
    const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: 'us-east-1' })
    const id = `rel/exit-${mode}-${crypto.randomBytes(4).toString('hex')}`
    await sm.send(new CreateSecretCommand({ Name: id, SecretString: 'sk_test_FAKE_exit_aws' }))
    sm.destroy()
    const t0 = Date.now()
    const child = spawn(process.execPath, [path.join(__dirname, 'helpers', 'exit-child.js'), mode, dir, moto.endpoint, id], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''; let err = ''
    child.stdout.on('data', (d) => { out += d })
    child.stderr.on('data', (d) => { err += d })
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])))
    clearTimeout(timer)
    t.diagnostic(`${mode}: exit code ${code} signal ${signal} after ${Date.now() - t0} ms; ${out.trim()}`)
    assert.equal(signal, null, 'the child exited by itself (not killed after 30 s)')
    assert.equal(code, 0, err)
    assert.ok(JSON.parse(out).refreshes > 0, 'background refreshes ran before exit')
  })
}
