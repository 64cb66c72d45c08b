'use strict'
// Env extras vs what users would use instead:
//  - expansion: sg.expand() (Rust) vs dotenv-expand@12 expand() on the same parsed object
//  - decryption of one encrypted value: sg.decryptValue() (Rust, ecies crate) vs dotenvx's primitives.decrypt()
//  - loading a 30-key encrypted .env: sg.config({ decrypt: true }) vs @dotenvx/dotenvx config()
// Ratios are mean-time ratios from one tinybench run (numbers depend on the build:
// a debug addon is much slower than `npm run build`). dotenvx.config takes seconds per call,
// hence iterations: 8 as the minimum sample count.
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
  const x = b.result.latency.mean / a.result.latency.mean
  return x >= 1 ? `${x.toFixed(2)}x faster than` : `${(1 / x).toFixed(2)}x slower than`
}

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

  const bench = new Bench({ time: TIME, warmupTime: 200, iterations: 8, warmupIterations: 2 })
  bench
    .add('sg.expand (40 keys)', () => { sg.expand({ parsed: { ...parsed }, processEnv: { ...pe } }) })
    .add('dotenv-expand (40 keys)', () => { dotenvExpand.expand({ parsed: { ...parsed }, processEnv: { ...pe } }) })
    .add('sg.decryptValue', () => { sg.decryptValue(enc, kp.privateKey) })
    .add('dotenvx primitives.decrypt', () => { primitives.decrypt(kp.privateKey, enc) })
    .add('sg.config decrypt (30 encrypted keys)', () => { sg.config({ path: file, processEnv: { DOTENV_PRIVATE_KEY: kp.privateKey }, decrypt: true }) })
  if (dotenvx) {
    bench.add('dotenvx.config (30 encrypted keys)', dxConfig)
  }
  await bench.run()
  console.table(bench.table())
  const t = Object.fromEntries(bench.tasks.map((x) => [x.name, x]))
  console.log(`expand:  sg.expand is ${ratio(t['sg.expand (40 keys)'], t['dotenv-expand (40 keys)'])} dotenv-expand`)
  console.log(`decrypt: sg.decryptValue is ${ratio(t['sg.decryptValue'], t['dotenvx primitives.decrypt'])} dotenvx primitives.decrypt`)
  if (dotenvx) console.log(`config:  sg.config({ decrypt }) is ${ratio(t['sg.config decrypt (30 encrypted keys)'], t['dotenvx.config (30 encrypted keys)'])} dotenvx.config()`)
  delete process.env.DOTENV_PRIVATE_KEY
  fs.rmSync(dir, { recursive: true, force: true })
}

main().catch((err) => { console.error(err); process.exit(1) })
