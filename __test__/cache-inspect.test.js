'use strict'
// No inspection of a SecretCache reaches a served value, whatever the options
// (the JS read memo lives in a private field).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const util = require('util')
const { SecretCache } = require('..')
const { fakeSecret } = require('./helpers/cache-util')

test('util.inspect of a SecretCache with showHidden, customInspect: false, getters and any depth shows no value', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-inspect-'))
  const value = fakeSecret('inspect')
  fs.writeFileSync(path.join(dir, 'db-password'), value)
  const cache = new SecretCache({ files: { dir } })
  t.after(() => { cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  assert.equal(await cache.get('file:db-password'), value)
  assert.equal(cache.getSync('file:db-password'), value) // fills the read memo
  for (const opts of [{}, { showHidden: true, depth: Infinity }, { customInspect: false, showHidden: true, getters: true, depth: Infinity, showProxy: true }]) {
    const shown = util.inspect({ container: { cache } }, opts)
    assert.ok(!shown.includes(value), `${JSON.stringify(opts)}: ${shown}`)
  }
})
