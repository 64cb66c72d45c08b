'use strict'
// SecretCache with Vault KV v2 against a real OpenBao dev server (started here).
const test = require('node:test')
const assert = require('node:assert/strict')
const { startOpenBao } = require('./helpers/servers')
const { once, until, fakeSecret } = require('./helpers/cache-util')
const { SecretCache } = require('..')

let bao
test.before(async () => { bao = await startOpenBao() })
test.after(async () => { if (bao) await bao.stop() })

async function api (server, method, p, body) {
  const r = await fetch(`${server.address}/v1/${p}`, {
    method, headers: { 'X-Vault-Token': server.token, 'content-type': 'application/json' }, body: body && JSON.stringify(body),
  })
  if (r.status >= 300) throw new Error(`${method} ${p}: HTTP ${r.status}`)
  return r.status === 204 ? null : r.json()
}
const write = (p, data, server = bao, mount = 'secret') => api(server, 'POST', `${mount}/data/${p}`, { data })
let n = 0
const uniq = (p) => `${p}-${process.pid}-${++n}`
const newCache = (t, opts = {}) => {
  const c = new SecretCache({ vault: { address: bao.address, token: bao.token }, ...opts })
  t.after(() => c.close())
  return c
}

test('vault: whole secret as JSON text, fields, typed errors', async (t) => {
  const cache = newCache(t)
  const p = uniq('app/db')
  const password = fakeSecret('vault')
  const before = Date.now()
  await write(p, { password, user: 'app' })
  assert.deepEqual(JSON.parse(await cache.get(`vault:${p}`)), { password, user: 'app' })
  // usage() reports when Vault created the cached version (its created_time)
  const created = cache.usage().find((u) => u.name === `vault:${p}`).versionCreatedAt
  assert.ok(typeof created === 'number' && created >= before - 2000 && created <= Date.now() + 2000, `versionCreatedAt ${created}`)
  assert.equal(await cache.get(`vault:${p}#password`), password)
  assert.equal(cache.getSync(`vault:${p}#user`), 'app')
  await assert.rejects(cache.get(`vault:${p}#nope`), { code: 'FIELD_NOT_FOUND' })
  await assert.rejects(cache.get('vault:no/such/path'), (e) => e.code === 'SECRET_NOT_FOUND' && /vault secret 'no\/such\/path'/.test(e.message))
  await assert.rejects(cache.get('vault:a/../b'), { code: 'INVALID_NAME' })

  const wrongToken = new SecretCache({ vault: { address: bao.address, token: 'not-a-valid-token' } })
  t.after(() => wrongToken.close())
  await assert.rejects(wrongToken.get(`vault:${p}`), { code: 'ACCESS_DENIED' })
})

test('vault: token and address from VAULT_TOKEN / VAULT_ADDR; custom mount', async (t) => {
  await api(bao, 'POST', 'sys/mounts/kv2', { type: 'kv', options: { version: '2' } })
  await write('svc', { key: 'sk_test_FAKE_mount' }, bao, 'kv2')
  const saved = { a: process.env.VAULT_ADDR, t: process.env.VAULT_TOKEN }
  process.env.VAULT_ADDR = bao.address
  process.env.VAULT_TOKEN = bao.token
  t.after(() => {
    for (const [k, v] of [['VAULT_ADDR', saved.a], ['VAULT_TOKEN', saved.t]]) { if (v === undefined) delete process.env[k]; else process.env[k] = v }
  })
  const cache = new SecretCache({ vault: { mount: 'kv2' } })
  t.after(() => cache.close())
  assert.equal(await cache.get('vault:svc#key'), 'sk_test_FAKE_mount')
})

test('vault: single-flight across fields; rotation via metadata current_version; cheap check when unchanged', async (t) => {
  const cache = newCache(t)
  const p = uniq('rot')
  const f = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`k${i}`, fakeSecret(`k${i}`)]))
  await write(p, f)
  const got = await Promise.all(Array.from({ length: 300 }, (_, i) => cache.get(`vault:${p}#k${i % 5}`)))
  assert.ok(got.every((x, i) => x === f[`k${i % 5}`]))
  assert.equal(cache.stats().upstreamCalls, 1)

  assert.equal(await cache.refresh(`vault:${p}`), false)
  assert.equal(cache.stats().upstreamCalls, 2, 'unchanged: one metadata request, no re-read')

  const rotated = once(cache, 'rotate')
  await write(p, { ...f, k0: 'sk_test_FAKE_rotated' })
  assert.equal(await cache.refresh(`vault:${p}`), true)
  assert.equal(cache.stats().upstreamCalls, 4, 'changed: metadata + data')
  const ev = await rotated
  assert.deepEqual([ev.name, ev.previousVersion, ev.version], [`vault:${p}`, '1', '2'])
  assert.equal(cache.getSync(`vault:${p}#k0`), 'sk_test_FAKE_rotated')
})

