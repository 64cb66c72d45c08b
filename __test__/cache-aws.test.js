'use strict'
// SecretCache with AWS Secrets Manager against a real moto server (started here).
const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('http')
const net = require('net')
const { startMoto, motoRecorder, freePort } = require('./helpers/servers')
const { once, until, fakeSecret } = require('./helpers/cache-util')
const { SecretCache } = require('..')

let moto
let sm
let SM
test.before(async () => {
  moto = await startMoto() // also sets AWS_REGION, dummy keys, AWS_EC2_METADATA_DISABLED
  SM = require('@aws-sdk/client-secrets-manager')
  sm = new SM.SecretsManagerClient({ endpoint: moto.endpoint, region: 'us-east-1' })
})
test.after(async () => { if (moto) await moto.stop() })

let n = 0
const uniq = (p) => `${p}-${process.pid}-${++n}`
const create = (name, value) => sm.send(new SM.CreateSecretCommand(
  Buffer.isBuffer(value) ? { Name: name, SecretBinary: value } : { Name: name, SecretString: value }))
const put = (name, value) => sm.send(new SM.PutSecretValueCommand({ SecretId: name, SecretString: value }))
const newCache = (t, opts = {}) => {
  const c = new SecretCache({ aws: { endpoint: moto.endpoint, region: 'us-east-1' }, ...opts })
  t.after(() => c.close())
  return c
}

test('aws: string, JSON field, binary secrets; typed errors', async (t) => {
  const cache = newCache(t)
  const name = uniq('prod/payments')
  const apiKey = fakeSecret('aws')
  await create(name, JSON.stringify({ apiKey, port: 443 }))
  const bin = Buffer.from([0, 1, 2, 0xfe, 0xff])
  const binName = uniq('bin')
  await create(binName, bin)
  assert.deepEqual(JSON.parse(await cache.get(`aws:${name}`)), { apiKey, port: 443 })
  assert.equal(await cache.get(`aws:${name}#apiKey`), apiKey)
  assert.equal(cache.getSync(`aws:${name}#port`), '443')
  const b = await cache.get(`aws:${binName}`)
  assert.ok(Buffer.isBuffer(b))
  assert.deepEqual(b, bin)
  await assert.rejects(cache.get(`aws:${name}#nope`), { code: 'FIELD_NOT_FOUND' })
  await assert.rejects(cache.get(`aws:${binName}#x`), { code: 'NOT_JSON' })
  await assert.rejects(cache.get('aws:does/not/exist'), (e) => e.code === 'SECRET_NOT_FOUND' && /aws secret 'does\/not\/exist'/.test(e.message))
  await assert.rejects(cache.get('aws:bad name'), { code: 'INVALID_NAME' })
  await assert.rejects(cache.get(`aws:${name}`, { versionStage: 'bad stage!' }), { code: 'INVALID_OPTION' })
})

test('aws: single-flight — 1000 concurrent gets on a cold secret make one GetSecretValue (stats and moto log)', async (t) => {
  const cache = newCache(t)
  const name = uniq('sf')
  const v = fakeSecret('sf')
  await create(name, v)
  const rec = motoRecorder(moto.endpoint)
  await rec.start()
  const got = await Promise.all(Array.from({ length: 1000 }, () => cache.get(`aws:${name}`)))
  assert.ok(got.every((x) => x === v))
  assert.equal(cache.stats().upstreamCalls, 1)
  assert.deepEqual(await rec.requests(), ['secretsmanager.GetSecretValue'])
  // 100 concurrent refreshes: one cheap DescribeSecret, no re-read (unchanged)
  await rec.start()
  const r = await Promise.all(Array.from({ length: 100 }, () => cache.refresh(`aws:${name}`)))
  assert.ok(r.every((x) => x === false))
  assert.deepEqual(await rec.requests(), ['secretsmanager.DescribeSecret'])
  assert.equal(cache.stats().upstreamCalls, 2)

  // Different fields of one cold secret are different JS calls but one native key:
  // the Rust single-flight alone must collapse them.
  const json = uniq('sf-fields')
  const fields = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, fakeSecret(`f${i}`)]))
  await create(json, JSON.stringify(fields))
  await rec.start()
  const vals = await Promise.all(Array.from({ length: 500 }, (_, i) => cache.get(`aws:${json}#f${i % 10}`)))
  assert.ok(vals.every((x, i) => x === fields[`f${i % 10}`]))
  assert.deepEqual(await rec.requests(), ['secretsmanager.GetSecretValue'])
  assert.equal(cache.stats().upstreamCalls, 3)
})

