'use strict'
// Child process of reliability/leak-scan.test.js. Runs every public entry point
// with the canary secrets from SG_LEAK (JSON) and writes everything it can observe
// (errors, inspected objects, logger output, CLI output, debug output) to its
// stdout/stderr or to log files under SG_LEAK_DIR. The parent scans all of it.
// The last stdout line is '@@SUMMARY ' + JSON { checks, codes, files }.

const fs = require('fs')
const http = require('http')
const net = require('net')
const path = require('path')
const util = require('util')
const { spawnSync } = require('child_process')

const C = JSON.parse(process.env.SG_LEAK)
delete process.env.SG_LEAK
const DIR = process.env.SG_LEAK_DIR
const ROOT = path.join(__dirname, '..', '..')
const sg = require(ROOT)
const native = require(path.join(ROOT, 'lib', 'native'))

const codes = new Set()
let checks = 0
const files = []

/** Print every view of a value the library returned. */
function dump (label, v) {
  checks++
  if (v instanceof Error) {
    if (v.code) codes.add(v.code)
    if (Array.isArray(v.errors)) for (const e of v.errors) if (e && e.code) codes.add(e.code)
    console.log(`--- ${label} (${v.code})`)
    console.log(String(v))
    console.log(v.stack)
    console.error(v)
  } else {
    console.log(`--- ${label}`)
  }
  console.log(util.inspect(v, { showHidden: true, depth: 20, getters: true }))
  try { console.log(JSON.stringify(v)) } catch (e) { console.log('JSON.stringify threw', e.message) }
  try { console.log(String(v)) } catch (e) { console.log('String threw', e.message) }
  if (v && typeof v === 'object') {
    try { console.log(Object.entries(v).map(([k, x]) => `${k}=${typeof x === 'object' ? util.inspect(x) : x}`).join(' ')) } catch {}
  }
}

async function rejects (label, p) {
  try {
    await p
    console.log(`--- ${label}: did not reject`)
  } catch (e) {
    dump(label, e)
  }
}

function throws (label, fn) {
  try {
    const r = fn()
    console.log(`--- ${label}: did not throw`)
    return r
  } catch (e) {
    dump(label, e)
  }
}

function write (rel, text, mode) {
  const p = path.join(DIR, rel)
  fs.mkdirSync(path.dirname(p), { recursive: true })
  fs.writeFileSync(p, text, mode ? { mode } : undefined)
  return p
}

// --- small fake endpoints for error codes moto cannot produce
function fakeAws (type, status = 400) {
  return new Promise((resolve) => {
    const s = http.createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type })
        res.end(JSON.stringify({ __type: type, message: `injected ${type}` }))
      })
    })
    s.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${s.address().port}`, close: () => s.close() }))
  })
}
function blackhole () {
  return new Promise((resolve) => {
    const socks = []
    const s = net.createServer((c) => socks.push(c))
    s.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${s.address().port}`, close: () => { socks.forEach((c) => c.destroy()); s.close() } }))
  })
}
async function closedPort () {
  const s = net.createServer()
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = s.address().port
  await new Promise((resolve) => s.close(resolve))
  return `http://127.0.0.1:${port}`
}