test('vault: background refresh picks up a new version', async (t) => {
  const cache = newCache(t, { refreshInterval: 100 })
  const p = uniq('bg')
  await write(p, { v: 'sk_test_FAKE_bg1' })
  assert.equal(await cache.get(`vault:${p}#v`), 'sk_test_FAKE_bg1')
  const rotated = once(cache, 'rotate')
  await write(p, { v: 'sk_test_FAKE_bg2' })
  await until(() => cache.getSync(`vault:${p}#v`) === 'sk_test_FAKE_bg2', { what: 'background refresh' })
  assert.equal((await rotated).version, '2')
})

test('vault: server down — stale value served, error events, typed rejection for new names', async (t) => {
  const own = await startOpenBao()
  t.after(() => own.stop())
  await write('down', { v: 'sk_test_FAKE_down' }, own)
  const cache = new SecretCache({ vault: { address: own.address, token: own.token }, refreshInterval: 50, backoffBase: 50, jitter: 0 })
  t.after(() => cache.close())
  assert.equal(await cache.get('vault:down#v'), 'sk_test_FAKE_down')
  const errors = []
  cache.on('error', (e) => errors.push(e))
  await own.stop()
  await until(() => errors.length >= 2, { what: 'refresh errors', timeoutMs: 20_000 })
  assert.equal(errors[0].code, 'PROVIDER_UNAVAILABLE')
  assert.deepEqual(errors.slice(0, 2).map((e) => e.retryInMs), [50, 100])
  assert.equal(cache.getSync('vault:down#v'), 'sk_test_FAKE_down')
  await assert.rejects(cache.get('vault:other'), { code: 'PROVIDER_UNAVAILABLE' })
  for (const e of errors) assert.ok(!e.message.includes('sk_test_FAKE_down') && !e.message.includes(own.token))
})

test('vault: an address that accepts but never answers fails with TIMEOUT', async (t) => {
  const net = require('net')
  const sockets = new Set()
  const black = net.createServer((s) => { sockets.add(s); s.on('error', () => {}) })
  await new Promise((resolve) => black.listen(0, '127.0.0.1', resolve))
  t.after(() => { for (const s of sockets) s.destroy(); black.close() })
  const cache = new SecretCache({ vault: { address: `http://127.0.0.1:${black.address().port}`, token: 't' }, requestTimeout: 300 })
  t.after(() => cache.close())
  await assert.rejects(cache.get('vault:x'), { code: 'TIMEOUT' })
})

test('vault: https address (OpenBao -dev-tls) with its CA from SSL_CERT_FILE; an untrusted CA fails with TLS_ERROR', async (t) => {
  const tls = await startOpenBao({ tls: true })
  t.after(() => tls.stop())
  const r = await fetch(`${bao.address}/v1/sys/health`) // plain server still fine
  assert.equal(r.status, 200)
  // write through the TLS server with node's https + its CA
  const https = require('https')
  const fsx = require('fs')
  await new Promise((resolve, reject) => {
    const req = https.request(`${tls.address}/v1/secret/data/tls-app`, {
      method: 'POST', ca: fsx.readFileSync(tls.caFile), headers: { 'X-Vault-Token': tls.token, 'content-type': 'application/json' },
    }, (res) => { res.resume(); res.on('end', () => (res.statusCode < 300 ? resolve() : reject(new Error('HTTP ' + res.statusCode)))) })
    req.on('error', reject)
    req.end(JSON.stringify({ data: { key: 'sk_test_FAKE_tls' } }))
  })
  const saved = process.env.SSL_CERT_FILE
  const savedDir = process.env.SSL_CERT_DIR
  let trusted
  try {
    process.env.SSL_CERT_FILE = tls.caFile // read when the cache is constructed (JS thread)
    delete process.env.SSL_CERT_DIR
    trusted = new SecretCache({ vault: { address: tls.address, token: tls.token } })
  } finally {
    if (saved === undefined) delete process.env.SSL_CERT_FILE; else process.env.SSL_CERT_FILE = saved
    if (savedDir !== undefined) process.env.SSL_CERT_DIR = savedDir
  }
  t.after(() => trusted.close())
  assert.equal(await trusted.get('vault:tls-app#key'), 'sk_test_FAKE_tls')
  const untrusted = new SecretCache({ vault: { address: tls.address, token: tls.token } })
  t.after(() => untrusted.close())
  await assert.rejects(untrusted.get('vault:tls-app#key'), { code: 'TLS_ERROR' })
  // https:// pointed at a plain-HTTP server is a TLS problem, not an outage
  const plain = new SecretCache({ vault: { address: bao.address.replace('http://', 'https://'), token: bao.token } })
  t.after(() => plain.close())
  await assert.rejects(plain.get('vault:tls-app#key'), { code: 'TLS_ERROR' })
})

