'use strict'
// Memory hygiene, measured: a child process loads a secret through the cache
// (file:, a rotation, aws: from moto, vault: from OpenBao) without JS ever
// holding the value, then closes the cache and clears the default masker. The
// parent reads the child's memory (/proc/PID/mem) and counts the value and
// its encodings. While loaded they must be found (the scan works); after the
// drop none may be left anywhere — Rust-owned buffers are zeroized, and the
// allocator (src/wipe_alloc.rs) wipes those of hyper, the AWS SDK, serde_json
// and aho-corasick when they are freed.
//
// glibc reuses the first 16 bytes of a freed block for its own pointers, so
// each form is searched by its last 20 characters: a freed, unwiped copy is
// still found.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('crypto')
const fs = require('fs')
const os = require('os')
const path = require('path')
const readline = require('readline')
const { spawn } = require('child_process')
const { SecretsManagerClient, CreateSecretCommand } = require('@aws-sdk/client-secrets-manager')
const { startMoto, startOpenBao } = require('../__test__/helpers/servers')

// Reading a child's memory needs ptrace access: Yama scope 0 or 1 (a parent may read its child).
function ptraceScope () { try { return Number(fs.readFileSync('/proc/sys/kernel/yama/ptrace_scope', 'utf8')) } catch { return 0 } }
const skip = process.platform !== 'linux' ? '/proc/PID/mem is Linux-only'
  : ptraceScope() >= 2 ? 'kernel.yama.ptrace_scope >= 2: a parent may not read its child\'s memory' : false
let moto, bao, dir

