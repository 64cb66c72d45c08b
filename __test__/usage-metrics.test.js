'use strict'
// Prometheus metrics, validated with the official Python client's text-format
// parser (prometheus_client.parser, installed into .venv-test by the helper).
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('child_process')
const fs = require('fs')
const os = require('os')
const path = require('path')
const express = require('express')
const secretGuard = require('..')
const { SecretCache } = secretGuard
const { fakeSecret } = require('./helpers/cache-util')
const { ensurePrometheusClient } = require('./helpers/servers')

function parse (text) {
  const { python } = ensurePrometheusClient()
  const r = spawnSync(python, [path.join(__dirname, 'helpers', 'prom_parse.py')], { input: text, encoding: 'utf8', timeout: 60_000 })
  if (r.status !== 0) throw new Error('prometheus_client could not parse the exposition:\n' + r.stderr)
  return JSON.parse(r.stdout)
}
const family = (fams, name) => fams.find((f) => f.name === name)
const sample = (fam, labels) => fam.samples.find((s) => Object.keys(labels).every((k) => s.labels[k] === labels[k]))

const TRICKY = ['quote"in"client', 'back\\slash\\', 'new\nline', 'ünïcødé ✓ 秘密', 'all "of\\ them\n at once']

test('metrics(cache): real parser reads every family, tricky label values round-trip', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-metrics-'))
  const v = fakeSecret('m')
  fs.writeFileSync(path.join(dir, 'db'), v)
  fs.writeFileSync(path.join(dir, 'ünï-çødé'), fakeSecret('u'))
  const cache = new SecretCache({ files: { dir }, monitor: { tickInterval: 0, rejectBurst: { threshold: 2 } } })
  t.after(() => { cache.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  await cache.ready(['file:db', 'file:ünï-çødé'])
  for (let i = 0; i < 4; i++) cache.getSync('file:db')
  TRICKY.forEach((c, i) => {
    for (let n = 0; n <= i; n++) cache.recordClientUse({ client: c, route: TRICKY[(i + 1) % TRICKY.length], outcome: 'accepted' })
  })
  cache.recordClientUse({ outcome: 'rejected', route: '/x', source: 'a' })
  cache.recordClientUse({ outcome: 'rejected', route: '/x', source: 'a' }) // -> rejected_burst anomaly
  cache.recordWebhook({ outcome: 'accepted', name: 'file:db' })
  cache.recordSecretUse({ name: 'file:db', route: 'we"ird\\route\n' })

  const text = secretGuard.metrics(cache)
  assert.ok(!text.includes(v))
  const fams = parse(text)
  // every family has HELP and TYPE
  for (const f of fams) {
    assert.ok(f.documentation.length > 0, `${f.name} has HELP`)
    assert.ok(['counter', 'gauge'].includes(f.type), `${f.name} is ${f.type}`)
  }
  const u = cache.usage().find((x) => x.name === 'file:db')
  const reads = family(fams, 'secret_guard_secret_reads')
  assert.equal(reads.type, 'counter')
  assert.equal(sample(reads, { name: 'file:db' }).value, u.reads)
  assert.equal(sample(reads, { name: 'file:db' }).name, 'secret_guard_secret_reads_total')
  assert.equal(sample(family(fams, 'secret_guard_secret_hits'), { name: 'file:db' }).value, u.hits)
  assert.equal(sample(family(fams, 'secret_guard_secret_misses'), { name: 'file:db' }).value, 1)
  assert.ok(sample(family(fams, 'secret_guard_secret_reads'), { name: 'file:ünï-çødé' }))
  assert.equal(sample(family(fams, 'secret_guard_secret_loaded'), { name: 'file:db' }).value, 1)
  assert.equal(sample(family(fams, 'secret_guard_secret_info'), { name: 'file:db' }).labels.version, '1')
  assert.equal(family(fams, 'secret_guard_secret_loaded').type, 'gauge')
  const ts = sample(family(fams, 'secret_guard_secret_last_read_timestamp_seconds'), { name: 'file:db' }).value
  assert.ok(Math.abs(ts - u.lastReadAt / 1000) < 1e-3)
  // tricky client and route labels come back exactly
  const reqs = family(fams, 'secret_guard_client_requests')
  TRICKY.forEach((c, i) => {
    const s = sample(reqs, { client: c, outcome: 'accepted' })
    assert.ok(s, `sample for ${JSON.stringify(c)}`)
    assert.equal(s.labels.route, TRICKY[(i + 1) % TRICKY.length])
    assert.equal(s.value, i + 1)
  })
  assert.equal(sample(reqs, { client: 'unknown', outcome: 'rejected' }).value, 2)
  assert.equal(sample(family(fams, 'secret_guard_secret_route_reads'), { name: 'file:db' }).labels.route, 'we"ird\\route\n')
  assert.equal(sample(family(fams, 'secret_guard_webhook_requests'), { outcome: 'accepted' }).value, 1)
  assert.equal(sample(family(fams, 'secret_guard_anomalies'), { rule: 'rejected_burst' }).value, 1)
  assert.equal(family(fams, 'secret_guard_cache_entries').samples[0].value, 2)
})

test('metricsHandler: Express route with the text/plain; version=0.0.4 content type', async (t) => {
  process.env.SG_METRICS_H = fakeSecret('h')
  const cache = new SecretCache({ monitor: { tickInterval: 0 } })
  cache.getSync('env:SG_METRICS_H')
  const app = express()
  app.get('/metrics', secretGuard.metricsHandler(cache))
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  t.after(() => { server.close(); cache.close(); delete process.env.SG_METRICS_H })
  const res = await fetch(`http://127.0.0.1:${server.address().port}/metrics`)
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
  const text = await res.text()
  assert.ok(!text.includes(process.env.SG_METRICS_H))
  const fams = parse(text)
  assert.equal(sample(family(fams, 'secret_guard_secret_reads'), { name: 'env:SG_METRICS_H' }).value, 1)
  assert.throws(() => secretGuard.metricsHandler({}), { code: 'CACHE_REQUIRED' })
  assert.throws(() => secretGuard.metrics(null), { code: 'CACHE_REQUIRED' })
})
