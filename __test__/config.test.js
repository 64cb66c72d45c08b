'use strict'
// config() / populate() / the preload entry: dotenv 18's options and return
// shape, plus clear coded errors on bad input and no values in debug output.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { pathToFileURL } = require('url')
const { spawnSync } = require('child_process')
const dotenv = require('dotenv')
const sg = require('..')

const ROOT = path.join(__dirname, '..')
const FAKE = 'sk_test_FAKE_' + require('crypto').randomBytes(12).toString('hex')

function tmpdir (t) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-config-'))
  t.after(() => fs.rmSync(d, { recursive: true, force: true }))
  return d
}

function capture (fn) {
  const out = []
  const orig = { log: console.log, error: console.error, warn: console.warn, info: console.info }
  for (const k of Object.keys(orig)) console[k] = (...a) => out.push(a.join(' '))
  try { return { result: fn(), output: out.join('\n') } } finally { Object.assign(console, orig) }
}

test('loads into processEnv, keeps existing keys (even empty), override replaces', (t) => {
  const d = tmpdir(t)
  const f = path.join(d, '.env')
  fs.writeFileSync(f, 'A=1\nB=2\nC=3\n')
  const env = { A: 'pre', B: '' }
  const r = sg.config({ path: f, processEnv: env })
  assert.deepEqual(r, { parsed: { A: '1', B: '2', C: '3' } })
  assert.deepEqual(env, { A: 'pre', B: '', C: '3' })
  const env2 = { A: 'pre' }
  sg.config({ path: f, processEnv: env2, override: true })
  assert.deepEqual(env2, { A: '1', B: '2', C: '3' })
})

test('several paths: first wins, last wins with override; file: URL and ~ paths', (t) => {
  const d = tmpdir(t)
  fs.writeFileSync(path.join(d, 'one.env'), 'K=one\nONLY1=x\n')
  fs.writeFileSync(path.join(d, 'two.env'), 'K=two\nONLY2=y\n')
  const paths = [path.join(d, 'one.env'), pathToFileURL(path.join(d, 'two.env'))]
  assert.deepEqual(sg.config({ path: paths, processEnv: {} }).parsed, { K: 'one', ONLY1: 'x', ONLY2: 'y' })
  assert.deepEqual(sg.config({ path: paths, processEnv: {}, override: true }).parsed, { K: 'two', ONLY1: 'x', ONLY2: 'y' })
  const oldHome = process.env.HOME
  process.env.HOME = d
  t.after(() => { process.env.HOME = oldHome })
  assert.deepEqual(sg.config({ path: '~/one.env', processEnv: {} }).parsed.K, 'one')
  // same as dotenv on the same inputs
  for (const override of [false, true]) {
    const a = {}; const b = {}
    assert.deepEqual(sg.config({ path: paths, processEnv: a, override }), dotenv.config({ path: paths, processEnv: b, override, quiet: true }))
    assert.deepEqual(a, b)
  }
})

test('default path is ./.env in the working directory; encoding option', (t) => {
  const d = tmpdir(t)
  fs.writeFileSync(path.join(d, '.env'), 'CWD_KEY=here\n')
  fs.writeFileSync(path.join(d, 'latin1.env'), Buffer.from('L=caf\xe9\n', 'latin1'))
  const cwd = process.cwd()
  process.chdir(d)
  t.after(() => process.chdir(cwd))
  assert.deepEqual(sg.config({ processEnv: {} }).parsed, { CWD_KEY: 'here' })
  assert.equal(sg.config({ path: 'latin1.env', encoding: 'latin1', processEnv: {} }).parsed.L, 'café')
})

test('missing file: ENOENT in result.error, other paths still loaded, never throws', (t) => {
  const d = tmpdir(t)
  fs.writeFileSync(path.join(d, 'ok.env'), 'OK=1\n')
  const r = sg.config({ path: [path.join(d, 'missing.env'), path.join(d, 'ok.env')], processEnv: {} })
  assert.deepEqual(r.parsed, { OK: '1' })
  assert.equal(r.error.code, 'ENOENT')
})

