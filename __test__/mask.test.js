'use strict'
// createMasker(): every encoding, merges, minLength, remove, partial, key-pattern
// redaction, cycles, bad input, big inputs.
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { createMasker, mask } = require('..')
const sg = require('..')

const fake = (p = 'sk_test_FAKE_') => p + crypto.randomBytes(10).toString('hex')
const b64 = (s) => Buffer.from(s).toString('base64')
const b64url = (s) => Buffer.from(s).toString('base64url')

// Every printable form of `v` a log line might contain.
function encodingsOf (v) {
  return {
    raw: v,
    base64: b64(v),
    base64NoPad: b64(v).replace(/=+$/, ''),
    base64url: b64url(v),
    base64urlPadded: b64(v).replace(/\+/g, '-').replace(/\//g, '_'),
    hex: Buffer.from(v).toString('hex'),
    HEX: Buffer.from(v).toString('hex').toUpperCase(),
    json: JSON.stringify(v).slice(1, -1),
    jsonTwice: JSON.stringify(JSON.stringify(v).slice(1, -1)).slice(1, -1),
    uriComponent: encodeURIComponent(v),
    uriLower: encodeURIComponent(v).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    form: new URLSearchParams({ x: v }).toString().slice(2),
    fullPercent: [...Buffer.from(v)].map((b) => '%' + b.toString(16).padStart(2, '0').toUpperCase()).join(''),
    fullPercentLower: [...Buffer.from(v)].map((b) => '%' + b.toString(16).padStart(2, '0')).join(''),
    xml: v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;'),
    html: v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
  }
}

test('every encoding of a value is masked (value with special characters)', () => {
  const m = createMasker()
  const v = fake("p@ss w/rd'\"<&>+=?") + 'é€'
  m.add(v)
  for (const [name, form] of Object.entries(encodingsOf(v))) {
    const out = m.mask(`before ${form} after`)
    assert.equal(out, 'before [REDACTED] after', `${name}: ${out}`)
    assert.ok(!out.includes(form), name)
  }
})

test('every encoding of a plain alphanumeric value is masked', () => {
  const m = createMasker()
  const v = fake()
  m.add(v)
  for (const [name, form] of Object.entries(encodingsOf(v))) {
    assert.equal(m.mask(`[${form}]`), '[[REDACTED]]', name)
  }
})

test('base64 of a value embedded in a larger blob (Basic auth, JSON docs) at every byte offset', () => {
  const m = createMasker()
  const v = fake()
  m.add(v)
  for (const prefix of ['', 'u', 'us', 'user:', '{"key":"']) {
    for (const suffix of ['', '"', '"}', '@host']) {
      for (const enc of [b64, b64url]) {
        const blob = enc(prefix + v + suffix)
        const out = m.mask(`Authorization: Basic ${blob}`)
        assert.ok(out.includes('[REDACTED]'), `${prefix}|${suffix}`)
        // What remains of the blob cannot be decoded back to the value or most of it.
        const left = out.replace('Authorization: Basic ', '').split('[REDACTED]').join('')
        assert.ok(!Buffer.from(left, 'base64').toString('latin1').includes(v.slice(0, 8)), `${prefix}|${suffix}`)
      }
    }
  }
})

test('JSON secret: whole value, each field, and the fields encoded', () => {
  const m = createMasker()
  const user = fake('dbuser_'); const pass = fake('dbpass_')
  const doc = JSON.stringify({ username: user, password: pass, port: 5432 })
  m.add(doc)
  assert.equal(m.mask(doc), '[REDACTED]')
  assert.equal(m.mask(`login ${user} with ${pass}`), 'login [REDACTED] with [REDACTED]')
  assert.equal(m.mask(`p=${b64(pass)}`), 'p=[REDACTED]')
  assert.equal(m.mask(JSON.stringify({ log: doc })), '{"log":"[REDACTED]"}')
})

test('multi-line PEM key: whole value, each line, JSON-escaped; armor lines stay', () => {
  const m = createMasker()
  const body = crypto.randomBytes(120).toString('base64').match(/.{1,64}/g)
  const pem = `-----BEGIN PRIVATE KEY-----\n${body.join('\n')}\n-----END PRIVATE KEY-----\n`
  m.add(pem)
  assert.equal(m.mask(pem), '[REDACTED]')
  assert.equal(m.mask(JSON.stringify({ k: pem })), '{"k":"[REDACTED]"}')
  const oneLine = m.mask(`line: ${body[1]}`)
  assert.equal(oneLine, 'line: [REDACTED]')
  assert.equal(m.mask('-----BEGIN PRIVATE KEY-----'), '-----BEGIN PRIVATE KEY-----')
  // Re-wrapped at a different width: every original line is still masked.
  const out = m.mask(pem.replace(/\n/g, '\r\n'))
  for (const line of body) if (line.length >= 4) assert.ok(!out.includes(line))
})

test('quotes trimmed: a value stored with surrounding quotes', () => {
  const m = createMasker()
  const inner = fake()
  m.add(`"${inner}"`)
  assert.equal(m.mask(`token=${inner};`), 'token=[REDACTED];')
})

test('overlapping and adjacent secrets merge into one censor; start and end of string', () => {
  const m = createMasker({ encodings: false })
  m.add('abcdefgh')
  m.add('efghijkl')
  m.add('zzzz9999')
  assert.equal(m.mask('abcdefghijkl'), '[REDACTED]')
  assert.equal(m.mask('x abcdefghijkl y'), 'x [REDACTED] y')
  assert.equal(m.mask('abcdefghzzzz9999'), '[REDACTED]')
  assert.equal(m.mask('zzzz9999 mid abcdefgh'), '[REDACTED] mid [REDACTED]')
  assert.equal(m.mask('zzzz9999abcdefgh!'), '[REDACTED]!')
  // a secret contained in another: one censor
  m.add('cdef1234')
  m.add('abcdef1234xyz')
  assert.equal(m.mask('-abcdef1234xyz-'), '-[REDACTED]-')
})

test('secrets inside URLs, headers and query strings', () => {
  const m = createMasker()
  const pass = fake('pw_') + '/+:@'
  const tok = fake('tok_')
  m.add(pass); m.add(tok)
  const url = `https://user:${encodeURIComponent(pass)}@db.example.com:5432/app`
  assert.equal(m.mask(url), 'https://user:[REDACTED]@db.example.com:5432/app')
  assert.equal(m.mask(`Authorization: Bearer ${tok}`), 'Authorization: Bearer [REDACTED]')
  const qs = new URLSearchParams({ a: '1', key: pass, t: tok }).toString()
  assert.equal(m.mask(`GET /x?${qs}`), 'GET /x?a=1&key=[REDACTED]&t=[REDACTED]')
  const basic = b64(`user:${pass}`)
  assert.ok(!m.mask(`Authorization: Basic ${basic}`).includes(basic))
})

test('minLength: short values refused with VALUE_TOO_SHORT and no value in the message', () => {
  const m = createMasker()
  for (const v of ['', 'a', 'ab1', '🔑🔑🔑']) {
    assert.throws(() => m.add(v), (e) => {
      assert.equal(e.code, 'VALUE_TOO_SHORT')
      if (v.length > 2) assert.ok(!e.message.includes(v))
      return true
    })
  }
  const m2 = createMasker({ minLength: 10 })
  assert.throws(() => m2.add('123456789'), { code: 'VALUE_TOO_SHORT' })
  assert.equal(m2.add('1234567890'), true)
  assert.equal(m.size, 0)
  // derived forms shorter than minLength are not registered either: ordinary text survives
  const m3 = createMasker({ minLength: 4 })
  m3.add('ab\ncdef')
  assert.equal(m3.mask('ab cdef'), 'ab [REDACTED]')
  assert.throws(() => createMasker({ minLength: 0 }), { code: 'INVALID_OPTION' })
})

test('add/remove/size; remove stops masking; add returns whether new', () => {
  const m = createMasker()
  const a = fake(); const b = fake()
  assert.equal(m.add(a), true)
  assert.equal(m.add(a), false)
  m.add(b)
  assert.equal(m.size, 2)
  assert.equal(m.mask(`${a} ${b}`), '[REDACTED] [REDACTED]')
  assert.equal(m.remove(a), true)
  assert.equal(m.remove(a), false)
  assert.equal(m.size, 1)
  assert.equal(m.mask(`${a} ${b}`), `${a} [REDACTED]`)
  assert.equal(m.mask(b64(a)), b64(a))
})

test('custom censor and encodings: false', () => {
  const m = createMasker({ censor: '***', encodings: false })
  const v = fake()
  m.add(v)
  assert.equal(m.mask(`x${v}x`), 'x***x')
  assert.equal(m.mask(b64(v)), b64(v))
  assert.equal(m.patternCount, 1)
})

test('a misspelt option is INVALID_OPTION naming it, never silently the default', () => {
  for (const [fn, opts] of [[createMasker, { minlength: 12 }], [createMasker, { censr: '***' }], [require('..').configureMasking, { gracems: 5 }], [require('..').configureMasking, { keypattern: /x/ }], [(o) => new (require('..').Secret)('FAKE_value_1234', o), { lean: true }]]) {
    assert.throws(() => fn(opts), (e) => e instanceof TypeError && e.code === 'INVALID_OPTION' && e.message.includes(`'${Object.keys(opts)[0]}'`))
  }
})

test('partial { keepLast }: ****WXYZ for the raw value only, never more than a quarter', () => {
  const m = createMasker({ partial: { keepLast: 4 } })
  const v = 'sk_live_FAKE' + crypto.randomBytes(6).toString('hex') + 'WXYZ'
  m.add(v)
  assert.equal(m.mask(`key ${v} used`), 'key ****WXYZ used')
  assert.equal(m.mask(`b64 ${b64(v)}`), 'b64 [REDACTED]')
  assert.equal(m.mask(`hex ${Buffer.from(v).toString('hex')}`), 'hex [REDACTED]')
  const short = 'abcdefg' // 7 chars: at most 1 shown
  m.add(short)
  assert.equal(m.mask(short), '****g')
  const m2 = createMasker({ partial: { keepLast: 3, mask: '…' } })
  m2.add('0123456789abcdef')
  assert.equal(m2.mask('0123456789abcdef'), '…def')
  assert.throws(() => createMasker({ partial: { keepLast: -1 } }), { code: 'INVALID_OPTION' })
})

test('redact: deep copy, strings masked everywhere, secret keys censored', () => {
  const m = createMasker()
  const v = fake()
  m.add(v)
  const err = new Error(`failed with ${v}`)
  err.code = 'E_X'
  err.detail = { token: 'unregistered-token-value' }
  const input = {
    msg: `using ${v}`,
    password: 'hunter2',
    nested: { deep: [{ s: v }, b64(v)], apiKey: { any: 'thing' }, count: 3, ok: true, n: null },
    headers: { Authorization: 'Bearer abc', cookie: 'sid=1', 'x-api-key': 'k', accept: '*/*' },
    map: new Map([['SESSION_TOKEN', 'x'], ['note', v]]),
    set: new Set([v, 'plain']),
    buf: Buffer.from(`bytes ${v}`),
    date: new Date(0),
    err
  }
  const out = m.redact(input)
  assert.notEqual(out, input)
  assert.equal(out.msg, 'using [REDACTED]')
  assert.equal(out.password, '[REDACTED]')
  assert.equal(out.nested.deep[0].s, '[REDACTED]')
  assert.equal(out.nested.deep[1], '[REDACTED]')
  assert.equal(out.nested.apiKey, '[REDACTED]')
  assert.equal(out.nested.count, 3)
  assert.equal(out.nested.n, null)
  assert.deepEqual(out.headers, { Authorization: '[REDACTED]', cookie: '[REDACTED]', 'x-api-key': '[REDACTED]', accept: '*/*' })
  assert.equal(out.map.get('SESSION_TOKEN'), '[REDACTED]')
  assert.equal(out.map.get('note'), '[REDACTED]')
  assert.ok(out.set.has('[REDACTED]') && out.set.has('plain'))
  assert.equal(out.buf.toString(), 'bytes [REDACTED]')
  assert.equal(out.date.getTime(), 0)
  assert.ok(out.err instanceof Error)
  assert.equal(out.err.message, 'failed with [REDACTED]')
  assert.ok(!out.err.stack.includes(v))
  assert.equal(out.err.code, 'E_X')
  assert.equal(out.err.detail.token, '[REDACTED]')
  // the input is untouched
  assert.equal(input.msg, `using ${v}`)
  assert.equal(input.password, 'hunter2')
  // nothing of the value anywhere in the copy
  const util = require('node:util')
  assert.ok(!util.inspect(out, { depth: null, showHidden: true }).includes(v))
})

test('redact: custom key pattern, or none', () => {
  const m = createMasker({ keyPattern: /^private_/ })
  const out = m.redact({ private_x: 'a', password: 'b' })
  assert.deepEqual(out, { private_x: '[REDACTED]', password: 'b' })
  const n = createMasker({ keyPattern: null })
  assert.deepEqual(n.redact({ password: 'b' }), { password: 'b' })
  const g = createMasker({ keyPattern: /secret/gi }) // g flag must not make it stateful
  assert.deepEqual(g.redact({ secret: 1, SECRET: 2, secret2: 3 }), { secret: '[REDACTED]', SECRET: '[REDACTED]', secret2: '[REDACTED]' })
  assert.throws(() => createMasker({ keyPattern: 'password' }), { code: 'INVALID_OPTION' })
})

test('redact: cycles are reproduced in the copy; deep nesting does not overflow', () => {
  const m = createMasker()
  const v = fake()
  m.add(v)
  const a = { name: v, list: [] }
  a.self = a
  a.list.push(a, { back: a })
  const out = m.redact(a)
  assert.equal(out.self, out)
  assert.equal(out.list[0], out)
  assert.equal(out.list[1].back, out)
  assert.equal(out.name, '[REDACTED]')
  let deep = { v }
  for (let i = 0; i < 5000; i++) deep = { d: deep }
  const r = m.redact(deep)
  assert.ok(r)
  assert.ok(!JSON.stringify(r).includes(v))
})

test('redact: no prototype pollution from __proto__ / constructor keys', () => {
  const m = createMasker()
  const evil = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted2": "yes"}}, "a": 1}')
  const out = m.redact(evil)
  assert.equal(({}).polluted, undefined)
  assert.equal(({}).polluted2, undefined)
  assert.equal(Object.getPrototypeOf(out), Object.prototype)
  assert.equal(out.polluted, undefined)
  assert.ok(Object.prototype.hasOwnProperty.call(out, '__proto__'))
  assert.deepEqual(Object.keys(out), ['__proto__', 'constructor', 'a'])
  const nullProto = Object.create(null); nullProto.x = 1
  assert.equal(Object.getPrototypeOf(m.redact(nullProto)), null)
})

test('bad input: non-string/non-Buffer mask input is a TypeError with a code', () => {
  const m = createMasker()
  for (const bad of [undefined, null, 42, {}, [], Symbol('x'), () => {}]) {
    assert.throws(() => m.mask(bad), (e) => e instanceof TypeError && e.code === 'MASK_INPUT_TYPE')
    assert.throws(() => mask(bad), (e) => e instanceof TypeError && e.code === 'MASK_INPUT_TYPE')
  }
  for (const bad of [undefined, null, 42, {}]) {
    assert.throws(() => m.add(bad), (e) => e instanceof TypeError && e.code === 'SECRET_VALUE_TYPE')
  }
  assert.throws(() => createMasker({ censor: 5 }), { code: 'INVALID_OPTION' })
  // a value with a lone surrogate has no UTF-8 form: refused, not stored as U+FFFD and never matched
  const lone = fake() + '\uD800x'
  for (const f of [() => m.add(lone), () => m.retire(lone), () => new sg.Secret(lone), () => sg.fingerprint(lone)]) {
    assert.throws(f, (e) => e instanceof TypeError && e.code === 'SECRET_VALUE_TYPE' && /lone UTF-16 surrogate/.test(e.message) && !e.message.includes(lone))
  }
  // grace periods past 100 years overflowed Rust's clock (a PANIC); Infinity too
  for (const g of [1e308, Infinity, 101 * 365 * 24 * 3600 * 1000]) {
    assert.throws(() => createMasker({ graceMs: g }), (e) => e instanceof TypeError && e.code === 'INVALID_OPTION', String(g))
    assert.throws(() => sg.configureMasking({ graceMs: g }), (e) => e instanceof TypeError && e.code === 'INVALID_OPTION', String(g))
    assert.throws(() => m.retire(fake(), g), (e) => e instanceof TypeError && e.code === 'INVALID_OPTION', String(g))
  }
  assert.equal(typeof m.retire(fake(), 99 * 365 * 24 * 3600 * 1000), 'boolean')
})

test('Buffers and Uint8Arrays are masked byte-exactly', () => {
  const m = createMasker()
  const v = fake()
  m.add(v)
  const buf = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(` ${v} `), Buffer.from([0x80])])
  const out = m.mask(buf)
  assert.ok(Buffer.isBuffer(out))
  assert.deepEqual(out, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(' [REDACTED] '), Buffer.from([0x80])]))
  const u8 = new Uint8Array(Buffer.from(`x${v}`))
  const o8 = m.mask(u8)
  assert.ok(o8 instanceof Uint8Array)
  assert.equal(Buffer.from(o8).toString(), 'x[REDACTED]')
})

