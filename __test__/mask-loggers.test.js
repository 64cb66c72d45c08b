'use strict'
// winston and pino end to end: the real loggers write to an in-memory stream and
// the output is searched for each value and its encodings (0 hits).
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const http = require('node:http')
const { Writable } = require('node:stream')
const winston = require('winston')
const pino = require('pino')
const sg = require('..')
const sgWinston = require('secret-guard/winston')
const sgPino = require('secret-guard/pino')

const fake = (p) => p + crypto.randomBytes(10).toString('hex')

function forms (v) {
  return [
    v,
    Buffer.from(v).toString('base64'),
    Buffer.from(v).toString('base64url'),
    Buffer.from(v).toString('hex'),
    encodeURIComponent(v),
    JSON.stringify(v).slice(1, -1)
  ]
}

function sink () {
  const chunks = []
  const stream = new Writable({
    write (chunk, enc, cb) { chunks.push(chunk.toString()); cb() }
  })
  return { stream, text: () => chunks.join('') }
}

function assertClean (out, values) {
  for (const v of values) {
    for (const f of forms(v)) assert.ok(!out.includes(f), `leaked ${f === v ? 'value' : 'an encoding'} in:\n${out}`)
  }
}

// Values with characters that JSON, URL and base64 encodings change.
const apiKey = fake('sk_live_FAKE_') + '/+"\\'
const dbPass = fake('pw_') + ' &<>'
const childTok = fake('child_')
const unregistered = fake('unreg_')
sg.addSecret(apiKey)
sg.addSecret(dbPass)
sg.addSecret(childTok)

function logEverything (logger) {
  logger.info(`plain message with ${apiKey}`)
  logger.info('splat %s and %s', apiKey, Buffer.from(dbPass).toString('base64'))
  logger.info('meta', { apiKey, nested: { url: `https://u:${encodeURIComponent(dbPass)}@db/x`, list: [Buffer.from(apiKey).toString('hex')] } })
  logger.info('key-pattern', { password: unregistered, headers: { authorization: `Bearer ${unregistered}` } })
  logger.error(new Error(`connect failed for ${dbPass}`))
  logger.warn({ msg: 'object-first', detail: { token: unregistered, q: `?k=${encodeURIComponent(apiKey)}` } })
}

test('winston: format() masks message, meta, splat and errors (errors, splat, format, json: the documented order)', () => {
  const s = sink()
  const logger = winston.createLogger({
    level: 'info',
    format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.splat(), sgWinston.format(), winston.format.json()),
    transports: [new winston.transports.Stream({ stream: s.stream })]
  })
  logEverything(logger)
  logger.child({ requestToken: childTok, user: 'u1' }).info(`child ${childTok}`)
  const out = s.text()
  assert.ok(out.split('\n').filter(Boolean).length >= 7, out)
  assert.ok(out.includes('[REDACTED]'))
  assertClean(out, [apiKey, dbPass, childTok, unregistered])
  assert.ok(out.includes('plain message with [REDACTED]'))
  assert.ok(out.includes('connect failed for [REDACTED]'))
})

test('winston: placed after a finalizing format (printf), it masks the written line', () => {
  const s = sink()
  const logger = winston.createLogger({
    format: winston.format.combine(
      winston.format.splat(),
      winston.format.printf((info) => `${info.level} ${info.message} ${JSON.stringify(info.meta || {})} ${info.raw || ''}`),
      sgWinston.format()
    ),
    transports: [new winston.transports.Stream({ stream: s.stream })]
  })
  logger.info('printf %s', apiKey, { raw: Buffer.from(dbPass).toString('hex'), meta: { p: dbPass } })
  const out = s.text()
  assert.ok(out.includes('printf [REDACTED]'), out)
  assertClean(out, [apiKey, dbPass])
})

