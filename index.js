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

// --- secret cache (issue 3)
module.exports.SecretCache = require('./lib/cache').SecretCache


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
const expressApi = require('./lib/express')
module.exports.express = expressApi.express
module.exports.requireApiKey = expressApi.requireApiKey
module.exports.rotationWebhook = expressApi.rotationWebhook
module.exports.signWebhook = expressApi.signWebhook
module.exports.errorHandler = expressApi.errorHandler
module.exports.SecretUnavailableError = expressApi.SecretUnavailableError
module.exports.webhookHeaders = expressApi.webhookHeaders


// --- monitoring (issue 7)


// --- env extras: expand, cascade, encrypted values, validation (issue 6)
const envx = require('./lib/envx')
module.exports.expand = envx.expand
module.exports.validateEnv = envx.validateEnv
module.exports.keypair = envx.keypair
module.exports.encryptValue = envx.encryptValue
module.exports.decryptValue = envx.decryptValue
