'use strict'
// `npm pack` / `npm publish`: refuse to pack a package that would not load. npm silently drops a
// `files` entry that does not exist (binding.js, say, deleted by hand), and without the
// optionalDependencies that `napi prepublish -t npm` adds no platform package gets installed.
const fs = require('fs')
const path = require('path')
const root = path.join(__dirname, '..')
const pkg = require(path.join(root, 'package.json'))
const missing = pkg.files.filter((f) => !fs.existsSync(path.join(root, f)))
if (missing.length) {
  console.error(`secret-guard: refusing to pack, missing: ${missing.join(', ')} (run "npm run build" once, or napi build, to generate binding.js)`)
  process.exit(1)
}
if (!pkg.optionalDependencies || !Object.keys(pkg.optionalDependencies).length) {
  console.error('secret-guard: refusing to pack without optionalDependencies: run "napi prepublish -t npm" first')
  process.exit(1)
}
