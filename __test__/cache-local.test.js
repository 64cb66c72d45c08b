'use strict'
// SecretCache with the env: and file: providers (no servers needed).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const util = require('util')
const { spawnSync } = require('child_process')
const { SecretCache, SecretGuardError } = require('..')
const { once, until, fakeSecret } = require('./helpers/cache-util')

function tmpDir () {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sg-cache-test-'))
}

test('env: reads process.env at call time, caches, refresh detects rotation', async (t) => {
  const v1 = fakeSecret('env1')
  const v2 = fakeSecret('env2')
  process.env.SG_TEST_ENV_A = v1
  const cache = new SecretCache()
  t.after(() => { cache.close(); delete process.env.SG_TEST_ENV_A })
  assert.equal(await cache.get('env:SG_TEST_ENV_A'), v1)
  assert.equal(cache.getSync('env:SG_TEST_ENV_A'), v1)
  const s = cache.stats()
  assert.equal(s.entries, 1)
  assert.equal(s.misses, 1)
  assert.equal(s.hits, 1)
  assert.equal(s.upstreamCalls, 1)

  process.env.SG_TEST_ENV_A = v2
  assert.equal(cache.getSync('env:SG_TEST_ENV_A'), v1, 'cached until refreshed')
  const rotated = once(cache, 'rotate')
  assert.equal(await cache.refresh('env:SG_TEST_ENV_A'), true)
  const ev = await rotated
  assert.equal(ev.name, 'env:SG_TEST_ENV_A')
  assert.equal(ev.previousVersion, '1')
  assert.equal(ev.version, '2')
  assert.equal(cache.getSync('env:SG_TEST_ENV_A'), v2)
  assert.equal(await cache.refresh('env:SG_TEST_ENV_A'), false, 'unchanged value is not a rotation')
  assert.equal(cache.stats().rotations, 1)
})

test('env: re-read on access once refreshInterval has passed', async (t) => {
  process.env.SG_TEST_ENV_B = 'sk_test_FAKE_b1'
  const cache = new SecretCache({ refreshInterval: 30 })
  t.after(() => { cache.close(); delete process.env.SG_TEST_ENV_B })
  assert.equal(await cache.get('env:SG_TEST_ENV_B'), 'sk_test_FAKE_b1')
  process.env.SG_TEST_ENV_B = 'sk_test_FAKE_b2'
  const rotated = once(cache, 'rotate')
  await until(() => cache.getSync('env:SG_TEST_ENV_B') === 'sk_test_FAKE_b2', { what: 'env re-read' })
  assert.equal((await rotated).name, 'env:SG_TEST_ENV_B')
})

test('env: refresh() of a name never read loads it (regression: used to reject EVICTED)', async (t) => {
  const v = fakeSecret('never-read')
  process.env.SG_TEST_ENV_NEVER_READ = v
  const cache = new SecretCache()
  t.after(() => { cache.close(); delete process.env.SG_TEST_ENV_NEVER_READ })
  assert.equal(await cache.refresh('env:SG_TEST_ENV_NEVER_READ'), false, 'a first load is not a rotation')
  assert.equal(cache.getSync('env:SG_TEST_ENV_NEVER_READ'), v)
  assert.equal(cache.stats().entries, 1)
})

test('env: missing variable rejects with SECRET_NOT_FOUND; getSync throws it too', async (t) => {
  const cache = new SecretCache()
  t.after(() => cache.close())
  delete process.env.SG_TEST_ENV_MISSING
  await assert.rejects(cache.get('env:SG_TEST_ENV_MISSING'), (e) => e instanceof SecretGuardError && e.code === 'SECRET_NOT_FOUND' && /SG_TEST_ENV_MISSING/.test(e.message))
  assert.throws(() => cache.getSync('env:SG_TEST_ENV_MISSING'), { code: 'SECRET_NOT_FOUND' })
})