before(async () => {
  if (skip) return
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-memscan-'))
  moto = await startMoto()
  bao = await startOpenBao()
})
after(async () => {
  if (moto) await moto.stop()
  if (bao) await bao.stop()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

const canary = () => `FAKE_memscan_${crypto.randomBytes(16).toString('hex')}`

// The forms a value is held in: raw (UTF-8 and UTF-16), base64 and hex (the
// masker's derived patterns). Each as its last 20 characters.
function needles (value) {
  const tail = (s) => s.slice(-20)
  const raw = tail(value)
  return {
    raw: Buffer.from(raw),
    utf16: Buffer.from(raw, 'utf16le'),
    base64: Buffer.from(tail(Buffer.from(value).toString('base64').replace(/=+$/, ''))),
    hex: Buffer.from(tail(Buffer.from(value).toString('hex')))
  }
}

// Occurrences of each needle in the child's writable or anonymous memory.
function scan (pid, value) {
  const forms = needles(value)
  const hits = Object.fromEntries(Object.keys(forms).map((k) => [k, 0]))
  const fd = fs.openSync(`/proc/${pid}/mem`, 'r')
  let bytes = 0
  try {
    for (const line of fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/.exec(line)
      if (!m || m[3][0] !== 'r') continue
      const where = m[4]
      if (where === '[vvar]' || where === '[vsyscall]' || where === '[vvar_vclock]') continue
      if (where.startsWith('/') && m[3][1] !== 'w') continue // code and read-only data of files
      const start = parseInt(m[1], 16)
      const end = parseInt(m[2], 16)
      const CHUNK = 8 << 20
      const OVERLAP = 64
      for (let at = start; at < end; at += CHUNK) {
        const len = Math.min(CHUNK + OVERLAP, end - at)
        const buf = Buffer.allocUnsafe(len)
        let n = 0
        try { n = fs.readSync(fd, buf, 0, len, at) } catch { continue } // a guard page
        bytes += Math.min(n, CHUNK)
        const view = buf.subarray(0, n)
        for (const [k, needle] of Object.entries(forms)) {
          // count matches starting in this chunk (not in the overlap)
          for (let i = view.indexOf(needle); i !== -1 && i < CHUNK; i = view.indexOf(needle, i + 1)) hits[k]++
        }
      }
    }
  } finally { fs.closeSync(fd) }
  return { hits, total: Object.values(hits).reduce((a, b) => a + b, 0), bytes }
}

// Run the child; at each phase, scan for `value` (or the value named for that phase).
async function runChild (scenario, opts, valueFor) {
  const child = spawn(process.execPath, ['--expose-gc', path.join(__dirname, 'helpers', 'memory-child.js'), scenario, JSON.stringify(opts)], {
    stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH, AWS_ACCESS_KEY_ID: 'FAKEAKID', AWS_SECRET_ACCESS_KEY: 'FAKESECRET', AWS_EC2_METADATA_DISABLED: 'true' }
  })
  let err = ''
  child.stderr.on('data', (c) => { err += c })
  const exited = new Promise((resolve) => child.on('exit', resolve))
  const results = {}
  for await (const line of readline.createInterface({ input: child.stdout })) {
    const m = /^PHASE (\S+)$/.exec(line)
    if (!m) continue
    results[m[1]] = scan(child.pid, valueFor(m[1]))
    child.stdin.write('go\n')
  }
  const code = await exited
  assert.equal(code, 0, `child failed: ${err}`)
  return results
}

function report (scenario, results) {
  for (const [p, r] of Object.entries(results)) {
    console.log(`# ${scenario} ${p}: ${JSON.stringify(r.hits)} in ${(r.bytes / 1048576).toFixed(0)} MB scanned`)
  }
}

test('file: loaded, then close() + masker clear → no copy of the value or its encodings left', { skip, timeout: 60_000 }, async () => {
  const v = canary()
  fs.writeFileSync(path.join(dir, 'sec'), v)
  const r = await runChild('file', { dir }, () => v)
  report('file', r)
  assert.ok(r.loaded.hits.raw >= 1 && r.loaded.hits.base64 >= 1 && r.loaded.hits.hex >= 1, 'positive control: the loaded value and its encodings are found')
  assert.equal(r.dropped.total, 0, JSON.stringify(r.dropped.hits))
})

test('file: a JSON secret (fields learned separately) leaves nothing after the drop', { skip, timeout: 60_000 }, async () => {
  const v = canary()
  fs.writeFileSync(path.join(dir, 'sec'), JSON.stringify({ user: 'svc', password: v, note: 'a\nb' }))
  const r = await runChild('file', { dir }, () => v)
  report('file-json', r)
  assert.ok(r.loaded.hits.raw >= 1, 'positive control')
  assert.equal(r.dropped.total, 0, JSON.stringify(r.dropped.hits))
})

test('rotation: the replaced value (retired, then cleared) leaves nothing', { skip, timeout: 60_000 }, async () => {
  const v1 = canary()
  const v2 = canary()
  fs.writeFileSync(path.join(dir, 'sec'), v1)
  fs.writeFileSync(path.join(dir, 'sec.next'), v2)
  const r = await runChild('rotation', { dir }, () => v1)
  report('rotation (v1)', r)
  assert.ok(r['v1-loaded'].hits.raw >= 1, 'positive control')
  assert.equal(r.dropped.total, 0, JSON.stringify(r.dropped.hits))
})

test('aws: (moto, real HTTP): the response body and parsed value leave nothing after the drop', { skip, timeout: 60_000 }, async () => {
  const v = canary()
  const name = `memscan-${crypto.randomBytes(4).toString('hex')}`
  const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: 'us-east-1' })
  await sm.send(new CreateSecretCommand({ Name: name, SecretString: v }))
  const r = await runChild('aws', { endpoint: moto.endpoint, name }, () => v)
  report('aws', r)
  assert.ok(r.loaded.hits.raw >= 1, 'positive control')
  assert.equal(r.dropped.total, 0, JSON.stringify(r.dropped.hits))
})

test('vault: (OpenBao, real HTTP): the response JSON leaves nothing after the drop', { skip, timeout: 60_000 }, async () => {
  const v = canary()
  const name = `memscan-${crypto.randomBytes(4).toString('hex')}`
  const res = await fetch(`${bao.address}/v1/secret/data/${name}`, {
    method: 'POST', headers: { 'x-vault-token': bao.token, 'content-type': 'application/json' },
    body: JSON.stringify({ data: { password: v, quoted: `"${v}"` } })
  })
  assert.equal(res.status, 200, await res.text())
  const r = await runChild('vault', { address: bao.address, token: bao.token, name }, () => v)
  report('vault', r)
  assert.ok(r.loaded.hits.raw >= 1, 'positive control')
  assert.equal(r.dropped.total, 0, JSON.stringify(r.dropped.hits))
})
