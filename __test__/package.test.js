'use strict'
// The release as a user gets it: `npm pack` of this package with the
// optionalDependencies `napi prepublish -t npm` adds, plus the linux-x64-gnu
// platform package (npm/linux-x64-gnu + the built .node), installed offline
// into a fresh project whose PATH has no Rust toolchain. Then: the API, the
// preload entry and the CLI work from node_modules, the addon is opened by the
// fast path (not the generated loader), and a missing platform package or a
// truncated package give NATIVE_ADDON_MISSING saying what to install.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { spawnSync } = require('child_process')

const ROOT = path.join(__dirname, '..')
const PKG = require('../package.json')
const TRIPLE = 'linux-x64-gnu'
const NODE_FILE = path.join(ROOT, `secret-guard.${TRIPLE}.node`)
const skip = process.platform !== 'linux' || process.arch !== 'x64'
  ? 'the release simulation uses the linux-x64-gnu platform package'
  : !fs.existsSync(NODE_FILE) ? `${NODE_FILE} is not built` : false

// PATH without cargo/rustc: a consumer has no Rust toolchain.
const PATH = (process.env.PATH || '').split(path.delimiter)
  .filter((d) => d && !fs.existsSync(path.join(d, 'cargo')) && !fs.existsSync(path.join(d, 'rustc'))).join(path.delimiter)
const env = { PATH, HOME: os.tmpdir(), npm_config_cache: path.join(os.homedir(), '.npm'), npm_config_update_notifier: 'false' }

function run (cmd, args, cwd, extra = {}) {
  const r = spawnSync(cmd, args, { cwd, env: { ...env, ...extra }, encoding: 'utf8', timeout: 120_000 })
  return { status: r.status, out: (r.stdout || '') + (r.stderr || ''), stdout: r.stdout || '' }
}
const npm = (args, cwd) => {
  const r = run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], cwd)
  assert.equal(r.status, 0, `npm ${args.join(' ')}:\n${r.out}`)
  return r
}

