'use strict'
// A real Express app over a SecretCache, and a bounded fetch-loop load generator.
//
//   startApp(cache, names, { express }?) -> Promise<{ url, close() }>
//     GET /s/:i  reads names[i] with cache.getSync (cache.get when not cached yet) and
//                answers { fp } (a short SHA-256 of the value: the value itself never
//                leaves the process); 503 { code } when the cache throws.
//   startLoad(url, paths, { concurrency }) -> { stop(): Promise<stats>, stats }
//     keeps `concurrency` keep-alive request loops running until stop(); stats =
//     { sent, ok, failed, failures: {code: n}, seen: [{ t, path, fp }] (fingerprint changes only) }
//   fp(value) -> the fingerprint the app returns for a value.

const crypto = require('crypto')
const http = require('http')

const fp = (v) => crypto.createHash('sha256').update(v).digest('hex').slice(0, 16)

function startApp (cache, names, { express = require('express') } = {}) {
  const app = express()
  app.get('/s/:i', async (req, res) => {
    const name = names[Number(req.params.i)]
    try {
      let v = cache.getSync(name)
      if (v === undefined) v = await cache.get(name)
      res.json({ fp: fp(v) })
    } catch (err) {
      res.status(503).json({ code: err.code || 'ERROR' })
    }
  })
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}`
      resolve({
        url,
        server,
        close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
      })
    })
  })
}

function get (agent, url) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, timeout: 10_000 }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', (e) => resolve({ status: 0, body: String(e.code) }))
    })
    req.on('timeout', () => req.destroy(new Error('client timeout')))
    req.on('error', (e) => resolve({ status: 0, body: e.code || e.message }))
  })
}

function startLoad (url, paths, { concurrency = 8 } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
  const stats = { sent: 0, ok: 0, failed: 0, failures: {}, seen: [], last: {} }
  let running = true
  const loop = async (k) => {
    let i = k
    while (running) {
      const path = paths[i++ % paths.length]
      stats.sent++
      const r = await get(agent, url + path)
      if (r.status === 200) {
        stats.ok++
        const f = JSON.parse(r.body).fp
        if (stats.last[path] !== f) { stats.last[path] = f; stats.seen.push({ t: Date.now(), path, fp: f }) }
      } else {
        stats.failed++
        const code = r.status === 0 ? r.body : `${r.status} ${r.body}`
        stats.failures[code] = (stats.failures[code] || 0) + 1
      }
    }
  }
  const loops = Array.from({ length: concurrency }, (_, k) => loop(k))
  return {
    stats,
    async stop () {
      running = false
      await Promise.all(loops)
      agent.destroy()
      return stats
    },
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

module.exports = { startApp, startLoad, fp, sleep }
