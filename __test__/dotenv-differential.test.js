'use strict'
// Differential test: our parse() against the real dotenv package's parse() on
// thousands of generated sources (fixed seed), as strings and as Buffers, and
// config() against dotenv.config() on the same files.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const dotenv = require('dotenv')
const sg = require('..')
const { makeGen } = require('./helpers/gen-env')

const SEED = Number(process.env.SG_DIFF_SEED || 20261127)
const COUNT = Number(process.env.SG_DIFF_COUNT || 12000)

function same (a, b) {
  // values and key order (JS objects order integer-like keys first, like ours)
  return JSON.stringify(Object.entries(a)) === JSON.stringify(Object.entries(b))
}

test(`parse() equals dotenv.parse() on ${COUNT} generated sources (seed ${SEED})`, () => {
  const gen = makeGen(SEED)
  const mismatches = []
  let keys = 0
  for (let i = 0; i < COUNT; i++) {
    const src = gen()
    const want = dotenv.parse(src)
    const got = sg.parse(src)
    keys += Object.keys(want).length
    if (!same(want, got)) mismatches.push({ i, src, want, got })
    const gotBuf = sg.parse(Buffer.from(src))
    if (!same(dotenv.parse(Buffer.from(src)), gotBuf)) mismatches.push({ i, buffer: true, src })
  }
  console.log(`differential: ${COUNT} sources, ${keys} keys, ${mismatches.length} mismatches`)
  assert.equal(mismatches.length, 0, 'first mismatches:\n' + mismatches.slice(0, 3).map((m) => JSON.stringify(m)).join('\n'))
  assert.ok(keys > COUNT, 'the generator produced real key/value pairs')
})

test('dotenv fast parser agrees with its default parser on the same corpus (sanity of the oracle)', () => {
  const gen = makeGen(SEED + 1)
  let differ = 0
  for (let i = 0; i < 2000; i++) {
    const src = gen()
    if (!same(dotenv.parse(src), dotenv.parse(src, { fast: true }))) differ++
  }
  assert.equal(differ, 0)
})

// The scanner recognises the common line shapes (`KEY=plain`, `KEY="quoted"`
// with an optional comment, an `export ` prefix) without the general
// machinery (src/env_file/parse.rs simple_line). Lines built near the edges
// of those shapes: quotes inside and at the ends, trailing backslashes,
// blanks and tabs, comments, `export` with and without blanks.
test('line shapes near the scanner\'s fast path equal dotenv.parse()', () => {
  const { mulberry32 } = require('./helpers/gen-env')
  const rnd = mulberry32(SEED + 3)
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)]
  const bits = ['a', 'b', 'x y', ' ', '\t', '#', "'", '"', '`', '\\', '\\n', '=', ':', '$', '.', '-', '']
  const part = () => Array.from({ length: Math.floor(rnd() * 5) }, () => pick(bits)).join('')
  // blank and comment lines, which the scanner skips whole when they are
  // printable ASCII (U+2028 and non-ASCII inside, key-only and `=`-only lines
  // next to them, for the cases where skipping would be wrong)
  const other = ['', '', ' ', '\t', '#', '# c', '#\tx', '#x=1', '# é', '# a\u2028B=2', '  # c', 'A', '=1', ' =1', '#\u2029C=3']
  const line = () => {
    if (rnd() < 0.3) return pick(other)
    const prefix = pick(['', '', 'export ', 'export\t', 'export  ', 'export', ' '])
    const key = pick(['A', 'KEY_1', 'a.b-c', 'export', 'K'])
    const q = pick(['', '', "'", '"', '`'])
    const close = pick([q, q, q, '', "'", '"'])
    const after = pick(['', '', ' ', ' # c', '# c "q"', '\t#x', ' x', '\\'])
    return `${prefix}${key}${pick(['=', '=', '= ', ' ='])}${q}${part()}${close}${after}`
  }
  let mismatches = 0
  let first = null
  for (let i = 0; i < 20000; i++) {
    const src = Array.from({ length: 1 + Math.floor(rnd() * 4) }, line).join(pick(['\n', '\n', '\n\n', '\r\n']))
    if (!same(dotenv.parse(src), sg.parse(src))) {
      mismatches++
      first = first || src
    }
  }
  assert.equal(mismatches, 0, `first mismatch: ${JSON.stringify(first)}`)
})

test('config() equals dotenv.config() on generated files, with processEnv objects and override', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-diff-'))
  const gen = makeGen(SEED + 2)
  try {
    for (let i = 0; i < 300; i++) {
      const a = path.join(dir, `a${i}.env`)
      const b = path.join(dir, `b${i}.env`)
      fs.writeFileSync(a, gen())
      fs.writeFileSync(b, gen())
      const override = i % 2 === 0
      const pre = { PRESET: 'kept', EMPTY_PRESET: '' }
      const envA = { ...pre }
      const envB = { ...pre }
      const want = dotenv.config({ path: [a, b], processEnv: envA, override, quiet: true })
      const got = sg.config({ path: [a, b], processEnv: envB, override, quiet: true })
      assert.ok(same(want.parsed, got.parsed), `parsed differs for file pair ${i}`)
      assert.ok(same(envA, envB), `processEnv differs for file pair ${i}`)
      assert.equal(got.error, undefined)
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