async function envScenarios () {
  const cwd = process.cwd()
  process.chdir(DIR)
  try {
    write('.env', `API_KEY=${C.envApiKey}\nDB_PASSWORD="${C.envDbPassword}"\nPORT=${C.envPort}\nAPI_URL=${C.envUrl}\nGROW='${C.envGrow}$&$&'\nC=$GROW$GROW$GROW\nREF=\${API_KEY}\n`)
    // plain config with debug (dotenv-style debug output) and override
    const pe = {}
    let r = sg.config({ path: path.join(DIR, '.env'), debug: true, processEnv: pe })
    if (r.error) dump('config.error', r.error)
    r = sg.config({ path: path.join(DIR, '.env'), debug: true, processEnv: pe, override: true })
    r = sg.config({ path: path.join(DIR, 'missing.env'), debug: true, processEnv: {} })
    dump('config missing file error', r.error)
    // expand (EXPAND_LIMIT), required, schema
    r = sg.config({ path: path.join(DIR, '.env'), debug: true, processEnv: {}, expand: true })
    if (r.error) dump('config expand error', r.error)
    r = sg.config({
      path: path.join(DIR, '.env'), debug: true, processEnv: {}, required: ['NOT_THERE', 'API_KEY'],
      schema: { PORT: 'port', API_URL: 'url', API_KEY: { type: 'string', minLength: 500 }, DB_PASSWORD: 'number' },
    })
    dump('config validation error', r.error)
    throws('config strict', () => sg.config({ path: path.join(DIR, '.env'), processEnv: {}, strict: true, schema: { DB_PASSWORD: 'bool' } }))
    throws('validateEnv', () => sg.validateEnv({ API_KEY: C.envApiKey, PORT: C.envPort }, { schema: { PORT: 'port', API_KEY: 'url' }, strict: true }))
    // cascade
    write('casc/.env', `API_KEY=${C.envApiKey}\n`)
    write('casc/.env.production.local', `DB_PASSWORD=${C.envDbPassword}\n`)
    r = sg.config({ cascade: true, path: path.join(DIR, 'casc'), nodeEnv: 'production', debug: true, processEnv: {} })
    if (r.error) dump('cascade error', r.error)
    throws('cascade bad convention', () => sg.config({ convention: 'nope', path: path.join(DIR, 'casc'), processEnv: {} }))
    // decryption errors: wrong key, malformed data, bad private key (the key itself is secret)
    const { publicKey } = sg.keypair()
    const enc = sg.encryptValue(C.envEncrypted, publicKey)
    write('enc/.env', `SECRET=${enc}\nBROKEN=encrypted:${Buffer.from(C.envEncrypted).toString('base64')}\n`)
    r = sg.config({ path: path.join(DIR, 'enc/.env'), decrypt: true, processEnv: {}, debug: true })
    dump('decrypt missing key', r.error)
    r = sg.config({ path: path.join(DIR, 'enc/.env'), privateKey: sg.keypair().privateKey, processEnv: {}, debug: true })
    dump('decrypt wrong key', r.error)
    r = sg.config({ path: path.join(DIR, 'enc/.env'), privateKey: C.privateKeyLike, processEnv: {}, debug: true })
    dump('decrypt invalid private key', r.error)
    throws('decryptValue bad', () => sg.decryptValue(`encrypted:${Buffer.from(C.envEncrypted).toString('base64')}`, sg.keypair().privateKey))
    throws('encryptValue bad public key', () => sg.encryptValue(C.envEncrypted, C.privateKeyLike))
    // parse errors / odd input
    throws('parse bad buffer', () => { const o = sg.parse(Buffer.concat([Buffer.from('A='), Buffer.from(C.envApiKey), Buffer.from([0xff, 0xfe])])); if (o && typeof o === 'object') console.log('parse keys', Object.keys(o)) })
    throws('parse non-string', () => sg.parse(12345))
    throws('expand bad', () => sg.expand({ parsed: { A: C.envApiKey + '${A}' }, processEnv: 5 }))
  } finally {
    process.chdir(cwd)
  }
}

