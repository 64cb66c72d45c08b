'use strict'
// A real Express app over a SecretCache, and a bounded fetch-loop load generator.
//
//   startApp(cache, names, { express, webhookKey }?) -> Promise<{ url, close() }>
//     app.use(secretGuard.express({ cache, secrets: { s0: names[0], ... } })) and
//     GET /s/:i  answers { fp } of req.secrets.s<i> (a short SHA-256 of the value: the
//                value itself never leaves the process); the middleware answers 503 when a
//                secret is unavailable. With webhookKey (a secret name such as 'env:X'):
//     POST /hooks/rotated  secretGuard.rotationWebhook({ cache, signingSecret: webhookKey }).
//     Without lib/express.js the same reads are done by hand (cache.getSync / cache.get).
//   startLoad(url, paths, { concurrency }) -> { stop(): Promise<stats>, stats }
//     keeps `concurrency` keep-alive request loops running until stop(); stats =
//     { sent, ok, failed, failures: {code: n}, seen: [{ t, path, fp }] (fingerprint changes only) }
//   fp(value) -> the fingerprint the app returns for a value.

const crypto = require('crypto')
const http = require('http')

const fp = (v) => crypto.createHash('sha256').update(v).digest('hex').slice(0, 16)

function startApp (cache, names, { express = require('express'), webhookKey } = {}) {
  const sg = require('../..')
  const app = express()
  if (typeof sg.express === 'function') {
    // the real middleware (issue 5): req.secrets.<alias> from cache.getSync per request
    if (webhookKey) app.post('/hooks/rotated', sg.rotationWebhook({ cache, signingSecret: webhookKey }))
    const secrets = Object.fromEntries(names.map((n, i) => [`s${i}`, n]))
    app.use(sg.express({ cache, secrets }))
    app.get('/s/:i', (req, res) => { res.json({ fp: fp(req.secrets[`s${req.params.i}`]) }) })
  } else {
    // fallback without the Express module: the same reads by hand
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
  }
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
