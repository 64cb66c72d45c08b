'use strict'
// Runs the real @dotenvx/dotenvx CLI (node_modules/.bin/dotenvx) in a directory,
// offline and isolated (own HOME, no keychain/armor/password-manager custodians),
// with a timeout.
const { spawnSync } = require('child_process')
const path = require('path')
const fs = require('fs')
const os = require('os')

const BIN = path.join(__dirname, '..', '..', 'node_modules', '@dotenvx', 'dotenvx', 'src', 'cli', 'dotenvx.js')

function dotenvx (args, cwd, extraEnv = {}) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-dxhome-'))
  try {
    const env = { PATH: process.env.PATH, HOME: home, DOTENVX_NO_ARMOR: 'true', DOTENVX_NO_NATIVE: 'true', DOTENVX_NO_BITWARDEN: 'true', DOTENVX_NO_ONEPASSWORD: 'true', NO_COLOR: '1', ...extraEnv }
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8', timeout: 30000 })
    if (r.error) throw r.error
    return r
  } finally {
    fs.rmSync(home, { recursive: true, force: true })
  }
}

module.exports = { dotenvx }
