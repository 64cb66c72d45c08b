#!/usr/bin/env node
'use strict'
// secret-guard CLI: doctor, encrypt, decrypt, keypair, get, set, run.
// Files stay dotenvx-compatible. Errors go to stderr with a code and never a value.
// Exit codes: 0 ok, 1 failure (or doctor found problems), 2 usage error,
// 127 command not found (run); run otherwise exits with the command's code.

const fs = require('fs')
const path = require('path')
const { spawn, execFileSync } = require('child_process')

const VERSION = require('../package.json').version

const HELP = {
  main: `secret-guard ${VERSION} — safe .env files (dotenv / dotenvx compatible)

Usage: secret-guard <command> [options]

Commands:
  doctor                 check .env files: git-ignored, not tracked, not world-readable,
                         no plaintext secrets committed (exit 1 with a list)
  encrypt [-f .env] [-k KEY]...   encrypt values in place (dotenvx format, keys in .env.keys)
  decrypt [-f .env] [-k KEY]...   decrypt values in place
  keypair [-f .env]      print the file's keypair (or a new one) as JSON
  get KEY [-f .env]      print one (decrypted) value
  set KEY VALUE [-f .env] [--plain]   set a value, encrypted unless --plain
  run [-f .env]... -- <command> [args...]   run a command with the (decrypted) env

Run "secret-guard <command> --help" for the options of a command.`,
  doctor: `Usage: secret-guard doctor

Checks the .env* files of the current directory and those tracked by git:
  - every .env* file except templates (.env.example, .env.sample, .env.template, .env.dist)
    and .env.keys is git-ignored and not tracked (files whose every value is encrypted
    with dotenvx may be committed)
  - secret files are not readable by other users (mode)
  - tracked .env* files hold no plaintext secret-looking value
Prints names only, never values. Exit 0 when clean, 1 with the list of problems.`,
  encrypt: `Usage: secret-guard encrypt [-f FILE] [-k KEY]... [-fk KEYS_FILE]

Encrypts the values of FILE (default .env) in place, dotenvx-compatible.
A new keypair is created when the file has no DOTENV_PUBLIC_KEY*; its private key
goes to .env.keys (mode 600). -k limits encryption to the given keys.`,
  decrypt: `Usage: secret-guard decrypt [-f FILE] [-k KEY]... [-fk KEYS_FILE]

Decrypts the encrypted values of FILE (default .env) in place. The private key
comes from DOTENV_PRIVATE_KEY[_ENV] in the environment or from .env.keys.`,
  keypair: `Usage: secret-guard keypair [-f FILE] [--new] [-fk KEYS_FILE]

Prints {"DOTENV_PUBLIC_KEY…": …, "DOTENV_PRIVATE_KEY…": …} for FILE (default .env),
or a freshly generated keypair when the file has none (or with --new). Writes nothing.`,
  get: `Usage: secret-guard get KEY [-f FILE]... [--convention nextjs|flow] [--expand] [--override] [-fk KEYS_FILE]

Prints the value of KEY from FILE(s) (default .env), decrypted. Exit 1 when absent.`,
  set: `Usage: secret-guard set KEY VALUE [-f FILE] [--plain] [-fk KEYS_FILE]

Sets KEY in FILE (default .env), encrypted with the file's public key (created
when missing) unless --plain. The file is replaced atomically.
VALUE "-" reads the value from stdin, which keeps it out of the process list;
a VALUE that starts with '-' goes after --: secret-guard set KEY -- VALUE.`,
  run: `Usage: secret-guard run [-f FILE]... [--convention nextjs|flow] [--expand] [--override] [-fk KEYS_FILE] -- <command> [args...]

Loads FILE(s) (default .env), decrypts encrypted values, and runs the command with
that environment. Variables already set in the environment win unless --override.
Signals are forwarded; the exit code is the command's.`
}

class CliError extends Error {
  constructor (code, message, exitCode = 1) {
    super(message)
    this.code = code
    this.exitCode = exitCode
  }
}

function usage (msg, cmd) {
  return new CliError('USAGE', `${msg}\n\n${HELP[cmd] || HELP.main}`, 2)
}

