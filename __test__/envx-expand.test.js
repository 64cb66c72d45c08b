'use strict'
// config({ expand: true }) / expand() against the real dotenv-expand@12:
// fixture facts, then a seeded differential on generated inputs (dotenv-expand
// runs in a vm with a timeout; inputs on which it hangs are counted and must
// still terminate here).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const dotenv = require('dotenv')
const dotenvExpand = require('dotenv-expand')
const sg = require('..')
const { mulberry32 } = require('./helpers/gen-env')
const { makeDotenvExpandVm } = require('./helpers/dotenv-expand-vm')

const SEED = Number(process.env.SG_DIFF_SEED || 20261127)
const COUNT = Number(process.env.SG_EXPAND_COUNT || 3000)

function ours (parsed, pe) {
  const p = { ...parsed }
  const env = { ...pe }
  const r = sg.expand({ parsed: p, processEnv: env })
  return { parsed: Object.entries(r.parsed), pe: Object.entries(env), error: r.error }
}
function theirs (parsed, pe) {
  const p = { ...parsed }
  const env = { ...pe }
  dotenvExpand.expand({ parsed: p, processEnv: env })
  return { parsed: Object.entries(p), pe: Object.entries(env) }
}

// Facts from dotenv-expand's documented behaviour and test fixtures; each is
// checked against the real package AND ours.
const FACTS = [
  { name: 'basic', parsed: { BASIC: 'basic', BASIC_EXPAND: '${BASIC}', BASIC_EXPAND_SIMPLE: '$BASIC' }, want: { BASIC_EXPAND: 'basic', BASIC_EXPAND_SIMPLE: 'basic' } },
  { name: 'process env wins', parsed: { MACHINE: 'file', MACHINE_EXPAND: '$MACHINE' }, pe: { MACHINE: 'machine' }, want: { MACHINE: 'machine', MACHINE_EXPAND: 'machine' } },
  { name: 'undefined is empty', parsed: { UNDEFINED_EXPAND: '$UNDEFINED_ENV_KEY' }, want: { UNDEFINED_EXPAND: '' } },
  { name: 'escaped', parsed: { ESCAPED_EXPAND: '\\$ESCAPED' }, want: { ESCAPED_EXPAND: '$ESCAPED' } },
  { name: ':- default', parsed: { D: '${UNSET:-default}', E: '${UNSET-dash}' }, want: { D: 'default', E: 'dash' } },
  { name: ':- with set value', parsed: { M: 'm', D: '${M:-default}' }, want: { D: 'm' } },
  { name: 'empty vs unset (:- treats empty as unset too, in v12)', parsed: { EMPTY: '', A: '${EMPTY:-d}', B: '${EMPTY-d}' }, want: { A: 'd', B: 'd' } },
  { name: ':+ and +', parsed: { SET: 'x', A: '${SET:+alt}', B: '${SET+alt}', C: '${NOPE:+alt}', D: '${NOPE+alt}' }, want: { A: 'alt', B: 'alt', C: '', D: '' } },
  { name: 'nested defaults', parsed: { A: '${U1:-${U2:-${U3:-deep}}}' }, want: { A: 'deep' } },
  { name: 'later key is empty', parsed: { A: 'x$LATER', LATER: 'later' }, want: { A: 'x' } },
  { name: 'self reference is empty', parsed: { SELF: '$SELF' }, want: { SELF: '' } },
  { name: 'composition', parsed: { USER: 'u', PASS: 'p', HOST: 'h', URI: 'mongodb://${USER}:${PASS}@${HOST}:27017/db' }, want: { URI: 'mongodb://u:p@h:27017/db' } },
  { name: 'no command substitution', parsed: { A: '$(echo hacked)', B: '`echo hacked`' }, want: { A: '$(echo hacked)', B: '`echo hacked`' } },
  { name: 'dollar not followed by a name stays', parsed: { A: 'price: 5$', B: '$1 and $ {x}' }, want: { A: 'price: 5$', B: '$1 and $ {x}' } },
  { name: 'preset empty is replaced by the file value', parsed: { A: 'file' }, pe: { A: '' }, want: { A: 'file' } }
]

test('dotenv-expand fixture facts hold for the real package and for ours', () => {
  for (const f of FACTS) {
    const pe = f.pe || {}
    const t = theirs(f.parsed, pe)
    const o = ours(f.parsed, pe)
    for (const [k, v] of Object.entries(f.want)) {
      assert.equal(Object.fromEntries(t.parsed)[k], v, `dotenv-expand: ${f.name}: ${k}`)
      assert.equal(Object.fromEntries(o.parsed)[k], v, `ours: ${f.name}: ${k}`)
    }
    assert.deepEqual(o.parsed, t.parsed, f.name)
    assert.deepEqual(o.pe, t.pe, f.name + ' (processEnv)')
  }
})

function makeExpandGen (seed) {
  const rnd = mulberry32(seed)
  const int = (n) => Math.floor(rnd() * n)
  const pick = (a) => a[int(a.length)]
  const names = ['A', 'B', 'C', 'HOST', 'PRE', 'X_1', '_U', 'nullA', 'Anull', 'UNSET', 'EMPTY']
  const ops = [':-', '-', ':+', '+']
  const lit = ['x', 'http://', ':', '/', ' ', '-', '+', ':-', 'null', '{', '}', '$', '$$', '$&', "$'", '$`', '\\', '\\$', '#', 'é', '🔑', '$1', '$<n>']
  function ref (depth) {
    const n = pick(names)
    const r = rnd()
    if (r < 0.25) return '$' + n
    if (r < 0.4) return '${' + n + '}'
    if (r < 0.5) return '\\$' + n
    if (r < 0.55) return '\\${' + n + '}'
    const inner = depth < 2 && rnd() < 0.35 ? ref(depth + 1) : pick(lit.filter((l) => !/[{}]/.test(l)))
    return '${' + n + pick(ops) + inner + '}'
  }
  function value () {
    let s = ''
    const n = int(5)
    for (let i = 0; i < n; i++) s += rnd() < 0.55 ? ref(0) : pick(lit)
    return s
  }
  return function gen () {
    const parsed = {}
    const n = 1 + int(6)
    for (let i = 0; i < n; i++) parsed[pick(names)] = value()
    const pe = {}
    if (rnd() < 0.5) {
      const m = 1 + int(3)
      for (let i = 0; i < m; i++) pe[pick(names)] = pick(['', 'pre', value(), '$A'])
    }
    // as after dotenv.config(): file values written where not preset
    if (rnd() < 0.5) for (const k of Object.keys(parsed)) if (!(k in pe)) pe[k] = parsed[k]
    return { parsed, pe }
  }
}

