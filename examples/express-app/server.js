'use strict'
// secret-guard example: `npm run example`
//
//   1. config() loads .env (or .env.example with fake values when .env is missing)
//   2. a SecretCache serves env: and file: secrets (AWS / Vault only when configured)
//   3. secretGuard.express() attaches fresh req.secrets to every request
//   4. /api/* requires a client API key (requireApiKey, keys held in one JSON secret)
//   5. POST /hooks/secret-rotated refreshes a secret on a signed notification
//   6. logs go through the masker when it is available
//
// No route ever returns or logs a secret value: only names and fingerprints.

const path = require('path')
const express = require('express')
const secretGuard = require('../..')

const here = __dirname
const rel = (p) => path.relative(process.cwd(), p) || '.'

// ---------------------------------------------------------------- 1. config
// EXAMPLE_ENV_FILE picks another file (the tests point it at .env.example).
const envFile = require('./env-file')
const loaded = secretGuard.config({ path: envFile })
if (loaded.error) {
  console.error(`could not load ${rel(envFile)}: ${loaded.error.code || ''} ${loaded.error.message}`)
  process.exit(1)
}

// ------------------------------------------------------------------ logging
// One JSON line per event, masked when the masking capability is present.
const masking = typeof secretGuard.mask === 'function'
const fingerprint = typeof secretGuard.fingerprint === 'function' ? secretGuard.fingerprint : null
function write (level, fields) {
  const line = JSON.stringify({ time: new Date().toISOString(), level, ...fields })
  process.stdout.write((masking ? secretGuard.mask(line) : line) + '\n')
}
const logger = {
  info: (f) => write('info', typeof f === 'string' ? { msg: f } : f),
  warn: (f) => write('warn', typeof f === 'string' ? { msg: f } : f),
  error: (f) => write('error', typeof f === 'string' ? { msg: f } : f),
}

// ------------------------------------------------------------ 2. the cache
const cacheOptions = {
  refreshInterval: 60_000, // short for a demo: rotations show up within a minute even without the webhook
  files: { dir: path.resolve(here, process.env.SECRETS_DIR || './secrets') },
}
const secrets = {
  stripe: 'env:STRIPE_KEY',
  mailer: 'env:MAILER_TOKEN',
  db: 'file:db-password',
}
if (process.env.EXAMPLE_AWS_SECRET) {
  cacheOptions.aws = {}
  if (process.env.AWS_REGION) cacheOptions.aws.region = process.env.AWS_REGION
  if (process.env.AWS_ENDPOINT_URL) cacheOptions.aws.endpoint = process.env.AWS_ENDPOINT_URL
  secrets.aws = 'aws:' + process.env.EXAMPLE_AWS_SECRET
}
if (process.env.EXAMPLE_VAULT_SECRET && process.env.VAULT_ADDR && process.env.VAULT_TOKEN) {
  cacheOptions.vault = { address: process.env.VAULT_ADDR, token: process.env.VAULT_TOKEN }
  secrets.vault = 'vault:' + process.env.EXAMPLE_VAULT_SECRET
}
const cache = new secretGuard.SecretCache(cacheOptions)
cache.on('rotate', ({ name, version }) => logger.info({ event: 'secret_rotated', name, version }))
cache.on('error', ({ name, code }) => logger.warn({ event: 'secret_refresh_failed', name, code }))

// ------------------------------------------------------------ 3-5. the app
const app = express()
app.disable('x-powered-by')

const apiKeys = secretGuard.requireApiKey({ cache, name: 'env:API_CLIENT_KEYS', graceMs: 10 * 60_000, logger })
const webhook = secretGuard.rotationWebhook({ cache, signingSecret: 'env:SECRET_GUARD_WEBHOOK_KEY', logger })

// The webhook reads its raw body itself: mount it before any body parser.
app.post('/hooks/secret-rotated', webhook)