test('vault: a deleted or destroyed current version is SECRET_NOT_FOUND on refresh, not served as fresh', async (t) => {
  const cache = newCache(t)
  for (const how of ['delete', 'destroy']) {
    const p = uniq('app/deleted')
    await write(p, { password: fakeSecret('vault_del') })
    assert.ok(await cache.get(`vault:${p}#password`))
    if (how === 'delete') await api(bao, 'DELETE', `secret/data/${p}`) // soft delete of the latest version
    else await api(bao, 'PUT', `secret/destroy/${p}`, { versions: [1] })
    await assert.rejects(cache.refresh(`vault:${p}`), { code: 'SECRET_NOT_FOUND' }, how)
    assert.equal(cache.usage().find((u) => u.name === `vault:${p}`).failing, true, how)
  }
})

test('close(): a get waiting on an upstream that never answers rejects with CACHE_CLOSED at once (the request is dropped)', { timeout: 20_000 }, async (t) => {
  const net = require('net')
  const sockets = new Set()
  let dropped = 0
  // reads the request and never answers; counts connections the client closes
  const black = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); s.on('close', () => dropped++); s.resume() })
  await new Promise((resolve) => black.listen(0, '127.0.0.1', resolve))
  t.after(() => { for (const s of sockets) s.destroy(); black.close() })
  // requestTimeout far beyond the test's own timeout: only close() can end the wait
  const cache = new SecretCache({ vault: { address: `http://127.0.0.1:${black.address().port}`, token: 't' }, requestTimeout: 600_000 })
  const pending = cache.get('vault:app/hangs')
  await until(() => sockets.size > 0, { what: 'the request reached the server' })
  cache.close()
  await assert.rejects(pending, { code: 'CACHE_CLOSED' })
  await until(() => dropped === sockets.size, { what: 'the connection was dropped' })
})

// Operator scenarios (review round 6): a secret deleted and created again
// restarts at version 1; mount-wide delete_version_after gives every live
// version a future deletion_time; namespaces; a token that is renewed in a file.
test('vault: a secret deleted and created again (version 1 again) is re-read, not kept as unchanged', async (t) => {
  const cache = newCache(t)
  const p = uniq('recreated')
  const before = fakeSecret('before'); const after = fakeSecret('after')
  await write(p, { pw: before })
  assert.equal(await cache.get(`vault:${p}#pw`), before)
  await api(bao, 'DELETE', `secret/metadata/${p}`)
  await write(p, { pw: after }) // version 1 again, another created_time
  assert.equal(await cache.refresh(`vault:${p}`), true)
  assert.equal(await cache.get(`vault:${p}#pw`), after)
})

test('vault: with delete_version_after set, live versions are not reported deleted and rotations are seen', async (t) => {
  await api(bao, 'POST', 'sys/mounts/kvdva', { type: 'kv', options: { version: '2' } })
  await new Promise((resolve) => setTimeout(resolve, 500)) // the new mount's KV upgrade
  await api(bao, 'POST', 'kvdva/config', { delete_version_after: '720h' })
  const cache = newCache(t, { vault: { address: bao.address, token: bao.token, mount: 'kvdva/' } }) // as `bao secrets list` prints it
  const errors = []
  cache.on('error', (e) => errors.push(e.code))
  const p = uniq('dva')
  const v1 = fakeSecret('dva1'); const v2 = fakeSecret('dva2')
  await write(p, { pw: v1 }, bao, 'kvdva')
  assert.equal(await cache.get(`vault:${p}#pw`), v1)
  assert.equal(await cache.refresh(`vault:${p}`), false) // unchanged: no error
  await write(p, { pw: v2 }, bao, 'kvdva')
  assert.equal(await cache.refresh(`vault:${p}`), true)
  assert.equal(await cache.get(`vault:${p}#pw`), v2)
  assert.deepEqual(errors, [])
})

