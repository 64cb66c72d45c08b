'use strict'
// `npm run bench`: runs every bench/*.bench.js in turn (each prints its own
// ratio table). Pass names to run a subset: `npm run bench -- parse cache`.
const { spawnSync } = require('child_process')
const fs = require('fs')
const path = require('path')

const only = process.argv.slice(2)
const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.bench.js'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort()
let failed = 0
for (const f of files) {
  console.log(`\n=== ${f} ===`)
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, f)], { stdio: 'inherit' })
  if (r.status !== 0) failed++
}
process.exit(failed ? 1 : 0)
