'use strict'
// Express integration against Vault KV v2 (a real OpenBao dev server started
// here): req.secrets from a vault field follows a new KV version after a signed
// webhook, and the 200 answer carries the new version; client API keys in a
// vault secret rotate with grace.
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { startOpenBao } = require('./helpers/servers')
const { FRAMEWORKS, fakeSecret, sha, serve, assertNoLeak, waitFor } = require('./helpers/express-harness')
const sg = require('..')

const { SecretCache, signWebhook } = sg

let bao
before(async () => { bao = await startOpenBao() })
after(async () => { if (bao) await bao.stop() })

async function write (p, data) {
  const r = await fetch(`${bao.address}/v1/secret/data/${p}`, {
    method: 'POST', headers: { 'X-Vault-Token': bao.token, 'content-type': 'application/json' }, body: JSON.stringify({ data }),
  })
  if (r.status >= 300) throw new Error(`vault write ${p}: HTTP ${r.status}`)
}
let seq = 0
const uniq = (p) => `${p}-${process.pid}-${++seq}`

for (const [label, expressLib] of FRAMEWORKS) {
  describe(`Express + Vault KV v2 (OpenBao) on ${label}`, () => {
    test('vault field in req.secrets and vault-held client keys follow a rotation announced by the webhook', async (t) => {
      const signEnv = 'SG_EXPRESS_VAULT_WEBHOOK_' + label.toUpperCase()
      const signKey = fakeSecret('whsec_test_FAKE_')
      process.env[signEnv] = signKey
      t.after(() => { delete process.env[signEnv] })
      const cache = new SecretCache({ vault: { address: bao.address, token: bao.token }, refreshInterval: 3_600_000 })
      t.after(() => cache.close())
      const dbPath = uniq('app/db'); const keysPath = uniq('app/client-keys')
      const p1 = fakeSecret(); const p2 = fakeSecret()
      const k1 = fakeSecret('sgk_test_FAKE_'); const k2 = fakeSecret('sgk_test_FAKE_')
      await write(dbPath, { password: p1, user: 'app' })
      await write(keysPath, { keys: JSON.stringify({ partner: k1 }) })

      const guard = sg.requireApiKey({ cache, name: `vault:${keysPath}#keys`, graceMs: 60_000 })
      t.after(() => guard.close())
      const a = expressLib()
      a.post('/hook', sg.rotationWebhook({ cache, signingSecret: `env:${signEnv}` }))
      a.use(guard)
      a.use(sg.express({ cache, secrets: { db: `vault:${dbPath}#password` } }))
      a.get('/', (req, res) => res.json({ h: sha(req.secrets.db), client: req.apiClient }))
      const s = await serve(a)
      t.after(() => s.close())
      const get = (key) => s.request('/', { headers: { 'x-api-key': key } })

      let r = await get(k1)
      assert.equal(r.status, 200)
      assert.deepEqual(r.json, { h: sha(p1), client: 'partner' })

      await write(dbPath, { password: p2, user: 'app' })
      await write(keysPath, { keys: JSON.stringify({ partner: k2 }) })
      for (const name of [`vault:${dbPath}`, `vault:${keysPath}#keys`]) {
        const signed = signWebhook(signKey, { name })
        const hr = await s.request('/hook', { method: 'POST', body: signed.body, headers: signed.headers })
        assert.equal(hr.status, 200, name)
        assert.equal(hr.json.version, '2', 'KV v2 metadata version of the refreshed secret')
      }
      await waitFor(() => guard.stats().graceActive, 5000, 'grace to start')
      r = await get(k2)
      assert.deepEqual(r.json, { h: sha(p2), client: 'partner' }, 'new password and new key right after the webhook')
      assert.equal((await get(k1)).status, 200, 'old key within the grace period')
      assert.equal(guard.stats().acceptedPrevious.partner, 1)
      assertNoLeak(s.transcript, [p1, p2, k1, k2, signKey], 'responses')
    })
  })
}
