'use strict'
// Child for concurrency.test.js: a cache with background refresh running (file:
// and aws: via moto), then either close() or nothing; the process must exit on its own.
const sg = require('../..')
async function main () {
  const [mode, dir, moto, secretId] = process.argv.slice(2)
  const cache = new sg.SecretCache({ files: { dir }, aws: { endpoint: moto, region: 'us-east-1' }, refreshInterval: 50, backoffBase: 50 })
  cache.on('rotate', () => {})
  cache.on('error', () => {})
  await cache.ready(['file:a', `aws:${secretId}`])
  // let a few background refreshes run
  await new Promise((resolve) => setTimeout(resolve, 400))
  const s = cache.stats()
  console.log(JSON.stringify({ refreshes: s.refreshes, upstreamCalls: s.upstreamCalls }))
  if (mode === 'close') cache.close()
}
main().catch((e) => { console.error(e.code, e.message); process.exit(1) })
