'use strict'
// parse() and config() against dotenv 18 (default parser and { fast: true }),
// side by side in one run; and whole-process start time. Prints ratios.
const { Bench } = require('tinybench')
const { spawnSync } = require('child_process')
const fs = require('fs')
const os = require('os')
const path = require('path')
const assert = require('assert')
const dotenv = require('dotenv')
const sg = require('..')
const { mulberry32 } = require('../__test__/helpers/gen-env')

// A realistic .env: the kinds of lines real projects have.
function realisticEnv (lines, seed = 7) {
  const rnd = mulberry32(seed)
  const hex = (n) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('')
  const kinds = [
    (i) => `# section ${i}`,
    (i) => `PORT_${i}=${3000 + i}`,
    (i) => `DATABASE_URL_${i}=postgres://app:${hex(16)}@db-${i}.internal:5432/app_${i}`,
    (i) => `STRIPE_KEY_${i}=sk_test_FAKE${hex(24)}`,
    (i) => `APP_NAME_${i}="My App ${i}" # quoted with comment`,
    (i) => `GREETING_${i}='hello world ${i}'`,
    (i) => `export NODE_OPTS_${i}=--max-old-space-size=${1024 + i}`,
    (i) => `MULTI_${i}="line one\\nline two ${i}"`,
    (i) => `FEATURE_FLAG_${i}=true`,
    () => ''
  ]
  const out = []
  for (let i = 0; i < lines; i++) out.push(kinds[i % kinds.length](i))
  return out.join('\n') + '\n'
}

// Ratio of medians: robust to the GC pauses and VM stalls that skew means.
function ratio (a, b) { return (a.latency.p50 / b.latency.p50) }
// The f-quantile of a list of numbers (0.5: the median).
const q = (a, f) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) * f)]

// This VM's speed drifts by tens of percent over seconds, which one long
// tinybench run per case turns into a skewed ratio. So each case runs as
// ROUNDS short rounds with every contender in each, and each contender's
// figure is the median of its per-round medians.
const ROUNDS = 7
async function rounds (time, add) {
  const p50s = []
  for (let r = 0; r < ROUNDS; r++) {
    const bench = new Bench({ time, warmupTime: 100 })
    add(bench)
    await bench.run()
    bench.tasks.forEach((t, i) => { (p50s[i] = p50s[i] || []).push(t.result.latency.p50) })
  }
  return p50s.map((a) => ({ latency: { p50: q(a, 0.5) } }))
}

