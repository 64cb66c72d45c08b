'use strict'
// The guarded Rust addon, for the modules of lib/. index.js loads it (so that
// config() start-up reads one JS file); this module hands over the same object.
// Caught Rust panics surface as errors with code PANIC (lib/errors.js scrubPanic).
module.exports = require('../index.js')[Symbol.for('secret-guard.internal')].native