async function cacheScenarios () {
  const moto = process.env.SG_LEAK_MOTO
  const bao = JSON.parse(process.env.SG_LEAK_BAO)
  const { SecretsManagerClient, CreateSecretCommand } = require('@aws-sdk/client-secrets-manager')
  const sm = new SecretsManagerClient({ endpoint: moto, region: 'us-east-1' })
  const tag = Math.random().toString(36).slice(2, 8)
  await sm.send(new CreateSecretCommand({ Name: `leak/plain-${tag}`, SecretString: C.awsPlain }))
  await sm.send(new CreateSecretCommand({ Name: `leak/json-${tag}`, SecretString: JSON.stringify({ apiKey: C.awsField, user: 'svc' }) }))
  sm.destroy()
  await fetch(`${bao.address}/v1/secret/data/leak/${tag}`, {
    method: 'POST', headers: { 'X-Vault-Token': bao.token }, body: JSON.stringify({ data: { password: C.vaultField } }),
  })
  write(`files/pw-${tag}`, C.fileValue + '\n')
  process.env.SG_LEAK_ENV_VALUE = C.envVarValue

  const cache = new sg.SecretCache({
    aws: { endpoint: moto, region: 'us-east-1' }, vault: { address: bao.address, token: bao.token }, files: { dir: path.join(DIR, 'files') },
    refreshInterval: 300, backoffBase: 100, backoffMax: 400, requestTimeout: 500, connectTimeout: 300,
  })
  const events = []
  cache.on('error', (ev) => events.push(ev))
  cache.on('rotate', (ev) => events.push(ev))
  // values come back (they are the API's output, not printed); then everything else is printed
  const got = [
    await cache.get(`aws:leak/plain-${tag}`) === C.awsPlain,
    await cache.get(`aws:leak/json-${tag}#apiKey`) === C.awsField,
    await cache.get(`vault:leak/${tag}#password`) === C.vaultField,
    await cache.get(`file:pw-${tag}`) === C.fileValue,
    cache.getSync('env:SG_LEAK_ENV_VALUE') === C.envVarValue,
  ]
  console.log('cache values served:', got)
  if (!got.every(Boolean)) throw new Error('cache did not serve the canaries')
  await rejects('NOT_JSON aws', cache.get(`aws:leak/plain-${tag}#x`))
  await rejects('FIELD_NOT_FOUND aws', cache.get(`aws:leak/json-${tag}#nope`))
  await rejects('FIELD_NOT_FOUND vault', cache.get(`vault:leak/${tag}#nope`))
  await rejects('NOT_JSON file', cache.get(`file:pw-${tag}#x`))
  await rejects('NOT_JSON env', cache.get('env:SG_LEAK_ENV_VALUE#x'))
  await rejects('SECRET_NOT_FOUND aws', cache.get(`aws:leak/none-${tag}`))
  await rejects('SECRET_NOT_FOUND vault', cache.get(`vault:leak/none-${tag}`))
  await rejects('SECRET_NOT_FOUND file', cache.get('file:none'))
  await rejects('SECRET_NOT_FOUND env', cache.get('env:SG_LEAK_NOT_SET'))
  await rejects('INVALID_NAME', cache.get('file:../etc/passwd'))
  await rejects('INVALID_NAME 2', cache.get('nope:x'))
  await rejects('INVALID_OPTION stage', cache.get('env:SG_LEAK_ENV_VALUE', { versionStage: 'AWSPREVIOUS' }))
  await rejects('READY_FAILED', cache.ready([`aws:leak/plain-${tag}#x`, `vault:leak/${tag}#nope`, 'file:none']))
  dump('stats', cache.stats())
  dump('usage', cache.usage())
  dump('cache', cache)
  // vault with a wrong token (the token is a secret too)
  const badVault = new sg.SecretCache({ vault: { address: bao.address, token: C.vaultToken }, requestTimeout: 1000 })
  await rejects('ACCESS_DENIED vault', badVault.get(`vault:leak/${tag}#password`))
  dump('badVault', badVault); badVault.close()
  // provider errors from fake endpoints
  for (const [type, code] of [['ThrottlingException', 'THROTTLED'], ['AccessDeniedException', 'ACCESS_DENIED'], ['InternalServiceError', 'PROVIDER_UNAVAILABLE'], ['InvalidRequestException', 'PROVIDER_ERROR']]) {
    const f = await fakeAws(type, code === 'PROVIDER_UNAVAILABLE' ? 500 : 400)
    const c = new sg.SecretCache({ aws: { endpoint: f.url, region: 'us-east-1' }, requestTimeout: 1000 })
    await rejects(code, c.get(`aws:leak/${C.awsPlain.slice(0, 0)}x-${tag}`))
    c.close(); f.close()
  }
  const bh = await blackhole()
  const ct = new sg.SecretCache({ aws: { endpoint: bh.url, region: 'us-east-1' }, vault: { address: bh.url, token: C.vaultToken }, requestTimeout: 300 })
  await rejects('TIMEOUT aws', ct.get('aws:leak/timeout'))
  await rejects('TIMEOUT vault', ct.get('vault:leak/timeout'))
  ct.close(); bh.close()
  const down = await closedPort()
  const cd = new sg.SecretCache({ aws: { endpoint: down, region: 'us-east-1' }, vault: { address: down, token: C.vaultToken }, connectTimeout: 300 })
  await rejects('PROVIDER_UNAVAILABLE aws', cd.get('aws:leak/down'))
  await rejects('PROVIDER_UNAVAILABLE vault', cd.get('vault:leak/down'))
  cd.close()
  // TLS: OpenBao with its own (untrusted) CA; the token is a canary
  const tlsAddr = process.env.SG_LEAK_BAO_TLS
  const ctls = new sg.SecretCache({ vault: { address: tlsAddr, token: C.vaultToken }, requestTimeout: 3000 })
  await rejects('TLS_ERROR', ctls.get('vault:leak/tls'))
  ctls.close()
  // a file secret over 1 MiB made of a canary
  write(`files/big-${tag}`, C.fileValue.repeat(Math.ceil(1100000 / C.fileValue.length)))
  await rejects('SECRET_TOO_LARGE', cache.get(`file:big-${tag}`))
  const nf = new sg.SecretCache({})
  await rejects('PROVIDER_NOT_CONFIGURED', nf.get('file:x'))
  nf.close()
  throws('INVALID_OPTION ctor', () => new sg.SecretCache({ vault: { token: C.vaultToken, tokne: C.vaultToken } }))
  throws('INVALID_OPTION ctor 2', () => new sg.SecretCache({ aws: { endpoint: C.vaultToken } }))
  // background refresh errors while serving stale: turn the vault secret into a failing one
  await new Promise((resolve) => setTimeout(resolve, 800))
  dump('events', events)
  cache.close()
  await rejects('CACHE_CLOSED', cache.get(`aws:leak/plain-${tag}`))
  dump('closed cache', cache)
  // the cache taught the masker every value it served
  for (const v of [C.awsPlain, C.awsField, C.vaultField, C.fileValue]) console.log('mask(served value):', sg.mask(`value=${v};b64=${Buffer.from(v).toString('base64')}`))
}

