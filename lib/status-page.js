'use strict'
// Status page (issue 7): one self-contained HTML page (inline CSS, inline SVG
// charts, no script, no external resource) with each secret's health, the
// client keys' use and reads per minute. Refuses access without the configured
// auth. Everything rendered is escaped; values are never read.

const crypto = require('crypto')
const { typeError, looksLikeMiddlewareCall, forgottenCall } = require('./errors')

const esc = (v) => String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563']

function sha (s) { return crypto.createHash('sha256').update(String(s), 'utf8').digest() }

function bearerOf (req) {
  const h = req.headers && req.headers.authorization
  if (typeof h !== 'string') return null
  const m = /^Bearer\s+(.+)$/i.exec(h)
  return m ? m[1].trim() : null
}

function makeAuth (auth) {
  if (typeof auth === 'function') return auth
  if (auth !== null && typeof auth === 'object' && typeof auth.bearer === 'string' && auth.bearer.length >= 16) {
    const want = sha(auth.bearer)
    return (req) => {
      const got = bearerOf(req)
      // Constant time: compare fixed-length digests.
      return crypto.timingSafeEqual(sha(got === null ? '' : got), want) && got !== null
    }
  }
  throw typeError('AUTH_REQUIRED', 'secretGuard.statusPage({ cache, auth }): auth must be { bearer: "<token of at least 16 characters>" } or a function (req) => boolean')
}

