'use strict'
// A fresh temporary directory holding `files` ({ name: content }) for the
// duration of fn(dir); removed afterwards whatever fn does.
const fs = require('fs')
const os = require('os')
const path = require('path')

function withDir (files, fn, prefix = 'sg-test-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  try {
    for (const [n, c] of Object.entries(files)) fs.writeFileSync(path.join(dir, n), c)
    return fn(dir)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

module.exports = { withDir }
