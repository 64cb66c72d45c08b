'use strict'
// Public API of secret-guard. Each capability lives in lib/<capability>.js over
// the Rust addon (lib/native.js loads the napi-generated binding.js).

const env = require('./lib/env')
const errors = require('./lib/errors')

// --- env files: dotenv-compatible loader (drop-in: same options, parse results and return shape)

// Every export is one `module.exports.name =` line so Node's ESM loader
// (cjs-module-lexer) sees it: `import { config, SecretCache } from 'secret-guard'`.
module.exports.config = env.config
module.exports.configDotenv = env.configDotenv
module.exports.parse = env.parse
module.exports.populate = env.populate
module.exports.SecretGuardError = errors.SecretGuardError

// Capabilities that config() does not need are loaded on first use, so that
// `require('secret-guard').config()` starts as fast as possible. Each name is
// still assigned once below (that is what Node's ESM loader detects).
function lazy (file, name) {
  Object.defineProperty(module.exports, name, {
    enumerable: true,
    configurable: true,
    get () {
      const value = require(file)[name]
      Object.defineProperty(module.exports, name, { value, enumerable: true, writable: true, configurable: true })
      return value
    }
  })
}

// --- secret cache (issue 3)
module.exports.SecretCache = undefined
lazy('./lib/cache', 'SecretCache')


// --- masking (issue 4)
const maskApi = require('./lib/mask')
module.exports.createMasker = maskApi.createMasker
module.exports.mask = maskApi.mask
module.exports.redact = maskApi.redact
module.exports.addSecret = maskApi.addSecret
module.exports.removeSecret = maskApi.removeSecret
module.exports.retireSecret = maskApi.retireSecret
module.exports.configureMasking = maskApi.configureMasking
module.exports.defaultMasker = maskApi.defaultMasker
module.exports.fingerprint = maskApi.fingerprint
module.exports.Secret = maskApi.Secret
module.exports.DEFAULT_KEY_PATTERN = maskApi.DEFAULT_KEY_PATTERN


// --- express (issue 5)
// Written as one assignment per name so Node's ESM loader (cjs-module-lexer) sees
// them: `import { express, requireApiKey } from 'secret-guard'` works.
module.exports.express = undefined
module.exports.requireApiKey = undefined
module.exports.rotationWebhook = undefined
module.exports.signWebhook = undefined
module.exports.errorHandler = undefined
module.exports.SecretUnavailableError = undefined
module.exports.webhookHeaders = undefined
for (const n of ['express', 'requireApiKey', 'rotationWebhook', 'signWebhook', 'errorHandler', 'SecretUnavailableError', 'webhookHeaders']) lazy('./lib/express', n)


// --- monitoring (issue 7)
module.exports.metrics = undefined
module.exports.metricsHandler = undefined
module.exports.statusPage = undefined
lazy('./lib/metrics', 'metrics')
lazy('./lib/metrics', 'metricsHandler')
lazy('./lib/status-page', 'statusPage')


// --- env extras: expand, cascade, encrypted values, validation (issue 6)
module.exports.expand = undefined
module.exports.validateEnv = undefined
module.exports.keypair = undefined
module.exports.encryptValue = undefined
module.exports.decryptValue = undefined
for (const n of ['expand', 'validateEnv', 'keypair', 'encryptValue', 'decryptValue']) lazy('./lib/envx', n)