// ------------------------------------------------------------------ args

function parseArgs (argv, cmd) {
  const o = { files: [], keys: [], positional: [], rest: null, seen: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const val = () => {
      if (i + 1 >= argv.length) throw usage(`${a} needs a value`, cmd)
      return argv[++i]
    }
    if (a === '--') {
      // run: the command follows; elsewhere the rest are positional (a VALUE may start with '-')
      if (cmd === 'run') o.rest = argv.slice(i + 1)
      else o.positional.push(...argv.slice(i + 1))
      break
    }
    const opt = (name) => { o.seen.push([name, a]); return true }
    if (a === '-h' || a === '--help') o.help = true
    else if ((a === '-f' || a === '--env-file') && opt('-f')) o.files.push(val())
    else if (a.startsWith('--env-file=') && opt('-f')) o.files.push(a.slice(11))
    else if ((a === '-fk' || a === '--env-keys-file') && opt('-fk')) o.keysFile = val()
    else if ((a === '-k' || a === '--key') && opt('-k')) o.keys.push(val())
    else if (a === '--plain' && opt(a)) o.plain = true
    else if (a === '--new' && opt(a)) o.new = true
    else if (a === '--expand' && opt(a)) o.expand = true
    else if ((a === '--override' || a === '--overload') && opt('--override')) o.override = true
    else if (a === '--convention' && opt(a)) o.convention = val()
    // never echoed: it may be a VALUE that starts with '-'
    else if (a.startsWith('-') && a.length > 1) throw usage(`unknown option (argument ${i + 2}, not shown: it may be a value; put a VALUE that starts with '-' after --)`, cmd)
    else if (cmd === 'run' && o.rest === null) { o.rest = argv.slice(i); break } else o.positional.push(a)
  }
  if (!o.help) {
    const allowed = OPTIONS[cmd] || []
    for (const [name, given] of o.seen) {
      if (!allowed.includes(name)) throw usage(`${given} is not an option of ${cmd}`, cmd)
    }
    if (ONE_FILE.has(cmd) && o.files.length > 1) throw usage(`${cmd} takes one -f FILE`, cmd)
    if (o.convention !== undefined && o.convention !== 'nextjs' && o.convention !== 'flow') throw usage('--convention must be nextjs or flow', cmd)
  }
  return o
}

// The options each command reads (any other is a usage error, not ignored).
const OPTIONS = {
  doctor: [],
  encrypt: ['-f', '-k', '-fk'],
  decrypt: ['-f', '-k', '-fk'],
  keypair: ['-f', '-fk', '--new'],
  get: ['-f', '-fk', '--expand', '--convention', '--override'],
  set: ['-f', '-fk', '--plain'],
  run: ['-f', '-fk', '--expand', '--convention', '--override']
}
const ONE_FILE = new Set(['encrypt', 'decrypt', 'keypair', 'set'])

// ------------------------------------------------------------- file edits

// dotenv 18's line regex (with match indices) to find where values sit in a file.
const LINE = /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/mgd