function ago (now, t) {
  if (typeof t !== 'number') return '—'
  const s = Math.max(0, Math.round((now - t) / 1000))
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.round(s / 60)} min ago`
  if (s < 172800) return `${(s / 3600).toFixed(1)} h ago`
  return `${Math.round(s / 86400)} d ago`
}

// Age of the current value (since it was loaded or last rotated).
function age (now, t) {
  if (typeof t !== 'number') return '—'
  const s = Math.max(0, Math.round((now - t) / 1000))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.round(s / 60)} min`
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`
  return `${Math.round(s / 86400)} d`
}

function iso (t) { return typeof t === 'number' ? new Date(t).toISOString().replace('.000', '') : '' }

/** An inline SVG line chart of per-minute counts; series: [{ name, counts }]. */
function chart (title, series, from, minutes, id) {
  const W = 1100; const H = 220; const L = 48; const R = 12; const T = 14; const B = 28
  const max = Math.max(1, ...series.map((s) => Math.max(0, ...s.counts)))
  const x = (i) => L + (minutes <= 1 ? 0 : (i * (W - L - R)) / (minutes - 1))
  const y = (v) => T + (H - T - B) * (1 - v / max)
  const parts = [`<svg id="${esc(id)}" class="chart" role="img" aria-label="${esc(title)}" viewBox="0 0 ${W} ${H}" width="100%" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">`]
  parts.push(`<title>${esc(title)}</title>`)
  for (let g = 0; g <= 4; g++) {
    const v = (max * g) / 4
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e7eb"/>`)
    parts.push(`<text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#6b7280">${esc(Math.round(v * 10) / 10)}</text>`)
  }
  const ticks = 6
  for (let t = 0; t <= ticks; t++) {
    const i = Math.round(((minutes - 1) * t) / ticks)
    const d = new Date(from + i * 60_000)
    const lbl = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`
    const anchor = t === 0 ? 'start' : t === ticks ? 'end' : 'middle'
    parts.push(`<text x="${x(i).toFixed(1)}" y="${H - 8}" text-anchor="${anchor}" font-size="11" fill="#6b7280">${lbl}</text>`)
  }
  series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length]
    const pts = s.counts.map((c, i) => `${x(i).toFixed(1)},${y(c).toFixed(1)}`).join(' ')
    parts.push(`<polyline class="series" data-name="${esc(s.name)}" fill="none" stroke="${color}" stroke-width="2" points="${pts}"><title>${esc(s.name)}</title></polyline>`)
  })
  parts.push('</svg>')
  const legend = series.map((s, k) => `<span class="lg"><i style="background:${PALETTE[k % PALETTE.length]}"></i>${esc(s.name)} (${s.counts.reduce((a, b) => a + b, 0)})</span>`).join('')
  return `<figure><figcaption>${esc(title)} · UTC · max ${esc(max)}/min</figcaption>${parts.join('')}<div class="legend">${legend || '<span class="muted">no data</span>'}</div></figure>`
}

const CSS = `
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f8fafc;color:#0f172a}
header{background:#0f172a;color:#f8fafc;padding:14px 24px;display:flex;justify-content:space-between;align-items:baseline}
header h1{font-size:18px;margin:0}header span{color:#94a3b8;font-size:12px}
main{padding:16px 24px;max-width:1240px}
section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:12px 16px;margin-bottom:16px}
h2{font-size:15px;margin:0 0 8px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #f1f5f9;white-space:nowrap}
th{font-size:12px;color:#475569;font-weight:600;background:#f8fafc}td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#15803d;font-weight:600}.bad{color:#b91c1c;font-weight:600}.warn{color:#b45309;font-weight:600}.muted{color:#94a3b8}
figure{margin:0}figcaption{font-size:12px;color:#475569;margin-bottom:4px}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;margin-top:4px}.lg i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.cards{display:flex;gap:12px;margin-bottom:16px}.card{flex:1;background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:10px 14px}
.card b{display:block;font-size:20px}.card span{font-size:12px;color:#64748b}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
`

function render (r, { title, minutes }) {
  const now = r.at
  const health = (u) => {
    if (!u.loaded) return '<span class="bad">not loaded</span>'
    if (u.failing) return '<span class="warn">stale (refresh failing)</span>'
    return '<span class="ok">healthy</span>'
  }
  const secretRows = r.secrets.map((u) => `<tr data-secret="${esc(u.name)}">
<td><code>${esc(u.name)}</code>${u.versionStage ? ` <span class="muted">${esc(u.versionStage)}</span>` : ''}</td>
<td>${health(u)}</td><td><code>${esc(u.version == null ? '—' : u.version)}</code></td>
<td class="age" title="value since ${esc(iso(u.lastRotationAt || u.loadedAt))}">${esc(age(now, u.lastRotationAt || u.loadedAt))}</td>
<td title="${esc(iso(u.lastRefreshAt))}">${esc(ago(now, u.lastRefreshAt))}</td>
<td title="${esc(iso(u.lastRotationAt))}">${esc(ago(now, u.lastRotationAt))}</td>
<td class="n">${u.reads}</td><td class="n">${u.hits}</td><td class="n">${u.misses}</td><td class="n">${u.refreshes}</td>
<td class="n">${u.errors}${u.lastErrorCode ? ` <span class="muted">${esc(u.lastErrorCode)}</span>` : ''}</td><td class="n">${u.staleServed}</td>
<td title="${esc(iso(u.lastReadAt))}">${esc(ago(now, u.lastReadAt))}</td></tr>`).join('\n')
  const clientRows = r.clients.map((c) => `<tr data-client="${esc(c.client)}"><td><code>${esc(c.client)}</code></td>
<td class="n">${c.accepted}</td><td class="n">${c.previous}</td><td class="n">${c.rejected}</td>
<td>${esc(ago(now, c.lastUsedAt))}</td><td>${esc(ago(now, c.lastRejectedAt))}</td>
<td>${c.routes.map((rt) => `<code>${esc(rt.route)}</code> ${rt.accepted + rt.previous}/${rt.rejected}`).join(', ')}</td></tr>`).join('\n')
  const anomalyRows = r.anomalies.slice(-20).reverse().map((a) => `<tr><td>${esc(iso(a.at))}</td><td><code>${esc(a.rule)}</code></td>
<td>${esc(a.secret || a.client || a.source || '')}</td><td>${esc(a.observed)}</td><td>${esc(a.expected)}</td></tr>`).join('\n')
  const healthy = r.secrets.filter((u) => u.loaded && !u.failing).length
  const rejected = r.clients.reduce((a, c) => a + c.rejected, 0)
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${esc(title)}</title><style>${CSS}</style></head>
<body><header><h1>${esc(title)}</h1><span>generated ${esc(iso(now))} · values are never shown</span></header><main>
<div class="cards">
<div class="card" id="card-secrets"><b>${healthy}/${r.secrets.length}</b><span>secrets healthy</span></div>
<div class="card"><b>${r.stats.hits}</b><span>cache hits</span></div>
<div class="card"><b>${r.clients.length}</b><span>client keys seen</span></div>
<div class="card"><b>${rejected}</b><span>rejected API keys</span></div>
<div class="card"><b>${r.anomalies.length}</b><span>anomalies</span></div>
</div>
<section><h2>Secrets</h2><table id="secrets"><thead><tr><th>name</th><th>health</th><th>version</th><th>age</th><th>refreshed</th><th>rotated</th>
<th>reads</th><th>hits</th><th>misses</th><th>refreshes</th><th>failures</th><th>stale served</th><th>last read</th></tr></thead>
<tbody>${secretRows || '<tr><td colspan="13" class="muted">no secrets cached yet</td></tr>'}</tbody></table></section>
<section><h2>Reads per minute, last ${minutes} min</h2>${chart('Secret reads per minute', r.series.secrets, r.series.from, minutes, 'chart-secrets')}</section>
<section><h2>Client keys</h2><table id="clients"><thead><tr><th>client</th><th>accepted</th><th>in grace</th><th>rejected</th><th>last used</th><th>last rejected</th><th>routes (ok/rejected)</th></tr></thead>
<tbody>${clientRows || '<tr><td colspan="7" class="muted">no API key checks recorded</td></tr>'}</tbody></table>
${chart('Client requests per minute', r.series.clients, r.series.from, minutes, 'chart-clients')}</section>
<section><h2>Anomalies</h2><table id="anomalies"><thead><tr><th>time</th><th>rule</th><th>subject</th><th>observed</th><th>expected</th></tr></thead>
<tbody>${anomalyRows || '<tr><td colspan="5" class="muted">none</td></tr>'}</tbody></table></section>
</main></body></html>`
}

/**
 * `statusPage({ cache, auth, title, minutes })` → (req, res, next) handler.
 * auth: { bearer: 'token' } (Authorization: Bearer, constant-time compare) or (req) => boolean.
 */
function statusPage (opts) {
  if (looksLikeMiddlewareCall(arguments)) return forgottenCall('statusPage', arguments, 'statusPage({ cache, auth })')
  if (opts === null || typeof opts !== 'object') throw typeError('OPTIONS_REQUIRED', 'secretGuard.statusPage({ cache, auth }) needs an options object')
  for (const k of Object.keys(opts)) {
    if (!['cache', 'auth', 'title', 'minutes'].includes(k)) throw typeError('UNKNOWN_OPTION', `secretGuard.statusPage(): unknown option '${k}' (allowed: cache, auth, title, minutes)`)
  }
  const { cache } = opts
  if (!cache || typeof cache.usageReport !== 'function') throw typeError('CACHE_REQUIRED', 'secretGuard.statusPage(): options.cache must be a SecretCache')
  const allowed = makeAuth(opts.auth)
  if (opts.title !== undefined && typeof opts.title !== 'string') throw typeError('INVALID_OPTION', 'secretGuard.statusPage(): options.title must be a string')
  const title = opts.title === undefined ? 'secret-guard status' : opts.title
  const minutes = opts.minutes === undefined ? 180 : opts.minutes
  if (!Number.isInteger(minutes) || minutes < 2 || minutes > 1440) throw typeError('INVALID_OPTION', 'secretGuard.statusPage(): options.minutes must be an integer from 2 to 1440')

  return function secretGuardStatusPage (req, res, next) {
    const headers = {
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
    }
    let ok = false
    try { ok = allowed(req) === true } catch { ok = false }
    if (!ok) {
      res.statusCode = 401
      for (const k of Object.keys(headers)) res.setHeader(k, headers[k])
      res.setHeader('WWW-Authenticate', 'Bearer realm="secret-guard status"')
      res.setHeader('Content-Type', 'text/html; charset=utf-8')
      return res.end('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>401 Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>')
    }
    let html
    try {
      html = render(cache.usageReport({ minutes }), { title, minutes })
    } catch (err) {
      if (typeof next === 'function') return next(err)
      res.statusCode = 500
      return res.end('status unavailable')
    }
    res.statusCode = 200
    for (const k of Object.keys(headers)) res.setHeader(k, headers[k])
    res.setHeader('Content-Type', 'text/html; charset=utf-8')
    res.end(html)
  }
}

module.exports = { statusPage, escapeHtml: esc }
