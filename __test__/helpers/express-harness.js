'use strict'
// Shared helpers for the Express integration tests: both Express majors, a real
// HTTP server on 127.0.0.1, a transcript of every response (to search for leaked
// secret values) and a capturing logger.
const crypto = require('crypto')
const assert = require('node:assert/strict')

const FRAMEWORKS = [
  ['express4', require('express4')],
  ['express5', require('express')],
]

/** A value that is obviously a test secret and unique per call. */
function fakeSecret (prefix = 'sk_test_FAKE_') {
  return prefix + crypto.randomBytes(12).toString('hex')
}

const sha = (s) => crypto.createHash('sha256').update(String(s)).digest('hex')

/** Start `app` on 127.0.0.1:0. Returns { url, request, transcript, close }. */
async function serve (app) {
  const server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', (err) => (err ? reject(err) : resolve(s)))
    s.on('error', reject)
  })
  const url = `http://127.0.0.1:${server.address().port}`
  const transcript = []
  /** fetch + record status, headers and body text; never throws on HTTP errors. */
  async function request (path, init = {}) {
    const r = await fetch(url + path, { ...init, signal: AbortSignal.timeout(10_000) })
    const text = await r.text()
    const headers = Object.fromEntries(r.headers.entries())
    transcript.push(JSON.stringify(headers) + '\n' + text)
    let json
    try { json = JSON.parse(text) } catch {}
    return { status: r.status, headers, text, json }
  }
  async function close () {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(() => resolve()))
  }
  return { url, request, transcript, close, server }
}

/** A logger (console/pino/winston shape) that keeps every line as JSON text. */
function captureLogger () {
  const lines = []
  const put = (level) => (...args) => { lines.push(level + ' ' + args.map((a) => typeof a === 'string' ? a : JSON.stringify(a)).join(' ')) }
  return { lines, info: put('info'), warn: put('warn'), error: put('error'), debug: put('debug') }
}

/** Assert that none of `values` occurs in any of `texts` (strings). */
function assertNoLeak (texts, values, what = 'output') {
  const all = texts.join('\n')
  for (const v of values) {
    assert.ok(typeof v === 'string' && v.length >= 8, 'leak check needs real values')
    assert.equal(all.includes(v), false, `a secret value leaked into ${what}`)
  }
}

/** Wait until `fn()` is truthy (polling), failing after `timeoutMs`. No timing assertion. */
async function waitFor (fn, timeoutMs = 10_000, what = 'condition') {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

module.exports = { FRAMEWORKS, fakeSecret, sha, serve, captureLogger, assertNoLeak, waitFor }