test('lone UTF-16 surrogates survive the round trip', () => {
  const m = createMasker()
  const v = fake()
  m.add(v)
  const s = `\uD800 a ${v} \uDC00 😀 ${v}\uDBFF`
  const out = m.mask(s)
  assert.equal(out, '\uD800 a [REDACTED] \uDC00 😀 [REDACTED]\uDBFF')
  const noMatch = 'x\uDC00y\uD83D'
  assert.equal(m.mask(noMatch), noMatch)
})

test('unicode values and text', () => {
  const m = createMasker()
  const v = 'пароль-' + crypto.randomBytes(4).toString('hex') + '-🔑'
  m.add(v)
  assert.equal(m.mask(`ключ ${v} 😀`), 'ключ [REDACTED] 😀')
  assert.equal(m.mask(JSON.stringify(v)), '"[REDACTED]"')
  assert.equal(m.mask(encodeURIComponent(v)), '[REDACTED]')
})

test('large input (100 MB) is masked; 100,000 secrets can be added', () => {
  const m = createMasker()
  const v = fake()
  m.add(v)
  const chunk = 'GET /api/items?page=2 200 12ms user=42 ' + 'x'.repeat(60) + '\n'
  const big = chunk.repeat(Math.ceil(100e6 / chunk.length)) + v
  const out = m.mask(big)
  assert.equal(out.length, big.length - v.length + '[REDACTED]'.length)
  assert.ok(out.endsWith('[REDACTED]'))

  const many = createMasker({ encodings: false })
  const vals = []
  for (let i = 0; i < 100000; i++) vals.push(crypto.randomBytes(12).toString('base64url'))
  for (const x of vals) many.add(x)
  assert.equal(many.size, 100000)
  assert.equal(many.mask(`a ${vals[0]} b ${vals[99999]} c ${vals[54321]}`), 'a [REDACTED] b [REDACTED] c [REDACTED]')
})

