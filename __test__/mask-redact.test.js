'use strict'
// redact() on the kinds of values a review found it mishandled: built-in
// errors whose getters refuse copies, secrets used as object keys, boxed
// strings, RegExps and DataViews.
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const util = require('node:util')
const { createMasker } = require('..')

const fake = (p = 'sk_test_FAKE_') => p + crypto.randomBytes(10).toString('hex')

test('redact: a DOMException (AbortError, TimeoutError) copies into something that can be logged', () => {
  const m = createMasker()
  const secret = fake()
  m.add(secret)
  for (const err of [AbortSignal.abort().reason, new DOMException(`timed out for ${secret}`, 'TimeoutError')]) {
    const out = m.redact(err)
    const shown = util.inspect(out) // threw "Value of "this" must be of DOMException" before
    assert.ok(out instanceof Error)
    assert.equal(out.name, err.name)
    assert.match(shown, new RegExp(err.name))
    assert.ok(!shown.includes(secret) && !JSON.stringify(out).includes(secret), shown)
    assert.equal(out.message, err.message.replace(secret, '[REDACTED]'))
  }
  // ordinary errors keep their own prototype
  class MyError extends Error {}
  assert.ok(m.redact(new MyError('x')) instanceof MyError)
})

test('redact: a secret used as an object key is masked, at any depth', () => {
  const m = createMasker()
  const token = fake()
  m.add(token)
  const input = { rateLimits: { [token]: 3 }, [`user-${token}`]: { ok: true } }
  const out = m.redact(input)
  const json = JSON.stringify(out)
  assert.ok(!json.includes(token), json)
  assert.deepEqual(out, { rateLimits: { '[REDACTED]': 3 }, 'user-[REDACTED]': { ok: true } })
  assert.deepEqual(Object.keys(input.rateLimits), [token], 'the input is not changed')
})

test('redact: boxed strings, RegExps and DataViews holding a secret', () => {
  const m = createMasker()
  const secret = fake()
  m.add(secret)
  assert.equal(m.redact(new String(`k=${secret}`)), 'k=[REDACTED]') // was copied char by char
  assert.equal(m.redact(new RegExp(`key=${secret}`)), '/key=[REDACTED]/')
  const plain = /abc/g
  assert.equal(m.redact(plain), plain, 'a RegExp without a secret stays as it is')
  const bytes = new TextEncoder().encode(`x${secret}y`)
  const view = m.redact(new DataView(bytes.buffer))
  assert.equal(Buffer.from(view).toString(), 'x[REDACTED]y')
})

test('redact: an http request / response is copied as { method, url, headers, … }, authorization and cookie censored (winston too)', async (t) => {
  const http = require('node:http')
  const winston = require('winston')
  const sgWinston = require('../winston')
  const { Writable } = require('node:stream')
  const bearer = fake('unregistered_bearer_')
  const sid = fake('unregistered_sid_')
  const lines = []
  const logger = winston.createLogger({
    format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.splat(), sgWinston.format(), winston.format.json()),
    transports: [new winston.transports.Stream({ stream: new Writable({ write (c, e, cb) { lines.push(c.toString()); cb() } }) })],
  })
  let seen
  const server = http.createServer((req, res) => {
    const m = createMasker()
    seen = { req: m.redact(req), res: m.redact(res) }
    logger.info('incoming', { req })
    res.setHeader('set-cookie', `sid=${sid}`)
    res.end('ok')
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  const r = await fetch(`http://127.0.0.1:${server.address().port}/p?q=1`, { headers: { authorization: `Bearer ${bearer}`, cookie: `sid=${sid}` } })
  await r.text()
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(seen.req.method, 'GET')
  assert.equal(seen.req.url, '/p?q=1')
  assert.equal(seen.req.headers.authorization, '[REDACTED]')
  assert.equal(seen.req.headers.cookie, '[REDACTED]')
  assert.equal(seen.req.rawHeaders, undefined)
  assert.deepEqual(Object.keys(seen.res), ['statusCode', 'headers'])
  const out = JSON.stringify(seen) + lines.join('')
  for (const v of [bearer, sid]) assert.ok(!out.includes(v), out.slice(0, 2000))
  assert.ok(lines.length === 1 && lines[0].length < 1500, `one short line: ${lines[0] && lines[0].length} bytes`)
})

test('maxDepth is validated like the other masker options', () => {
  const sg = require('..')
  for (const maxDepth of ['3', 1.5, -1]) {
    assert.throws(() => createMasker({ maxDepth }), { code: 'INVALID_OPTION' }, String(maxDepth))
    assert.throws(() => sg.configureMasking({ maxDepth }), { code: 'INVALID_OPTION' }, String(maxDepth))
  }
  assert.deepEqual(createMasker({ maxDepth: 1 }).redact({ a: { b: { c: 1 } } }), { a: { b: '[Depth limit]' } })
})

test('redact: boxed primitives become their values (a copy of their own keys would be {})', () => {
  const out = require('..').redact({ n: Object(5), b: Object(true), big: Object(10n), s: Object('plain') })
  assert.deepEqual(out, { n: 5, b: true, big: 10n, s: 'plain' })
})
