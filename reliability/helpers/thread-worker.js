'use strict'
// worker_threads body for concurrency.test.js: its own SecretCache over the shared
// files dir, parse + mask loops, and a shared-nothing check.
const { parentPort, workerData } = require('worker_threads')
const sg = require('../..')

async function main () {
  const { id, dir, names, iterations, envText } = workerData
  const cache = new sg.SecretCache({ files: { dir }, refreshInterval: 50 })
  const mine = `file:${names[id]}`
  const value = await cache.get(mine)
  const masker = sg.createMasker()
  masker.add(value)
  let masked = 0; let parsed = 0; let reads = 0
  for (let i = 0; i < iterations; i++) {
    const p = sg.parse(envText + `\nITER=${i}\n`)
    if (p.ITER === String(i)) parsed++
    if (masker.mask(`w${id} ${value} ${i}`) === `w${id} [REDACTED] ${i}`) masked++
    if (sg.mask(`default ${value}`) === 'default [REDACTED]') masked++ // the default masker is process-wide (learned from the cache)
    if (cache.getSync(mine) === value) reads++
    if (i % 100 === 0) {
      if (await cache.get(mine) !== value) throw new Error('wrong value')
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  // shared-nothing: the other threads' secrets are not in this thread's cache
  const others = names.filter((_, j) => j !== id).map((n) => cache.getSync(`file:${n}`))
  const stats = cache.stats()
  if (workerData.close) cache.close()
  parentPort.postMessage({ id, parsed, masked, reads, othersVisible: others.filter((v) => v !== undefined).length, entries: stats.entries })
}
main().catch((e) => { parentPort.postMessage({ error: `${e.code} ${e.message}` }) })