test('10,000 secrets with all encodings', () => {
  const m = createMasker()
  const vals = []
  for (let i = 0; i < 10000; i++) vals.push(fake('k'))
  for (const x of vals) m.add(x)
  assert.ok(m.patternCount >= 10000 * 8)
  assert.equal(m.mask(`${b64(vals[17])} ${Buffer.from(vals[9999]).toString('hex')}`), '[REDACTED] [REDACTED]')
})

test('redact: hostile objects (throwing getters and Proxy traps) do not crash', () => {
  const m = createMasker()
  const v = fake()
  m.add(v)
  const revocable = Proxy.revocable({}, {})
  revocable.revoke()
  const input = {
    ok: v,
    getter: Object.defineProperty({}, 'x', { enumerable: true, get () { throw new Error(v) } }),
    trap: new Proxy({}, { ownKeys () { throw new Error('nope') } }),
    revoked: revocable.proxy,
    badJson: { toJSON () { throw new Error('x') }, __proto__: { toJSON () { throw new Error('y') } } }
  }
  const out = m.redact(input)
  assert.equal(out.ok, '[REDACTED]')
  assert.deepEqual(out.getter, { x: '[Unreadable]' })
  assert.equal(out.trap, '[Unreadable]')
  assert.equal(out.revoked, '[Unreadable]')
  assert.ok(!JSON.stringify(out).includes(v))
})