// What the service loaded — names and fingerprints only.
app.get('/', (req, res) => {
  const available = Object.entries(secrets).map(([alias, name]) => {
    let value
    try { value = cache.getSync(name) } catch { value = undefined }
    const entry = { alias, name, available: value !== undefined }
    if (value !== undefined && fingerprint) entry.fingerprint = fingerprint(value)
    return entry
  })
  res.json({
    service: 'secret-guard example',
    config: { file: path.basename(envFile), keys: Object.keys(loaded.parsed) },
    secrets: available,
    masking,
    endpoints: ['GET /', 'GET /api/whoami', 'GET /api/charge', 'GET /api/stats', 'POST /hooks/secret-rotated'],
  })
})

app.get('/healthz', (req, res) => res.json({ ok: true }))

// Everything under /api: a client key first, then the secrets the handlers use.
const api = express.Router()
api.use(apiKeys)
api.use(secretGuard.express({ cache, secrets }))
api.get('/whoami', (req, res) => res.json({ client: req.apiClient }))
api.get('/charge', (req, res) => {
  // A real handler would call Stripe with req.secrets.stripe; show that it has a key.
  const key = req.secrets.stripe
  logger.info({ event: 'charge', client: req.apiClient, stripeKey: fingerprint ? fingerprint(key) : '(set)' })
  res.json({ client: req.apiClient, charged: true, stripeKey: fingerprint ? fingerprint(key) : 'set', secrets: String(req.secrets) })
})
api.get('/stats', (req, res) => res.json({ apiKeys: apiKeys.stats(), webhook: webhook.stats(), cache: cache.stats() }))
app.use('/api', api)

app.use(secretGuard.errorHandler())

// ------------------------------------------------------------------ start
const port = process.env.PORT === undefined ? 3000 : Number(process.env.PORT)
const host = process.env.HOST || '127.0.0.1'

async function main () {
  // Prefetch what is there; a missing secret is reported (503 on use), not fatal.
  const names = [...Object.values(secrets), 'env:API_CLIENT_KEYS', 'env:SECRET_GUARD_WEBHOOK_KEY']
  try { await cache.ready(names) } catch (err) {
    for (const e of err.errors || []) logger.warn({ event: 'secret_unavailable', name: e.name, code: e.code })
  }
  const server = app.listen(port, host, () => {
    const url = `http://${host}:${server.address().port}`
    const envRel = rel(envFile)
    console.log(`secret-guard example listening on ${url}`)
    console.log(`  config: ${envRel}${envFile.endsWith('.example') ? ' (fake values; copy it to .env to customise)' : ''}`)
    console.log('')
    console.log('Try (the demo key is the "demo-client" entry of API_CLIENT_KEYS in ' + envRel + '; this sets it without printing it):')
    const root = JSON.stringify(path.resolve(here, '..', '..'))
    console.log(`  KEY=$(node -p 'JSON.parse(require(${root}).parse(require("fs").readFileSync(${JSON.stringify(envFile)})).API_CLIENT_KEYS)["demo-client"]')`)
    console.log(`  curl ${url}/`)
    console.log(`  curl -H "x-api-key: $KEY" ${url}/api/whoami`)
    console.log(`  curl -H "x-api-key: $KEY" ${url}/api/charge`)
    console.log(`  curl ${url}/api/whoami            # 401 without a key`)
    const envPrefix = process.env.EXAMPLE_ENV_FILE ? `EXAMPLE_ENV_FILE=${JSON.stringify(envFile)} ` : ''
    console.log(`  ${envPrefix}node ${rel(path.join(here, 'send-webhook.js'))} env:STRIPE_KEY ${url}   # signed rotation webhook`)
    logger.info({ event: 'started', url, secrets: Object.keys(secrets) })
  })
  const stop = () => {
    server.close()
    server.closeAllConnections()
    apiKeys.close()
    cache.close()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((err) => {
  console.error(`example failed to start: ${err.code || ''} ${err.message}`)
  process.exit(1)
})
