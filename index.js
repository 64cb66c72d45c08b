'use strict'
// Public API of secret-guard. Each capability lives in lib/<capability>.js over
// the Rust addon (lib/native.js loads the napi-generated binding.js).

const env = require('./lib/env')
const errors = require('./lib/errors')

module.exports = {
  // --- env files: dotenv-compatible loader (drop-in: same options, parse results and return shape)
  config: env.config,
  configDotenv: env.configDotenv,
  parse: env.parse,
  populate: env.populate,

  // --- errors
  SecretGuardError: errors.SecretGuardError,
}

// --- secret cache (issue 3)
Object.assign(module.exports, require('./lib/cache'))


// --- masking (issue 4)
Object.assign(module.exports, require('./lib/mask'))


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
{
  const envx = require('./lib/envx')
  Object.assign(module.exports, {
    expand: envx.expand,
    validateEnv: envx.validateEnv,
    keypair: envx.keypair,
    encryptValue: envx.encryptValue,
    decryptValue: envx.decryptValue
  })
}
