'use strict'
// The real `secret-guard` CLI spawned in temp dirs: doctor (in a real git repo),
// set/get/encrypt/decrypt/keypair, run (env, exit code, signal forwarding),
// help and usage errors, atomic writes, no values on stderr.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const crypto = require('crypto')
const { spawn, spawnSync, execFileSync } = require('child_process')

const CLI = path.join(__dirname, '..', 'bin', 'secret-guard.js')
const fake = (tag) => `sk_test_FAKE_${tag}_${crypto.randomBytes(8).toString('hex')}`
const baseEnv = { PATH: process.env.PATH, HOME: os.tmpdir(), GIT_CONFIG_NOSYSTEM: '1' }
const cli = (args, cwd, env = {}) => spawnSync(process.execPath, [CLI, ...args], { cwd, env: { ...baseEnv, ...env }, encoding: 'utf8', timeout: 30000 })

function withDir (fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-cli-'))
  return Promise.resolve().then(() => fn(dir)).finally(() => fs.rmSync(dir, { recursive: true, force: true }))
}
function git (dir, ...args) {
  return execFileSync('git', ['-c', 'user.email=t@example.test', '-c', 'user.name=t', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, env: { ...baseEnv }, stdio: ['ignore', 'pipe', 'pipe'] }).toString()
}