test('redact: a sparse array with a huge length costs its elements, not its length', () => {
  const m = createMasker()
  const v = fake()
  m.add(v)
  const ids = []
  ids[2 ** 32 - 2] = v
  ids[3] = 'plain'
  const out = m.redact({ ids })
  assert.equal(out.ids.length, 2 ** 32 - 1)
  assert.deepEqual(Object.keys(out.ids), ['3', String(2 ** 32 - 2)])
  assert.equal(out.ids[2 ** 32 - 2], '[REDACTED]')
  assert.equal(out.ids[3], 'plain')
  // own keys that are not canonical indices are not elements
  const big = []
  big[70000] = 'last'
  big[1000] = 'thousand'
  big['1e3'] = 'not an index'
  big[''] = 'empty'
  big[' 7'] = 'spaced'
  const copy = m.redact(big)
  assert.equal(copy[1000], 'thousand')
  assert.equal(copy[0], undefined)
  assert.equal(copy[7], undefined)
  assert.equal(copy[70000], 'last')
})

test('base64 of a JSON document holding a secret with " or \\ or a control character', () => {
  const m = createMasker()
  for (const pw of [fake('FAKE-j"s\\on-'), fake('FAKE-ctl\u0001-'), fake('FAKE-tab\t-')]) {
    m.add(pw)
    for (const pad of ['', 'a', 'ab']) {
      const doc = JSON.stringify({ user: `app${pad}`, password: pw, port: 5432 })
      for (const enc of [b64, b64url]) {
        const out = m.mask(enc(doc))
        assert.ok(out.includes('[REDACTED]'), `${JSON.stringify(pw)} ${pad}: ${out}`)
        const left = out.split('[REDACTED]').map((p) => Buffer.from(p, 'base64').toString('latin1')).join('|')
        assert.ok(!left.includes(JSON.stringify(pw).slice(1, 9)), `${pad}: ${left}`)
      }
    }
  }
})