test('aws: rotation — DescribeSecret version check, then re-read; rotate event; AWSPREVIOUS cached separately', async (t) => {
  const cache = newCache(t)
  const name = uniq('rot')
  const v1 = fakeSecret('v1')
  const v2 = fakeSecret('v2')
  await create(name, v1)
  assert.equal(await cache.get(`aws:${name}`), v1)
  const rotated = once(cache, 'rotate')
  const out = await put(name, v2)
  const rec = motoRecorder(moto.endpoint)
  await rec.start()
  assert.equal(await cache.refresh(`aws:${name}`), true)
  assert.deepEqual(await rec.requests(), ['secretsmanager.DescribeSecret', 'secretsmanager.GetSecretValue'])
  const ev = await rotated
  assert.equal(ev.name, `aws:${name}`)
  assert.equal(ev.version, out.VersionId)
  assert.ok(ev.previousVersion && ev.previousVersion !== ev.version)
  assert.equal(await cache.get(`aws:${name}`), v2)
  assert.equal(await cache.get(`aws:${name}`, { versionStage: 'AWSCURRENT' }), v2, 'AWSCURRENT is the default key')
  assert.equal(await cache.get(`aws:${name}`, { versionStage: 'AWSPREVIOUS' }), v1)
  assert.equal(cache.getSync(`aws:${name}`, { versionStage: 'AWSPREVIOUS' }), v1)
  assert.equal(cache.getSync(`aws:${name}`), v2)
  const stages = cache.usage().filter((u) => u.name === `aws:${name}`).map((u) => [u.versionStage, u.version])
  assert.deepEqual(stages.sort(), [[undefined, out.VersionId], ['AWSPREVIOUS', ev.previousVersion]].sort())

  // A new version with the same value is not a rotation, but the version id follows it
  // (so the next cheap check says "unchanged" again).
  const same = await put(name, v2)
  let rotations = 0
  cache.on('rotate', () => rotations++)
  assert.equal(await cache.refresh(`aws:${name}`), false)
  assert.equal(cache.usage().find((u) => u.name === `aws:${name}` && !u.versionStage).version, same.VersionId)
  await rec.start()
  assert.equal(await cache.refresh(`aws:${name}`), false)
  assert.deepEqual(await rec.requests(), ['secretsmanager.DescribeSecret'])
  assert.equal(rotations, 0)
  assert.equal(cache.stats().rotations, 1)
})

test('aws: background refresh (stale-while-revalidate) picks up a rotation', async (t) => {
  const cache = newCache(t, { refreshInterval: 150 })
  const name = uniq('bg')
  const v1 = fakeSecret('bg1')
  const v2 = fakeSecret('bg2')
  await create(name, v1)
  assert.equal(await cache.get(`aws:${name}`), v1)
  const rotated = once(cache, 'rotate')
  await put(name, v2)
  await until(() => {
    const x = cache.getSync(`aws:${name}`)
    assert.ok(x === v1 || x === v2, 'never a miss while revalidating')
    return x === v2
  }, { what: 'background rotation' })
  assert.equal((await rotated).name, `aws:${name}`)
  const s = cache.stats()
  assert.ok(s.refreshes >= 1)
  assert.equal(s.misses, 1)
})

test('aws: stale-if-error — provider down: value kept, error events with backoff, staleServed counted', async (t) => {
  const own = await startMoto()
  t.after(() => own.stop())
  const osm = new SM.SecretsManagerClient({ endpoint: own.endpoint, region: 'us-east-1' })
  const v = fakeSecret('down')
  await osm.send(new SM.CreateSecretCommand({ Name: 'down', SecretString: v }))
  const cache = new SecretCache({ aws: { endpoint: own.endpoint }, refreshInterval: 50, backoffBase: 50, jitter: 0, requestTimeout: 2000 })
  t.after(() => cache.close())
  assert.equal(await cache.get('aws:down'), v)
  const errors = []
  cache.on('error', (e) => errors.push(e))
  await own.stop()
  await until(() => errors.length >= 2, { what: 'two refresh errors', timeoutMs: 20_000 })
  assert.equal(errors[0].code, 'PROVIDER_UNAVAILABLE')
  assert.equal(errors[0].name, 'aws:down')
  assert.deepEqual(errors.slice(0, 2).map((e) => [e.failures, e.retryInMs]), [[1, 50], [2, 100]])
  assert.ok(!errors[0].message.includes(v))
  assert.equal(cache.getSync('aws:down'), v)
  assert.equal(await cache.get('aws:down'), v)
  assert.ok(cache.stats().staleServed >= 2)
  await assert.rejects(cache.refresh('aws:down'), { code: 'PROVIDER_UNAVAILABLE' })
  await assert.rejects(cache.get('aws:never-loaded'), { code: 'PROVIDER_UNAVAILABLE' })
})