test('release simulation: packed tarballs install offline without Rust and work from node_modules', { skip, timeout: 300_000 }, (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-package-'))
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }))

  // 1. the main package, as packed from this checkout
  const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT).stdout)[0]
  const files = packed.files.map((f) => f.path)
  for (const f of ['index.js', 'index.d.ts', 'binding.js', 'binding.d.ts', 'config.js', 'winston.js', 'pino.js', 'bin/secret-guard.js', 'lib/cache.js', 'LICENSE', 'package.json']) {
    assert.ok(files.includes(f), `${f} is in the tarball`)
  }
  for (const f of files) assert.doesNotMatch(f, /^(__test__|src|bench|reliability|fuzz|npm|examples|target)\/|\.node$|(^|\/)\.env/, `${f} should not ship`)

  // what `napi prepublish -t npm` adds: one optional dependency per platform package
  const stage = path.join(tmp, 'stage')
  fs.mkdirSync(stage)
  assert.equal(run('tar', ['-xzf', path.join(tmp, packed.filename), '-C', stage], tmp).status, 0)
  const stagePkg = path.join(stage, 'package', 'package.json')
  const pj = JSON.parse(fs.readFileSync(stagePkg, 'utf8'))
  pj.optionalDependencies = {}
  for (const d of fs.readdirSync(path.join(ROOT, 'npm'))) {
    const p = require(path.join(ROOT, 'npm', d, 'package.json'))
    assert.equal(p.version, PKG.version, `npm/${d} has the package's version`)
    pj.optionalDependencies[p.name] = p.version
  }
  fs.writeFileSync(stagePkg, JSON.stringify(pj, null, 2))
  const main = path.join(tmp, JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], path.join(stage, 'package')).stdout)[0].filename)

  // 2. the platform package with the built addon
  const plat = path.join(tmp, 'plat')
  fs.cpSync(path.join(ROOT, 'npm', TRIPLE), plat, { recursive: true })
  fs.copyFileSync(NODE_FILE, path.join(plat, `secret-guard.${TRIPLE}.node`))
  const platTgz = path.join(tmp, JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], plat).stdout)[0].filename)

  // 3. a fresh project installs both, offline, scripts allowed (none may build)
  const app = path.join(tmp, 'app')
  fs.mkdirSync(app)
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }))
  npm(['install', '--offline', platTgz, main], app)
  assert.ok(fs.existsSync(path.join(app, 'node_modules', `secret-guard-${TRIPLE}`)))
  assert.ok(!fs.existsSync(path.join(app, 'node_modules', 'secret-guard', `secret-guard.${TRIPLE}.node`)), 'nothing was built into the package')
  fs.writeFileSync(path.join(app, '.env'), 'GREETING=hello # comment\nPORT=3000\n')

  const probe = `
    const sg = require('secret-guard')
    const r = sg.config()
    const loader = Object.keys(require.cache).some((k) => k.endsWith('binding.js'))
    console.log(JSON.stringify({ parsed: r.parsed, parse: sg.parse('A="x\\\\ny"'), masked: sg.mask('k=' + 'FAKE_' + 'registered_value_1' + '.'), loader }))`
  fs.writeFileSync(path.join(app, 'probe.js'), `require('secret-guard').addSecret('FAKE_' + 'registered_value_1')\n${probe}`)
  let r = run(process.execPath, ['probe.js'], app)
  assert.equal(r.status, 0, r.out)
  const got = JSON.parse(r.stdout)
  assert.deepEqual(got.parsed, { GREETING: 'hello', PORT: '3000' })
  assert.deepEqual(got.parse, { A: 'x\ny' })
  assert.equal(got.masked, 'k=[REDACTED].')
  assert.equal(got.loader, false, 'the addon is opened from the platform package directly, not through binding.js')

  r = run(process.execPath, ['-r', 'secret-guard/config', '-e', 'console.log(process.env.GREETING)'], app)
  assert.equal(r.stdout, 'hello\n', r.out)
  r = run(process.execPath, [path.join(app, 'node_modules', '.bin', 'secret-guard'), 'get', 'PORT'], app)
  assert.equal(r.stdout, '3000\n', r.out)
  // winston is an optional peer dependency, not installed here: a coded error, not MODULE_NOT_FOUND
  r = run(process.execPath, ['-e', `try { require('secret-guard/winston').format() } catch (e) { console.log(e.code + ': ' + e.message) }`], app)
  assert.equal(r.stdout, 'PEER_DEPENDENCY_MISSING: secret-guard/winston needs the winston package (an optional peer dependency): npm install winston\n', r.out)

  // musl with the glibc platform package installed anyway (npm ignoring `libc`, a
  // node_modules copied from a glibc host): it is not opened, and the error says why
  const m = simulate('linux', 'x64', true, path.join(app, 'node_modules', 'secret-guard'))
  assert.equal(m.code, 'NATIVE_ADDON_MISSING')
  assert.deepEqual(m.opened.filter((f) => f.includes(`secret-guard-${TRIPLE}`)), [], 'the glibc platform package was dlopened on musl')
  assert.match(m.message, /musl libc system \(Alpine\)/)

  // 4. a platform package that is there but cannot be loaded (an addon linked
  // against a newer glibc than the system's, a damaged file): the message says
  // so and gives the loader's reason, instead of 'install it'
  const missing = `try { require('secret-guard') } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }`
  const platFile = path.join(app, 'node_modules', `secret-guard-${TRIPLE}`, `secret-guard.${TRIPLE}.node`)
  fs.writeFileSync(platFile, 'not an ELF file')
  let e = JSON.parse(run(process.execPath, ['-e', missing], app).stdout)
  assert.equal(e.code, 'NATIVE_ADDON_MISSING')
  assert.match(e.message, new RegExp(`secret-guard-${TRIPLE}@${PKG.version.replace(/\./g, '\\.')} is installed but could not be loaded: .*(invalid ELF header|too short)`))
  assert.doesNotMatch(e.message, /--omit=optional/)

  // 5. no platform package (--omit=optional, a lockfile from another OS): a clear, coded error
  fs.rmSync(path.join(app, 'node_modules', `secret-guard-${TRIPLE}`), { recursive: true })
  r = run(process.execPath, ['-e', missing], app)
  e = JSON.parse(r.stdout)
  assert.equal(e.code, 'NATIVE_ADDON_MISSING')
  assert.match(e.message, new RegExp(`platform package secret-guard-${TRIPLE}@${PKG.version.replace(/\./g, '\\.')}`))
  assert.match(e.message, /--omit=optional/)
  // a package copy without its loader says so
  fs.rmSync(path.join(app, 'node_modules', 'secret-guard', 'binding.js'))
  e = JSON.parse(run(process.execPath, ['-e', missing], app).stdout)
  assert.equal(e.code, 'NATIVE_ADDON_MISSING')
  assert.match(e.message, /incomplete \(binding\.js is missing\)/)
})