test('URL userinfo (url.password =), encodeURI, and XML/HTML escaping styles', () => {
  const m = createMasker()
  const v = fake('FAKE-p@ss+word/x y:z&<>\'"')
  m.add(v)
  const u = new URL('postgres://app@db.example/app')
  u.password = v
  assert.equal(m.mask(u.href), 'postgres://app:[REDACTED]@db.example/app')
  u.username = v
  assert.equal(m.mask(u.href), 'postgres://[REDACTED]:[REDACTED]@db.example/app')
  assert.equal(m.mask(`GET ${encodeURI('https://x/' + v)}`), 'GET https://x/[REDACTED]')
  const xmlStyles = [
    v.replace(/&/g, '&amp;').replace(/</g, '&lt;'), // XML text content: & and < only
    v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'), // Python html.escape(quote=False)
    v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;'), // Python html.escape
    v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;') // Go html.EscapeString
  ]
  for (const x of xmlStyles) assert.equal(m.mask(`<pw>${x}</pw>`), '<pw>[REDACTED]</pw>', x)
  // Identical forms are registered once: a value with no special characters
  // gets no extra patterns from the new variants.
  const plain = createMasker()
  plain.add('FAKEplainvalue0123')
  const amp = createMasker()
  amp.add('FAKE&plainvalue0123')
  assert.ok(amp.patternCount - plain.patternCount <= 12, `${plain.patternCount} ${amp.patternCount}`)
})