test('winston: a createMasker() masker instead of the default one', () => {
  const m = sg.createMasker({ censor: '<hidden>' })
  const own = fake('own_')
  m.add(own)
  const s = sink()
  const logger = winston.createLogger({
    format: winston.format.combine(sgWinston.format({ masker: m }), winston.format.json()),
    transports: [new winston.transports.Stream({ stream: s.stream })]
  })
  logger.info(`x ${own}`, { b: Buffer.from(own).toString('base64') })
  const out = s.text()
  assert.ok(out.includes('x <hidden>'), out)
  assertClean(out, [own])
  assert.throws(() => sgWinston.format({ masker: {} }), { code: 'INVALID_OPTION' })
})

test('pino: destination() masks every line, including child bindings and errors', () => {
  const s = sink()
  const logger = pino({ base: null }, sgPino.destination(s.stream))
  logEverything(logger)
  logger.child({ requestToken: childTok }).info('child line')
  logger.child({ nested: { t: Buffer.from(childTok).toString('base64') } }).info('child line 2')
  const out = s.text()
  const lines = out.split('\n').filter(Boolean)
  assert.equal(lines.length, 8, out)
  for (const l of lines) JSON.parse(l) // still valid JSON
  assertClean(out, [apiKey, dbPass, childTok])
  assert.ok(out.includes('connect failed for [REDACTED]'))
  // destination() alone masks known values; unregistered values under secret keys need options()
})

test('pino: options() redacts objects (secret keys too), message args and errors', () => {
  const s = sink()
  const logger = pino(sgPino.options({ base: null }), s.stream)
  logEverything(logger)
  const out = s.text()
  const lines = out.split('\n').filter(Boolean)
  assert.equal(lines.length, 6, out)
  for (const l of lines) JSON.parse(l)
  assertClean(out, [apiKey, dbPass, unregistered])
  const errLine = JSON.parse(lines[4])
  assert.equal(errLine.err.message, 'connect failed for [REDACTED]')
  assert.equal(errLine.err.type, 'Error')
  assert.ok(!errLine.err.stack.includes(dbPass))
})

test('pino: options() logs a revoked Proxy (an immer draft after produce()) as [Unreadable] instead of throwing', () => {
  const w = sink()
  const logger = pino(sgPino.options({}), w.stream)
  const r = Proxy.revocable({}, {})
  r.revoke()
  const trap = new Proxy({}, { getPrototypeOf () { throw new Error('trap') } })
  logger.info({ draft: r.proxy, other: trap }, 'saved')
  const line = JSON.parse(w.text().trim())
  assert.equal(line.draft, '[Unreadable]')
  assert.equal(line.msg, 'saved')
})

test('pino: options() + destination() together; user formatters/hooks still run', () => {
  const s = sink()
  let userLog = 0; let userHook = 0
  const logger = pino(sgPino.options({
    base: null,
    formatters: { log (o) { userLog++; return { ...o, extra: o.extraSrc } } },
    hooks: { logMethod (args, method) { userHook++; return method.apply(this, args) } }
  }), sgPino.destination(s.stream))
  logEverything(logger)
  logger.info({ extraSrc: apiKey }, 'extra')
  logger.child({ apiToken: childTok }).info('child')
  const out = s.text()
  assert.ok(userLog > 0 && userHook > 0)
  assertClean(out, [apiKey, dbPass, childTok, unregistered])
  assert.ok(out.includes('"extra":"[REDACTED]"'), out)
})