test('bad input: directory, non-string path, huge file, invalid UTF-8 → coded errors, no throw', (t) => {
  const d = tmpdir(t)
  assert.equal(sg.config({ path: d, processEnv: {} }).error.code, 'EISDIR')
  for (const bad of [42, { not: 'a path' }, true]) {
    const r = sg.config({ path: bad, processEnv: {} })
    assert.equal(r.error.code, 'INVALID_PATH')
    assert.ok(r.error instanceof TypeError)
  }
  const big = path.join(d, 'big.env')
  const fd = fs.openSync(big, 'w')
  fs.ftruncateSync(fd, 100 * 1024 * 1024) // 100 MB
  fs.closeSync(fd)
  const r = sg.config({ path: big, processEnv: {} })
  assert.equal(r.error.code, 'FILE_TOO_LARGE')
  assert.match(r.error.message, /is 104857600 bytes, over the \d+-byte limit/)
  assert.deepEqual(r.parsed, {})
  // files read in growing chunks: larger than the first chunk, exactly at the limit, one byte over
  const lines = Array.from({ length: 5000 }, (_, i) => `KEY_${i}=value_${i}_${'x'.repeat(30)}`).join('\n') + '\n'
  const grown = path.join(d, 'grown.env')
  fs.writeFileSync(grown, lines)
  const g = sg.config({ path: grown, processEnv: {} })
  assert.equal(g.error, undefined)
  assert.equal(Object.keys(g.parsed).length, 5000)
  assert.deepEqual(g.parsed, require('dotenv').parse(lines))
  assert.equal(sg.config({ path: grown, processEnv: {}, maxFileSize: Buffer.byteLength(lines) }).error, undefined)
  assert.equal(sg.config({ path: grown, processEnv: {}, maxFileSize: Buffer.byteLength(lines) - 1 }).error.code, 'FILE_TOO_LARGE')
  if (fs.existsSync('/dev/zero')) {
    // a character device reports size 0 and never ends: read up to the limit, not until memory runs out
    for (const opts of [{ maxFileSize: 1024 }, {}]) {
      const z = sg.config({ path: '/dev/zero', processEnv: {}, ...opts })
      assert.equal(z.error.code, 'FILE_TOO_LARGE', JSON.stringify(opts))
      assert.match(z.error.message, /\/dev\/zero is over the \d+-byte limit/)
    }
    if (fs.existsSync('/proc/self/environ')) { // size 0 to stat: the message gives no size rather than a wrong one
      const pe = sg.config({ path: '/proc/self/environ', processEnv: {}, maxFileSize: 10 })
      assert.equal(pe.error.code, 'FILE_TOO_LARGE')
      assert.doesNotMatch(pe.error.message, /is 0 bytes/)
    }
    const enc = path.join(d, 'enc.env')
    fs.writeFileSync(enc, `A="${sg.encryptValue('x', sg.keypair().publicKey)}"\n`)
    const k = sg.config({ path: enc, processEnv: {}, decrypt: true, envKeysFile: '/dev/zero' })
    assert.equal(k.error.code, 'FILE_TOO_LARGE')
  }
  const bad = path.join(d, 'bad.env')
  fs.writeFileSync(bad, Buffer.concat([Buffer.from('GOOD=1\nBAD='), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]))
  const r2 = sg.config({ path: [bad, path.join(__dirname, 'fixtures', '.env.local')], processEnv: {} })
  assert.equal(r2.error.code, 'INVALID_UTF8')
  assert.equal(r2.parsed.LOCAL, 'local')
  assert.equal(r2.parsed.GOOD, undefined)
})

test('quiet by default; debug prints key names, never values', (t) => {
  const d = tmpdir(t)
  const f = path.join(d, '.env')
  fs.writeFileSync(f, `STRIPE_KEY=${FAKE}\nPORT=3000\n`)
  const quiet = capture(() => sg.config({ path: f, processEnv: {} }))
  assert.equal(quiet.output, '')
  const loud = capture(() => sg.config({ path: f, processEnv: { PORT: '1' }, debug: true }))
  assert.match(loud.output, /STRIPE_KEY/)
  assert.match(loud.output, /"PORT" is already defined and was NOT overwritten/)
  assert.ok(!loud.output.includes(FAKE), 'a value reached the debug output')
  const summary = capture(() => sg.config({ path: f, processEnv: {}, quiet: false }))
  assert.match(summary.output, /injected env \(2\)/)
  assert.ok(!summary.output.includes(FAKE))
})