test('a 4-character value inside a base64 blob is masked at every byte offset', () => {
  const m = createMasker()
  m.add('abcd')
  for (const prefix of ['', 'u', 'us', 'use']) {
    for (const suffix of ['', 'x', 'xy', 'xyz']) {
      const blob = b64(prefix + 'abcd' + suffix)
      assert.ok(m.mask(blob).includes('[REDACTED]'), `${prefix}|${suffix}: ${blob}`)
    }
  }
})

test('partial: no suffix is revealed when the match contains another secret', () => {
  const m = createMasker({ partial: { keepLast: 4 } })
  m.add('FAKElongprefix00WXYZ')
  m.add('WXYZ')
  assert.equal(m.mask('a=FAKElongprefix00WXYZ'), 'a=[REDACTED]')
  const m2 = createMasker({ partial: { keepLast: 4 } })
  m2.add('FAKElongprefix00WXYZ')
  m2.add('FAKElongprefix00WXY') // a prefix of the first
  assert.equal(m2.mask('a=FAKElongprefix00WXYZ'), 'a=[REDACTED]')
  const m3 = createMasker({ partial: { keepLast: 4 } })
  m3.add('FAKElongprefix00WXYZ')
  assert.equal(m3.mask('a=FAKElongprefix00WXYZ'), 'a=****WXYZ')
})