function maskScenarios () {
  sg.addSecret(C.masked)
  const forms = [C.masked, Buffer.from(C.masked).toString('base64'), Buffer.from(C.masked).toString('base64url'), Buffer.from(C.masked).toString('hex'),
    encodeURIComponent(C.masked), JSON.stringify(C.masked), JSON.stringify(JSON.stringify({ k: C.masked })), Buffer.from('user:' + C.masked).toString('base64')]
  for (const f of forms) console.log('mask:', sg.mask(`before ${f} after`))
  console.log('mask buffer:', sg.mask(Buffer.from(`x${C.masked}y`)).toString())
  const m = sg.createMasker()
  m.add(C.masked2)
  console.log('own masker:', m.mask(`${C.masked2}|${C.masked2}`))
  dump('masker', m)
  dump('defaultMasker', sg.defaultMasker)
  const red = sg.redact({ user: 'ann', password: C.unregistered, headers: { authorization: `Bearer ${C.unregistered}` }, note: `see ${C.masked}`, list: [C.masked], err: new Error(`failed with ${C.masked}`) })
  dump('redact', red)
  const s = new sg.Secret(C.secretObj)
  dump('Secret', s)
  console.log(`template ${s}`, 'concat ' + s, Object.prototype.toString.call(s), s.fingerprint(), s.length)
  dump('Error from Secret', new Error(`bad key ${s}`))
  dump('Secret in object', { s, nested: [s] })
  console.log('fingerprint', sg.fingerprint(C.masked))
  throws('VALUE_TOO_SHORT', () => sg.addSecret('abc'))
  throws('SECRET_VALUE_TYPE', () => new sg.Secret(12345))
  // a caught panic whose payload is a secret
  throws('PANIC', () => native.__testPanic(C.panicPayload))
}