test('pino: transport-style sonic-boom destination keeps working through the wrapper', async () => {
  const fs = require('node:fs')
  const os = require('node:os')
  const path = require('node:path')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-pino-'))
  const file = path.join(dir, 'log.ndjson')
  try {
    const dest = pino.destination({ dest: file, sync: true })
    const logger = pino(sgPino.destination(dest))
    logger.info(`to file ${apiKey}`)
    logger.flush()
    dest.flushSync()
    const out = fs.readFileSync(file, 'utf8')
    assert.ok(out.includes('to file [REDACTED]'), out)
    assertClean(out, [apiKey])
    dest.end()
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

// A registered value that the callers below cut into pieces: no piece is a
// secret by itself, splat()/pino's interpolation puts them back together.
const joined = fake('sk_test_FAKE')
sg.addSecret(joined)

function winstonLogger (formats, stream) {
  return winston.createLogger({ level: 'debug', format: winston.format.combine(...formats), transports: [new winston.transports.Stream({ stream })] })
}

// The documented order (format() after splat()) and format() before splat():
// [name, a logger writing JSON lines, () => the lines written so far].
function bothSplatOrders () {
  const { errors, splat, json } = winston.format
  return [
    ['errors, splat, format, json', [errors({ stack: true }), splat(), sgWinston.format(), json()]],
    ['errors, format, splat, json', [errors({ stack: true }), sgWinston.format(), splat(), json()]]
  ].map(([name, formats]) => {
    const s = sink()
    const out = () => s.text()
    return [name, winstonLogger(formats, s.stream), out, () => out().split('\n').filter(Boolean).map((l) => JSON.parse(l))]
  })
}

test('winston: a secret that splat() assembles from pieces is masked, in the documented order and with format() before splat()', () => {
  for (const [name, logger, text, written] of bothSplatOrders()) {
    logger.info('key=sk_test_FAKE%s', joined.slice('sk_test_FAKE'.length))
    logger.info('key=%s%s (%d%%)', joined.slice(0, 9), joined.slice(9), 50, { requestId: 'r-1', password: unregistered })
    logger.info('plain %s and %j', 'arg', { n: 1 })
    const out = text()
    const lines = written()
    assert.equal(lines.length, 3, `${name}:\n${out}`)
    assertClean(out, [joined, unregistered])
    assert.equal(lines[0].message, 'key=[REDACTED]', name)
    assert.equal(lines[1].message, 'key=[REDACTED] (50%)', name)
    assert.equal(lines[1].requestId, 'r-1', name) // the meta object still merged by splat()
    assert.equal(lines[1].password, '[REDACTED]', name)
    assert.equal(lines[2].message, 'plain arg and {"n":1}', name) // interpolation left to splat()
  }
})

test('winston: values under secret-looking keys of %o/%O/%j/%s arguments are censored, after splat() as before it', () => {
  for (const [name, logger, text, written] of bothSplatOrders()) {
    for (const token of ['%o', '%O', '%j', '%s']) {
      logger.info(`login ${token} done`, { user: 'ann', password: unregistered, nested: { token: unregistered } })
    }
    const out = text()
    const lines = written()
    assert.equal(lines.length, 4, `${name}:\n${out}`)
    assertClean(out, [unregistered])
    for (const l of lines) {
      assert.match(l.message, /^login .*user.*ann.*\[REDACTED\].* done$/s, name) // interpolated, censored
    }
  }
})

test('winston: an argument printed into the message and also merged as meta with the same values is censored in both', () => {
  for (const [name, logger, text, written] of bothSplatOrders()) {
    const creds = { password: unregistered }
    logger.info('creds %o', creds, creds)
    logger.info('login %j', { user: 'ann', password: unregistered }, { password: unregistered, user: 'ann' })
    // keys that JSON / inspect write escaped
    for (const [token, key] of [['%j', 'db\\password'], ['%j', 'my"secret'], ['%o', 'db\npassword'], ['%O', "it's_token"]]) {
      const o = { [key]: unregistered }
      logger.info(`x ${token}`, o, { ...o })
    }
    // renderings that do not write the keys: an array, toJSON, inspect.custom
    const arr = [{ password: unregistered }]
    for (const token of ['%j', '%o', '%O']) logger.info(`list0 ${token}`, arr, arr)
    class Cfg { constructor () { this.password = unregistered } [require('util').inspect.custom] () { return `Cfg<${this.password}>` } }
    const cfg = new Cfg()
    logger.info('cfg %o', cfg, cfg)
    const out = text()
    assert.equal(written().length, 10, `${name}:\n${out}`)
    assertClean(out, [unregistered])
  }
})

test('winston, documented order: object arguments that hold nothing to censor are written as splat() writes them (class names, boxed values, Secrets)', () => {
  class Point { constructor () { this.x = 1; this.y = 2 } }
  for (const [name, logger, text, written] of bothSplatOrders().slice(0, 1)) {
    logger.info('moved to %O', new Point())
    logger.info('got %s (literal Point { x: 1, y: 2 } in text)', 'arg')
    logger.info('n=%s', Object(5))
    logger.info('token %s', new sg.Secret(fake('sk_test_FAKE_sec')))
    const lines = written()
    assert.equal(lines.length, 4, `${name}:\n${text()}`)
    assert.equal(lines[0].message, 'moved to Point { x: 1, y: 2 }', name)
    assert.equal(lines[1].message, 'got arg (literal Point { x: 1, y: 2 } in text)', name)
    assert.equal(lines[2].message, 'n=[Number: 5]', name)
    assert.equal(lines[3].message, 'token [REDACTED]', name)
  }
})

test('winston: format() also before splat() censors %j/%o arguments whose rendering changes per call (the documented remedy)', () => {
  const [, logger, text] = bothSplatOrders()[1]
  let n = 0
  logger.info('job %j', { apiKey: unregistered, get tick () { return ++n } })
  logger.info('job %o', { password: unregistered, toJSON () { return { password: unregistered, n: ++n } } })
  assertClean(text(), [unregistered])
  assert.match(text(), /job \{\\"apiKey\\":\\"\[REDACTED\]\\",\\"tick\\":\d\}/)
})

test('winston, documented order: arrays, Maps, nested and hidden secret-looking keys, next to Secrets, with any censor (no hang on an empty one)', () => {
  const cases = (Secret) => [
    ['users %j', [{ password: unregistered }]], ['users %o', [{ password: unregistered }]], ['users %O', [{ password: unregistered }]],
    ['cfg %j', { db: { password: unregistered } }], ['m %j', { 7: { token: unregistered } }],
    ['map %o', new Map([['password', unregistered]])], ['x %j', { list: [{ apiKey: unregistered }] }],
    ['x %o', Object.defineProperty({ id: 1 }, 'password', { value: unregistered, enumerable: false })],
    ['config %o', { apiKeys: [new Secret(fake('sk_test_FAKE_a')), new Secret(fake('sk_test_FAKE_b'))], dbPassword: unregistered }]
  ]
  const { errors, splat, json } = winston.format
  for (const censor of ['[REDACTED]', '', '*', '-', 'x']) {
    const masker = sg.createMasker({ censor })
    const w = sink()
    const logger = winstonLogger([errors({ stack: true }), splat(), sgWinston.format({ masker }), json()], w.stream)
    for (const [fmt, arg] of cases(sg.Secret)) logger.info(fmt, arg)
    const out = w.text()
    assert.equal(out.split('\n').filter(Boolean).length, cases(sg.Secret).length, `censor ${JSON.stringify(censor)}`)
    assertClean(out, [unregistered])
  }
})

test('winston, documented order: properties the redacted copy drops (toJSON leaving a field out, named props of arrays, Buffers, Dates, boxed values, symbol keys) are censored too', () => {
  class User { constructor () { this.name = 'bob'; this.password = unregistered } toJSON () { return { name: this.name } } }
  const withProp = (o) => Object.assign(o, { password: unregistered })
  const w = sink()
  const { errors, splat, json } = winston.format
  const logger = winstonLogger([errors({ stack: true }), splat(), sgWinston.format(), json()], w.stream)
  logger.info('user %o', new User())
  logger.info('user %O', new User())
  logger.info('a %O', withProp([1, 2]))
  logger.info('b %O', withProp(Buffer.from('ab')))
  logger.info('d %O', withProp(new Date(0)))
  logger.info('s %O', withProp(Object('x')))
  logger.info('y %O', { [Symbol('password')]: unregistered })
  assert.equal(w.text().split('\n').filter(Boolean).length, 7)
  assertClean(w.text(), [unregistered])
})

test('winston: format() never writes into the object the caller logged', () => {
  const { errors, splat, json } = winston.format
  for (const [formats, jsonFirst] of [
    [[errors({ stack: true }), splat(), sgWinston.format(), json()], false],
    [[sgWinston.format(), json()], false],
    [[json(), sgWinston.format()], true]
  ]) {
    const s = sink()
    const logger = winstonLogger(formats, s.stream)
    // winston hands these very objects to the formats as `info`
    const body = { message: 'signup', password: unregistered, profile: { apiKey, name: 'ann' }, list: [dbPass] }
    const entry = { level: 'warn', message: `entry ${apiKey}`, token: unregistered }
    const meta = { detail: { secret: unregistered } }
    const before = structuredClone({ body, entry, meta })
    logger.info(body)
    logger.log(entry)
    logger.info('with meta', meta)
    logger.warn({ message: 'nested', cfg: body.profile })
    for (const [k, obj] of Object.entries({ body, entry, meta })) {
      for (const f of Object.keys(before[k])) assert.deepEqual(obj[f], before[k][f], `${k}.${f} was changed`)
      // json() itself writes the line into the info it gets; placed after it, format() does not
      if (!jsonFirst) assert.equal(obj[Symbol.for('message')], undefined, `${k} got the formatted line`)
    }
    const out = s.text()
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l))
    assert.equal(lines.length, 4, out)
    // after json(), only the finished line is masked: known values, no key censoring
    assertClean(out, jsonFirst ? [apiKey, dbPass] : [apiKey, dbPass, unregistered])
    if (!jsonFirst) assert.equal(lines[0].password, '[REDACTED]')
    assert.equal(lines[0].profile.name, 'ann')
    assert.equal(lines[1].level, 'warn')
    assert.equal(lines[1].message, 'entry [REDACTED]')
  }
})

test('winston: an AbortError (DOMException) logs a line and does not throw (needs redact() to copy DOMExceptions)', () => {
  const { errors, splat, json } = winston.format
  for (const formats of [
    [errors({ stack: true }), splat(), sgWinston.format(), json()],
    [sgWinston.format(), errors({ stack: true }), json()]
  ]) {
    const s = sink()
    const logger = winstonLogger(formats, s.stream)
    const reason = AbortSignal.abort().reason
    logger.error(reason)
    logger.warn('request aborted', { reason, timeout: new DOMException(`timed out ${apiKey}`, 'TimeoutError') })
    logger.info('aborted: %s', reason)
    const lines = s.text().split('\n').filter(Boolean).map((l) => JSON.parse(l))
    assert.equal(lines.length, 3, s.text())
    assert.equal(lines[0].message, 'This operation was aborted')
    assertClean(s.text(), [apiKey])
  }
})

test('winston and pino: a secret used as a top-level key is masked, like redact() does for nested keys', () => {
  const w = sink()
  const { splat, json } = winston.format
  winstonLogger([splat(), sgWinston.format(), json()], w.stream).info('clients', { [apiKey]: 'client-1', plain: 'p' })
  const p = sink()
  pino(sgPino.options({ base: null }), p.stream).info({ [apiKey]: 'client-1', plain: 'p' }, 'clients')
  for (const out of [w.text(), p.text()]) {
    const line = JSON.parse(out)
    assert.equal(line['[REDACTED]'], 'client-1', out)
    assert.equal(line.plain, 'p')
    assertClean(out, [apiKey])
  }
})

// One request to a real http server; `handler(req, res)` logs it.
async function withRequest (handler, headers) {
  const server = http.createServer((req, res) => {
    try {
      handler(req, res)
      res.end('ok')
    } catch (err) {
      res.statusCode = 500
      res.end(String(err && err.stack))
    }
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const r = await fetch(`http://127.0.0.1:${server.address().port}/orders?page=2`, { headers })
    assert.equal(r.status, 200, await r.text())
  } finally {
    server.close()
  }
}

test('pino: an http request/response logged with options() is serialized as a request, authorization and cookie censored', async () => {
  const bearer = fake('FAKEbearer_')
  const sid = fake('FAKEsid_')
  const setCookie = fake('FAKEset_')
  const headers = { authorization: `Bearer ${bearer}`, cookie: `sid=${sid}`, 'x-trace': 'visible-trace' }
  const plain = sink()
  const std = sink()
  await withRequest((req, res) => {
    res.setHeader('set-cookie', `sid=${setCookie}`)
    res.setHeader('content-type', 'text/plain')
    const p = pino(sgPino.options({ base: null }), plain.stream)
    p.info(req, 'req as the merging object')
    p.info({ req }, 'req under a key, no serializer')
    p.info({ res }, 'res under a key, no serializer')
    const q = pino(sgPino.options({ base: null, serializers: { req: pino.stdSerializers.req, res: pino.stdSerializers.res } }), std.stream)
    q.info(req, 'req as the merging object')
    q.info({ req, res }, 'std serializers')
    q.child({ req }).info('req in child bindings')
  }, headers)
  for (const [name, s, n] of [['no serializers', plain, 3], ['std serializers', std, 3]]) {
    const out = s.text()
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l))
    assert.equal(lines.length, n, `${name}:\n${out}`)
    assertClean(out, [bearer, sid, setCookie])
    assert.ok(!out.includes('rawHeaders') && !out.includes('_readableState'), `${name}: raw request internals were dumped:\n${out}`)
    for (const l of lines) {
      assert.ok(JSON.stringify(l).length < 1500, `${name}: ${JSON.stringify(l).length} bytes`)
      if (l.req) {
        assert.equal(l.req.method, 'GET', name)
        assert.equal(l.req.url, '/orders?page=2', name)
        assert.equal(l.req.headers.authorization, '[REDACTED]', name)
        assert.equal(l.req.headers.cookie, '[REDACTED]', name)
        assert.equal(l.req.headers['x-trace'], 'visible-trace', name)
      }
      if (l.res) {
        assert.equal(l.res.headers['set-cookie'], '[REDACTED]', name)
        assert.equal(l.res.headers['content-type'], 'text/plain', name)
      }
    }
  }
})

