'use strict'
// dotenv's documented behaviour, as facts: each expectation is asserted against
// our parse() AND the real dotenv package, so a fact that drifts is caught too.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const path = require('path')
const dotenv = require('dotenv')
const sg = require('..')

const fx = (name) => path.join(__dirname, 'fixtures', name)
const both = (src) => {
  const ours = sg.parse(src)
  assert.deepEqual(ours, dotenv.parse(src))
  return ours
}

test('dotenv tests/.env facts (fixtures/dotenv-tests.env)', () => {
  const p = both(fs.readFileSync(fx('dotenv-tests.env'), 'utf8'))
  assert.equal(p.BASIC, 'basic')
  assert.equal(p.AFTER_LINE, 'after_line')
  assert.equal(p.EMPTY, '')
  assert.equal(p.SINGLE_QUOTES, 'single_quotes')
  assert.equal(p.SINGLE_QUOTES_SPACED, '    single quotes    ')
  assert.equal(p.DOUBLE_QUOTES, 'double_quotes')
  assert.equal(p.DOUBLE_QUOTES_SPACED, '    double quotes    ')
  assert.equal(p.BACKTICKS, 'backticks')
  assert.equal(p.BACKTICKS_INSIDE_SINGLE, '`backticks` work inside single quotes')
  assert.equal(p.EXPAND_NEWLINES, 'expand\nnew\nlines')
  assert.equal(p.DONT_EXPAND_UNQUOTED, 'dontexpand\\nnewlines')
  assert.equal(p.DONT_EXPAND_SQUOTED, 'dontexpand\\nnewlines')
  assert.equal(p.COMMENTS, undefined)
  assert.equal(p.INLINE_COMMENTS, 'inline comments')
  assert.equal(p.INLINE_COMMENTS_SINGLE_QUOTES, 'inline comments outside of #singlequotes')
  assert.equal(p.INLINE_COMMENTS_DOUBLE_QUOTES, 'inline comments outside of #doublequotes')
  assert.equal(p.INLINE_COMMENTS_BACKTICKS, 'inline comments outside of #backticks')
  assert.equal(p.INLINE_COMMENTS_SPACE, 'inline comments start with a')
  assert.equal(p.EQUAL_SIGNS, 'equals==')
  assert.equal(p.RETAIN_INNER_QUOTES, '{"foo": "bar"}')
  assert.equal(p.RETAIN_INNER_QUOTES_AS_STRING, '{"foo": "bar"}')
  assert.equal(p.RETAIN_LEADING_DQUOTE, '\\"retained')
  assert.equal(p.RETAIN_LEADING_SQUOTE, "\\'retained")
  assert.equal(p.RETAIN_TRAILING_DQUOTE, 'retained"')
  assert.equal(p.RETAIN_TRAILING_SQUOTE, "retained'")
  assert.equal(p.TRIM_SPACE_FROM_UNQUOTED, 'some spaced out string')
  assert.equal(p.USERNAME, 'therealnerdybeast@example.tld')
  assert.equal(p.SPACED_KEY, 'parsed')
  assert.equal(p.EDGE_CASE_INLINE_COMMENTS, 'VALUE1')
  assert.equal(p.EXPORTED, 'exported')
  assert.equal(p.COLON_SEP, 'colon')
  assert.equal(p.DOLLAR, '$NOT_EXPANDED')
})

test('multi-line values in all three quotes, PEM keys', () => {
  const p = both(fs.readFileSync(fx('.env.multiline'), 'utf8'))
  assert.equal(p.MULTI_DOUBLE_QUOTED, 'THIS\nIS\nA\nMULTILINE\nSTRING')
  assert.equal(p.MULTI_SINGLE_QUOTED, 'THIS\nIS\nA\nMULTILINE\nSTRING')
  assert.equal(p.MULTI_BACKTICKED, 'THIS\nIS\nA\n"MULTILINE\'S"\nSTRING')
  assert.match(p.MULTI_PEM_DOUBLE_QUOTED, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----$/)
  assert.equal(p.AFTER, 'after')
})

test('CRLF and CR line endings are normalised', () => {
  const p = both(fs.readFileSync(fx('.env.crlf'), 'utf8'))
  assert.deepEqual(p, { A: '1', B: 'two\nlines', C: '3', D: '4' })
})

test('duplicate keys: the last one wins, first position kept', () => {
  const p = both(fs.readFileSync(fx('.env.duplicates'), 'utf8'))
  assert.deepEqual(Object.entries(p), [['DUP', 'third'], ['OTHER', 'x']])
})

test('BOM is skipped, Buffer input works', () => {
  const buf = fs.readFileSync(fx('.env.bom'))
  assert.deepEqual(sg.parse(buf), { BOM: 'yes', NEXT: 'ok' })
  assert.deepEqual(sg.parse(buf), dotenv.parse(buf))
  assert.deepEqual(sg.parse(Buffer.from('BUFFER=true')), { BUFFER: 'true' })
})

test('quirks kept for compatibility', () => {
  assert.equal(both('A=\'abc\' def').A, "'abc' def") // text after a closing quote keeps the raw value
  assert.deepEqual(both('A="open\nB=2'), { A: '"open', B: '2' }) // unterminated quote: rest of the line
  assert.equal(both('A=a#b').A, 'a') // # starts a comment even without a space
  assert.deepEqual(both('not a line\nA=1\n=x\n'), { A: '1' }) // invalid lines dropped
  assert.deepEqual(both('__proto__=polluted\nB=1'), { B: '1' })
  assert.equal(({}).polluted, undefined)
})

test('bad input gives coded errors', () => {
  assert.throws(() => sg.parse(fs.readFileSync(fx('.env.badutf8'))), (e) => e.code === 'INVALID_UTF8' && /offset 12/.test(e.message))
  assert.throws(() => sg.parse(null), { code: 'INVALID_SOURCE' })
  assert.deepEqual(sg.parse(12), {})
})

test('lone surrogates in a string source are kept, as dotenv keeps them', () => {
  assert.deepEqual(both('A=\ud800x\nB="\udc00" # c\nC=\'\ud83d\ue000\'\nK\ud800=1'), { A: '\ud800x', B: '\udc00', C: '\ud83d\ue000' })
  // a surrogate pair stays one character; a lone half next to it is kept
  assert.equal(both('A=\ud83d\udd11\ud83d').A, '\ud83d\udd11\ud83d')
  // many distinct lone surrogates next to private-use characters the source holds itself
  const lines = []
  for (let i = 0; i < 4000; i++) lines.push(`K${i}=${String.fromCharCode(0xD800 + (i % 1024))}x${String.fromCharCode(0xE000 + (i % 3000))}`)
  assert.equal(Object.keys(both(lines.join('\n'))).length, 4000)
  // The swap characters come from the private-use area; a source that
  // already holds all 6,400 of them leaves none, and lone surrogates then
  // come out as U+FFFD (as UTF-8 decoding would make them): a documented
  // difference from dotenv.
  let pua = ''
  for (let c = 0xE000; c <= 0xF8FF; c++) pua += String.fromCharCode(c)
  const r = sg.parse(`P=${pua}\nA=\ud800`)
  assert.equal(r.P, pua)
  assert.equal(r.A, '\ufffd')
})