async function loggerScenarios () {
  const winston = require('winston')
  const sgWinston = require(path.join(ROOT, 'winston.js'))
  const wfile = path.join(DIR, 'logs', 'winston.log')
  fs.mkdirSync(path.dirname(wfile), { recursive: true })
  files.push(wfile)
  const wl = winston.createLogger({
    format: winston.format.combine(sgWinston.format(), winston.format.json()),
    transports: [new winston.transports.Console(), new winston.transports.File({ filename: wfile })],
  })
  wl.info(`payment with ${C.masked}`, { password: C.unregistered, b64: Buffer.from(C.masked).toString('base64') })
  wl.error(new Error(`upstream said ${C.masked}`))
  wl.warn({ message: 'obj', token: C.unregistered, deep: { apiKey: C.unregistered } })
  await new Promise((resolve) => { wl.on('finish', resolve); wl.end() })

  const pino = require('pino')
  const sgPino = require(path.join(ROOT, 'pino.js'))
  const pfile = path.join(DIR, 'logs', 'pino.log')
  files.push(pfile)
  const dest = pino.destination({ dest: pfile, sync: true })
  const pl = pino(sgPino.options({}), sgPino.destination(dest))
  pl.info({ password: C.unregistered, url: `https://x/?k=${encodeURIComponent(C.masked)}` }, `hello ${C.masked}`)
  pl.error(new Error(`boom ${C.masked}`))
  pl.info(`hex ${Buffer.from(C.masked).toString('hex')}`)
  const pl2 = pino(sgPino.options({}), sgPino.destination(process.stdout))
  pl2.warn({ cookie: C.unregistered, msg2: JSON.stringify({ k: C.masked }) }, 'to stdout')
  // found by review: a secret assembled by interpolation, unregistered values in child bindings
  pl.info(`assembled ${C.masked.slice(0, 8)}%s`, C.masked.slice(8))
  pl.child({ token: C.unregistered, nested: { password: C.unregistered } }).info('child bindings')
  dest.flushSync()
  const wl2 = winston.createLogger({
    format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.splat(), sgWinston.format(), winston.format.json()),
    transports: [new winston.transports.Console()],
  })
  wl2.info('assembled %s%s', C.masked.slice(0, 8), C.masked.slice(8))
  wl2.info({ message: 'caller object', password: C.unregistered })
  await new Promise((resolve) => { wl2.on('finish', resolve); wl2.end() })
}

function cliScenarios () {
  const cli = path.join(ROOT, 'bin', 'secret-guard.js')
  const cdir = path.join(DIR, 'cli')
  fs.mkdirSync(cdir, { recursive: true })
  fs.writeFileSync(path.join(cdir, '.env'), `API_KEY=${C.cliValue}\nDB_PASSWORD=${C.cliValue2}\n`, { mode: 0o644 })
  const run = (args, input) => {
    checks++
    const r = spawnSync(process.execPath, [cli, ...args], { cwd: cdir, input, encoding: 'utf8', timeout: 30_000, env: { ...process.env, DOTENV_PRIVATE_KEY: '' } })
    console.log(`--- cli ${args[0]} (${args.length} args) -> ${r.status}`)
    console.log(r.stdout)
    console.error(r.stderr)
  }
  run(['doctor']) // plaintext secret in a world-readable file: must be reported by key name
  run(['encrypt', '-f', '.env'])
  files.push(path.join(cdir, '.env'))
  run(['doctor'])
  run(['set', 'NEW_TOKEN', '-', '-f', '.env'], C.cliValue3 + '\n')
  run(['get', 'MISSING', '-f', '.env'])
  run(['get', 'API_KEY', '-f', 'nope.env'])
  run(['decrypt', '-f', '.env', '-k', C.privateKeyLike])
  run(['run', '-f', '.env', '--', process.execPath, '-e', 'process.exit(3)'])
  run(['bogus'])
  run(['set', 'DASH', '-' + C.cliDash, '-f', '.env']) // a VALUE starting with '-' is not an option to echo
  // .env.keys holds the private key by design (not a canary) and is not scanned
}

