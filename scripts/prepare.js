'use strict'
// `npm install` in a clone builds the native addon from source (release profile).
// Set SECRET_GUARD_SKIP_BUILD=1 to skip (e.g. when a prebuilt binary is used).
const { spawnSync } = require('child_process')
const path = require('path')

// npm pack / npm publish run `prepare` too. A release ships its binaries in the
// npm/<platform>/ packages (built per platform) and binding.js is committed, so
// packing needs no build (and no Rust on the publishing machine).
if (['pack', 'publish'].includes(process.env.npm_command)) process.exit(0)
if (process.env.SECRET_GUARD_SKIP_BUILD) {
  console.log('secret-guard: SECRET_GUARD_SKIP_BUILD set, not building the addon')
  process.exit(0)
}
const root = path.join(__dirname, '..')
const cli = path.join(root, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js')
const args = [cli, 'build', '--platform', '--release', '--js', 'binding.js', '--dts', 'binding.d.ts']
console.log('secret-guard: building the native addon (cargo, release profile)…')
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' })
if (r.status !== 0) {
  console.error('secret-guard: native build failed; is Rust (cargo) installed? https://rustup.rs')
  process.exit(r.status || 1)
}
