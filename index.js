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


// --- express (issue 5)
// express(), requireApiKey(), rotationWebhook(), signWebhook(), errorHandler(), SecretUnavailableError
Object.assign(module.exports, require('./lib/express'))


// --- monitoring (issue 7)