test('help, version and usage errors', () => {
  const r = cli(['--help'], os.tmpdir())
  assert.equal(r.status, 0)
  for (const c of ['doctor', 'encrypt', 'decrypt', 'keypair', 'get', 'set', 'run']) {
    assert.match(r.stdout, new RegExp(`\\b${c}\\b`))
    const h = cli([c, '--help'], os.tmpdir())
    assert.equal(h.status, 0)
    assert.match(h.stdout, new RegExp(`^Usage: secret-guard ${c}`))
  }
  assert.equal(cli([], os.tmpdir()).status, 2)
  for (const name of ['frobnicate', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    const bad = cli([name], os.tmpdir())
    assert.equal(bad.status, 2, name)
    assert.match(bad.stderr, new RegExp(`unknown command: ${name}`), name)
  }
  assert.equal(cli(['get'], os.tmpdir()).status, 2)
  assert.equal(cli(['encrypt', '--bogus'], os.tmpdir()).status, 2)
  assert.equal(cli(['run'], os.tmpdir()).status, 2)
  assert.match(cli(['--version'], os.tmpdir()).stdout, /^\d+\.\d+\.\d+/)
})

test('set (encrypted by default, --plain), get, encrypt -k, decrypt, keypair; errors without values', () => withDir((dir) => {
  const s1 = fake('one')
  const s2 = fake('two')
  let r = cli(['set', 'API_KEY', s1], dir)
  assert.equal(r.status, 0, r.stderr)
  let src = fs.readFileSync(path.join(dir, '.env'), 'utf8')
  assert.ok(!src.includes(s1))
  assert.match(src, /^API_KEY="encrypted:[A-Za-z0-9+/=]+"$/m)
  assert.equal(fs.statSync(path.join(dir, '.env')).mode & 0o777, 0o600)
  assert.equal(cli(['get', 'API_KEY'], dir).stdout, s1 + '\n')
  // VALUE '-' reads stdin
  const s3 = fake('stdin')
  r = spawnSync(process.execPath, [CLI, 'set', 'FROM_STDIN', '-'], { cwd: dir, env: baseEnv, input: s3 + '\n', encoding: 'utf8', timeout: 30000 })
  assert.equal(r.status, 0, r.stderr)
  assert.ok(!fs.readFileSync(path.join(dir, '.env'), 'utf8').includes(s3))
  assert.equal(cli(['get', 'FROM_STDIN'], dir).stdout, s3 + '\n')
  // odd values round-trip through --plain
  for (const v of ['a b # c', "it's", 'multi\nline', ' padded ', '', 'x"y\'z']) {
    assert.equal(cli(['set', 'ODD', v, '--plain'], dir).status, 0)
    assert.equal(cli(['get', 'ODD'], dir).stdout, v + '\n', JSON.stringify(v))
  }
  const all3 = cli(['set', 'ODD', '\'x"y`z\'', '--plain'], dir)
  assert.equal(all3.status, 1)
  assert.match(all3.stderr, /UNREPRESENTABLE_VALUE/)
  // encrypt only one key
  fs.appendFileSync(path.join(dir, '.env'), `PLAIN_ONE=${s2}\nPLAIN_TWO=keep\n`)
  r = cli(['encrypt', '-k', 'PLAIN_ONE'], dir)
  assert.equal(r.status, 0, r.stderr)
  src = fs.readFileSync(path.join(dir, '.env'), 'utf8')
  assert.ok(!src.includes(s2) && src.includes('PLAIN_TWO=keep'))
  assert.equal(cli(['get', 'PLAIN_ONE'], dir).stdout, s2 + '\n')
  // keypair prints the file's keys (the ones in .env.keys)
  const kp = JSON.parse(cli(['keypair'], dir).stdout)
  assert.match(kp.DOTENV_PUBLIC_KEY, /^0[23][0-9a-f]{64}$/)
  assert.match(fs.readFileSync(path.join(dir, '.env.keys'), 'utf8'), new RegExp(`DOTENV_PRIVATE_KEY=${kp.DOTENV_PRIVATE_KEY}`))
  // wrong key in the environment: DECRYPTION_FAILED on stderr, no value, exit 1
  const wrong = JSON.parse(cli(['keypair', '--new'], dir).stdout).DOTENV_PRIVATE_KEY
  r = cli(['get', 'API_KEY'], dir, { DOTENV_PRIVATE_KEY: wrong })
  assert.equal(r.status, 1)
  assert.match(r.stderr, /DECRYPTION_FAILED/)
  for (const v of [s1, wrong, kp.DOTENV_PRIVATE_KEY]) assert.ok(!r.stderr.includes(v) && !r.stdout.includes(v))
  // missing key
  r = cli(['get', 'NOPE'], dir)
  assert.equal(r.status, 1)
  assert.match(r.stderr, /MISSING_KEY: NOPE/)
  // decrypt in place
  assert.equal(cli(['decrypt'], dir).status, 0)
  src = fs.readFileSync(path.join(dir, '.env'), 'utf8')
  assert.ok(src.includes(s1) && src.includes(s2) && !/=\s*"?encrypted:/.test(src))
  // no temp files left behind
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')), [])
  // missing file
  r = cli(['encrypt', '-f', '.env.nothere'], dir)
  assert.equal(r.status, 1)
  assert.match(r.stderr, /MISSING_ENV_FILE/)
}))

test('run: decrypted env reaches the command, exit code propagates, env wins over files', () => withDir((dir) => {
  const s = fake('run')
  assert.equal(cli(['set', 'TOKEN', s], dir).status, 0)
  assert.equal(cli(['set', 'WHO', 'file', '--plain'], dir).status, 0)
  const code = 'process.stdout.write(process.env.TOKEN + "|" + process.env.WHO); process.exit(7)'
  let r = cli(['run', '--', process.execPath, '-e', code], dir)
  assert.equal(r.status, 7)
  assert.equal(r.stdout, `${s}|file`)
  r = cli(['run', '--', process.execPath, '-e', code], dir, { WHO: 'env' })
  assert.equal(r.stdout, `${s}|env`)
  r = cli(['run', '--override', '--', process.execPath, '-e', code], dir, { WHO: 'env' })
  assert.equal(r.stdout, `${s}|file`)
  r = cli(['run', '--', 'sg-no-such-command-xyz'], dir)
  assert.equal(r.status, 127)
  // a missing key refuses to run (exit 1) rather than run with ciphertext
  fs.renameSync(path.join(dir, '.env.keys'), path.join(dir, 'k.bak'))
  r = cli(['run', '--', process.execPath, '-e', 'console.log("ran")'], dir)
  assert.equal(r.status, 1)
  assert.match(r.stderr, /MISSING_PRIVATE_KEY/)
  assert.ok(!r.stdout.includes('ran'))
}))

test('run forwards SIGTERM to the command; its exit status (or signal) is ours', { skip: process.platform === 'win32' }, () => withDir(async (dir) => {
  fs.writeFileSync(path.join(dir, '.env'), 'A=1\n')
  const child = spawn(process.execPath, [CLI, 'run', '--', process.execPath, '-e',
    'process.on("SIGTERM", () => { console.log("child got SIGTERM"); process.exit(0) }); console.log("ready"); setInterval(() => {}, 1000)'], { cwd: dir, env: baseEnv })
  let out = ''
  const ready = new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('child not ready')), 15000)
    child.stdout.on('data', (d) => { out += d; if (out.includes('ready')) { clearTimeout(t); resolve() } })
  })
  await ready
  child.kill('SIGTERM')
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])))
  assert.match(out, /child got SIGTERM/)
  assert.equal(code, 0, `exit ${code} ${signal}`)
  // a command that does not handle the signal dies by it, and so does the CLI
  const c2 = spawn(process.execPath, [CLI, 'run', '--', process.execPath, '-e', 'console.log("ready"); setInterval(() => {}, 1000)'], { cwd: dir, env: baseEnv })
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('child not ready')), 15000)
    c2.stdout.on('data', (d) => { if (String(d).includes('ready')) { clearTimeout(t); resolve() } })
  })
  c2.kill('SIGTERM')
  const [code2, signal2] = await new Promise((resolve) => c2.on('exit', (c, s) => resolve([c, s])))
  assert.equal(signal2, 'SIGTERM', `exit ${code2} ${signal2}`)
}))

