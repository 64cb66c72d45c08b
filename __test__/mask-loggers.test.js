'use strict'
// winston and pino end to end: the real loggers write to an in-memory stream and
// the output is searched for each value and its encodings (0 hits).
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
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

test('winston: format() masks message, meta, splat and errors (json output)', () => {
  const s = sink()
  const logger = winston.createLogger({
    level: 'info',
    format: winston.format.combine(winston.format.errors({ stack: true }), sgWinston.format(), winston.format.splat(), winston.format.json()),
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