test('raising minLength keeps masking values accepted before; the minimum applies to new values', () => {
  const { addSecret, removeSecret, configureMasking } = require('..')
  addSecret('FAKE12')
  try {
    configureMasking({ minLength: 8 })
    assert.equal(mask('pw=FAKE12'), 'pw=[REDACTED]')
    assert.equal(mask(`pw=${b64('FAKE12')}`), 'pw=[REDACTED]')
    assert.throws(() => addSecret('FAKE34'), { code: 'VALUE_TOO_SHORT' })
    assert.equal(mask('pw=FAKE34'), 'pw=FAKE34')
    assert.equal(addSecret('FAKE12'), false) // known: not refused
  } finally {
    configureMasking({ minLength: 4 })
    removeSecret('FAKE12')
  }
  assert.equal(mask('pw=FAKE12'), 'pw=FAKE12')
})

test('a binary pattern matching from the middle of a character never breaks the string', () => {
  // Only the cache registers binary values; through the default masker.
  const { SecretCache } = require('..')
  const fs = require('fs'); const os = require('os'); const path = require('path')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-mask-bin-'))
  const v = Buffer.concat([Buffer.from([0xa9]), Buffer.from(fake('FAKE-tail-'))]) // 0xa9 ends 'é' (c3 a9)
  fs.writeFileSync(path.join(dir, 'bin'), v)
  const cache = new SecretCache({ files: { dir } })
  return cache.get('file:bin').then((got) => {
    assert.deepEqual(got, v)
    const text = `x é${v.subarray(1).toString()} y`
    assert.equal(mask(text), 'x [REDACTED] y')
    assert.deepEqual(mask(Buffer.from(text)), Buffer.concat([Buffer.from('x '), Buffer.from([0xc3]), Buffer.from('[REDACTED] y')]))
  }).finally(() => { cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
})
