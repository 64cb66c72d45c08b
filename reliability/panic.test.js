'use strict'
// Panics: a Rust panic inside a #[napi] entry point (sync, and inside an async
// one) surfaces as a JS error with code PANIC and a fixed message — the panic
// payload (which could hold data) is neither in the error nor on stderr — and the
// process keeps running. Runs in a child to capture stderr.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('crypto')
const path = require('path')
const { spawnSync } = require('child_process')

const ROOT = path.join(__dirname, '..')

test('a forced panic throws an Error with code PANIC, does not leak its payload, and the process continues', (t) => {
  const payload = `sk_test_FAKE_panic_${crypto.randomBytes(12).toString('hex')}`
  const script = `
    const native = require(${JSON.stringify(path.join(ROOT, 'lib', 'native'))})
    const sg = require(${JSON.stringify(ROOT)})
    const out = []
    for (let i = 0; i < 200; i++) {
      try { native.__testPanic(process.env.P); out.push('no throw') } catch (e) {
        out.push([e instanceof Error, e instanceof sg.SecretGuardError, e.code, e.message, String(e.stack).includes(process.env.P)])
      }
    }
    native.__testPanicAsync(process.env.P).then(() => { console.log('async did not reject') }, (e) => {
      out.push([e instanceof Error, e instanceof sg.SecretGuardError, e.code, e.message, String(e.stack).includes(process.env.P)])
      // the addon still works after the panics
      out.push(sg.parse('A=1').A, native.__testPanic(''), sg.mask('x'))
      console.log(JSON.stringify(out))
    })`
  const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, P: payload }, encoding: 'utf8', timeout: 60_000 })
  assert.equal(r.status, 0, r.stderr)
  const out = JSON.parse(r.stdout.trim().split('\n').pop())
  const sync = out.slice(0, 200)
  const asyncErr = out[200]
  t.diagnostic(`sync panic -> ${JSON.stringify(sync[0])}; async panic -> ${JSON.stringify(asyncErr)}; stderr: ${JSON.stringify(r.stderr.split('\n')[0])} (${r.stderr.split('\n').filter(Boolean).length} lines)`)
  for (const e of [...sync, asyncErr]) {
    assert.deepEqual(e.slice(0, 3), [true, true, 'PANIC'])
    assert.ok(!e[3].includes(payload))
    assert.equal(e[4], false, 'payload not in the stack')
  }
  assert.deepEqual(out.slice(201), ['1', null, 'x'])
  assert.ok(!r.stderr.includes(payload), 'the panic hook does not print the payload')
  assert.ok(!r.stdout.includes(payload))
  assert.match(r.stderr, /secret-guard: internal error \(Rust panic at src\/panic\/napi\.rs:\d+\)/)
})

test('every #[napi] entry point in src/ is compiled with catch_unwind', () => {
  const fs = require('fs')
  const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)])
  const missing = []
  let n = 0
  for (const f of walk(path.join(ROOT, 'src')).filter((f) => f.endsWith('.rs'))) {
    const lines = fs.readFileSync(f, 'utf8').split('\n')
    lines.forEach((l, i) => {
      const m = /^\s*#\[napi(\((.*)\))?\]\s*$/.exec(l)
      if (!m) return
      const next = lines.slice(i + 1).find((x) => x.trim() && !x.trim().startsWith('#[') && !x.trim().startsWith('//'))
      if (/^\s*(pub\s+)?(struct|impl|enum|const)\b/.test(next) || /\bobject\b/.test(m[2] || '')) return // types, not entry points
      n++
      if (!/catch_unwind/.test(m[2] || '')) missing.push(`${path.relative(ROOT, f)}:${i + 1} ${next.trim()}`)
    })
  }
  assert.ok(n >= 40, `found ${n} entry points`)
  assert.deepEqual(missing, [])
})