const hasPython = spawnSync('python3', ['-c', 'import pty'], { encoding: 'utf8' }).status === 0
test('run from a terminal: Ctrl+C reaches the command once (the terminal signals it; the CLI does not forward a second SIGINT)', { skip: process.platform === 'win32' || !hasPython ? 'needs python3 and a pty' : false, timeout: 60_000 }, () => withDir((dir) => {
  fs.writeFileSync(path.join(dir, '.env'), 'A=1\n')
  const r = spawnSync('python3', [path.join(__dirname, 'helpers', 'pty-ctrl-c.py'), CLI, dir, process.execPath], { encoding: 'utf8', timeout: 45_000 })
  assert.match(r.stdout, /child got SIGINT #1\n/, r.stdout + r.stderr)
  assert.doesNotMatch(r.stdout, /SIGINT #2/, 'a second SIGINT means force-quit to many programs')
  assert.match(r.stdout, /child exits after 1\nSTATUS 0\n$/, r.stdout)
}))

test('run: a value with a NUL byte is refused by name, never echoed (spawn() would quote it); /dev/zero and endless stdin are FILE_TOO_LARGE', () => withDir((dir) => {
  const v = fake('nul') + '\0rest'
  fs.writeFileSync(path.join(dir, '.env'), 'A=1\n')
  let r = spawnSync(process.execPath, [CLI, 'set', 'DB_PASSWORD', '-'], { cwd: dir, env: baseEnv, input: v, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  r = cli(['run', '--', process.execPath, '-e', '0'], dir)
  assert.equal(r.status, 1)
  assert.equal(r.stderr, 'secret-guard: UNREPRESENTABLE_VALUE: DB_PASSWORD contains a NUL byte, which a process environment cannot hold\n')
  assert.ok(!r.stderr.includes(v.slice(0, 12)) && !r.stdout.includes(v.slice(0, 12)))
  if (fs.existsSync('/dev/zero')) {
    for (const args of [['get', 'A', '-f', '/dev/zero'], ['encrypt', '-f', '/dev/zero'], ['keypair', '-f', '/dev/zero']]) {
      r = cli(args, dir)
      assert.equal(r.status, 1, args.join(' '))
      assert.match(r.stderr, /^secret-guard: FILE_TOO_LARGE: \S*dev\/zero is over /, args.join(' '))
    }
    const fd = fs.openSync('/dev/zero', 'r')
    try {
      r = spawnSync(process.execPath, [CLI, 'set', 'B', '-', '--plain'], { cwd: dir, env: baseEnv, stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', timeout: 30000 })
    } finally { fs.closeSync(fd) }
    assert.equal(r.status, 1)
    assert.equal(r.stderr, 'secret-guard: FILE_TOO_LARGE: stdin is over 16777216 bytes\n')
  }
}))

test('get piped into a reader that stops early (head -c 10) exits quietly, no EPIPE stack', { skip: process.platform === 'win32' }, () => withDir((dir) => {
  fs.writeFileSync(path.join(dir, '.env'), `C=${'x'.repeat(200000)}\n`)
  const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" get C 2>err.txt | head -c 10; echo " rc=$?"`], { cwd: dir, env: baseEnv, encoding: 'utf8' })
  assert.equal(r.stdout, 'xxxxxxxxxx rc=0\n')
  assert.equal(fs.readFileSync(path.join(dir, 'err.txt'), 'utf8'), '')
}))

test('doctor: lists tracked / unignored / world-readable files and committed plaintext secrets; exit 0 when fixed', () => withDir((dir) => {
  git(dir, 'init', '-q')
  const leaked = fake('leak')
  fs.writeFileSync(path.join(dir, '.env'), `API_KEY=${leaked}\nPORT=3000\n`, { mode: 0o644 })
  fs.writeFileSync(path.join(dir, '.env.example'), 'API_KEY=changeme\nDB_PASSWORD=\nPORT=3000\n')
  fs.writeFileSync(path.join(dir, '.env.local'), 'X=1\n', { mode: 0o644 })
  fs.chmodSync(path.join(dir, '.env'), 0o644)
  fs.chmodSync(path.join(dir, '.env.local'), 0o644)
  git(dir, 'add', '.env', '.env.example')
  git(dir, 'commit', '-qm', 'oops')
  let r = cli(['doctor'], dir)
  assert.equal(r.status, 1, r.stdout + r.stderr)
  assert.match(r.stdout, /\.env is tracked by git/)
  assert.match(r.stdout, /\.env: API_KEY has a plaintext secret-looking value/)
  assert.match(r.stdout, /\.env\.local is not git-ignored/)
  assert.match(r.stdout, /\.env\.local is readable by every user/)
  assert.ok(!/\.env\.example/.test(r.stdout), 'a placeholder-only template is fine')
  assert.ok(!(r.stdout + r.stderr).includes(leaked), 'doctor never prints values')

  // fix everything
  git(dir, 'rm', '-q', '--cached', '.env')
  fs.writeFileSync(path.join(dir, '.gitignore'), '.env\n.env.*\n!.env.example\n.env.keys\n')
  fs.chmodSync(path.join(dir, '.env'), 0o600)
  fs.chmodSync(path.join(dir, '.env.local'), 0o600)
  git(dir, 'add', '.gitignore')
  git(dir, 'commit', '-qm', 'fix')
  r = cli(['doctor'], dir)
  assert.equal(r.status, 0, r.stdout + r.stderr)
  assert.match(r.stdout, /no problems found/)

  // a committed secret in the template is caught too
  fs.writeFileSync(path.join(dir, '.env.example'), `STRIPE_KEY=${leaked}\n`)
  git(dir, 'add', '.env.example')
  r = cli(['doctor'], dir)
  assert.equal(r.status, 1)
  assert.match(r.stdout, /\.env\.example: STRIPE_KEY has a plaintext secret-looking value/)
  git(dir, 'reset', '-q', '.env.example')
  fs.writeFileSync(path.join(dir, '.env.example'), 'STRIPE_KEY=\n')

  // a dotenvx-encrypted file may be committed; .env.keys may not
  fs.writeFileSync(path.join(dir, '.env.production'), 'TOKEN=x\n', { mode: 0o600 })
  assert.equal(cli(['encrypt', '-f', '.env.production'], dir).status, 0)
  git(dir, 'add', '-f', '.env.production', '.env.example')
  git(dir, 'commit', '-qm', 'encrypted')
  r = cli(['doctor'], dir)
  assert.equal(r.status, 0, r.stdout)
  git(dir, 'add', '-f', '.env.keys')
  r = cli(['doctor'], dir)
  assert.equal(r.status, 1)
  assert.match(r.stdout, /\.env\.keys is tracked by git/)
}))

test('doctor outside a git repository says so', () => withDir((dir) => {
  fs.writeFileSync(path.join(dir, '.env'), 'A=1\n', { mode: 0o600 })
  const r = cli(['doctor'], dir, { GIT_CEILING_DIRECTORIES: path.dirname(dir) })
  assert.equal(r.status, 1)
  assert.match(r.stdout, /not inside a git repository/)
}))

test('set: a VALUE starting with "-" is never echoed as an unknown option; after -- it is set', () => withDir((dir) => {
  const value = `-${fake('dash')}`
  const r = cli(['set', 'API_KEY', value], dir)
  assert.equal(r.status, 2)
  assert.match(r.stderr, /unknown option \(argument 3, not shown/)
  assert.ok(!r.stderr.includes(value.slice(1)) && !r.stdout.includes(value.slice(1)), r.stderr)
  const ok = cli(['set', 'API_KEY', '--', value], dir)
  assert.equal(ok.status, 0, ok.stderr)
  assert.equal(cli(['get', 'API_KEY'], dir).stdout, value + '\n')
}))

test('set/decrypt write each value so that the whole file reads back (no swallowed lines, CR values, comments and quote styles kept)', () => withDir((dir) => {
  const dotenv = require('dotenv')
  const read = () => fs.readFileSync(path.join(dir, '.env'), 'utf8')
  const pem = '\n-----BEGIN FAKE KEY-----\nFAKEFAKE\n-----END FAKE KEY-----\n'
  fs.writeFileSync(path.join(dir, '.env'), `PASS=placeholder\nEMPTY=\n# rotate monthly\n\nPEM='${pem}'\n`)
  // a value that reads back right on its own line but, written bare, would swallow the PEM
  for (const v of ["FAKE p#ss\\'", "'FAKE_open"]) {
    const r = spawnSync(process.execPath, [CLI, 'set', 'PASS', '-', '--plain'], { cwd: dir, env: baseEnv, input: v, encoding: 'utf8', timeout: 30000 })
    assert.equal(r.status, 0, r.stderr)
    assert.deepEqual(dotenv.parse(read()), { PASS: v, EMPTY: '', PEM: pem }, v)
  }
  // an empty value's following comment and blank line stay
  assert.equal(cli(['set', 'EMPTY', 'FAKE_now_set', '--plain'], dir).status, 0)
  assert.match(read(), /^EMPTY=FAKE_now_set\n# rotate monthly\n\nPEM=/m)
  // a value with a carriage return (dotenv writes it as "…\r\n…")
  const crlf = 'FAKE_line1\r\nFAKE_line2'
  const r = spawnSync(process.execPath, [CLI, 'set', 'CERT', '-', '--plain'], { cwd: dir, env: baseEnv, input: crlf, encoding: 'utf8', timeout: 30000 })
  assert.equal(r.status, 0, r.stderr)
  assert.equal(dotenv.parse(read()).CERT, crlf.replace(/\r\n$/, ''))
  // encrypt keeps single quotes (dotenvx expands $ in "…" and bare values only), decrypt restores them
  fs.writeFileSync(path.join(dir, '.env'), `A='FAKE$HOME'\nB="FAKE_b"\nC=FAKE_c\nCR="FAKE_x\\r\\nFAKE_y"\n`)
  assert.equal(cli(['encrypt'], dir).status, 0)
  assert.match(read(), /^A='encrypted:[^']+'$/m)
  assert.match(read(), /^B="encrypted:[^"]+"$/m)
  assert.match(read(), /^C=encrypted:\S+$/m)
  const d = cli(['decrypt'], dir)
  assert.equal(d.status, 0, d.stderr)
  const { DOTENV_PUBLIC_KEY, ...back } = dotenv.parse(read())
  assert.ok(DOTENV_PUBLIC_KEY)
  assert.deepEqual(back, { A: 'FAKE$HOME', B: 'FAKE_b', C: 'FAKE_c', CR: 'FAKE_x\r\nFAKE_y' })
  assert.match(read(), /^A='FAKE\$HOME'$/m)
}))

test('get --expand sees the environment; writes go through a symlinked .env; a failed write leaves no temp file', { skip: process.platform === 'win32' }, () => withDir((dir) => {
  fs.writeFileSync(path.join(dir, '.env'), 'URL=http://${FAKE_HOST}/x\n')
  assert.equal(cli(['get', 'URL', '--expand'], dir, { FAKE_HOST: 'fake.example' }).stdout, 'http://fake.example/x\n')
  // symlink: the target is updated, the link stays
  fs.mkdirSync(path.join(dir, 'real'))
  fs.writeFileSync(path.join(dir, 'real', '.env'), 'A=FAKE_a\n')
  fs.rmSync(path.join(dir, '.env'))
  fs.symlinkSync(path.join('real', '.env'), path.join(dir, '.env'))
  assert.equal(cli(['set', 'B', 'FAKE_b', '--plain'], dir).status, 0)
  assert.ok(fs.lstatSync(path.join(dir, '.env')).isSymbolicLink())
  assert.match(fs.readFileSync(path.join(dir, 'real', '.env'), 'utf8'), /^B=FAKE_b$/m)
  // a write that fails half-way (file size limit) must not leave the decrypted text in a temp file
  const big = 'F'.repeat(20000)
  fs.writeFileSync(path.join(dir, 'real', '.env'), `S=FAKE_short\nBIG="${big}"\n`)
  assert.equal(cli(['encrypt'], dir).status, 0)
  fs.writeFileSync(path.join(dir, 'ign.js'), "process.on('SIGXFSZ', () => {})\n")
  const r = spawnSync('bash', ['-c', `ulimit -f 10; exec "${process.execPath}" -r ./ign.js "${CLI}" decrypt`], { cwd: dir, env: baseEnv, encoding: 'utf8', timeout: 30000 })
  assert.notEqual(r.status, 0)
  const left = fs.readdirSync(path.join(dir, 'real')).filter((f) => f.endsWith('.tmp'))
  assert.deepEqual(left, [])
}))

test('CRLF files keep CRLF; --convention is checked as usage (exit 2)', () => withDir((dir) => {
  fs.writeFileSync(path.join(dir, '.env'), 'A=FAKE_a\r\nB=FAKE_b\r\n')
  assert.equal(cli(['set', 'C', 'FAKE_c', '--plain'], dir).status, 0)
  assert.equal(fs.readFileSync(path.join(dir, '.env'), 'utf8'), 'A=FAKE_a\r\nB=FAKE_b\r\nC=FAKE_c\r\n')
  // a CRLF .env.keys stays CRLF when a new private key is appended to it
  fs.writeFileSync(path.join(dir, '.env.keys'), '# keys\r\nDOTENV_PRIVATE_KEY_OTHER=FAKE_other\r\n')
  fs.writeFileSync(path.join(dir, '.env.ci'), 'X=FAKE_x\r\n')
  assert.equal(cli(['encrypt', '-f', '.env.ci'], dir).status, 0)
  const keys = fs.readFileSync(path.join(dir, '.env.keys'), 'utf8')
  assert.match(keys, /DOTENV_PRIVATE_KEY_CI=/)
  assert.equal(keys.split('\n').length - 1, keys.split('\r\n').length - 1, `every line ends with CRLF: ${JSON.stringify(keys.replace(/=[0-9a-f]{64}/g, '=…'))}`)
  assert.equal(cli(['run', '--convention', 'bogus', '--', process.execPath, '-e', '0'], dir).status, 2)
}))

test('missing -f file: MISSING_ENV_FILE for every command; decrypt -k of an absent key is MISSING_KEY; options a command does not read are usage errors', () => withDir((dir) => {
  for (const args of [['get', 'A', '-f', 'nothere.env'], ['run', '-f', 'nothere.env', '--', process.execPath, '-e', '0'],
    ['encrypt', '-f', 'nothere.env'], ['decrypt', '-f', 'nothere.env']]) {
    const r = cli(args, dir)
    assert.equal(r.status, 1, args.join(' '))
    assert.equal(r.stderr.trim(), 'secret-guard: MISSING_ENV_FILE: nothere.env does not exist', args.join(' '))
  }
  // keypair: a missing file gets a new keypair, but a directory is an error (not a fresh key that looks like its own)
  assert.equal(cli(['keypair', '-f', 'nothere.env'], dir).status, 0)
  fs.mkdirSync(path.join(dir, 'adir'))
  assert.equal(cli(['keypair', '-f', 'adir'], dir).stderr, 'secret-guard: EISDIR: cannot read adir: EISDIR\n')
  fs.writeFileSync(path.join(dir, '.env'), 'A=FAKE_a\n')
  // a keys file in a missing directory: one line naming the user's path (not the temp
  // file, not the code twice), and .env stays plaintext (the key is written first)
  let e = cli(['encrypt', '-fk', 'missing-dir/.env.keys'], dir)
  assert.equal(e.status, 1)
  assert.match(e.stderr, /^secret-guard: ENOENT: cannot write \S*missing-dir\/\.env\.keys: ENOENT\n$/)
  assert.equal(fs.readFileSync(path.join(dir, '.env'), 'utf8'), 'A=FAKE_a\n')
  // an unreadable keys file is named too
  fs.mkdirSync(path.join(dir, 'keysdir'))
  e = cli(['encrypt', '-fk', 'keysdir'], dir)
  assert.match(e.stderr, /^secret-guard: EISDIR: cannot read \S*keysdir: EISDIR\n$/)
  assert.equal(fs.readFileSync(path.join(dir, '.env'), 'utf8'), 'A=FAKE_a\n')
  let r = cli(['decrypt', '-k', 'TYPO'], dir)
  assert.equal(r.status, 1)
  assert.match(r.stderr, /MISSING_KEY: TYPO is not in \.env/)
  r = cli(['get', 'AWS_S3_BUCKET_NAME_FOR_UPLOADS_PROD'], dir) // a long ordinary name is shown
  assert.match(r.stderr, /MISSING_KEY: AWS_S3_BUCKET_NAME_FOR_UPLOADS_PROD is not set/)
  // a private key pasted where a KEY name belongs is never echoed
  const pk = crypto.randomBytes(32).toString('hex')
  for (const args of [['decrypt', '-k', pk], ['encrypt', '-k', pk], ['get', pk], ['decrypt', '-k', 'pw/FAKE+privat&x1'],
    ['get', 'sk_test_FAKE4eC39HqLy'], ['decrypt', '-k', 'AKIAFAKEFAKEEXAMPLE7'], ['get', 'xoxb-1234-FAKE']]) {
    r = cli(args, dir)
    assert.equal(r.status, 1, args.join(' '))
    assert.match(r.stderr, /MISSING_KEY: the given KEY \(\d+ characters, not shown/, args[0])
    assert.ok(!r.stderr.includes(args[args.length - 1]), 'the value is not echoed')
  }
  for (const args of [['get', 'A', '--plain'], ['get', 'A', '--new'], ['get', 'A', '-k', 'A'], ['doctor', '-f', '.env'],
    ['set', 'A', 'x', '--expand'], ['keypair', '--plain'], ['set', 'A', 'x', '-f', 'a', '-f', 'b'], ['encrypt', '--override']]) {
    r = cli(args, dir)
    assert.equal(r.status, 2, args.join(' '))
    assert.match(r.stderr, /is not an option of|takes one -f FILE/, args.join(' '))
  }
  assert.equal(fs.readFileSync(path.join(dir, '.env'), 'utf8'), 'A=FAKE_a\n', 'nothing written by a refused command')
  r = cli(['get', 'A', '--override', '--expand'], dir)
  assert.equal(r.status, 0)
  assert.equal(r.stdout, 'FAKE_a\n')
}))
