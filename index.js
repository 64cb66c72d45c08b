'use strict'
// Public API of secret-guard. Each capability lives in lib/<capability>.js over
// the Rust addon (lib/native.js loads the napi-generated binding.js).

const env = require('./lib/env')

// --- env files: dotenv-compatible loader (drop-in: same options, parse results and return shape)

// Every export is one `module.exports.name =` line so Node's ESM loader
// (cjs-module-lexer) sees it: `import { config, SecretCache } from 'secret-guard'`.
module.exports.config = env.config
module.exports.configDotenv = env.configDotenv
module.exports.parse = env.parse
module.exports.populate = env.populate

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

module.exports.SecretGuardError = undefined
lazy('./lib/errors', 'SecretGuardError')

// --- secret cache (issue 3)
module.exports.SecretCache = undefined
lazy('./lib/cache', 'SecretCache')


// --- masking (issue 4)
// config() teaches the default masker through lib/env.js, so lib/mask.js
// itself loads on first use of one of these names.
module.exports.createMasker = undefined
module.exports.mask = undefined
module.exports.redact = undefined
module.exports.addSecret = undefined
module.exports.removeSecret = undefined
module.exports.retireSecret = undefined
module.exports.configureMasking = undefined
module.exports.defaultMasker = undefined
module.exports.fingerprint = undefined
module.exports.Secret = undefined
module.exports.DEFAULT_KEY_PATTERN = env._internal.DEFAULT_KEY_PATTERN
for (const n of ['createMasker', 'mask', 'redact', 'addSecret', 'removeSecret', 'retireSecret', 'configureMasking', 'defaultMasker', 'fingerprint', 'Secret']) lazy('./lib/mask', n)


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
