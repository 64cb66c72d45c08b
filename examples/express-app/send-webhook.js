'use strict'
// Send a signed "secret rotated" notification to the example app:
//   node examples/express-app/send-webhook.js env:STRIPE_KEY http://127.0.0.1:3000
// The signing key is SECRET_GUARD_WEBHOOK_KEY from the file server.js uses
// (EXAMPLE_ENV_FILE, else .env, else .env.example).
const secretGuard = require('../..')

const [name, base = 'http://127.0.0.1:3000'] = process.argv.slice(2)
if (!name) {
  console.error('usage: node send-webhook.js <secret name, e.g. env:STRIPE_KEY> [base url]')
  process.exit(2)
}
secretGuard.config({ path: require('./env-file') })
const key = process.env.SECRET_GUARD_WEBHOOK_KEY
if (!key) {
  console.error('SECRET_GUARD_WEBHOOK_KEY is not set')
  process.exit(2)
}
const { body, headers } = secretGuard.signWebhook(key, { name })
fetch(base + '/hooks/secret-rotated', { method: 'POST', body, headers })
  .then(async (r) => { console.log(r.status, await r.text()); process.exitCode = r.ok ? 0 : 1 })
  .catch((err) => { console.error(`request failed: ${err.message}`); process.exitCode = 1 })
