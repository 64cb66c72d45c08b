'use strict'
// examples/express-app: started as a child process on a free port; `/` shows
// config key names and secret names only, /api needs the demo client key, the
// signed webhook refreshes; no value from .env.example appears anywhere.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('child_process')
const path = require('path')
const fs = require('fs')
const sg = require('..')

const dir = path.join(__dirname, '..', 'examples', 'express-app')

test('example app: /, authorized /api call, 401 without key, signed webhook; no values leak', { timeout: 30_000 }, async () => {
  // EXAMPLE_ENV_FILE points at a copy of .env.example with another webhook key:
  // the send-webhook.js command the server prints must sign with that key too.
  const tmp = fs.mkdtempSync(path.join(require('os').tmpdir(), 'sg-example-'))
  const envFile = path.join(tmp, '.env.example')
  const webhookKey = 'whsec_test_FAKE_' + require('crypto').randomBytes(12).toString('hex')
  fs.writeFileSync(envFile, fs.readFileSync(path.join(dir, '.env.example'), 'utf8')
    .replace(/^SECRET_GUARD_WEBHOOK_KEY=.*$/m, `SECRET_GUARD_WEBHOOK_KEY=${webhookKey}`))
  const example = sg.parse(fs.readFileSync(envFile))
  assert.equal(example.SECRET_GUARD_WEBHOOK_KEY, webhookKey)
  const clientKeys = JSON.parse(example.API_CLIENT_KEYS)
  const values = [example.STRIPE_KEY, example.MAILER_TOKEN, example.SECRET_GUARD_WEBHOOK_KEY, ...Object.values(clientKeys),
    fs.readFileSync(path.join(dir, 'secrets', 'db-password'), 'utf8').trim()]

  // A clean environment: only what the example needs from outside, PORT=0 for a free port.
  const env = { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', EXAMPLE_ENV_FILE: envFile }
  if (process.env.NODE_OPTIONS) env.NODE_OPTIONS = process.env.NODE_OPTIONS
  const child = spawn(process.execPath, [path.join(dir, 'server.js')], { env, cwd: path.join(__dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (c) => { out += c })
  child.stderr.on('data', (c) => { err += c })
  const exited = new Promise((resolve) => child.on('exit', resolve))
  try {
    const url = await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('example did not start: ' + out + err)), 20_000)
      const check = () => {
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
        if (m) { clearTimeout(t); resolve(m[1]) }
      }
      child.stdout.on('data', check)
      child.on('exit', (code) => { clearTimeout(t); reject(new Error(`example exited (${code}): ${out}${err}`)) })
    })
    const bodies = []
    const get = async (p, headers = {}) => {
      const r = await fetch(url + p, { headers, signal: AbortSignal.timeout(10_000) })
      const text = await r.text()
      bodies.push(JSON.stringify(Object.fromEntries(r.headers)) + text)
      return { status: r.status, json: JSON.parse(text) }
    }

    const home = await get('/')
    assert.equal(home.status, 200)
    assert.equal(home.json.config.file, '.env.example')
    assert.deepEqual([...home.json.config.keys].sort(), Object.keys(example).sort(), 'config() loaded every key (names only)')
    const byAlias = Object.fromEntries(home.json.secrets.map((s) => [s.alias, s]))
    assert.deepEqual(Object.keys(byAlias).sort(), ['db', 'mailer', 'stripe'])
    for (const s of home.json.secrets) assert.equal(s.available, true, s.alias)
    assert.equal(byAlias.db.name, 'file:db-password')

    const ok = await get('/api/whoami', { 'x-api-key': clientKeys['demo-client'] })
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.json, { client: 'demo-client' })
    const charge = await get('/api/charge', { 'x-api-key': clientKeys['ci-bot'] })
    assert.equal(charge.status, 200)
    assert.equal(charge.json.client, 'ci-bot')
    assert.equal(charge.json.secrets, '[REDACTED]')
    assert.equal((await get('/api/whoami')).status, 401)
    assert.equal((await get('/api/whoami', { 'x-api-key': 'sgk_test_FAKE_wrong' })).status, 401)

    const signed = sg.signWebhook(example.SECRET_GUARD_WEBHOOK_KEY, { name: 'env:STRIPE_KEY' })
    const r = await fetch(url + '/hooks/secret-rotated', { method: 'POST', body: signed.body, headers: signed.headers, signal: AbortSignal.timeout(10_000) })
    const hookText = await r.text()
    bodies.push(hookText)
    assert.equal(r.status, 200)
    assert.equal(JSON.parse(hookText).refreshed, 'env:STRIPE_KEY')

    const stats = await get('/api/stats', { 'x-api-key': clientKeys['demo-client'] })
    assert.equal(stats.json.apiKeys.accepted['demo-client'], 2)
    assert.equal(stats.json.apiKeys.rejected.missing, 1)

    const all = bodies.join('\n') + out + err
    for (const v of values) assert.equal(all.includes(v), false, 'a value from .env.example leaked into responses or logs')
    assert.match(out, /curl -H "x-api-key: \$KEY"/, 'prints example curl commands')

    // the printed webhook command, run as printed (a shell parses its env prefix)
    const cmd = /^ {2}(EXAMPLE_ENV_FILE=.*send-webhook\.js env:STRIPE_KEY \S+)/m.exec(out)
    assert.ok(cmd, 'prints the send-webhook command with EXAMPLE_ENV_FILE:\n' + out)
    const sent = require('child_process').spawnSync('sh', ['-c', cmd[1]], { cwd: path.join(__dirname, '..'), env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 15_000 })
    assert.equal(sent.status, 0, sent.stdout + sent.stderr)
    assert.match(sent.stdout, /^200 /)
    for (const v of values) assert.equal((sent.stdout + sent.stderr).includes(v), false)
  } finally {
    child.kill('SIGTERM')
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))])
    if (child.exitCode === null) child.kill('SIGKILL')
    fs.rmSync(tmp, { recursive: true, force: true })
  }
})
