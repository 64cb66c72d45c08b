'use strict'
// Loads the Rust addon. Fast path: the .node file that `npm run build` puts next
// to package.json for this platform (one dlopen, no probing). Otherwise the
// napi CLI's generated loader, binding.js, which also knows musl, the
// per-platform npm packages (npm/) and NAPI_RS_NATIVE_LIBRARY_PATH — but spends
// several milliseconds finding out, which would show in `config()` start-up.
const path = require('path')

function localBuild () {
  if (process.env.NAPI_RS_NATIVE_LIBRARY_PATH) return null
  const abi = process.platform === 'linux' ? '-gnu' : process.platform === 'win32' ? '-msvc' : ''
  try {
    // process.dlopen rather than require(): an absolute path needs none of the
    // module resolver's stat/realpath/package-scope work.
    const m = { exports: {} }
    process.dlopen(m, path.join(__dirname, '..', `secret-guard.${process.platform}-${process.arch}${abi}.node`))
    return m.exports
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
// lib/errors.js is loaded only when a native call fails (start-up of config()
// pays for as few files as possible).
function scrub (err) { return require('./errors').scrubPanic(err) }

/** Wrap every function, class method, getter and constructor of the napi binding so a caught panic surfaces as code PANIC. */
function guardNative (binding) {
  const wrapFn = (fn) => function (...args) {
    let r
    try {
      r = new.target ? Reflect.construct(fn, args, new.target) : fn.apply(this, args)
    } catch (err) {
      throw scrub(err)
    }
    if (r !== null && typeof r === 'object' && typeof r.then === 'function' && !new.target) {
      return r.then(undefined, (err) => { throw scrub(err) })
    }
    return r
  }
  const guardClass = (v) => {
    for (const [m, d] of Object.entries(Object.getOwnPropertyDescriptors(v.prototype))) {
      if (m === 'constructor' || !d.configurable) continue
      if (typeof d.value === 'function') Object.defineProperty(v.prototype, m, { ...d, value: wrapFn(d.value) })
      else if (d.get) Object.defineProperty(v.prototype, m, { ...d, get: wrapFn(d.get) })
    }
    for (const [m, d] of Object.entries(Object.getOwnPropertyDescriptors(v))) {
      if (typeof d.value === 'function' && d.configurable && d.writable) Object.defineProperty(v, m, { ...d, value: wrapFn(d.value) })
    }
    return new Proxy(v, {
      construct (target, args, newTarget) {
        try { return Reflect.construct(target, args, newTarget) } catch (err) { throw scrub(err) }
      },
    })
  }
  // napi-rs classes carry methods on their prototype; plain functions only `constructor`.
  const guard = (v) => typeof v !== 'function' ? v
    : v.prototype && Object.getOwnPropertyNames(v.prototype).length > 1 ? guardClass(v) : wrapFn(v)
  // Wrapped on first access (start-up pays only for what config() uses).
  const out = {}
  for (const k of Object.keys(binding)) {
    Object.defineProperty(out, k, {
      enumerable: true,
      configurable: true,
      get () {
        const value = guard(binding[k])
        Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true })
        return value
      }
    })
  }
  return out
}

// Caught Rust panics surface as errors with code PANIC (lib/errors.js scrubPanic).
module.exports = guardNative(binding)

