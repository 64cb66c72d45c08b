'use strict'
// Leak scan: random canary secrets go through every public entry point (config with
// debug/expand/cascade/required/schema/decrypt errors, parse errors, cache errors of
// every code against real moto/OpenBao and fake endpoints, masker/redact/Secret,
// winston/pino output to stdout and files, util.inspect/JSON.stringify/String of
// every returned object, a caught panic, and the CLI). Everything observable —
// the child's stdout and stderr, the CLI's output, log files, the encrypted .env —
// is searched for each canary and its encodings. 0 hits required.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('crypto')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { spawn } = require('child_process')
const { startMoto, startOpenBao } = require('../__test__/helpers/servers')

let moto, bao, baoTls, dir

before(async () => {
  ;[moto, bao, baoTls] = await Promise.all([startMoto(), startOpenBao(), startOpenBao({ tls: true })])
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-leak-'))
})

after(async () => {
  if (moto) await moto.stop()
  if (bao) await bao.stop()
  if (baoTls) await baoTls.stop()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

const hex = (n) => crypto.randomBytes(n).toString('hex')
// Two shapes: plain token-like, and one with characters every encoding changes.
const canary = (tag, i) => i % 2 ? `sk_test_FAKE_${tag}_${hex(12)}` : `pw/FAKE+${tag}&${hex(8)}=%${hex(6)}!`

/** Every form a canary could take in the output. */
function forms (c) {
  const b = Buffer.from(c)
  const out = new Map()
  const add = (k, v) => { if (v.length >= 8) out.set(k + ':' + v, v) }
  add('raw', c)
  for (const enc of ['base64', 'base64url']) {
    // base64 at each of the 3 byte alignments; the core is independent of neighbours
    for (let shift = 0; shift < 3; shift++) {
      const s = Buffer.concat([Buffer.alloc(shift, 0x41), b]).toString(enc)
      add(`${enc}${shift}`, s.slice(4, s.length - 4))
    }
  }
  add('hex', b.toString('hex'))
  add('HEX', b.toString('hex').toUpperCase())
  add('url', encodeURIComponent(c))
  add('urllower', encodeURIComponent(c).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()))
  add('form', new URLSearchParams({ k: c }).toString().slice(2))
  add('json', JSON.stringify(c).slice(1, -1))
  add('json2', JSON.stringify(JSON.stringify(c)).slice(3, -3))
  // a long random fragment (truncated leaks)
  const m = c.match(/[0-9a-f]{16,}/)
  if (m) add('fragment', m[0].slice(0, 16))
  return [...out.entries()].map(([k, v]) => ({ kind: k.split(':')[0], v }))
}

test('leak scan: 0 canary hits in stdout, stderr, logs, files and CLI output', { timeout: 240_000 }, async (t) => {
  const C = {}
  const names = ['envApiKey', 'envDbPassword', 'envPort', 'envUrl', 'envGrow', 'envEncrypted', 'privateKeyLike', 'awsPlain', 'awsField', 'vaultField',
    'fileValue', 'envVarValue', 'vaultToken', 'masked', 'masked2', 'unregistered', 'secretObj', 'panicPayload', 'cliValue', 'cliValue2', 'cliValue3', 'expressSecret', 'apiKeyGood', 'apiKeyWrong', 'webhookKey', 'control',
    // found by review (2026-11-28): a URL passed as a name, a token in a route path, a binary file secret, a CLI value starting with '-'
    'urlName', 'routeToken', 'binaryFile', 'cliDash']
  names.forEach((n, i) => { C[n] = canary(n.slice(0, 6), i) })
  // .env values must stay on one line and unquoted-safe; the private-key-like one is not hex
  const child = spawn(process.execPath, [path.join(__dirname, 'helpers', 'leak-scenarios.js')], {
    env: { ...process.env, SG_LEAK: JSON.stringify(C), SG_LEAK_DIR: dir, SG_LEAK_MOTO: moto.endpoint, SG_LEAK_BAO: JSON.stringify({ address: bao.address, token: bao.token }), SG_LEAK_BAO_TLS: baoTls.address, FORCE_COLOR: '0', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''; let stderr = ''
  child.stdout.on('data', (d) => { stdout += d })
  child.stderr.on('data', (d) => { stderr += d })
  const code = await new Promise((resolve) => child.on('exit', resolve))
  const line = stdout.split('\n').find((l) => l.startsWith('@@SUMMARY '))
  assert.equal(code, 0, `scenario child failed: ${stderr.slice(-2000)}`)
  assert.ok(line, 'summary line')
  const summary = JSON.parse(line.slice(10))
  const sources = [['child stdout', stdout], ['child stderr', stderr]]
  for (const f of summary.files) sources.push([path.relative(dir, f), fs.readFileSync(f, 'utf8')])
  // every file the scenarios wrote except the inputs the test itself created with values
  const inputs = new Set(['.env', 'casc/.env', 'casc/.env.production.local', 'enc/.env', 'cli/.env.keys'])
  const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)])
  for (const f of walk(dir)) {
    const rel = path.relative(dir, f)
    if (inputs.has(rel) || rel.startsWith('files/') || summary.files.includes(f)) continue
    sources.push([rel, fs.readFileSync(f, 'latin1')])
  }
  const audit = sources.find(([src]) => src === 'audit.log')
  assert.ok(audit && audit[1].includes('"event"'), 'the audit trail was written and is scanned')
  const hits = []
  let patterns = 0
  for (const [n, c] of Object.entries(C)) {
    for (const { kind, v } of forms(c)) {
      patterns++
      for (const [src, text] of sources) {
        const i = text.indexOf(v)
        if (i >= 0) hits.push(`${n} as ${kind} in ${src}: …${text.slice(Math.max(0, i - 80), i).replace(v, '<CANARY>')}<CANARY>…`)
      }
    }
  }
  const expected = ['ACCESS_DENIED', 'CACHE_CLOSED', 'DECRYPTION_FAILED', 'ENV_VALIDATION', 'FIELD_NOT_FOUND', 'INVALID_NAME', 'INVALID_OPTION',
    'INVALID_PRIVATE_KEY', 'MISSING_PRIVATE_KEY', 'NOT_JSON', 'PANIC', 'PROVIDER_ERROR', 'PROVIDER_NOT_CONFIGURED', 'PROVIDER_UNAVAILABLE', 'READY_FAILED',
    'SECRET_NOT_FOUND', 'SECRET_TOO_LARGE', 'THROTTLED', 'TIMEOUT', 'TLS_ERROR', 'VALUE_TOO_SHORT']
  if (typeof require('..').express === 'function') expected.push('SECRET_UNAVAILABLE', 'API_KEY_INVALID', 'WEBHOOK_UNAUTHORIZED')
  const bytes = sources.reduce((n, [, s]) => n + s.length, 0)
  t.diagnostic(`leak scan: ${Object.keys(C).length} canaries x encodings = ${patterns} patterns searched in ${sources.length} outputs (${bytes} bytes); ` +
    `${summary.checks} entry-point checks; error codes seen: ${summary.codes.join(', ')}; hits: ${hits.filter((h) => !h.startsWith('control ')).length} (plus the positive control, found as ${hits.filter((h) => h.startsWith('control ')).map((h) => h.split(' ')[2]).join('/')})`)
  const control = hits.filter((h) => h.startsWith('control '))
  assert.ok(control.length > 0, 'the positive control (a canary printed as shifted base64) was found')
  hits.splice(0, hits.length, ...hits.filter((h) => !h.startsWith('control ')))
  for (const h of hits) t.diagnostic('HIT ' + h)
  for (const c of expected) assert.ok(summary.codes.includes(c), `error code ${c} was provoked`)
  assert.deepEqual(hits, [])
})