test('aws: an endpoint that accepts but never answers fails with TIMEOUT; a closed port with PROVIDER_UNAVAILABLE', async (t) => {
  const sockets = new Set()
  const black = net.createServer((s) => { sockets.add(s); s.on('error', () => {}) })
  await new Promise((resolve) => black.listen(0, '127.0.0.1', resolve))
  t.after(() => { for (const s of sockets) s.destroy(); black.close() })
  const c1 = new SecretCache({ aws: { endpoint: `http://127.0.0.1:${black.address().port}` }, requestTimeout: 300 })
  t.after(() => c1.close())
  await assert.rejects(c1.get('aws:x'), { code: 'TIMEOUT' })
  const closed = await freePort()
  const c2 = new SecretCache({ aws: { endpoint: `http://127.0.0.1:${closed}` } })
  t.after(() => c2.close())
  await assert.rejects(c2.get('aws:x'), { code: 'PROVIDER_UNAVAILABLE' })
})

// moto cannot produce throttling or IAM denials: a loopback HTTP server answering in
// Secrets Manager's JSON error format checks the SDK error -> code mapping and the
// DescribeSecret-denied fallback.
test('aws: error codes from service errors; DescribeSecret denied falls back to GetSecretValue', async (t) => {
  let describeCalls = 0
  let getCalls = 0
  let version = 'v-1'
  const srv = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => {
      const target = req.headers['x-amz-target']
      const id = JSON.parse(body).SecretId
      const err = (type, status = 400) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type })
        res.end(JSON.stringify({ __type: type, message: 'scripted error' }))
      }
      if (id === 'denied') return err('AccessDeniedException')
      if (id === 'throttled') return err('ThrottlingException')
      if (id === 'broken') return err('InternalServiceError', 500)
      if (target === 'secretsmanager.DescribeSecret') { describeCalls++; return err('AccessDeniedException') }
      getCalls++
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
      res.end(JSON.stringify({ ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ok', Name: id, VersionId: version, SecretString: `sk_test_FAKE_${version}`, VersionStages: ['AWSCURRENT'] }))
    })
  })
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve))
  t.after(() => { srv.closeAllConnections(); srv.close() })
  const cache = new SecretCache({ aws: { endpoint: `http://127.0.0.1:${srv.address().port}` } })
  t.after(() => cache.close())
  await assert.rejects(cache.get('aws:denied'), { code: 'ACCESS_DENIED' })
  await assert.rejects(cache.get('aws:throttled'), { code: 'THROTTLED' })
  await assert.rejects(cache.get('aws:broken'), { code: 'PROVIDER_UNAVAILABLE' })
  assert.equal(await cache.get('aws:ok'), 'sk_test_FAKE_v-1')
  version = 'v-2'
  assert.equal(await cache.refresh('aws:ok'), true)
  assert.equal(describeCalls, 1)
  assert.equal(await cache.refresh('aws:ok'), false)
  assert.equal(describeCalls, 1, 'after a denied DescribeSecret the cache re-reads instead')
  assert.equal(getCalls, 3)
})

