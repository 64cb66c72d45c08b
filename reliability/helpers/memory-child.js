'use strict'
// Child of reliability/memory-scan.test.js. It loads one secret through the
// cache without JS ever holding its value (the parent put it in a file, moto or
// OpenBao; only names reach this process), then drops it the documented way.
// At each phase it prints `PHASE <name>` and waits for a line on stdin while
// the parent reads this process's memory.
// argv: scenario, JSON options ({ dir, name, endpoint, address, token })
const fs = require('fs')
const readline = require('readline')
const sg = require('../..')

const [scenario, json] = process.argv.slice(2)
const o = JSON.parse(json)
const lines = []
let waiter = null
readline.createInterface({ input: process.stdin }).on('line', (l) => {
  if (waiter) { const w = waiter; waiter = null; w(l) } else lines.push(l)
})
function phase (name) {
  process.stdout.write(`PHASE ${name}\n`)
  return new Promise((resolve) => { if (lines.length) resolve(lines.shift()); else waiter = resolve })
}
async function gc () {
  for (let i = 0; i < 6; i++) { global.gc(); await new Promise((resolve) => setTimeout(resolve, 5)) }
}
// A mask() call after clear() rebuilds the default masker's automaton, so the
// old automaton (with its pattern copies) is freed.
const dropLearned = () => { sg.defaultMasker.clear(); sg.mask('filler text, nothing secret in it ' + Date.now()) }

async function main () {
  const opts = {
    file: { files: { dir: o.dir } },
    rotation: { files: { dir: o.dir } },
    aws: { aws: { region: 'us-east-1', endpoint: o.endpoint } },
    vault: { vault: { address: o.address, token: o.token, mount: 'secret' } }
  }[scenario]
  const cache = new sg.SecretCache({ ...opts, requestTimeout: 10_000 })
  const name = { file: 'file:sec', rotation: 'file:sec', aws: `aws:${o.name}`, vault: `vault:${o.name}` }[scenario]
  await cache.refresh(name) // loads in Rust; the value is never returned to JS
  if (scenario === 'rotation') {
    await gc(); await phase('v1-loaded')
    fs.renameSync(`${o.dir}/sec.next`, `${o.dir}/sec`)
    if (!(await cache.refresh(name))) throw new Error('no rotation seen')
  }
  sg.mask('filler text, nothing secret in it') // builds the automaton: the encodings exist now
  await gc(); await phase('loaded')
  cache.close()
  dropLearned()
  await gc(); await phase('dropped')
  process.exit(0)
}
main().catch((e) => { process.stderr.write(`${e && e.stack}\n`); process.exit(1) })