test('vault: namespace (option or VAULT_NAMESPACE) is sent as X-Vault-Namespace', async (t) => {
  await api(bao, 'POST', 'sys/namespaces/sgns')
  const inNs = (method, p, body) => fetch(`${bao.address}/v1/${p}`, {
    method, headers: { 'X-Vault-Token': bao.token, 'X-Vault-Namespace': 'sgns', 'content-type': 'application/json' }, body: JSON.stringify(body)
  }).then((r) => { if (r.status >= 300) throw new Error(`${p}: ${r.status}`) })
  await inNs('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } })
  await new Promise((resolve) => setTimeout(resolve, 500))
  const p = uniq('nsapp')
  const root = fakeSecret('root'); const ns = fakeSecret('ns')
  await write(p, { pw: root })
  await inNs('POST', `secret/data/${p}`, { data: { pw: ns } })
  const c1 = newCache(t, { vault: { address: bao.address, token: bao.token, namespace: 'sgns' } })
  assert.equal(await c1.get(`vault:${p}#pw`), ns)
  const saved = process.env.VAULT_NAMESPACE
  process.env.VAULT_NAMESPACE = 'sgns'
  t.after(() => { if (saved === undefined) delete process.env.VAULT_NAMESPACE; else process.env.VAULT_NAMESPACE = saved })
  const c2 = newCache(t)
  assert.equal(await c2.get(`vault:${p}#pw`), ns, 'VAULT_NAMESPACE is honoured, not the root namespace read')
})

test('vault: tokenFile is read for every request (a renewed token works without a restart); a token with a trailing newline works', async (t) => {
  const fs = require('fs'); const os = require('os'); const path = require('path')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-vault-token-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const tokenFile = path.join(dir, 'token')
  const mint = async () => (await api(bao, 'POST', 'auth/token/create', { ttl: '1h' })).auth.client_token
  const first = await mint()
  fs.writeFileSync(tokenFile, first + '\n')
  const p = uniq('tokfile')
  const v = fakeSecret('tok')
  await write(p, { pw: v })
  const cache = newCache(t, { vault: { address: bao.address, tokenFile } })
  assert.equal(await cache.get(`vault:${p}#pw`), v)
  // concurrent first loads each read the token file in turn (one read at a time, the others wait)
  const codes = await Promise.all(Array.from({ length: 20 }, (_, i) => cache.get(`vault:${uniq('absent')}-${i}`).then(() => 'ok', (e) => e.code)))
  assert.deepEqual([...new Set(codes)], ['SECRET_NOT_FOUND'])
  await api(bao, 'POST', 'auth/token/revoke', { token: first })
  await assert.rejects(cache.refresh(`vault:${p}`), (e) => e.code === 'ACCESS_DENIED' && /token expired, revoked/.test(e.message))
  fs.writeFileSync(tokenFile, (await mint()) + '\n') // the agent renews it
  await cache.refresh(`vault:${p}`)
  assert.equal(await cache.get(`vault:${p}#pw`), v)
  fs.rmSync(tokenFile)
  await assert.rejects(cache.refresh(`vault:${p}`), (e) => e.code === 'PROVIDER_NOT_CONFIGURED' && /token file cannot be read \(not found\)/.test(e.message))
  const nl = newCache(t, { vault: { address: bao.address, token: bao.token + '\n' } })
  assert.equal(await nl.get(`vault:${p}#pw`), v)
  // a BOM is not part of the token; an oversized file and a FIFO nobody writes are bounded
  fs.writeFileSync(tokenFile, '\ufeff' + bao.token + '\r\n')
  const bom = newCache(t, { vault: { address: bao.address, tokenFile } })
  assert.equal(await bom.get(`vault:${p}#pw`), v)
  fs.writeFileSync(tokenFile, 'x'.repeat(70 * 1024))
  await assert.rejects(bom.refresh(`vault:${p}`), (e) => e.code === 'PROVIDER_NOT_CONFIGURED' && /over 64 KiB/.test(e.message))
  fs.rmSync(tokenFile)
  if (require('child_process').spawnSync('mkfifo', [tokenFile]).status === 0) {
    // a FIFO (or a directory) is refused before it is opened: open() would block a thread for good
    const fifo = newCache(t, { vault: { address: bao.address, tokenFile }, requestTimeout: 300 })
    for (let i = 0; i < 20; i++) {
      await assert.rejects(fifo.refresh(`vault:${p}`), (e) => e.code === 'PROVIDER_NOT_CONFIGURED' && /not a regular file/.test(e.message))
    }
  }
})

test('vault: a bad VAULT_NAMESPACE in the environment is reported on vault: reads as such', async (t) => {
  const saved = { a: process.env.VAULT_ADDR, n: process.env.VAULT_NAMESPACE }
  process.env.VAULT_ADDR = bao.address
  process.env.VAULT_NAMESPACE = 'bad namespace'
  t.after(() => { for (const [k, v] of [['VAULT_ADDR', saved.a], ['VAULT_NAMESPACE', saved.n]]) { if (v === undefined) delete process.env[k]; else process.env[k] = v } })
  const c = new SecretCache({})
  t.after(() => c.close())
  await assert.rejects(c.get('vault:x'), (e) => e.code === 'PROVIDER_NOT_CONFIGURED' && /invalid namespace .*from the VAULT_\* \/ BAO_\* environment/.test(e.message))
  assert.throws(() => new SecretCache({ vault: { address: bao.address } }), (e) => e.code === 'INVALID_OPTION' && /VAULT_NAMESPACE/.test(e.message))
})