test('pino: base, child() bindings and setBindings() are censored by key', () => {
  const u = Array.from({ length: 7 }, (_, i) => fake(`unreg${i}_`))
  const s = sink()
  let bindingsCalls = 0
  const logger = pino(sgPino.options({
    base: { service: 'api', apiToken: u[0] },
    formatters: { bindings (b) { bindingsCalls++; return { ...b, deployToken: u[1] } } }
  }), s.stream)
  logger.info('root')
  const child = logger.child({ user: 'ann', token: u[2], password: u[3], db: { secret: u[4], host: 'db1' } })
  child.info('child')
  child.setBindings({ sessionCookie: u[5] })
  child.info('after setBindings')
  const grandchild = child.child({ authorization: `Bearer ${u[6]}` }, { serializers: { tag: (t) => `#${t}` } })
  grandchild.info({ tag: 'x' }, 'grandchild')
  logger.setBindings({ rootSecret: u[6] })
  logger.info('root after setBindings')
  const out = s.text()
  const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l))
  assert.equal(lines.length, 5, out)
  assert.ok(bindingsCalls > 0)
  assertClean(out, u)
  assert.equal(lines[0].service, 'api')
  assert.equal(lines[0].apiToken, '[REDACTED]')
  assert.equal(lines[0].deployToken, '[REDACTED]')
  assert.equal(lines[1].user, 'ann')
  assert.equal(lines[1].password, '[REDACTED]')
  assert.deepEqual(lines[1].db, { secret: '[REDACTED]', host: 'db1' })
  assert.equal(lines[2].sessionCookie, '[REDACTED]')
  assert.equal(lines[3].authorization, '[REDACTED]')
  assert.equal(lines[3].tag, '#x')
  assert.equal(lines[4].rootSecret, '[REDACTED]')
  assert.equal(lines[4].password, undefined) // the child's bindings stay the child's
  assert.deepEqual(child.bindings(), { service: 'api', apiToken: '[REDACTED]', deployToken: '[REDACTED]', user: 'ann', token: '[REDACTED]', password: '[REDACTED]', db: { secret: '[REDACTED]', host: 'db1' }, sessionCookie: '[REDACTED]' })
})

