'use strict'
// Runs the real dotenv-expand@12 inside a vm context with a timeout, because it
// loops forever on some inputs (see README.md, "Env files beyond dotenv"). Returns null on timeout.
const fs = require('fs')
const vm = require('vm')

function makeDotenvExpandVm () {
  const src = fs.readFileSync(require.resolve('dotenv-expand'), 'utf8')
  const ctx = vm.createContext({ process: { env: {} } })
  vm.runInContext(`const module = { exports: {} };
(function (module, exports) { ${src}
})(module, module.exports);
globalThis.expandFn = module.exports.expand;`, ctx)
  return function run (parsed, processEnv, timeout = 60) {
    ctx.input = JSON.stringify({ parsed, pe: processEnv })
    try {
      vm.runInContext(`globalThis.out = (() => {
  const i = JSON.parse(input)
  const r = expandFn({ parsed: i.parsed, processEnv: i.pe })
  return JSON.stringify({ parsed: Object.entries(r.parsed), pe: Object.entries(i.pe) })
})()`, ctx, { timeout })
    } catch (err) {
      if (err && err.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return null
      throw err
    }
    return JSON.parse(ctx.out)
  }
}

module.exports = { makeDotenvExpandVm }
