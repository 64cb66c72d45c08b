'use strict'
// The napi CLI generates binding.js (the platform loader) next to package.json.
// Loading it here gives one clear error when the addon was never built.
let binding
try {
  binding = require('../binding.js')
} catch (err) {
  const e = new Error(
    'secret-guard: the native addon is not built for this platform ' +
      `(${process.platform}-${process.arch}). Run "npm run build" (needs Rust) ` +
      'or install the matching @secret-guard/* platform package.'
  )
  e.code = 'NATIVE_ADDON_MISSING'
  e.cause = err
  throw e
}
// Caught Rust panics surface as errors with code PANIC (lib/errors.js guardNative).
module.exports = require('./errors').guardNative(binding)
