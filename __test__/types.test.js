'use strict'
// The typings ship with the package: a strict TypeScript build of the README's
// usage (with @types/express) must pass, and marked mistakes must not compile.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const { spawnSync } = require('child_process')

for (const config of ['tsconfig.json', 'tsconfig.exact.json']) {
  test(`index.d.ts (${config}): the README usage type-checks with Express types; wrong calls do not`, () => {
    const tsc = require.resolve('typescript/bin/tsc')
    const r = spawnSync(process.execPath, [tsc, '-p', path.join(__dirname, 'fixtures', 'types', config)], { encoding: 'utf8', timeout: 120_000 })
    assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`)
  })
}
