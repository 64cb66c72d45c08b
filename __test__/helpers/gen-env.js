'use strict'
// Seeded generator of random .env sources for differential tests. Covers quotes
// of all three kinds, escapes, comments, `export`, `:` separators, CR/LF mixes,
// BOM, unicode (including U+2028/U+2029, which JS treats as line ends),
// unterminated quotes and text after closing quotes.

function mulberry32 (seed) {
  let a = seed >>> 0
  return function () {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function makeGen (seed) {
  const rnd = mulberry32(seed)
  const int = (n) => Math.floor(rnd() * n)
  const pick = (arr) => arr[int(arr.length)]
  const chance = (p) => rnd() < p

  const keyChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-'
  const keys = ['export', 'PORT', 'API_KEY', 'DB.HOST', 'a-b', '_X', '0', '12', '__proto__', 'constructor', 'toString']
  const ws = [' ', '  ', '\t', '\u00a0', '\u3000', '\ufeff', '\v', '\f', '\u2028', '\u2029']
  const valueAtoms = ['abc', 'x y', '#', ' # c', '#c', '\\n', '\\r', '\\', '\\\\', "'", '"', '`', "\\'", '\\"', '\\`',
    '=', ':', '$HOME', '${A}', 'é', '🔑', '中文', '\u2028', '\t', ' ', '{"a": "b"}', 'sk_test_FAKE', '\\t', 'export ',
    // lone surrogates (only a JS string can hold them) and a private-use character
    '\ud800', '\udfff', '\ud83d', '\ue000']
  const nl = ['\n', '\n', '\n', '\r\n', '\r', '\n\n', '\u2028']

  function key () {
    if (chance(0.25)) return pick(keys)
    let k = ''
    const n = 1 + int(8)
    for (let i = 0; i < n; i++) k += keyChars[int(keyChars.length)]
    if (chance(0.03)) k += pick([' ', 'é', '$', '!'])
    return k
  }
  function atoms (n) {
    let s = ''
    for (let i = 0; i < n; i++) s += chance(0.15) ? pick(nl) : pick(valueAtoms)
    return s
  }
  function value () {
    const r = rnd()
    if (r < 0.3) return atoms(int(4))
    if (r < 0.85) {
      const q = pick(["'", '"', '`'])
      let body = atoms(int(5))
      if (chance(0.5)) body = body.split(q).join('\\' + q)
      const close = chance(0.85) ? q : ''
      const after = chance(0.25) ? pick([' # trailing', ' junk', '  ', q, ' ' + q + 'x', '#x', '\t# c']) : ''
      return (chance(0.2) ? pick(ws) : '') + q + body + close + after
    }
    return pick(ws) + atoms(1 + int(3)) + pick(ws)
  }
  function line () {
    const r = rnd()
    if (r < 0.07) return '# ' + atoms(int(3))
    if (r < 0.12) return ''
    if (r < 0.16) return atoms(1 + int(3))
    const lead = chance(0.2) ? pick(ws) : ''
    const exp = chance(0.12) ? 'export' + pick([' ', '  ', '\t', '\n']) : ''
    const sep = pick(['=', '=', '=', ' = ', ' =', '= ', ':', ': ', ':\t', ' : ', '=\t', ':\n'])
    const trail = chance(0.15) ? pick([' # comment', '#c', '   ', ' \t']) : ''
    return lead + exp + key() + sep + value() + trail
  }
  return function source () {
    let s = chance(0.05) ? '\ufeff' : ''
    const n = 1 + int(8)
    for (let i = 0; i < n; i++) s += line() + (i < n - 1 || chance(0.5) ? pick(nl) : '')
    return s
  }
}

module.exports = { makeGen, mulberry32 }
