'use strict'
// mask(): the Rust Aho-Corasick masker against what a user would write in JS —
// one RegExp alternation of the escaped values, longest first, `.replace` with
// the censor — both for the raw values only and for the same set of encodings
// the native masker registers. Outputs are compared before timing.
const { Bench } = require('tinybench')
const assert = require('assert')
const { createMasker } = require('..')

// deterministic pseudo-random
let seed = 12345
const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff }
const hex = (n) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('')
const pick = (a) => a[Math.floor(rnd() * a.length)]

function makeSecrets (n) {
  const kinds = [
    () => `sk_live_FAKE${hex(24)}`,
    () => `ghp_FAKE${hex(32)}`,
    () => `pw-${hex(10)}/+&"x`, // characters every encoding changes
    () => `AKIAFAKE${hex(12).toUpperCase()}`,
    () => `xoxb-FAKE-${hex(12)}-${hex(12)}`
  ]
  return Array.from({ length: n }, (_, i) => kinds[i % kinds.length]())
}

// ---- the same forms lib/mask (src/masking/encode.rs) registers, in JS
const jsonBody = (v) => JSON.stringify(v).slice(1, -1)
const jsonAscii = (v) => jsonBody(v).replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
const pct = (v, keep, upper, plus) => [...Buffer.from(v)].map((b) => {
  const c = String.fromCharCode(b)
  if (keep !== null && (/[A-Za-z0-9]/.test(c) || keep.includes(c))) return c
  if (plus && c === ' ') return '+'
  const h = b.toString(16).padStart(2, '0')
  return '%' + (upper ? h.toUpperCase() : h)
}).join('')
// & and < always; > with gt; " and ' when given
const xml = (v, gt, quot, apos) => v.replace(/[&<>"']/g, (c) => c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? (gt ? '&gt;' : c) : c === '"' ? (quot || c) : (apos || c))
// base64 of the value inside a larger blob: for each byte offset in a 3-byte
// group, the characters whose 6 bits all come from the value (standard, URL-safe)
function b64runs (b) {
  const out = []
  for (let o = 0; o < 3; o++) {
    const e = Buffer.concat([Buffer.alloc(o), b]).toString('base64').replace(/=+$/, '')
    const run = e.slice(Math.ceil(8 * o / 6), Math.floor(8 * (o + b.length) / 6))
    if (run.length) out.push(run, run.replace(/\+/g, '-').replace(/\//g, '_'))
  }
  return out
}
function formsOf (v) {
  const b = Buffer.from(v)
  const out = [v, b.toString('base64'), b.toString('base64').replace(/=+$/, ''), b.toString('base64url'), b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_')]
  out.push(...b64runs(b))
  out.push(b.toString('hex').toUpperCase(), b.toString('hex'))
  if (jsonBody(v) !== v) out.push(jsonBody(v), jsonBody(jsonBody(v)), ...b64runs(Buffer.from(jsonBody(v))))
  if (jsonAscii(v) !== jsonBody(v)) out.push(jsonAscii(v), ...b64runs(Buffer.from(jsonAscii(v))))
  for (const e of [pct(v, "-_.!~*'()", true, false), pct(v, "-_.!~*'()", false, false), pct(v, '*-._', true, true),
    pct(v, "!$%&'()*+,-._~", true, false), pct(v, "-_.!~*'();,/?:@&=+$#", true, false)]) if (e !== v) out.push(e)
  out.push(pct(v, null, true, false), pct(v, null, false, false))
  for (const [gt, q, a] of [[true, '&quot;', '&apos;'], [true, '&quot;', '&#39;'], [true, '&quot;', '&#x27;'], [true, '&#34;', '&#39;'], [false], [true]]) {
    if (xml(v, gt, q, a) !== v) out.push(xml(v, gt, q, a))
  }
  return out.filter((f) => [...f].length >= 4)
}

// The escaped alternation, longest first, split into RegExps whose source stays under
// V8's 20 KB limit above which irregexp skips its optimisations
// (RegExp::kRegExpTooLargeToOptimize); applied in turn. Output is asserted identical.
function jsMasker (values, censor = '[REDACTED]', limit = 16 * 1024) {
  const uniq = [...new Set(values)].sort((a, b) => b.length - a.length)
  const res = []; let cur = []; let len = 0
  for (const v of uniq) {
    const e = v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    if (len + e.length + 1 > limit && cur.length) { res.push(new RegExp(cur.join('|'), 'g')); cur = []; len = 0 }
    cur.push(e); len += e.length + 1
  }
  if (cur.length) res.push(new RegExp(cur.join('|'), 'g'))
  return { mask: (s) => { for (const re of res) s = s.replace(re, censor); return s }, patterns: uniq.length }
}

// Realistic log lines: JSON access logs and text lines; every 8th line carries a
// secret (raw, base64, URL-encoded, hex or JSON-escaped).
function makeLines (secrets, count, targetLen) {
  const lines = []
  for (let i = 0; i < count; i++) {
    let line = JSON.stringify({
      level: 30, time: 1700000000000 + i, pid: 4242, hostname: 'web-1', reqId: `req-${hex(8)}`,
      req: { method: pick(['GET', 'POST']), url: `/api/v1/items/${i}?page=${i % 7}&sort=asc`, remoteAddress: '10.0.0.' + (i % 255) },
      res: { statusCode: pick([200, 200, 201, 404]) }, responseTime: Math.floor(rnd() * 100), msg: 'request completed'
    })
    while (line.length < targetLen) line += ' ' + pick(['user=42', 'cache=hit', 'region=eu-west-1', 'retry=0', 'upstream=payments', 'trace=' + hex(16)])
    if (i % 8 === 0) {
      const s = pick(secrets)
      const f = pick([s, Buffer.from(s).toString('base64'), encodeURIComponent(s), Buffer.from(s).toString('hex'), jsonBody(s)])
      const at = Math.floor(line.length / 2)
      line = line.slice(0, at) + ` key=${f} ` + line.slice(at)
    }
    lines.push(line)
  }
  return lines
}

async function run () {
  const rows = []
  const cases = [[10, 200, 200], [100, 4096, 40], [200, 200, 200]]
  for (const [nSecrets, lineLen, nLines] of cases) {
    const secrets = makeSecrets(nSecrets)
    const lines = makeLines(secrets, nLines, lineLen)
    const bytes = lines.reduce((a, l) => a + Buffer.byteLength(l), 0)

    const nativeAll = createMasker()
    const nativeRaw = createMasker({ encodings: false })
    for (const s of secrets) { nativeAll.add(s); nativeRaw.add(s) }
    const jsRaw = jsMasker(secrets)
    const jsAll = jsMasker(secrets.flatMap(formsOf))

    // identical output first
    assert.equal(nativeAll.patternCount, jsAll.patterns, 'same pattern set')
    for (const l of lines) {
      assert.equal(nativeRaw.mask(l), jsRaw.mask(l))
      assert.equal(nativeAll.mask(l), jsAll.mask(l))
    }
    assert.ok(lines.some((l) => nativeAll.mask(l) !== l))

    const bench = new Bench({ time: 1500, warmupTime: 300 })
    const over = (m) => () => { for (let i = 0; i < lines.length; i++) m.mask(lines[i]) }
    bench
      .add('secret-guard, all encodings', over(nativeAll))
      .add('JS RegExp, same encodings', over(jsAll))
      .add('secret-guard, raw values only', over(nativeRaw))
      .add('JS RegExp, raw values only', over(jsRaw))
    await bench.run()
    const [nA, jA, nR, jR] = bench.tasks.map((t) => t.result.latency.mean) // ms per batch
    const perLine = (ms) => (ms * 1e6 / lines.length).toFixed(0)
    const mbs = (ms) => (bytes / 1e6 / (ms / 1e3)).toFixed(0)
    rows.push({ name: `${nSecrets} secrets, ${lineLen} B lines, encodings (${nativeAll.patternCount} patterns)`, ns: perLine(nA), mb: mbs(nA), jsNs: perLine(jA), jsMb: mbs(jA), ratio: jA / nA })
    rows.push({ name: `${nSecrets} secrets, ${lineLen} B lines, raw only (${nSecrets} patterns)`, ns: perLine(nR), mb: mbs(nR), jsNs: perLine(jR), jsMb: mbs(jR), ratio: jR / nR })
  }

  console.log('\nmask(): secret-guard vs one JS RegExp alternation + replace (identical output asserted first)')
  console.log('| case | secret-guard ns/line | MB/s | JS RegExp ns/line | MB/s | speed-up |')
  console.log('|---|---|---|---|---|---|')
  for (const r of rows) console.log(`| ${r.name} | ${r.ns} | ${r.mb} | ${r.jsNs} | ${r.jsMb} | ${r.ratio.toFixed(1)}x |`)

  // redact(obj): deep copy + masking + key censoring vs @pinojs/redact (pino's
  // path-based redaction; a narrower job: only listed paths, no value search).
  let pinoRedact
  try { pinoRedact = require('@pinojs/redact') } catch { pinoRedact = null }
  const secrets = makeSecrets(100)
  const m = createMasker()
  for (const s of secrets) m.add(s)
  const obj = () => ({ req: { method: 'GET', url: `/x?k=${encodeURIComponent(secrets[3])}`, headers: { authorization: `Bearer ${secrets[1]}`, accept: '*/*', 'user-agent': 'curl/8' } }, user: { id: 42, password: 'hunter2' }, msg: 'login', tags: ['a', 'b', 'c'] })
  const o = obj()
  const bench = new Bench({ time: 1000, warmupTime: 200 })
  bench.add('secret-guard redact() + JSON.stringify', () => JSON.stringify(m.redact(o)))
  if (pinoRedact) {
    const fr = pinoRedact({ paths: ['req.headers.authorization', 'user.password'], censor: '[REDACTED]' })
    bench.add('@pinojs/redact (2 paths, serialize)', () => fr(o))
  }
  bench.add('JSON.stringify only (no redaction)', () => JSON.stringify(o))
  await bench.run()
  console.log('\nredact(): per object (a small request log object); @pinojs/redact only censors the listed paths,')
  console.log('secret-guard also masks every known value anywhere (here the URL query) and censors by key pattern')
  console.log('| task | µs/object |')
  console.log('|---|---|')
  for (const t of bench.tasks) console.log(`| ${t.name} | ${(t.result.latency.mean * 1e3).toFixed(2)} |`)
  assert.ok(!JSON.stringify(m.redact(o)).includes(encodeURIComponent(secrets[3])))
}

run().catch((e) => { console.error(e); process.exit(1) })
