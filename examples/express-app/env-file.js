'use strict'
// The .env file the example uses, shared by server.js and send-webhook.js so the
// webhook is signed with the key the server verifies: EXAMPLE_ENV_FILE if set,
// else .env next to this file, else the bundled .env.example (fake values).
const fs = require('fs')
const path = require('path')

module.exports = process.env.EXAMPLE_ENV_FILE
  ? path.resolve(process.env.EXAMPLE_ENV_FILE)
  : fs.existsSync(path.join(__dirname, '.env')) ? path.join(__dirname, '.env') : path.join(__dirname, '.env.example')