test('pino: options() masks a secret the interpolation assembles, and serializer output; serializers get the real object', () => {
  class Session { constructor (id, token) { this.id = id; this.token = token } }
  const s = sink()
  let seen = null
  const logger = pino(sgPino.options({
    base: null,
    serializers: { session (v) { seen = v; return { id: v.id, token: v.token, note: `for ${apiKey}` } } }
  }), s.stream)
  logger.info('key=sk_test_FAKE%s', joined.slice('sk_test_FAKE'.length))
  logger.info({ n: 1 }, 'key=%s%s', joined.slice(0, 9), joined.slice(9))
  logger.info('object arg %j', { password: unregistered, url: `https://x/?k=${encodeURIComponent(apiKey)}` })
  logger.info({ session: new Session('s1', unregistered) }, 'session')
  logger.child({}, { serializers: { extra: (v) => ({ apiToken: v }) }, formatters: { log: (o) => ({ ...o, copiedToken: o.extra }) } }).info({ extra: unregistered }, 'child with its own serializer and log formatter')
  const out = s.text()
  const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l))
  assert.equal(lines.length, 5, out)
  assertClean(out, [joined, apiKey, unregistered])
  assert.equal(lines[0].msg, 'key=[REDACTED]')
  assert.equal(lines[1].msg, 'key=[REDACTED]')
  assert.equal(lines[2].msg, 'object arg {"password":"[REDACTED]","url":"https://x/?k=[REDACTED]"}')
  assert.ok(seen instanceof Session)
  assert.deepEqual(lines[3].session, { id: 's1', token: '[REDACTED]', note: 'for [REDACTED]' })
  assert.deepEqual(lines[4].extra, { apiToken: '[REDACTED]' })
  assert.equal(lines[4].copiedToken, '[REDACTED]')
})