test('file: trailing newline trimmed, JSON fields, binary as Buffer, typed errors', async (t) => {
  const dir = tmpDir()
  const cache = new SecretCache({ files: { dir } })
  t.after(() => { cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  const pw = fakeSecret('pw')
  fs.writeFileSync(path.join(dir, 'db-password'), pw + '\n')
  fs.writeFileSync(path.join(dir, 'crlf'), 'sk_test_FAKE_crlf\r\n')
  fs.writeFileSync(path.join(dir, 'json'), JSON.stringify({ apiKey: 'sk_test_FAKE_api', port: 5432, nested: { a: 1 } }))
  const bin = Buffer.from([0xff, 0x00, 0xfe, 0x10, 0x80])
  fs.writeFileSync(path.join(dir, 'bin'), bin)
  fs.mkdirSync(path.join(dir, 'sub'))
  fs.writeFileSync(path.join(dir, 'sub', 'k'), 'sk_test_FAKE_sub')

  assert.equal(await cache.get('file:db-password'), pw)
  assert.equal(await cache.get('file:crlf'), 'sk_test_FAKE_crlf')
  assert.equal(await cache.get('file:sub/k'), 'sk_test_FAKE_sub')
  assert.equal(await cache.get('file:json#apiKey'), 'sk_test_FAKE_api')
  assert.equal(await cache.get('file:json#port'), '5432')
  assert.equal(await cache.get('file:json#nested'), '{"a":1}')
  assert.equal(cache.getSync('file:json#apiKey'), 'sk_test_FAKE_api')
  const b = await cache.get('file:bin')
  assert.ok(Buffer.isBuffer(b))
  assert.deepEqual(b, bin)

  await assert.rejects(cache.get('file:json#missing'), { code: 'FIELD_NOT_FOUND' })
  await assert.rejects(cache.get('file:db-password#x'), (e) => e.code === 'NOT_JSON' && !e.message.includes(pw))
  await assert.rejects(cache.get('file:nope'), { code: 'SECRET_NOT_FOUND' })
  await assert.rejects(cache.get('file:sub'), { code: 'SECRET_NOT_FOUND' })
  for (const bad of ['file:../etc/passwd', 'file:/etc/passwd', 'file:a/../../b', 'nope:x', 'file:', 'aws:x#', 'env:A=B']) {
    await assert.rejects(cache.get(bad), { code: 'INVALID_NAME' }, bad)
    assert.throws(() => cache.getSync(bad), { code: 'INVALID_NAME' }, bad)
  }
  await assert.rejects(cache.get(42), { code: 'INVALID_NAME' })
  await assert.rejects(cache.get('file:db-password', { versionStage: 'AWSPREVIOUS' }), { code: 'INVALID_OPTION' })
  assert.equal(cache.getSync('file:not-loaded-yet'), undefined)

  const noDir = new SecretCache()
  t.after(() => noDir.close())
  await assert.rejects(noDir.get('file:db-password'), { code: 'PROVIDER_NOT_CONFIGURED' })
})

test('file: a binary (non-UTF-8) secret is masked: raw bytes in Buffers, base64/hex/text forms in strings', async (t) => {
  const { mask } = require('..')
  const dir = tmpDir()
  const cache = new SecretCache({ files: { dir } })
  t.after(() => { cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  const buf = Buffer.concat([Buffer.from([0xff]), Buffer.from(fakeSecret('l6'))])
  fs.writeFileSync(path.join(dir, 'bin'), buf)
  const got = await cache.get('file:bin')
  assert.deepEqual(got, buf)
  assert.deepEqual(mask(Buffer.concat([Buffer.from('k='), buf, Buffer.from('\n')])), Buffer.from('k=[REDACTED]\n'))
  for (const form of [
    buf.toString('base64'), buf.toString('base64url'), buf.toString('hex'), buf.toString('hex').toUpperCase(),
    String(buf), buf.toString('latin1'), JSON.stringify(buf), util.inspect(buf)
  ]) {
    const out = mask(`v=${form};`)
    assert.ok(out.includes('[REDACTED]') && out.length <= form.length, `${form} -> ${out}`)
  }
  // embedded in a larger base64 blob (Basic auth)
  const basic = Buffer.concat([Buffer.from('user:'), buf]).toString('base64')
  assert.ok(mask(basic).includes('[REDACTED]'), basic)
})

test('an invalid name is never echoed in the error (a connection URL with a password passed as a name)', async (t) => {
  const cache = new SecretCache()
  t.after(() => cache.close())
  const pw = 'FAKE-pw-' + fakeSecret('url')
  for (const bad of [`postgres://app:${pw}@db/app`, `${pw}`, `env:${pw}=x`, `aws:${pw} x`, `file:../${pw}`, `vault:a//${pw}`]) {
    const check = (e) => e.code === 'INVALID_NAME' && !e.message.includes(pw) && !e.message.includes('FAKE-pw') && /\d+ characters?/.test(e.message)
    await assert.rejects(cache.get(bad), check, bad)
    assert.throws(() => cache.getSync(bad), check, bad)
  }
  await assert.rejects(cache.get(`postgres://app:${pw}@db/app`), (e) => /unknown provider/.test(e.message) && /looks like a URL/.test(e.message))
  await assert.rejects(cache.get('env:A=B'), (e) => /provider 'env'/.test(e.message) && /'='/.test(e.message))
  // A URL after a known provider is refused too (env: and aws: name rules allow ':' and '/'),
  // so it never reaches the cache's events, audit trail, usage() or metrics.
  const events = []
  const audited = new SecretCache({ audit: (e) => events.push(e) })
  t.after(() => audited.close())
  for (const bad of [`env:postgres://app:${pw}@db/app`, `aws:postgres://app:${pw}@db/app`, `aws://app:${pw}@db/app`, `env://app:${pw}@db`]) {
    await assert.rejects(audited.get(bad), (e) => e.code === 'INVALID_NAME' && /looks like a URL/.test(e.message) && !e.message.includes(pw), bad)
    assert.throws(() => audited.validateName(bad), (e) => e.code === 'INVALID_NAME', bad)
  }
  await new Promise((resolve) => setTimeout(resolve, 100))
  assert.ok(!JSON.stringify(events).includes(pw) && !JSON.stringify(audited.usage()).includes(pw) && !require('..').metrics(audited).includes(pw))
})

test('file: single-flight — 200 concurrent gets cause one read', async (t) => {
  const dir = tmpDir()
  const cache = new SecretCache({ files: { dir } })
  t.after(() => { cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  const v = fakeSecret('sf')
  fs.writeFileSync(path.join(dir, 'k'), v)
  const got = await Promise.all(Array.from({ length: 200 }, () => cache.get('file:k')))
  assert.ok(got.every((x) => x === v))
  assert.equal(cache.stats().upstreamCalls, 1)
  // concurrent refreshes also share one read
  await Promise.all(Array.from({ length: 50 }, () => cache.refresh('file:k')))
  assert.equal(cache.stats().upstreamCalls, 2)
})

test('file: background refresh picks up a rotated file and emits rotate; reads never miss meanwhile', async (t) => {
  const dir = tmpDir()
  const cache = new SecretCache({ files: { dir }, refreshInterval: 40 })
  t.after(() => { cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  const v1 = fakeSecret('r1')
  const v2 = fakeSecret('r2')
  fs.writeFileSync(path.join(dir, 'k'), v1)
  assert.equal(await cache.get('file:k'), v1)
  const rotated = once(cache, 'rotate')
  fs.writeFileSync(path.join(dir, 'k'), v2)
  let reads = 0
  await until(() => {
    const x = cache.getSync('file:k')
    assert.ok(x === v1 || x === v2, 'a cached name always has a value')
    reads++
    return x === v2
  }, { what: 'background refresh' })
  const ev = await rotated
  assert.deepEqual({ name: ev.name, previousVersion: ev.previousVersion, version: ev.version }, { name: 'file:k', previousVersion: '1', version: '2' })
  assert.ok(reads >= 1)
  assert.ok(cache.stats().refreshes >= 1)
})

test('stale-if-error: failed refresh keeps the value, emits error, backs off exponentially, recovers', async (t) => {
  const dir = tmpDir()
  const cache = new SecretCache({ files: { dir }, refreshInterval: 30, backoffBase: 40, backoffMax: 1000, jitter: 0 })
  t.after(() => { cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  const v = fakeSecret('stale')
  fs.writeFileSync(path.join(dir, 'k'), v)
  assert.equal(await cache.get('file:k'), v)
  const errors = []
  cache.on('error', (e) => errors.push(e))
  const removedAt = Date.now()
  fs.unlinkSync(path.join(dir, 'k'))
  await until(() => errors.length >= 3, { what: 'three refresh errors' })
  assert.deepEqual(errors.slice(0, 3).map((e) => [e.name, e.code, e.failures, e.retryInMs]), [
    ['file:k', 'SECRET_NOT_FOUND', 1, 40],
    ['file:k', 'SECRET_NOT_FOUND', 2, 80],
    ['file:k', 'SECRET_NOT_FOUND', 3, 160],
  ])
  // `at`: when each failure was recorded (Unix ms); the next one comes no
  // sooner than the retry it announced (2 ms: wall vs monotonic clock).
  assert.ok(errors[0].at >= removedAt - 1 && errors[2].at <= Date.now(), `at ${errors.map((e) => e.at)}`)
  for (let i = 1; i < 3; i++) {
    assert.ok(errors[i].at - errors[i - 1].at >= errors[i - 1].retryInMs - 2,
      `failure ${i + 1} came ${errors[i].at - errors[i - 1].at} ms after one announcing ${errors[i - 1].retryInMs} ms`)
  }
  for (const e of errors) assert.ok(!e.message.includes(v))
  assert.equal(cache.getSync('file:k'), v, 'last good value still served')
  assert.equal(await cache.get('file:k'), v)
  const s = cache.stats()
  assert.ok(s.staleServed >= 2)
  assert.ok(s.errors >= 3)
  const u = cache.usage().find((x) => x.name === 'file:k')
  assert.equal(u.failing, true)
  assert.equal(u.lastErrorCode, 'SECRET_NOT_FOUND')
  // recovery
  fs.writeFileSync(path.join(dir, 'k'), v)
  await until(() => !cache.usage().find((x) => x.name === 'file:k').failing, { what: 'recovery' })
  assert.equal(cache.getSync('file:k'), v)
})

test('maxStale bounds how long a failing secret is served', async (t) => {
  const dir = tmpDir()
  const cache = new SecretCache({ files: { dir }, refreshInterval: 20, maxStale: 150, backoffBase: 20, jitter: 0 })
  t.after(() => { cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  fs.writeFileSync(path.join(dir, 'k'), 'sk_test_FAKE_ms')
  assert.equal(await cache.get('file:k'), 'sk_test_FAKE_ms')
  cache.on('error', () => {})
  fs.unlinkSync(path.join(dir, 'k'))
  await until(() => cache.getSync('file:k') === undefined, { what: 'value to expire past maxStale' })
  await assert.rejects(cache.get('file:k'), { code: 'SECRET_NOT_FOUND' })
})

test('maxStale only bounds values whose refresh is overdue: a healthy entry is served with maxStale 0', async (t) => {
  const dir = tmpDir()
  const cache = new SecretCache({ files: { dir }, maxStale: 0, memo: false })
  t.after(() => { cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  fs.writeFileSync(path.join(dir, 'k'), 'sk_test_FAKE_healthy')
  assert.equal(await cache.get('file:k'), 'sk_test_FAKE_healthy')
  await new Promise((resolve) => setTimeout(resolve, 5))
  assert.equal(cache.getSync('file:k'), 'sk_test_FAKE_healthy')
  assert.equal(cache.stats().upstreamCalls, 1)
})

test('a get on a never-loaded failing name rejects, ready() lists every failure', async (t) => {
  const dir = tmpDir()
  const cache = new SecretCache({ files: { dir } })
  t.after(() => { cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  fs.writeFileSync(path.join(dir, 'ok'), 'sk_test_FAKE_ok')
  process.env.SG_TEST_READY = 'sk_test_FAKE_ready'
  await cache.ready(['file:ok', 'env:SG_TEST_READY'])
  await assert.rejects(cache.ready(['file:ok', 'file:missing1', 'env:SG_TEST_READY_MISSING', 'bogus']), (e) => {
    assert.equal(e.code, 'READY_FAILED')
    assert.deepEqual(e.errors.map((x) => [x.name, x.code]), [
      ['file:missing1', 'SECRET_NOT_FOUND'], ['env:SG_TEST_READY_MISSING', 'SECRET_NOT_FOUND'], ['(name #4 not shown)', 'INVALID_NAME'],
    ])
    assert.match(e.message, /3 of 4/)
    return true
  })
  delete process.env.SG_TEST_READY
})

test('LRU by read: maxSize evicts the least recently read entry', async (t) => {
  const dir = tmpDir()
  const cache = new SecretCache({ files: { dir }, maxSize: 2 })
  t.after(() => { cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  for (const n of ['a', 'b', 'c']) fs.writeFileSync(path.join(dir, n), `sk_test_FAKE_${n}`)
  await cache.get('file:a')
  await cache.get('file:b')
  cache.getSync('file:a') // a read after b: b is now least recently read
  await cache.get('file:c')
  assert.equal(cache.stats().evictions, 1)
  assert.equal(cache.getSync('file:b'), undefined)
  assert.equal(cache.getSync('file:a'), 'sk_test_FAKE_a')
  assert.deepEqual(cache.usage().map((u) => u.name).sort(), ['file:a', 'file:c'])
})

test('no value leaks through inspect, JSON, stats, usage or error messages', async (t) => {
  const dir = tmpDir()
  const v = fakeSecret('leak')
  const cache = new SecretCache({ files: { dir }, vault: { address: 'http://127.0.0.1:1', token: 'test-token-FAKE-leakcheck' } })
  t.after(() => { cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  fs.writeFileSync(path.join(dir, 'k'), JSON.stringify({ f: v }))
  assert.equal(await cache.get('file:k#f'), v)
  const out = [
    util.inspect(cache, { depth: 10, showHidden: true }), JSON.stringify(cache), JSON.stringify(cache.stats()), JSON.stringify(cache.usage()),
  ]
  for (const e of [await cache.get('file:k#nope').catch((e) => e), await cache.get('vault:x').catch((e) => e)]) {
    out.push(e.message, util.inspect(e))
  }
  for (const o of out) {
    assert.ok(!o.includes(v), 'value leaked: ' + o)
    assert.ok(!o.includes('leakcheck'), 'token leaked: ' + o)
  }
})

test('options are validated with coded TypeErrors', () => {
  const bad = [
    [{ refreshInterval: -1 }, /refreshInterval/], [{ refreshInterval: 0 }, /refreshInterval/], [{ maxSize: 1.5 }, /maxSize/],
    [{ jitter: 2 }, /jitter/], [{ nope: 1 }, /unknown option nope/], [{ aws: { region: 5 } }, /aws.region/],
    [{ aws: { endpoint: 'ftp://x' } }, /endpoint/], [{ vault: { adress: 'x' } }, /vault.adress/], [{ files: 'dir' }, /files/], ['x', /object/],
    // huge but finite durations used to panic in the native clock
    [{ maxStale: 1e300 }, /maxStale/], [{ refreshInterval: 1e22 }, /refreshInterval/], [{ requestTimeout: 1e300 }, /requestTimeout/],
    // explicit vault options the provider refuses are option errors too
    [{ vault: { address: 'ftp://x' } }, /vault/], [{ vault: { address: 'vault.internal:8200' } }, /vault/],
  ]
  for (const [o, re] of bad) {
    assert.throws(() => new SecretCache(o), (e) => e instanceof TypeError && e.code === 'INVALID_OPTION' && re.test(e.message), JSON.stringify(o))
  }
})

test('a malformed VAULT_ADDR in the environment does not stop a cache that never reads vault: names', async (t) => {
  const dir = tmpDir()
  fs.writeFileSync(path.join(dir, 'k'), fakeSecret('file'))
  process.env.VAULT_ADDR = 'vault.internal:8200' // no scheme
  t.after(() => { delete process.env.VAULT_ADDR; fs.rmSync(dir, { recursive: true, force: true }) })
  const cache = new SecretCache({ files: { dir } })
  t.after(() => cache.close())
  assert.ok(await cache.get('file:k'))
  await assert.rejects(cache.get('vault:app/db'), { code: 'PROVIDER_NOT_CONFIGURED' })
})

test('file: a symlink leaving files.dir is refused (ACCESS_DENIED); links inside it (Kubernetes ..data) work', async (t) => {
  const root = tmpDir()
  const dir = path.join(root, 'secrets')
  fs.mkdirSync(path.join(dir, '..2026_11_28'), { recursive: true })
  const inside = fakeSecret('inside')
  fs.writeFileSync(path.join(dir, '..2026_11_28', 'db-password'), inside)
  fs.symlinkSync('..2026_11_28', path.join(dir, '..data'))
  fs.symlinkSync('..data/db-password', path.join(dir, 'db-password'))
  const outside = path.join(root, 'not-a-secret.txt')
  fs.writeFileSync(outside, 'outside the directory')
  fs.symlinkSync(outside, path.join(dir, 'escape'))
  fs.symlinkSync(root, path.join(dir, 'up'))
  const cache = new SecretCache({ files: { dir } })
  t.after(() => { cache.close(); fs.rmSync(root, { recursive: true, force: true }) })
  assert.equal(await cache.get('file:db-password'), inside)
  await assert.rejects(cache.get('file:escape'), { code: 'ACCESS_DENIED' })
  await assert.rejects(cache.get('file:up/not-a-secret.txt'), { code: 'ACCESS_DENIED' })
})

test('close(): further calls reject with CACHE_CLOSED; idle and unclosed caches let the process exit', async () => {
  const cache = new SecretCache()
  process.env.SG_TEST_CLOSE = 'sk_test_FAKE_close'
  await cache.get('env:SG_TEST_CLOSE')
  cache.close()
  cache.close()
  assert.equal(cache.closed, true)
  await assert.rejects(cache.get('env:SG_TEST_CLOSE'), { code: 'CACHE_CLOSED' })
  assert.throws(() => cache.getSync('env:SG_TEST_CLOSE'), { code: 'CACHE_CLOSED' })
  delete process.env.SG_TEST_CLOSE

  const dir = tmpDir()
  fs.writeFileSync(path.join(dir, 'k'), 'sk_test_FAKE_exit')
  const script = `
    const { SecretCache } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const c = new SecretCache({ files: { dir: ${JSON.stringify(dir)} }, refreshInterval: 50 })
    c.on('rotate', () => {}); c.on('error', () => {})
    c.get('file:k').then((v) => { if (v !== 'sk_test_FAKE_exit') process.exit(3); if (process.argv[1] === 'close') c.close() })
  `
  for (const mode of ['close', 'leave-open']) {
    const r = spawnSync(process.execPath, ['-e', script, mode], { timeout: 20_000, encoding: 'utf8' })
    assert.equal(r.signal, null, `${mode}: process had to be killed (did not exit by itself)`)
    assert.equal(r.status, 0, `${mode}: ${r.stderr}`)
  }
  fs.rmSync(dir, { recursive: true, force: true })
})

test('reads served from the JS read memo are counted; memo: false gives the same answers', async (t) => {
  const dir = tmpDir()
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.writeFileSync(path.join(dir, 'k'), JSON.stringify({ a: 'sk_test_FAKE_memo' }))
  for (const memo of [true, false]) {
    const cache = new SecretCache({ files: { dir }, memo })
    t.after(() => cache.close())
    assert.equal(await cache.get('file:k#a'), 'sk_test_FAKE_memo')
    for (let i = 0; i < 5; i++) assert.equal(cache.getSync('file:k#a'), 'sk_test_FAKE_memo')
    assert.equal(await cache.get('file:k#a'), 'sk_test_FAKE_memo')
    const s = cache.stats()
    assert.deepEqual([s.misses, s.hits, s.upstreamCalls], [1, 6, 1], `memo=${memo}`)
    const u = cache.usage()[0]
    assert.deepEqual([u.name, u.reads, u.hits], ['file:k', 7, 6], `memo=${memo}`)
    cache.close()
    assert.throws(() => cache.getSync('file:k#a'), { code: 'CACHE_CLOSED' })
  }
})

test('default backoff is in seconds with ±10 % jitter (1 s after the first failure)', async (t) => {
  const dir = tmpDir()
  const cache = new SecretCache({ files: { dir }, refreshInterval: 20 })
  t.after(() => { cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  fs.writeFileSync(path.join(dir, 'k'), 'sk_test_FAKE_backoff')
  await cache.get('file:k')
  const err = once(cache, 'error')
  fs.unlinkSync(path.join(dir, 'k'))
  const ev = await err
  assert.equal(ev.failures, 1)
  assert.ok(ev.retryInMs >= 900 && ev.retryInMs <= 1100, `retryInMs ${ev.retryInMs}`)
})