test(`expand() equals dotenv-expand@12 on ${COUNT} generated inputs (seed ${SEED})`, () => {
  const runVm = makeDotenvExpandVm()
  const gen = makeExpandGen(SEED)
  let compared = 0
  let hung = 0
  let limitedWhereTheyHang = 0
  const mismatches = []
  for (let i = 0; i < COUNT; i++) {
    const { parsed, pe } = gen()
    const o = ours(parsed, pe) // must always return
    const t = runVm(parsed, pe)
    if (t === null) {
      hung++
      if (o.error) limitedWhereTheyHang++
      continue
    }
    compared++
    assert.equal(o.error, undefined, `budget hit where dotenv-expand finished: ${JSON.stringify({ parsed, pe })}`)
    if (JSON.stringify(o.parsed) !== JSON.stringify(t.parsed) || JSON.stringify(o.pe) !== JSON.stringify(t.pe)) {
      mismatches.push({ i, parsed, pe, ours: o, theirs: t })
    }
  }
  console.log(`expand differential: ${compared} compared, ${hung} skipped (dotenv-expand did not return within 60 ms; ${limitedWhereTheyHang} of them hit our budget, the rest ended by the self-reference rule), ${mismatches.length} mismatches`)
  assert.equal(mismatches.length, 0, 'first mismatches:\n' + mismatches.slice(0, 3).map((m) => JSON.stringify(m)).join('\n'))
  assert.ok(compared > COUNT * 0.9, 'most inputs were compared')
})

test('config({ expand: true }) equals expand(dotenv.config()) on generated files', () => {
  const runVm = makeDotenvExpandVm()
  const gen = makeExpandGen(SEED + 7)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-expand-'))
  let compared = 0
  try {
    for (let i = 0; i < 400; i++) {
      const { parsed, pe } = gen()
      // write the values single-quoted (literal in dotenv) so the file parses back to `parsed`
      const src = Object.entries(parsed).filter(([, v]) => !v.includes("'")).map(([k, v]) => `${k}='${v}'`).join('\n')
      const file = path.join(dir, `e${i}.env`)
      fs.writeFileSync(file, src)
      const override = i % 3 === 0
      const envA = {}
      for (const [k, v] of Object.entries(pe)) if (!(k in parsed)) envA[k] = v // presets only
      const envB = { ...envA }
      const d = dotenv.config({ path: file, processEnv: envA, override, quiet: true })
      const t = runVm(d.parsed, envA)
      const got = sg.config({ path: file, processEnv: envB, override, expand: true })
      if (t === null) { assert.ok(got.parsed); continue }
      compared++
      assert.equal(JSON.stringify(Object.entries(got.parsed)), JSON.stringify(t.parsed), `parsed, file ${i}: ${src}`)
      assert.equal(JSON.stringify(Object.entries(envB)), JSON.stringify(t.pe), `processEnv, file ${i}`)
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  assert.ok(compared > 300)
})

test('the documented dotenv-expand hang terminates here with a deterministic result', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-expand-'))
  try {
    const file = path.join(dir, '.env')
    fs.writeFileSync(file, "B='${B:-dflt}'\nHOST='${PRE:-dflt}${B:-${PRE}}:'\n")
    const runVm = makeDotenvExpandVm()
    const envA = {}
    dotenv.config({ path: file, processEnv: envA, quiet: true })
    assert.equal(runVm({ B: '${B:-dflt}', HOST: '${PRE:-dflt}${B:-${PRE}}:' }, envA), null, 'dotenv-expand hangs on this input')
    const env = {}
    const r = sg.config({ path: file, processEnv: env, expand: true })
    assert.equal(r.error, undefined)
    assert.deepEqual(r.parsed, { B: 'dflt', HOST: 'dfltdflt:' })
    // unbounded growth ($& in a value) hits the budget: EXPAND_LIMIT naming the key, no value in the message
    const r2 = sg.expand({ parsed: { A: '$&$&', C: '$A' }, processEnv: {} })
    assert.equal(r2.error.code, 'EXPAND_LIMIT')
    assert.deepEqual(r2.error.keys, ['C'])
    // values that each double the one before: exponential over the file, stopped by the
    // total budget (64 MiB) instead of running out of memory
    const lines = ['A0=' + 'x'.repeat(16)]
    for (let i = 1; i < 40; i++) lines.push(`A${i}=\${A${i - 1}}\${A${i - 1}}`)
    const r3 = sg.expand({ parsed: sg.parse(lines.join('\n')), processEnv: {} })
    assert.equal(r3.error.code, 'EXPAND_LIMIT')
    assert.ok(r3.error.keys.includes('A39') && !r3.error.keys.includes('A20'), r3.error.keys.join())
    assert.equal(r3.parsed.A20.length, 16 << 20)
    assert.equal(r3.parsed.A39, '${A38}${A38}')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
