'use strict'
// The dotenv-compatible loader (parse, config, populate) lives in index.js, the
// one file config() start-up reads; this module hands it to the rest of lib/
// (_internal: the pieces lib/envx.js and lib/mask.js share).
module.exports = require('../index.js')[Symbol.for('secret-guard.internal')].env