// Found by review: a connection URL passed where a secret name belongs, a bot
// token in a route path (monitoring labels), a binary (non-UTF-8) file secret.
async function reviewScenarios () {
  const url = `postgres://app:${C.urlName}@db.internal/app`
  write('files/signing.key', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(C.binaryFile)]))
  process.env.SG_LEAK_ROUTE_TOKEN = C.routeToken
  process.env.SG_LEAK_ROUTE_KEYS = JSON.stringify({ bot: C.apiKeyGood })
  const cache = new sg.SecretCache({ files: { dir: path.join(DIR, 'files') }, monitor: { learningPeriod: 0 } })
  cache.on('anomaly', (ev) => console.log('[anomaly]', JSON.stringify(ev)))
  await rejects('cache.get(url)', cache.get(url))
  await rejects('cache.ready([url])', cache.ready(['env:SG_LEAK_ROUTE_TOKEN', url]))
  throws('cache.validateName(url)', () => cache.validateName(url))
  throws('express({ secrets: { db: url } })', () => sg.express({ cache, secrets: { db: url } }))
  throws('requireApiKey({ name: url })', () => sg.requireApiKey({ cache, name: url }))
  throws('cache.getSync(env:url)', () => cache.getSync('env:' + url))
  await rejects('cache.get(env:url)', cache.get('env:' + url))
  // binary: served as a Buffer, then logged in the forms code tends to print it
  const bin = await cache.get('file:signing.key')
  for (const enc of ['base64', 'base64url', 'hex', 'latin1']) console.log(`binary ${enc}:`, sg.mask(`k=${bin.toString(enc)}`))
  console.log('binary buffer:', sg.mask(Buffer.concat([Buffer.from('k='), bin])).toString('latin1'))
  console.log('binary inspect:', sg.mask(util.inspect(bin)), 'json:', sg.mask(JSON.stringify(bin)))
  // a token in a route path reaches route labels: metrics, anomalies, usageReport
  await cache.ready(['env:SG_LEAK_ROUTE_TOKEN', 'env:SG_LEAK_ROUTE_KEYS'])
  const express = require('express')
  const app = express()
  app.post(`/tg/${C.routeToken}`, sg.requireApiKey({ cache, name: 'env:SG_LEAK_ROUTE_KEYS' }), sg.express({ cache, secrets: { bot: 'env:SG_LEAK_ROUTE_TOKEN' } }), (req, res) => res.json({ ok: req.secrets.bot === C.routeToken }))
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  const r = await fetch(`http://127.0.0.1:${server.address().port}/tg/${C.routeToken}`, { method: 'POST', headers: { 'x-api-key': C.apiKeyGood } })
  checks++
  console.log('--- route with a token ->', r.status, await r.text())
  dump('metrics text (route token)', sg.metrics(cache))
  dump('usageReport (route token)', cache.usageReport())
  server.closeAllConnections(); server.close()
  cache.close()
}