function entries (src) {
  const out = []
  LINE.lastIndex = 0
  let m
  while ((m = LINE.exec(src)) != null) {
    const raw = m[2] || ''
    let value = raw.trim()
    const q = value[0]
    value = value.replace(/^(['"`])([\s\S]*)\1$/mg, '$2')
    if (q === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r')
    out.push({ key: m[1], value, quoted: /^\s*['"`]/.test(raw), quote: /^\s*['"`]/.test(raw) ? raw.trim()[0] : null, lead: raw.match(/^\s*/)[0], start: m.indices[2] ? m.indices[2][0] : null, end: m.indices[2] ? m.indices[2][1] : null, matchStart: m.index, matchEnd: m.index + m[0].length })
  }
  return out
}

function sg () { return require('..') }
function envx () { return require('../lib/envx') }

/** The ways VALUE can be written on a .env line, most natural first; `prefer`: a quote to try first. */
function quoteCandidates (v, prefer) {
  const out = []
  const add = (c) => { if (!out.includes(c)) out.push(c) }
  if (prefer && !v.includes(prefer)) add(prefer + v + prefer)
  if (v !== '' && !/[#\r\n]/.test(v) && v.trim() === v) add(v)
  for (const q of ["'", '`', '"']) if (!v.includes(q)) add(q + v + q)
  // double quotes turn \n and \r into line breaks: how a value with a CR is written
  if (/[\r\n]/.test(v) && !v.includes('"')) add('"' + v.replace(/\r/g, '\\r').replace(/\n/g, '\\n') + '"')
  if (v === '') add("''")
  return out
}

const UNREPRESENTABLE = 'the value cannot be written so that dotenv reads it back unchanged (it contains all three quote characters or escape sequences)'

/**
 * `src` with [start, end) replaced by prefix + VALUE + suffix, VALUE written the
 * first way with which dotenv reads the *whole file* back as intended: KEY has
 * VALUE (or, for an occurrence a later duplicate overrides, keeps its value)
 * and every other key keeps its value. A form that reads back right on its own
 * line can still swallow later lines (a value starting with a quote, a quoted
 * multi-line value further down).
 */
function writeValue (src, { start, end, prefix = '', suffix = '' }, key, value, { prefer, last = true } = {}) {
  const before = sg().parse(src)
  for (const c of quoteCandidates(value, prefer)) {
    const next = src.slice(0, start) + prefix + c + suffix + src.slice(end)
    const after = sg().parse(next)
    const keys = new Set([...Object.keys(before), ...Object.keys(after)])
    let ok = true
    for (const k of keys) {
      const want = k === key && last ? value : before[k]
      if (after[k] !== want) { ok = false; break }
    }
    if (ok) return next
  }
  throw new CliError('UNREPRESENTABLE_VALUE', UNREPRESENTABLE)
}

// Files read with CRLF line ends get them back when written (dotenv reads both alike).
const crlfFiles = new Set()

// At most the loader's 16 MiB (a character device such as /dev/zero never ends).
function readLimited (fileOrFd) {
  const { readBounded, DEFAULT_MAX_FILE_SIZE } = require('../lib/env')._internal
  const buf = readBounded(fileOrFd, DEFAULT_MAX_FILE_SIZE)
  if (buf.length > DEFAULT_MAX_FILE_SIZE) {
    throw new CliError('FILE_TOO_LARGE', `${fileOrFd === 0 ? 'stdin' : fileOrFd} is over ${DEFAULT_MAX_FILE_SIZE} bytes`)
  }
  return buf.toString('utf8')
}

function readText (file) {
  try {
    const text = readLimited(file)
    if (text.includes('\r\n')) crlfFiles.add(path.resolve(file))
    return text.replace(/\r\n?/g, '\n')
  } catch (err) {
    if (err instanceof CliError) throw err
    if (err.code === 'ENOENT') throw new CliError('MISSING_ENV_FILE', `${file} does not exist`)
    throw new CliError(err.code || 'READ_FAILED', `cannot read ${file}: ${err.code || err.message}`)
  }
}

/**
 * Write atomically: temp file in the same directory, fsync, rename. Keeps the
 * mode of an existing file; a symlinked file is written through the link (its
 * target is replaced, the link stays). A failed write removes the temp file (it
 * may hold decrypted values).
 */
function writeAtomic (file, text, mode) {
  if (crlfFiles.has(path.resolve(file))) text = text.replace(/\n/g, '\r\n')
  try { file = fs.realpathSync(file) } catch {}
  let m = mode
  try { m = m ?? (fs.statSync(file).mode & 0o777) } catch { m = m ?? 0o644 }
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`)
  let fd
  try { fd = fs.openSync(tmp, 'wx', m) } catch (err) {
    // name the file the user gave, not the temp file (ENOENT: its directory is missing)
    throw new CliError(err.code || 'WRITE_FAILED', `cannot write ${file}: ${err.code || err.message}`)
  }
  try {
    fs.writeFileSync(fd, text)
    fs.fsyncSync(fd)
  } catch (err) {
    try { fs.closeSync(fd) } catch {}
    try { fs.unlinkSync(tmp) } catch {}
    throw err
  }
  fs.closeSync(fd)
  try {
    fs.chmodSync(tmp, m)
    fs.renameSync(tmp, file)
  } catch (err) {
    try { fs.unlinkSync(tmp) } catch {}
    throw err
  }
}

function replaceRanges (src, edits) {
  edits.sort((a, b) => b.start - a.start)
  for (const e of edits) src = src.slice(0, e.start) + e.text + src.slice(e.end)
  return src
}

function prependPublicKey (src, publicKeyName, publicKey, filename) {
  const header = [
    '#/-------------------[DOTENV_PUBLIC_KEY]--------------------/',
    '#/            public-key encryption for .env files          /',
    '#/       [how it works](https://dotenvx.com/encryption)     /',
    '#/----------------------------------------------------------/',
    `${publicKeyName}="${publicKey}"`,
    '',
    `# ${filename}`
  ].join('\n')
  let first = ''
  if (src.startsWith('#!')) {
    const nl = src.indexOf('\n')
    first = nl < 0 ? src + '\n' : src.slice(0, nl + 1)
    src = nl < 0 ? '' : src.slice(nl + 1)
  }
  return `${first}${header}\n${src}`
}

function keysFileFor (file, opts) {
  return opts.keysFile ? path.resolve(opts.keysFile) : path.join(path.dirname(path.resolve(file)), '.env.keys')
}

function appendPrivateKey (keysFile, name, privateKey, comment) {
  let src = ''
  // through readText: a CRLF .env.keys stays CRLF (appended lines included)
  try { src = readText(keysFile) } catch (err) { if (err.code !== 'MISSING_ENV_FILE') throw err }
  if (!src) {
    src = ['#/------------------!DOTENV_PRIVATE_KEYS!-------------------/',
      '#/ private decryption keys. DO NOT commit to source control /',
      '#/     [how it works](https://dotenvx.com/encryption)       /',
      '#/----------------------------------------------------------/', ''].join('\n')
  }
  src = `${src}\n# ${comment}\n${name}=${privateKey}\n`
  writeAtomic(keysFile, src, 0o600)
}

/** Public key of FILE, creating a keypair (private key into .env.keys) when it has none. Returns { src, publicKey, names }. */
function ensurePublicKey (file, src, opts) {
  const parsed = sg().parse(src)
  const names = envx().keyNamesForFile(file, parsed)
  if (parsed[names.publicKeyName]) return { src, publicKey: parsed[names.publicKeyName], names, created: false }
  let publicKey
  const found = envx().findPrivateKey(names.privateKeyName, file, { envKeysFile: opts.keysFile }, process.env)
  if (found) {
    publicKey = require('../lib/native').envxPublicKey(found.value.split(',')[0], names.privateKeyName)
  } else {
    const kp = envx().keypair()
    appendPrivateKey(keysFileFor(file, opts), names.privateKeyName, kp.privateKey, path.basename(file))
    publicKey = kp.publicKey
  }
  return { src: prependPublicKey(src, names.publicKeyName, publicKey, path.basename(file)), publicKey, names, created: !found }
}

const isKeyName = (k) => /^DOTENV_(PUBLIC|PRIVATE)_KEY/.test(k)

// --------------------------------------------------------------- commands

function cmdEncrypt (opts) {
  const file = opts.files[0] || '.env'
  let src = readText(file)
  const ens = ensurePublicKey(file, src, opts)
  src = ens.src
  const edits = []
  const done = new Set()
  for (const e of entries(src)) {
    if (isKeyName(e.key) || e.start === null || e.value.startsWith('encrypted:')) continue
    if (opts.keys.length && !opts.keys.includes(e.key)) continue
    const enc = envx().encryptValue(e.value, ens.publicKey)
    // the value's own quotes are kept (dotenvx expands `$` in "…" and bare values, not in '…')
    edits.push({ start: e.start, end: e.end, text: e.lead + (e.quote ? `${e.quote}${enc}${e.quote}` : enc) })
    done.add(e.key)
  }
  for (const k of opts.keys) if (!done.has(k) && !entries(src).some((e) => e.key === k)) throw new CliError('MISSING_KEY', `${keyName(k)} is not in ${file}`)
  writeAtomic(file, replaceRanges(src, edits))
  console.log(`✔ encrypted ${done.size} key${done.size === 1 ? '' : 's'} in ${file}${ens.created ? ` (new keypair, private key in ${path.relative(process.cwd(), keysFileFor(file, opts)) || '.env.keys'})` : ''}`)
}

// A KEY the user typed, for an error message: shown only when it looks like a
// variable name. A value pasted where a name belongs (a private key given to
// -k) must not be echoed.
function keyName (k) {
  const plain = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(k) && !/[0-9a-fA-F]{16,}|[A-Za-z0-9+/]{32,}/.test(k) &&
    // token formats doctor knows (sk_live_…, AKIA…, xoxb-…); not its last, generic rule
    // (32+ letters and digits), which long variable names match
    !SECRET_VALUE.slice(0, -1).some((re) => re.test(k))
  return plain && sg().mask(k) === k ? k : `the given KEY (${k.length} characters, not shown: it does not look like a variable name)`
}

function privateKeyFor (file, src, opts) {
  const names = envx().keyNamesForFile(file, sg().parse(src))
  const found = envx().findPrivateKey(names.privateKeyName, file, { envKeysFile: opts.keysFile }, process.env)
  return { names, value: found ? found.value : '' }
}

function decryptOne (key, value, pk) {
  return require('../lib/native').envxDecryptValues([key], [value], pk.value, pk.names.privateKeyName)[0]
}

function cmdDecrypt (opts) {
  const file = opts.files[0] || '.env'
  const src = readText(file)
  const pk = privateKeyFor(file, src, opts)
  const all = entries(src)
  for (const k of opts.keys) if (!all.some((e) => e.key === k)) throw new CliError('MISSING_KEY', `${keyName(k)} is not in ${file}`)
  const todo = all.filter((e) => e.start !== null && e.value.startsWith('encrypted:') && (!opts.keys.length || opts.keys.includes(e.key)))
  // last to first, so that earlier offsets stay valid; each value written so the whole file reads back
  let out = src
  for (const e of [...todo].reverse()) {
    const last = all.filter((x) => x.key === e.key).pop() === e
    out = writeValue(out, { start: e.start, end: e.end, prefix: e.lead }, e.key, decryptOne(e.key, e.value, pk), { prefer: e.quote, last })
  }
  writeAtomic(file, out)
  console.log(`✔ decrypted ${todo.length} value${todo.length === 1 ? '' : 's'} in ${file}`)
}

function cmdKeypair (opts) {
  const file = opts.files[0] || '.env'
  let src = ''
  // no file yet: a new keypair for it; any other read error is an error (EACCES, EISDIR)
  try { src = readText(file) } catch (err) { if (err.code !== 'MISSING_ENV_FILE') throw err }
  const parsed = sg().parse(src)
  const names = envx().keyNamesForFile(file, parsed)
  if (!opts.new && parsed[names.publicKeyName]) {
    const found = envx().findPrivateKey(names.privateKeyName, file, { envKeysFile: opts.keysFile }, process.env)
    console.log(JSON.stringify({ [names.publicKeyName]: parsed[names.publicKeyName], [names.privateKeyName]: found ? found.value : null }))
    return
  }
  const kp = envx().keypair()
  console.log(JSON.stringify({ [names.publicKeyName]: kp.publicKey, [names.privateKeyName]: kp.privateKey }))
}

function loadFiles (opts, processEnv) {
  const files = opts.files.length ? opts.files : (opts.convention ? undefined : ['.env'])
  const r = sg().config({ path: files, processEnv, decrypt: true, expand: opts.expand, override: opts.override, convention: opts.convention, envKeysFile: opts.keysFile, quiet: true })
  // a named file that is missing: the same code as encrypt/decrypt/set
  if (r.error && r.error.code === 'ENOENT' && opts.files.length) {
    const missing = opts.files.find((f) => !fs.existsSync(f)) || r.error.path
    r.error = new CliError('MISSING_ENV_FILE', `${missing} does not exist`)
  }
  return r
}

function cmdGet (opts) {
  if (opts.positional.length !== 1) throw usage('get needs exactly one KEY', 'get')
  const key = opts.positional[0]
  // a copy of the environment: --expand sees its variables, as `run` does
  const env = { ...process.env }
  const r = loadFiles(opts, env)
  if (r.error) throw r.error
  if (!Object.prototype.hasOwnProperty.call(r.parsed, key)) throw new CliError('MISSING_KEY', `${keyName(key)} is not set in ${(opts.files.length ? opts.files : ['.env']).join(', ')}`)
  process.stdout.write(r.parsed[key] + '\n')
}

function cmdSet (opts) {
  if (opts.positional.length !== 2) throw usage('set needs KEY and VALUE', 'set')
  const key = opts.positional[0]
  let value = opts.positional[1]
  // VALUE "-" reads the value from stdin (keeps it out of argv / shell history); one trailing newline is dropped
  if (value === '-') value = readLimited(0).replace(/\r?\n$/, '')
  if (!/^[\w.-]+$/.test(key)) throw new CliError('INVALID_KEY', 'KEY may contain only letters, digits, _ . and -')
  const file = opts.files[0] || '.env'
  let src = ''
  try { src = readText(file) } catch (err) { if (err.code !== 'MISSING_ENV_FILE') throw err }
  let text = value
  if (!(opts.plain || isKeyName(key))) {
    const ens = ensurePublicKey(file, src, opts)
    src = ens.src
    text = envx().encryptValue(value, ens.publicKey)
  }
  const all = entries(src).filter((e) => e.key === key)
  const last = all[all.length - 1]
  if (last && last.start !== null) {
    src = writeValue(src, { start: last.start, end: last.end, prefix: last.lead }, key, text, { prefer: last.quote || (text === value ? null : '"') })
  } else if (last) {
    // an empty value: dotenv's match runs on over the following blank and comment
    // lines; only the key's own line is replaced
    const eol = src.indexOf('\n', last.matchStart)
    const end = eol < 0 ? last.matchEnd : Math.min(last.matchEnd, eol)
    src = writeValue(src, { start: last.matchStart, end, prefix: `${key}=` }, key, text, { prefer: text === value ? null : '"' })
  } else {
    if (src && !src.endsWith('\n')) src += '\n'
    src = writeValue(src, { start: src.length, end: src.length, prefix: `${key}=`, suffix: '\n' }, key, text, { prefer: text === value ? null : '"' })
  }
  writeAtomic(file, src, fs.existsSync(file) ? undefined : 0o600)
  console.log(`✔ set ${key}${opts.plain ? ' (plain)' : ' (encrypted)'} in ${file}`)
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2']

function cmdRun (opts) {
  if (!opts.rest || opts.rest.length === 0) throw usage('run needs a command after --', 'run')
  const env = { ...process.env }
  const r = loadFiles(opts, env)
  if (r.error) {
    if (r.error.code === 'ENOENT' && !opts.files.length) console.error(`[secret-guard] warning: no .env file in ${process.cwd()}; running with the current environment`)
    else throw r.error
  }
  const [cmd, ...args] = opts.rest
  // A process environment cannot hold a NUL byte; spawn() would throw ERR_INVALID_ARG_VALUE
  // with the (decrypted) value in its message. Name the key only.
  for (const k of Object.keys(env)) {
    if (typeof env[k] === 'string' && env[k].includes('\0')) throw new CliError('UNREPRESENTABLE_VALUE', `${k} contains a NUL byte, which a process environment cannot hold`)
  }
  return new Promise((resolve) => {
    let child
    try {
      child = spawn(cmd, args, { stdio: 'inherit', env })
    } catch (err) {
      console.error(`secret-guard: cannot run ${cmd}: ${err.code || 'ERROR'}`) // never err.message: it may quote env values
      return resolve(126)
    }
    // Ctrl+C and Ctrl+\ in a terminal signal the whole foreground process group, the
    // command included: forwarding them too would deliver two (a second SIGINT is
    // 'force quit' to many programs). On Windows the console delivers Ctrl+C to the
    // command itself, and child.kill() would terminate it outright. So from a
    // terminal (or on Windows) those two are only kept from killing this process
    // while the command handles them; every other signal is forwarded.
    const fromTerminal = process.platform === 'win32' || process.stdin.isTTY === true
    const forward = {}
    for (const s of SIGNALS) {
      forward[s] = fromTerminal && (s === 'SIGINT' || s === 'SIGQUIT') ? () => {} : () => { try { child.kill(s) } catch {} }
      process.on(s, forward[s])
    }
    const cleanup = () => { for (const s of SIGNALS) process.removeListener(s, forward[s]) }
    child.on('error', (err) => {
      cleanup()
      if (err.code === 'ENOENT') { console.error(`secret-guard: command not found: ${cmd}`); resolve(127) } else { console.error(`secret-guard: cannot run ${cmd}: ${err.code || err.message}`); resolve(126) }
    })
    child.on('exit', (code, signal) => {
      cleanup()
      if (signal) {
        // die the same way so our parent sees the signal
        process.kill(process.pid, signal)
        resolve(128 + (require('os').constants.signals[signal] || 0))
      } else resolve(code == null ? 1 : code)
    })
  })
}

// ----------------------------------------------------------------- doctor

const TEMPLATE = /^\.env\.(example|sample|template|dist)$/i
const ENV_NAME = /^\.env($|\.)/
const PLACEHOLDER = /^(<.*>|\[.*\]|\$\{.*\}|\$[A-Za-z_]\w*|change[-_ ]?me.*|xxx+|\*+|\.\.\.|todo|tbd|none|null|nil|example.*|your[-_ ].*|replace[-_ ]?me.*|placeholder.*|secret|password|dummy|test|true|false|\d{1,6})$/i
const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|PASSWD|PWD|PRIVATE|API_?KEY|ACCESS_?KEY|AUTH|CREDENTIAL|SIGNING|SALT|DSN|WEBHOOK)/i
const SECRET_VALUE = [
  /^(sk|rk)_(live|test)_[A-Za-z0-9_]{8,}/, /AKIA[0-9A-Z]{16}/, /^gh[pousr]_[A-Za-z0-9]{20,}/, /^github_pat_/, /^xox[abprs]-/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/, /^AIza[0-9A-Za-z_-]{35}$/, /^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./,
  /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, /^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9+/=_-]{32,}$/
]

function secretLooking (key, value) {
  const v = String(value).trim()
  if (!v || v.startsWith('encrypted:') || isKeyName(key)) return false
  if (PLACEHOLDER.test(v)) return false
  if (SECRET_VALUE.some((re) => re.test(v))) return true
  return SECRET_NAME.test(key) && v.length >= 8
}

function git (args, opts = {}) {
  return execFileSync('git', args, { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20, ...opts })
}

function allEncrypted (parsed) {
  const keys = Object.keys(parsed).filter((k) => !isKeyName(k) && parsed[k] !== '')
  return keys.length > 0 && keys.every((k) => parsed[k].startsWith('encrypted:'))
}

function cmdDoctor () {
  const problems = []
  const notes = []
  let inRepo = true
  let root = process.cwd()
  try { root = git(['rev-parse', '--show-toplevel']).toString().trim() } catch { inRepo = false }

  const isFile = (n) => { try { return fs.statSync(n).isFile() } catch { return false } }
  const local = fs.readdirSync(process.cwd()).filter((n) => ENV_NAME.test(n) && isFile(n))
  let tracked = []
  if (inRepo) {
    tracked = git(['ls-files', '-z', '--full-name']).toString().split('\0').filter((p) => p && ENV_NAME.test(path.basename(p)))
  } else {
    problems.push(`${process.cwd()} is not inside a git repository: cannot check that .env files are ignored (run git init)`)
  }
  // One spelling per file: git prints the real path of the top level, while the
  // cwd may be reached through a symlink (or, on Windows, be 'c:\\' for 'C:/')
  const real = (p) => { try { return fs.realpathSync.native(p) } catch { return path.resolve(p) } }
  const cwd = real(process.cwd())
  const rel = (abs) => path.relative(cwd, abs) || abs
  const trackedAbs = new Set(tracked.map((p) => path.join(real(root), p)))
  const files = new Set([...local.map((n) => path.join(cwd, n)), ...trackedAbs])

  for (const abs of [...files].sort()) {
    const name = path.basename(abs)
    const shown = rel(abs)
    const isTracked = trackedAbs.has(abs)
    let parsed = {}
    let text = null
    try {
      text = isTracked ? git(['show', `:${path.relative(root, abs).split(path.sep).join('/')}`], { cwd: root }) : fs.readFileSync(abs)
      parsed = sg().parse(text)
    } catch (err) {
      if (text !== null) problems.push(`${shown}: cannot parse (${err.code || 'error'})`)
    }
    if (isTracked) {
      for (const k of Object.keys(parsed)) if (secretLooking(k, parsed[k])) problems.push(`${shown}: ${k} has a plaintext secret-looking value committed to git`)
    }
    if (TEMPLATE.test(name)) continue
    const encryptedOnly = name !== '.env.keys' && allEncrypted(parsed)
    if (encryptedOnly) { notes.push(`${shown}: every value is encrypted (may be committed)`); continue }
    if (isTracked) problems.push(`${shown} is tracked by git (run: git rm --cached ${shown} and add it to .gitignore)`)
    else if (inRepo && fs.existsSync(abs)) {
      let ignored = true
      try { git(['check-ignore', '-q', abs]) } catch { ignored = false }
      if (!ignored) problems.push(`${shown} is not git-ignored (add it to .gitignore)`)
    }
    if (process.platform !== 'win32' && fs.existsSync(abs)) {
      const mode = fs.statSync(abs).mode & 0o777
      if (mode & 0o004) problems.push(`${shown} is readable by every user (mode ${mode.toString(8)}; run: chmod 600 ${shown})`)
    }
  }

  for (const n of notes) console.log(`  · ${n}`)
  if (problems.length) {
    console.log(`secret-guard doctor: ${problems.length} problem${problems.length === 1 ? '' : 's'}`)
    for (const p of problems) console.log(`  ✖ ${p}`)
    return 1
  }
  console.log(`secret-guard doctor: no problems found (${files.size} .env file${files.size === 1 ? '' : 's'} checked)`)
  return 0
}

// ------------------------------------------------------------------- main

const COMMANDS = { doctor: cmdDoctor, encrypt: cmdEncrypt, decrypt: cmdDecrypt, keypair: cmdKeypair, get: cmdGet, set: cmdSet, run: cmdRun }

async function main (argv) {
  const [cmd, ...rest] = argv
  if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    const topic = cmd === 'help' && rest[0]
    console.log(HELP[topic] || HELP.main)
    return cmd ? 0 : 2
  }
  if (cmd === '-v' || cmd === '--version') { console.log(VERSION); return 0 }
  if (!Object.hasOwn(COMMANDS, cmd)) throw usage(`unknown command: ${cmd}`)
  const opts = parseArgs(rest, cmd)
  if (opts.help) { console.log(HELP[cmd]); return 0 }
  const r = await COMMANDS[cmd](opts)
  return typeof r === 'number' ? r : 0
}

if (require.main === module) {
  // `secret-guard get KEY | head -c 10`: the reader went away; stop quietly, as cat does
  process.stdout.on('error', (err) => { if (err.code === 'EPIPE') process.exit(process.exitCode || 0); throw err })
  main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (err) => {
    const code = err && err.code ? err.code : 'ERROR'
    if (err instanceof CliError && err.code === 'USAGE') console.error(`secret-guard: ${err.message}`)
    else {
      const msg = err && err.message ? err.message : String(err)
      // Node's own errors already start with their code ('ENOENT: no such file…')
      console.error(`secret-guard: ${msg.startsWith(code + ':') ? msg : `${code}: ${msg}`}`)
    }
    process.exitCode = err && err.exitCode ? err.exitCode : 1
  })
}

module.exports = { main, entries, secretLooking }