test('prepack refuses a package without its platform optionalDependencies', () => {
  const r = run(process.execPath, [path.join(ROOT, 'scripts', 'prepack-check.js')], ROOT)
  assert.equal(r.status, 1)
  assert.match(r.out, /refusing to pack without optionalDependencies: run "napi prepublish -t npm" first/)
})

// Platforms without a prebuilt addon, simulated on this machine (process.platform,
// process.arch and /usr/bin/ldd overridden before the package loads): the error
// names the real cause, and a glibc addon is never opened on musl.
function simulate (platform, arch, musl, target = ROOT) {
  const pre = `
    const fs = require('fs')
    Object.defineProperty(process, 'platform', { value: ${JSON.stringify(platform)} })
    Object.defineProperty(process, 'arch', { value: ${JSON.stringify(arch)} })
    const read = fs.readFileSync
    fs.readFileSync = function (p, ...a) {
      if (p === '/usr/bin/ldd' && ${musl}) return '#!/bin/sh\\nexec /lib/ld-musl-x86_64.so.1 --list "$@"\\n'
      return read.call(this, p, ...a)
    }
    const exists = fs.existsSync
    fs.existsSync = (p) => (${musl} && /^\\/lib\\/ld-musl-/.test(String(p))) || exists(p)
    const opened = []
    const dl = process.dlopen
    // on musl a glibc addon does not load (without gcompat)
    process.dlopen = function (m, file, ...r) { opened.push(file); if (${musl} && /-gnu\\.node$/.test(file)) throw new Error('SIMULATED: glibc addon on musl'); return dl.call(this, m, file, ...r) }
    try { require(${JSON.stringify(target)}); console.log(JSON.stringify({ loaded: true, opened })) }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, opened })) }`
  const r = spawnSync(process.execPath, ['-e', pre], { encoding: 'utf8', env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: '' } })
  return JSON.parse(r.stdout)
}

test('musl (Alpine): no glibc addon is opened, and the error says musl has no prebuilt addon', { skip: process.platform !== 'linux' || process.arch !== 'x64' ? 'simulates from linux-x64' : false }, () => {
  const r = simulate('linux', 'x64', true)
  assert.equal(r.code, 'NATIVE_ADDON_MISSING')
  // (this checkout's own build is tried first: a build from source on musl would be named -musl)
  assert.deepEqual(r.opened.filter((f) => /-gnu\.node$/.test(f) && path.dirname(f) !== ROOT), [], 'a platform package\'s -gnu addon was dlopened on musl')
  assert.match(r.message, /\(linux-x64-musl\)/)
  assert.match(r.message, /musl libc system \(Alpine\): there is no prebuilt addon for it/)
})

for (const [platform, arch, triple] of [['linux', 'arm', 'linux-arm-gnu'], ['freebsd', 'x64', 'freebsd-x64'], ['win32', 'arm64', 'win32-arm64-msvc']]) {
  test(`${triple}: the error says there is no prebuilt addon (not 'install secret-guard-${triple}', which does not exist)`, { skip: process.platform !== 'linux' ? 'simulates from linux' : false }, () => {
    const r = simulate(platform, arch, false)
    assert.equal(r.code, 'NATIVE_ADDON_MISSING')
    assert.match(r.message, new RegExp(`There is no prebuilt addon for ${triple}\\.`))
    assert.doesNotMatch(r.message, /Install its platform package/)
  })
}