test('DOTENV_CONFIG_* variables are honoured', (t) => {
  const d = tmpdir(t)
  const f = path.join(d, 'from-env.env')
  fs.writeFileSync(f, 'FROM_ENV=yes\n')
  process.env.DOTENV_CONFIG_PATH = f
  process.env.DOTENV_CONFIG_DEBUG = 'true'
  t.after(() => { delete process.env.DOTENV_CONFIG_PATH; delete process.env.DOTENV_CONFIG_DEBUG })
  const r = capture(() => sg.config({ processEnv: {} }))
  assert.deepEqual(r.result.parsed, { FROM_ENV: 'yes' })
  assert.match(r.output, /FROM_ENV/)
})

test('populate(): returns the keys it set; TypeError with code OBJECT_REQUIRED', () => {
  const target = { A: 'keep' }
  assert.deepEqual(sg.populate(target, { A: 'new', B: 'b' }), { B: 'b' })
  assert.deepEqual(sg.populate(target, { A: 'new' }, { override: true }), { A: 'new' })
  assert.equal(target.A, 'new')
  for (const bad of [null, undefined, 'str', 5]) {
    assert.throws(() => sg.populate(bad, {}), (e) => e instanceof TypeError && e.code === 'OBJECT_REQUIRED')
    assert.throws(() => sg.populate({}, bad), (e) => e instanceof TypeError && e.code === 'OBJECT_REQUIRED')
  }
})

test('preload: node -r secret-guard/config reads DOTENV_CONFIG_PATH', (t) => {
  const d = tmpdir(t)
  const f = path.join(d, 'pre.env')
  fs.writeFileSync(f, `PRELOADED=${FAKE}\n`)
  const r = spawnSync(process.execPath, ['-r', path.join(ROOT, 'config.js'), '-e', 'process.stdout.write(String(process.env.PRELOADED === ' + JSON.stringify(FAKE) + '))'], {
    env: { ...process.env, DOTENV_CONFIG_PATH: f },
    encoding: 'utf8'
  })
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stdout, 'true')
  assert.ok(!r.stderr.includes(FAKE))
})

// Start-up: require('secret-guard').config() reads exactly one JS file of the
// package (index.js) and the addon; everything else loads on first use. Each
// further file costs start-up time (index.js explains), so a stray top-level
// require() fails here rather than only in the benchmark.
test('start-up: config() loads index.js and the addon, no other package file', (t) => {
  const d = tmpdir(t)
  fs.writeFileSync(path.join(d, '.env'), `API_TOKEN=${FAKE}\nPLAIN=1\n`)
  const script = `
    const sg = require(${JSON.stringify(ROOT)})
    const r = sg.config()
    const files = Object.keys(require.cache).filter((f) => f.startsWith(${JSON.stringify(ROOT)}))
    // config() taught the default masker without loading lib/mask.js:
    const leaked = sg.mask('token ' + process.env.API_TOKEN).includes(process.env.API_TOKEN)
    console.log(JSON.stringify({ files, keys: Object.keys(r.parsed), leaked }))`
  const r = spawnSync(process.execPath, ['-e', script], { cwd: d, encoding: 'utf8', timeout: 20_000 })
  assert.equal(r.status, 0, r.stderr)
  const out = JSON.parse(r.stdout)
  assert.deepEqual(out.files.map((f) => path.relative(ROOT, f)), ['index.js'])
  assert.deepEqual(out.keys, ['API_TOKEN', 'PLAIN'])
  assert.equal(out.leaked, false)
})

test('encoding utf16le: a lone surrogate in the file is kept, as dotenv keeps it', (t) => {
  const d = tmpdir(t)
  const file = path.join(d, '.env.utf16')
  fs.writeFileSync(file, Buffer.from('A=\ud800x\nB="ok"\n', 'utf16le'))
  const ours = {}
  const theirs = {}
  const r = sg.config({ path: file, encoding: 'utf16le', processEnv: ours })
  dotenv.config({ path: file, encoding: 'utf16le', processEnv: theirs, quiet: true })
  assert.equal(r.error, undefined)
  assert.deepEqual(ours, theirs)
  assert.equal(ours.A, '\ud800x')
})

