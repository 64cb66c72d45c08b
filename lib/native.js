'use strict'
// Loads the Rust addon. Fast path: the .node file that `npm run build` puts next
// to package.json for this platform (one require, no probing). Otherwise the
// napi CLI's generated loader, binding.js, which also knows musl, the
// per-platform npm packages (npm/) and NAPI_RS_NATIVE_LIBRARY_PATH — but spends
// several milliseconds finding out, which would show in `config()` start-up.
const path = require('path')

function localBuild () {
  if (process.env.NAPI_RS_NATIVE_LIBRARY_PATH) return null
  const abi = process.platform === 'linux' ? '-gnu' : process.platform === 'win32' ? '-msvc' : ''
  try {
    return require(path.join(__dirname, '..', `secret-guard.${process.platform}-${process.arch}${abi}.node`))
  } catch {
    return null // not built here, or not loadable (e.g. a musl system): let binding.js decide
  }
}

let binding = localBuild()
if (!binding) {
  try {
    binding = require('../binding.js')
  } catch (err) {
    const e = new Error(
      'secret-guard: the native addon is not built for this platform ' +
        `(${process.platform}-${process.arch}). Run "npm run build" (needs Rust) ` +
        'or install the matching secret-guard-* platform package.'
    )
    e.code = 'NATIVE_ADDON_MISSING'
    e.cause = err
    throw e
  }
}
// Caught Rust panics surface as errors with code PANIC (lib/errors.js guardNative).
module.exports = require('./errors').guardNative(binding)
