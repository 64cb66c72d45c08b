'use strict'
// Env extras vs what users would use instead:
//  - expansion: sg.expand() (Rust) vs dotenv-expand@12 expand() on the same parsed object
//  - decryption of one encrypted value: sg.decryptValue() (Rust, ecies crate) vs dotenvx's primitives.decrypt()
//  - loading a 30-key encrypted .env: sg.config({ decrypt: true }) vs @dotenvx/dotenvx config()
// Outputs are asserted identical first. expand (close to parity, so sensitive to this VM's
// drift) is timed in 7 interleaved rounds and reported as the ratio of the medians of the
// per-round medians, like bench/parse.bench.js; decrypt and config (ratios in the hundreds)
// as median ratios of one run. dotenvx.config takes seconds per call, hence iterations: 8
// as the minimum sample count. A debug addon is much slower than `npm run build`.
const assert = require('assert')
const { Bench } = require('tinybench')
const fs = require('fs')
const os = require('os')
const path = require('path')
const dotenvExpand = require('dotenv-expand')
const primitives = require('@dotenvx/primitives')
const sg = require('..')

const TIME = Number(process.env.BENCH_TIME_MS || 1500)
// keep dotenvx offline and away from OS keychains / password managers / its hosted service
for (const k of ['DOTENVX_NO_ARMOR', 'DOTENVX_NO_NATIVE', 'DOTENVX_NO_BITWARDEN', 'DOTENVX_NO_ONEPASSWORD']) process.env[k] = 'true'

function ratio (a, b) {
  const x = b.result.latency.p50 / a.result.latency.p50
  return x >= 1 ? `${x.toFixed(2)}x faster than` : `${(1 / x).toFixed(2)}x slower than`
}
const q = (a, f) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) * f)]

async function main () {
  // expansion input: 40 keys with references, defaults and escapes
  const parsed = {}
  for (let i = 0; i < 40; i++) {
    parsed[`K${i}`] = i === 0 ? 'base' : i % 4 === 0 ? `\${K${i - 1}}/x/\${MISSING:-dflt}` : i % 4 === 1 ? `$K${i - 1}:$K0` : i % 4 === 2 ? `plain-${i}-\\$escaped` : `\${K${i - 2}:+alt}-\${K0}`
  }
  const pe = { HOME: '/home/u', PATH: '/usr/bin' }

  const kp = sg.keypair()
  const enc = sg.encryptValue('sk_test_FAKE_bench_0123456789abcdef', kp.publicKey)

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-bench-'))
  const file = path.join(dir, '.env')
  let src = `DOTENV_PUBLIC_KEY="${kp.publicKey}"\n`
  for (let i = 0; i < 30; i++) src += `SECRET_${i}="${sg.encryptValue(`sk_test_FAKE_${i}_abcdef0123456789`, kp.publicKey)}"\n`
  fs.writeFileSync(file, src)
  let dotenvx = null
  try { dotenvx = require('@dotenvx/dotenvx') } catch {}
  // dotenvx reads DOTENV_PRIVATE_KEY from process.env; check both really decrypt before timing
  process.env.DOTENV_PRIVATE_KEY = kp.privateKey
  const dxConfig = () => { const env = { DOTENV_PRIVATE_KEY: kp.privateKey }; dotenvx.config({ path: file, processEnv: env, quiet: true }); return env }
  if (dotenvx && dxConfig().SECRET_7 !== 'sk_test_FAKE_7_abcdef0123456789') {
    console.log('dotenvx.config did not decrypt here; skipping that comparison')
    dotenvx = null
  }
  const sgEnv = {}
  sg.config({ path: file, processEnv: sgEnv, decrypt: true })
  if (sgEnv.SECRET_7 !== 'sk_test_FAKE_7_abcdef0123456789') throw new Error('sg.config did not decrypt')

  // identical output before timing
  const ours = { parsed: { ...parsed }, processEnv: { ...pe } }
  const theirs = { parsed: { ...parsed }, processEnv: { ...pe } }
  sg.expand(ours)
  dotenvExpand.expand(theirs)
  assert.deepStrictEqual({ ...ours.parsed }, { ...theirs.parsed })
  assert.deepStrictEqual({ ...ours.processEnv }, { ...theirs.processEnv })
  assert.equal(sg.decryptValue(enc, kp.privateKey), primitives.decrypt(kp.privateKey, enc))

  // expand: interleaved rounds
  const p50s = [[], []]
  for (let r = 0; r < 7; r++) {
    const b = new Bench({ time: Math.max(100, TIME / 5), warmupTime: 50 })
    b.add('sg.expand (40 keys)', () => { sg.expand({ parsed: { ...parsed }, processEnv: { ...pe } }) })
      .add('dotenv-expand (40 keys)', () => { dotenvExpand.expand({ parsed: { ...parsed }, processEnv: { ...pe } }) })
    await b.run()
    b.tasks.forEach((t, i) => p50s[i].push(t.result.latency.p50))
  }
  const perRound = p50s[1].map((x, i) => x / p50s[0][i])
  const expandLine = `expand:  sg.expand is ${(q(p50s[1], 0.5) / q(p50s[0], 0.5)).toFixed(2)}x as fast as dotenv-expand ` +
    `(7 rounds: ${(q(p50s[0], 0.5) * 1000).toFixed(0)} µs vs ${(q(p50s[1], 0.5) * 1000).toFixed(0)} µs; per-round ratios ${q(perRound, 0).toFixed(2)}–${q(perRound, 1).toFixed(2)})`

  const bench = new Bench({ time: TIME, warmupTime: 200, iterations: 8, warmupIterations: 2 })
  bench
    .add('sg.decryptValue', () => { sg.decryptValue(enc, kp.privateKey) })
    .add('dotenvx primitives.decrypt', () => { primitives.decrypt(kp.privateKey, enc) })
    .add('sg.config decrypt (30 encrypted keys)', () => { sg.config({ path: file, processEnv: { DOTENV_PRIVATE_KEY: kp.privateKey }, decrypt: true }) })
  if (dotenvx) {
    bench.add('dotenvx.config (30 encrypted keys)', dxConfig)
  }
  await bench.run()
  console.table(bench.table())
  const t = Object.fromEntries(bench.tasks.map((x) => [x.name, x]))
  console.log(expandLine)
  console.log(`decrypt: sg.decryptValue is ${ratio(t['sg.decryptValue'], t['dotenvx primitives.decrypt'])} dotenvx primitives.decrypt`)
  if (dotenvx) console.log(`config:  sg.config({ decrypt }) is ${ratio(t['sg.config decrypt (30 encrypted keys)'], t['dotenvx.config (30 encrypted keys)'])} dotenvx.config()`)
  delete process.env.DOTENV_PRIVATE_KEY
  fs.rmSync(dir, { recursive: true, force: true })
}

main().catch((err) => { console.error(err); process.exit(1) })