test('pino: an AbortError (DOMException) logs a line and does not throw (needs redact() to copy DOMExceptions)', () => {
  const s = sink()
  const logger = pino(sgPino.options({ base: null }), sgPino.destination(s.stream))
  const reason = AbortSignal.abort().reason
  logger.error(reason)
  logger.warn({ reason, timeout: new DOMException(`timed out ${apiKey}`, 'TimeoutError') }, 'request aborted')
  logger.info({ err: reason }, 'under err')
  logger.info('aborted: %s %j', reason, { reason })
  const out = s.text()
  const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l))
  assert.equal(lines.length, 4, out)
  assert.equal(lines[0].err.message, 'This operation was aborted')
  assert.equal(lines[0].msg, 'This operation was aborted')
  assertClean(out, [apiKey])
})

test('control: without secret-guard the same calls do leak (the search above is meaningful)', () => {
  const w = sink()
  const wl = winston.createLogger({ format: winston.format.combine(winston.format.splat(), winston.format.json()), transports: [new winston.transports.Stream({ stream: w.stream })] })
  logEverything(wl)
  assert.ok(w.text().includes(JSON.stringify(apiKey).slice(1, -1)))
  assert.ok(w.text().includes(Buffer.from(dbPass).toString('base64')))
  const p = sink()
  logEverything(pino({ base: null }, p.stream))
  assert.ok(p.text().includes(JSON.stringify(apiKey).slice(1, -1)))
  assert.ok(p.text().includes(unregistered))
})
