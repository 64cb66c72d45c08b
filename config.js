'use strict'
// Preload entry: `node -r secret-guard/config app.js`, reading DOTENV_CONFIG_*
// the way dotenv/config does; also dotenv_config_* command-line arguments, as
// dotenv <= 16 read them (dotenv 18 ignores them).
;(function () {
  const options = {}
  const re = /^dotenv_config_(encoding|path|quiet|debug|override)=(.+)$/
  for (const arg of process.argv) {
    const m = arg.match(re)
    if (m) options[m[1]] = m[2]
  }
  require('./index.js').config(options)
})()