async function run () {
  const small = realisticEnv(30)
  const large = realisticEnv(10000)
  for (const src of [small, large]) {
    assert.deepStrictEqual(sg.parse(src), dotenv.parse(src))
    assert.deepStrictEqual(sg.parse(src), dotenv.parse(src, { fast: true }))
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-bench-'))
  const file = path.join(dir, '.env')
  fs.writeFileSync(file, small)

  const rows = []
  const floors = []
  for (const [label, src, time] of [['30 lines', small, 300], ['10,000 lines', large, 600]]) {
    // Two references for the cost of building the result object alone:
    // - V8's own JSON.parse of the same result from a flat text (the way
    //   secret-guard builds it);
    // - the fastest construction found: the values sliced out of one string
    //   and stored through an object literal generated for exactly these
    //   keys (new Function, compiled once outside the timing). A parser
    //   would pay this and more: it must also read the text.
    const expected = dotenv.parse(src)
    const json = JSON.stringify(expected)
    const keys = Object.keys(expected)
    const values = Object.values(expected)
    const joined = values.join('')
    const ends = []
    let end = 0
    for (const v of values) ends.push(end += v.length)
    // eslint-disable-next-line no-new-func
    const literal = new Function('v', `return {${keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ')}}`)
    const sliced = () => {
      const v = new Array(ends.length)
      for (let i = 0, at = 0; i < ends.length; at = ends[i++]) v[i] = joined.slice(at, ends[i])
      return literal(v)
    }
    assert.deepStrictEqual(sliced(), expected)
    const [ours, fast, def, viaJson, viaLiteral] = await rounds(time, (bench) => bench
      .add('secret-guard parse', () => sg.parse(src))
      .add('dotenv parse (fast)', () => dotenv.parse(src, { fast: true }))
      .add('dotenv parse (default)', () => dotenv.parse(src))
      .add('JSON.parse of the result', () => JSON.parse(json))
      .add('generated literal from sliced values', sliced))
    rows.push([`parse, ${label}`, ratio(fast, ours), ratio(def, ours)])
    floors.push([label, ratio(fast, viaJson), ratio(fast, viaLiteral)])
  }
  {
    const [ours, fast, def] = await rounds(300, (bench) => bench
      .add('secret-guard config', () => sg.config({ path: file, processEnv: {} }))
      .add('dotenv config (fast)', () => dotenv.config({ path: file, processEnv: {}, quiet: true, fast: true }))
      .add('dotenv config (default)', () => dotenv.config({ path: file, processEnv: {}, quiet: true })))
    rows.push(['config(), 30-line file, fresh processEnv', ratio(fast, ours), ratio(def, ours)])
  }

  console.log('\nspeed-up of secret-guard (higher is better; same output asserted first):')
  console.log('| case | vs dotenv fast parser | vs dotenv default parser |')
  console.log('|---|---|---|')
  for (const [name, f, d] of rows) console.log(`| ${name} | ${f.toFixed(1)}x | ${d.toFixed(1)}x |`)
  console.log('\nceilings: dotenv fast parser time / time just to build the same object, without reading the text')
  for (const [label, j, l] of floors) {
    console.log(`  ${label}: ${j.toFixed(1)}x with JSON.parse (as secret-guard does); ` +
      `${l.toFixed(1)}x with a literal generated for these keys from sliced values (fastest found)`)
  }

  // whole-process start: node -e "require(X).config()" with a 30-line .env in
  // cwd. The commands run interleaved, and what is reported is the median of
  // the per-round differences (ours - dotenv), with its interquartile range:
  // a VM stall then spoils one round, not the comparison.
  // NODE_EXTRA_CA_CERTS (set on some machines, this VM included) makes every
  // node process load a CA bundle at start: the same work on both sides, so
  // the children run without it and the spread shrinks.
  const env = { ...process.env }
  delete env.NODE_EXTRA_CA_CERTS
  const runs = 300
  const root = path.join(__dirname, '..')
  const loads = {
    ours: `require(${JSON.stringify(root)}).config()`,
    theirs: `require(${JSON.stringify(require.resolve('dotenv'))}).config({ quiet: true })`
  }
  const codes = { base: '0', ...loads }
  const times = { base: [], ours: [], theirs: [] }
  for (let i = 0; i < runs; i++) {
    for (const [k, code] of Object.entries(codes)) {
      const t0 = process.hrtime.bigint()
      const r = spawnSync(process.execPath, ['-e', code], { cwd: dir, env })
      if (r.status !== 0) throw new Error(r.stderr.toString())
      times[k].push(Number(process.hrtime.bigint() - t0) / 1e6)
    }
  }
  const diff = times.ours.map((t, i) => t - times.theirs[i])
  const overBase = (k) => q(times[k].map((t, i) => t - times.base[i]), 0.5)
  console.log(`\nprocess start (${runs} interleaved rounds): secret-guard adds ${q(diff, 0.5).toFixed(1)} ms vs dotenv ` +
    `(median of per-round differences; IQR ${q(diff, 0.25).toFixed(1)} to ${q(diff, 0.75).toFixed(1)} ms); ` +
    `over bare node: ${overBase('ours').toFixed(1)} ms vs ${overBase('theirs').toFixed(1)} ms`)

  // The same start-up seen from inside an app's main script: require() +
  // config() timed in fresh processes (interleaved rounds). Node's own start
  // and exit, which dominate the spread above, are outside the timer.
  const inside = { ours: [], theirs: [] }
  for (const [k, code] of Object.entries(loads)) {
    // (the elapsed time is taken before touching process.stdout, whose first
    // access builds the stream)
    fs.writeFileSync(path.join(dir, `${k}.js`), `const t0 = process.hrtime.bigint(); ${code}; const ms = Number(process.hrtime.bigint() - t0) / 1e6; process.stdout.write(String(ms))\n`)
  }
  for (let i = 0; i < 60; i++) {
    for (const k of Object.keys(loads)) {
      const r = spawnSync(process.execPath, [path.join(dir, `${k}.js`)], { cwd: dir, env })
      if (r.status !== 0) throw new Error(r.stderr.toString())
      inside[k].push(Number(r.stdout.toString()))
    }
  }
  const inDiff = inside.ours.map((t, i) => t - inside.theirs[i])
  console.log(`in-process require() + config() (60 fresh processes each): ${q(inside.ours, 0.5).toFixed(1)} ms vs ` +
    `${q(inside.theirs, 0.5).toFixed(1)} ms for dotenv; median difference ${q(inDiff, 0.5).toFixed(1)} ms ` +
    `(IQR ${q(inDiff, 0.25).toFixed(1)} to ${q(inDiff, 0.75).toFixed(1)} ms)`)
  fs.rmSync(dir, { recursive: true, force: true })
}
run().catch((e) => { console.error(e); process.exit(1) })