async function expressScenarios () {
  if (typeof sg.express !== 'function') { console.log('express module not present: skipped'); return }
  const express = require('express')
  process.env.SG_LEAK_EXPRESS = C.expressSecret
  process.env.SG_LEAK_APIKEYS = JSON.stringify({ 'client-a': C.apiKeyGood })
  process.env.SG_LEAK_WHKEY = C.webhookKey
  // the audit trail is written under DIR, so the parent scans it like every other file
  const cache = new sg.SecretCache({ aws: { endpoint: await closedPort(), region: 'us-east-1' }, connectTimeout: 300, audit: { file: path.join(DIR, 'audit.log') } })
  const logger = { info: (...a) => console.log('[logger.info]', ...a), warn: (...a) => console.log('[logger.warn]', ...a), error: (...a) => console.log('[logger.error]', ...a) }
  const app = express()
  app.post('/hook', sg.rotationWebhook({ cache, signingSecret: 'env:SG_LEAK_WHKEY', logger }))
  const guard = sg.requireApiKey({ cache, name: 'env:SG_LEAK_APIKEYS', logger })
  app.use('/api', guard)
  app.use('/ok', sg.express({ cache, secrets: { key: 'env:SG_LEAK_EXPRESS' } }))
  app.get('/ok', (req, res) => {
    if (req.secrets.key !== C.expressSecret) throw new Error('middleware did not serve the canary')
    console.log('req.secrets views:', util.inspect(req.secrets, { showHidden: true }), JSON.stringify(req.secrets), String(req.secrets), `${req.secrets}`, util.format('%o %j', req.secrets, req.secrets), Object.keys(req.secrets))
    res.json({ ok: true, secrets: req.secrets, keys: Object.keys({ ...req.secrets }) })
  })
  app.get('/api/x', (req, res) => res.json({ client: req.apiClient }))
  // monitoring surfaces: Prometheus metrics and the status page (auth by a non-secret test token)
  app.get('/metrics', sg.metricsHandler(cache))
  app.get('/status', sg.statusPage({ cache, auth: { bearer: 'leak-scan-status-token' } }))
  app.use('/fail', sg.express({ cache, secrets: { a: 'env:SG_LEAK_NOT_SET', b: 'aws:leak/none' } }))
  app.get('/fail', (req, res) => res.json({}))
  app.use('/next', sg.express({ cache, secrets: { a: 'aws:leak/none2' }, onError: 'next' }))
  app.get('/next', (req, res) => res.json({}))
  app.use('/next2', sg.express({ cache, secrets: { a: 'aws:leak/none3' }, onError: 'next' }), sg.errorHandler())
  app.get('/next2', (req, res) => res.json({}))
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  const base = `http://127.0.0.1:${server.address().port}`
  const call = async (label, p, init, expect) => {
    checks++
    const r = await fetch(base + p, init)
    if (expect !== undefined && r.status !== expect) throw new Error(`${label}: status ${r.status}, expected ${expect}`)
    const body = await r.text()
    if (r.status >= 400) { try { const j = JSON.parse(body); if (j.error && j.error.code) codes.add(j.error.code) } catch {} }
    console.log(`--- http ${label} -> ${r.status} ${JSON.stringify([...r.headers])}\n${body}`)
  }
  await call('ok', '/ok', undefined, 200)
  await call('SECRET_UNAVAILABLE', '/fail', undefined, 503)
  await call('onError next (express final handler)', '/next')
  await call('onError next + errorHandler', '/next2')
  await call('api key missing', '/api/x')
  await call('api key wrong', '/api/x', { headers: { 'x-api-key': C.apiKeyWrong } }, 401)
  await call('api key wrong in query', `/api/x?api_key=${encodeURIComponent(C.apiKeyWrong)}`)
  await call('api key bearer wrong', '/api/x', { headers: { authorization: `Bearer ${C.apiKeyWrong}` } })
  await call('api key good', '/api/x', { headers: { 'x-api-key': C.apiKeyGood } }, 200)
  dump('requireApiKey stats', guard.stats())
  const good = sg.signWebhook(C.webhookKey, { name: 'env:SG_LEAK_EXPRESS' })
  await call('webhook ok', '/hook', { method: 'POST', headers: good.headers, body: good.body }, 200)
  await call('webhook replay', '/hook', { method: 'POST', headers: good.headers, body: good.body })
  const bad = sg.signWebhook(C.apiKeyWrong, { name: 'env:SG_LEAK_EXPRESS', note: C.apiKeyWrong })
  await call('webhook bad signature', '/hook', { method: 'POST', headers: bad.headers, body: bad.body })
  await call('webhook no headers', '/hook', { method: 'POST', body: JSON.stringify({ name: C.apiKeyWrong }) })
  await call('webhook GET', '/hook')
  await call('webhook too large', '/hook', { method: 'POST', headers: good.headers, body: 'x'.repeat(20000) + C.apiKeyWrong })
  const fails = sg.signWebhook(C.webhookKey, { name: 'aws:leak/none4' })
  await call('webhook refresh fails', '/hook', { method: 'POST', headers: fails.headers, body: fails.body })
  const notJson = sg.signWebhook(C.webhookKey, 'not json ' + C.apiKeyWrong)
  await call('webhook body not JSON', '/hook', { method: 'POST', headers: notJson.headers, body: notJson.body })
  await call('metrics', '/metrics', undefined, 200)
  await call('status page', '/status', { headers: { authorization: 'Bearer leak-scan-status-token' } }, 200)
  await call('status page without auth', '/status', undefined, 401)
  dump('cache.usageReport()', cache.usageReport())
  dump('cache.usage()', cache.usage())
  dump('metrics text', sg.metrics(cache))
  throws('express() bad options', () => sg.express({ cache, secrets: { a: C.apiKeyWrong } }))
  throws('requireApiKey bad options', () => sg.requireApiKey({ cache, name: 'env:X', header: C.apiKeyWrong }))
  server.closeAllConnections(); server.close()
  guard.close()
  cache.close()
}

async function main () {
  // positive control: the parent must find this one (proves the scan can see a leak)
  console.log('control:', Buffer.from('xy' + C.control).toString('base64'))
  await envScenarios()
  await cacheScenarios()
  maskScenarios()
  await expressScenarios()
  await loggerScenarios()
  cliScenarios()
  await reviewScenarios()
  console.log('@@SUMMARY ' + JSON.stringify({ checks, codes: [...codes].sort(), files }))
}

main().catch((e) => { console.error('scenario failed', e && e.code, e && e.message); process.exit(1) })
