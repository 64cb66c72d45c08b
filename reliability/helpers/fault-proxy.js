'use strict'
// A fault-injecting HTTP reverse proxy for the reliability suite. It sits between
// the secret cache (aws.endpoint / vault.address pointed at it) and a real
// moto / OpenBao server on 127.0.0.1, and can be switched at runtime:
//
//   mode('pass')      forward every request (also brings a 'down' proxy back up)
//   mode('down')      close the listener and every open socket: connections are refused
//   mode('drop')      accept, read the request, then destroy the socket (connection reset)
//   mode('500'|'503') answer with that status (AWS-style JSON error body)
//   mode('throttle')  HTTP 400 + x-amzn-errortype: ThrottlingException and
//                     {"__type":"ThrottlingException","message":"Rate exceeded"} (AWS);
//                     for Vault paths (/v1/...) HTTP 429
//   mode('slow', { delayMs })  hold the request delayMs (default 10 s, past the client
//                     timeout), then forward it if the client is still there
//
// Every request that reaches the proxy is logged: { t, method, path, target, secret,
// mode, status } where target is the x-amz-target header (e.g.
// 'secretsmanager.GetSecretValue') or 'vault GET' and secret is the SecretId (AWS JSON
// body) or the Vault path. In-flight requests are counted per secret; maxInFlight()
// is the highest number seen at once for one secret.

const http = require('http')

class FaultProxy {
  constructor (upstream) {
    this.upstream = new URL(upstream)
    this.log = []
    this._mode = 'pass'
    this._opts = {}
    this._inflight = new Map()
    this._max = new Map()
    this._sockets = new Set()
    this._timers = new Set()
    this.server = null
    this.port = 0
  }

  get url () { return `http://127.0.0.1:${this.port}` }

  async start (port = 0) {
    await this._listen(port)
    return this
  }

  _listen (port) {
    return new Promise((resolve, reject) => {
      const server = http.createServer((req, res) => this._handle(req, res))
      server.keepAliveTimeout = 5000
      server.on('connection', (s) => {
        this._sockets.add(s)
        s.on('close', () => this._sockets.delete(s))
      })
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        this.server = server
        this.port = server.address().port
        resolve()
      })
    })
  }

  async _close () {
    const server = this.server
    if (!server) return
    this.server = null
    const closed = new Promise((resolve) => server.close(() => resolve()))
    for (const s of this._sockets) s.destroy()
    this._sockets.clear()
    await closed
  }

  /** Switch behaviour at runtime. Returns a promise (down/up change the listener). */
  async mode (m, opts = {}) {
    const known = ['pass', 'down', 'drop', '500', '503', 'throttle', 'slow']
    if (!known.includes(m)) throw new Error(`unknown proxy mode ${m}`)
    this._opts = opts
    if (m === 'down') {
      this._mode = 'down'
      await this._close()
      return
    }
    if (this.server === null) await this._listen(this.port) // back up on the same port
    this._mode = m
  }

  get currentMode () { return this._mode }

  /** Log entries (optionally only those matching a filter). */
  requests (filter = () => true) { return this.log.filter(filter) }

  /** Gaps in ms between consecutive logged requests matching filter. */
  gaps (filter = () => true) {
    const ts = this.requests(filter).map((r) => r.t)
    const out = []
    for (let i = 1; i < ts.length; i++) out.push(ts[i] - ts[i - 1])
    return out
  }

  /** Highest number of requests in flight at once for one secret (over all secrets, or one). */
  maxInFlight (secret) {
    if (secret !== undefined) return this._max.get(secret) || 0
    let m = 0
    for (const v of this._max.values()) m = Math.max(m, v)
    return m
  }

  resetLog () { this.log = []; this._max.clear() }

  async stop () {
    for (const t of this._timers) clearTimeout(t)
    this._timers.clear()
    await this._close()
  }

  _handle (req, res) {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const target = req.headers['x-amz-target'] || (req.url.startsWith('/v1/') ? `vault ${req.method}` : `${req.method} ${req.url}`)
      let secret = ''
      if (req.headers['x-amz-target']) {
        try { secret = JSON.parse(body.toString('utf8')).SecretId || '' } catch {}
      } else if (req.url.startsWith('/v1/')) {
        secret = req.url.split('?')[0].replace(/^\/v1\/[^/]+\/(data|metadata)\//, '')
      }
      const entry = { t: Date.now(), method: req.method, path: req.url, target, secret, mode: this._mode, status: 0 }
      this.log.push(entry)
      const n = (this._inflight.get(secret) || 0) + 1
      this._inflight.set(secret, n)
      if (n > (this._max.get(secret) || 0)) this._max.set(secret, n)
      let done = false
      const finish = () => {
        if (done) return
        done = true
        this._inflight.set(secret, this._inflight.get(secret) - 1)
      }
      res.on('close', finish)
      const isVault = req.url.startsWith('/v1/')
      const mode = this._mode
      if (mode === 'drop') {
        entry.status = -1
        req.socket.destroy()
        finish()
        return
      }
      if (mode === '500' || mode === '503') {
        entry.status = Number(mode)
        const b = isVault ? JSON.stringify({ errors: ['injected fault'] }) : JSON.stringify({ __type: 'InternalServiceError', message: 'injected fault' })
        res.writeHead(Number(mode), { 'content-type': isVault ? 'application/json' : 'application/x-amz-json-1.1', 'x-amzn-errortype': 'InternalServiceError' })
        res.end(b)
        return
      }
      if (mode === 'throttle') {
        if (isVault) {
          entry.status = 429
          res.writeHead(429, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ errors: ['rate limit quota exceeded'] }))
        } else {
          entry.status = 400
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ThrottlingException', 'x-amzn-requestid': 'fault-proxy' })
          res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }))
        }
        return
      }
      if (mode === 'slow') {
        const t = setTimeout(() => {
          this._timers.delete(t)
          if (req.socket.destroyed) { entry.status = -2; finish(); return }
          this._forward(req, res, body, entry)
        }, this._opts.delayMs ?? 10_000)
        this._timers.add(t)
        req.socket.once('close', () => { if (entry.status === 0) entry.status = -2 })
        return
      }
      this._forward(req, res, body, entry)
    })
  }

  _forward (req, res, body, entry) {
    const headers = { ...req.headers, host: this.upstream.host }
    const up = http.request({
      host: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers,
    }, (ur) => {
      entry.status = ur.statusCode
      res.writeHead(ur.statusCode, ur.headers)
      ur.pipe(res)
    })
    up.on('error', () => {
      entry.status = 502
      if (!res.headersSent) { res.writeHead(502); res.end() } else res.destroy()
    })
    up.end(body)
  }
}

module.exports = { FaultProxy }