// Edge cases of dotenv's config()/populate()/parse() that a review found we
// handled differently; each is compared with the real package.
test('same as dotenv: frozen / getter-only targets, non-object processEnv, unknown encodings, odd parse() inputs', (t) => {
  const d = tmpdir(t)
  const f = path.join(d, '.env')
  fs.writeFileSync(f, 'A=1\nB=2\n')
  const both = (fn) => [fn(dotenv), fn(sg)]
  const shape = (r) => ({ keys: Object.keys(r), parsed: r.parsed, error: r.error && { name: r.error.name, code: r.error.code, message: r.error.message } })
  // dotenv's code is sloppy-mode: a failed write is skipped silently, the next keys still written
  {
    const [a, b] = both((lib) => {
      const env = Object.freeze({ A: 'pre' })
      return [lib.config({ path: f, processEnv: env, override: true, quiet: true }), env]
    })
    assert.deepEqual([shape(b[0]), b[1]], [shape(a[0]), a[1]])
    assert.equal(b[0].error, undefined)
  }
  {
    const [a, b] = both((lib) => {
      const env = Object.create(Object.defineProperty({}, 'A', { get () { return 'g' } }))
      const r = lib.config({ path: f, processEnv: env, quiet: true })
      return [shape(r), { ...env }, env.A]
    })
    assert.deepEqual(b, a)
    assert.deepEqual(b[1], { B: '2' })
  }
  assert.deepEqual(...both((lib) => lib.populate(Object.freeze({ A: 'x' }), { A: '1', B: '2' }, { override: true })).reverse())
  // a processEnv that is not an object throws, as dotenv does (file problems never do)
  for (const bad of ['str', 42, true]) {
    for (const lib of [dotenv, sg]) {
      assert.throws(() => lib.config({ path: f, processEnv: bad, quiet: true }), (e) => e.code === 'OBJECT_REQUIRED', `${lib === sg ? 'secret-guard' : 'dotenv'} ${bad}`)
    }
  }
  // an encoding Node does not know: fs's own error, even when the file is missing
  for (const encoding of ['bogus', 123, true]) {
    for (const p of [f, path.join(d, 'missing.env')]) {
      const [a, b] = both((lib) => shape(lib.config({ path: p, encoding, processEnv: {}, quiet: true })))
      assert.deepEqual(b, a, `encoding ${encoding}, ${path.basename(p)}`)
      assert.equal(b.error.code, 'ERR_INVALID_ARG_VALUE')
    }
  }
  // parse() converts other values with their own toString(), as dotenv does
  const odd = { toString () { return 'A=1' }, [Symbol.toPrimitive] () { return 'B=2' } }
  const buf = Buffer.from('A=1')
  buf.toString = () => 'Z=9'
  for (const src of [odd, buf, 12, ['K=v']]) assert.deepEqual(sg.parse(src), dotenv.parse(src))
  for (const src of [{ toString () { return 5 } }, Object.create(null)]) {
    assert.throws(() => dotenv.parse(src), TypeError)
    assert.throws(() => sg.parse(src), TypeError)
  }
})

test('same as dotenv: DOTENV_CONFIG_QUIET set by the .env file itself decides the summary line', (t) => {
  const d = tmpdir(t)
  fs.writeFileSync(path.join(d, '.env'), 'Q=1\nDOTENV_CONFIG_QUIET=false\n')
  const env = { ...process.env }
  delete env.DOTENV_CONFIG_QUIET
  delete env.DOTENV_QUIET
  for (const target of ['', ', processEnv: {}']) {
    const printed = [require.resolve('dotenv'), ROOT].map((lib) => {
      const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(lib)}).config({ path: '.env'${target} })`], { cwd: d, env, encoding: 'utf8' })
      assert.equal(r.status, 0, r.stderr)
      return /injected env \(2\)/.test(r.stderr)
    })
    assert.deepEqual(printed, [true, true], `processEnv${target || ': process.env'}`)
  }
})