test('aws: missing credentials or region fail fast with PROVIDER_NOT_CONFIGURED', async () => {
  const { spawnSync } = require('child_process')
  const path = require('path')
  const script = `
    const { SecretCache } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const c = new SecretCache({ aws: { endpoint: ${JSON.stringify(moto.endpoint)} } })
    c.get('aws:x').then(() => console.log('OK'), (e) => console.log(e.code + ' ' + e.message)).finally(() => c.close())
  `
  const base = { PATH: process.env.PATH, HOME: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' }
  const noCreds = spawnSync(process.execPath, ['-e', script], { env: { ...base, AWS_REGION: 'us-east-1' }, encoding: 'utf8', timeout: 20_000 })
  assert.match(noCreds.stdout, /^PROVIDER_NOT_CONFIGURED .*credentials/)
  const noRegion = spawnSync(process.execPath, ['-e', script], { env: { ...base, AWS_ACCESS_KEY_ID: 'AKIAFAKE', AWS_SECRET_ACCESS_KEY: 'fake' }, encoding: 'utf8', timeout: 20_000 })
  assert.match(noRegion.stdout, /^PROVIDER_NOT_CONFIGURED .*region/)
})

// Stale-while-revalidate, shown without timing: the server holds the refresh request open,
// and reads keep resolving from memory while it is in flight.
test('aws: get of a cached name does not wait for a refresh in flight', async (t) => {
  const held = []
  const srv = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => {
      if (req.headers['x-amz-target'] === 'secretsmanager.DescribeSecret') { held.push(res); return } // never answered
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
      res.end(JSON.stringify({ Name: 'swr', VersionId: 'v1', SecretString: 'sk_test_FAKE_swr', VersionStages: ['AWSCURRENT'] }))
    })
  })
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve))
  t.after(() => { srv.closeAllConnections(); srv.close() })
  const cache = new SecretCache({ aws: { endpoint: `http://127.0.0.1:${srv.address().port}` }, refreshInterval: 30, requestTimeout: 30_000 })
  t.after(() => cache.close())
  assert.equal(await cache.get('aws:swr'), 'sk_test_FAKE_swr')
  await until(() => held.length === 1 && cache.stats().inflight === 1, { what: 'a refresh held in flight' })
  for (let i = 0; i < 20; i++) {
    assert.equal(await cache.get('aws:swr'), 'sk_test_FAKE_swr')
    assert.equal(await cache.get('aws:swr', { versionStage: 'AWSCURRENT' }), 'sk_test_FAKE_swr')
  }
  assert.equal(cache.stats().inflight, 1, 'the refresh is still in flight')
  assert.equal(held.length, 1, 'and still single')
})

test('aws: a secret scheduled for deletion is SECRET_NOT_FOUND on refresh, not served as fresh', async (t) => {
  const cache = newCache(t)
  const id = uniq('app/deleted')
  await create(id, fakeSecret('aws_del'))
  assert.ok(await cache.get(`aws:${id}`))
  await sm.send(new SM.DeleteSecretCommand({ SecretId: id, RecoveryWindowInDays: 7 }))
  await assert.rejects(cache.refresh(`aws:${id}`), { code: 'SECRET_NOT_FOUND' })
  assert.equal(cache.usage().find((u) => u.name === `aws:${id}`).failing, true)
  // a cold read of it is SECRET_NOT_FOUND too (GetSecretValue: InvalidRequestException "marked for deletion")
  const cold = newCache(t)
  await assert.rejects(cold.get(`aws:${id}`), { code: 'SECRET_NOT_FOUND' })
})

// A remote secret that fails its first load is not fetched again for one
// backoffBase: callers that never get a value (requests rejected because the
// API-key secret is down, unsigned webhooks) cannot turn into one provider
// call each. refresh() is the explicit way to ask again at once.
test('aws: a failed first load is answered from memory for backoffBase, then asked again; refresh() bypasses', async (t) => {
  // backoffBase long enough that the 25 rejections and the CreateSecret below fit in it on a busy machine
  const cache = newCache(t, { backoffBase: 3000, jitter: 0 })
  const name = uniq('late')
  const calls = () => cache.stats().upstreamCalls
  await assert.rejects(cache.get(`aws:${name}`), { code: 'SECRET_NOT_FOUND' })
  assert.equal(calls(), 1)
  for (let i = 0; i < 25; i++) {
    await assert.rejects(cache.get(`aws:${name}`), (e) => e.code === 'SECRET_NOT_FOUND' && /asked again 3000 ms after this failure/.test(e.message))
  }
  assert.equal(calls(), 1, 'no provider call within backoffBase')
  const v = fakeSecret('late')
  await create(name, v)
  await assert.rejects(cache.get(`aws:${name}`), { code: 'SECRET_NOT_FOUND' }) // still within backoffBase
  await new Promise((resolve) => setTimeout(resolve, 3050))
  assert.equal(await cache.get(`aws:${name}`), v)
  assert.equal(calls(), 2)
  // refresh() of a name whose first load failed asks the provider at once
  const other = uniq('late2')
  await assert.rejects(cache.get(`aws:${other}`), { code: 'SECRET_NOT_FOUND' })
  await create(other, v)
  await cache.refresh(`aws:${other}`)
  assert.equal(await cache.get(`aws:${other}`), v)
})
