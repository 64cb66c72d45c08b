'use strict'
// A real Express app for the monitoring tests. Its tiny API-key middleware does
// what secretGuard.requireApiKey will do with the recording API: compare the
// presented key with the keys held in the cache (a JSON secret { client: key })
// and report each check with cache.recordClientUse(); each route reports the
// secrets it reads with cache.recordSecretUse(). (No express internals used.)
const crypto = require('crypto')
const express = require('express')
const { fingerprint } = require('../..')

function apiKeyCheck (cache, name) {
  return (req, res, next) => {
    const presented = req.get('x-api-key')
    const keys = JSON.parse(cache.getSync(name))
    let client = null
    for (const c of Object.keys(keys)) {
      const a = crypto.createHash('sha256').update(keys[c]).digest()
      const b = crypto.createHash('sha256').update(presented || '').digest()
      if (crypto.timingSafeEqual(a, b)) client = c
    }
    const route = req.route ? req.route.path : (req.baseUrl + (req.path || '')) || 'unknown'
    const base = { route, source: req.ip, requestId: req.get('x-request-id') }
    if (client === null) {
      cache.recordClientUse({ ...base, outcome: 'rejected', reason: presented ? 'invalid' : 'missing', fingerprint: presented ? fingerprint(presented) : undefined })
      return res.status(401).json({ error: 'API_KEY_INVALID' })
    }
    cache.recordClientUse({ ...base, client, outcome: 'accepted' })
    req.apiClient = client
    next()
  }
}

/** Start the app: GET /orders/:id and GET /reports read `secretName`; keys in `keysName`. */
async function startApp (cache, { keysName, secretName, extra } = {}) {
  const app = express()
  app.set('trust proxy', false)
  const check = apiKeyCheck(cache, keysName)
  const use = (req, res) => {
    const v = cache.getSync(secretName)
    cache.recordSecretUse({ name: secretName, route: req.route.path, client: req.apiClient, requestId: req.get('x-request-id') })
    res.json({ ok: typeof v === 'string', client: req.apiClient })
  }
  app.get('/orders/:id', check, use)
  app.get('/reports', check, use)
  app.get('/admin/export', check, use)
  if (extra) extra(app)
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  const url = `http://127.0.0.1:${server.address().port}`
  return {
    url,
    app,
    get: (p, key, headers = {}) => fetch(url + p, { headers: { ...(key ? { 'x-api-key': key } : {}), ...headers } }),
    close: () => new Promise((resolve) => { server.closeAllConnections && server.closeAllConnections(); server.close(() => resolve()) }),
  }
}

module.exports = { startApp, apiKeyCheck }
