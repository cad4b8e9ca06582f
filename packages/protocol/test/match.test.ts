import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { BadQueryError, matchesName, nameTokens, normalizeName, validateQuery } from '../src/match.js'
import * as protocol from '../src/index.js'

const normalize = suite('match - normalizeName')

normalize('match - lower case and accents stripped', () => {
  assert.is(normalizeName('Éloïse'), 'eloise')
  assert.is(normalizeName('ZOË'), 'zoe')
  assert.is(normalizeName('Ångström'), 'angstrom')
  assert.is(normalizeName('Crème Brûlée'), 'creme brulee')
})

normalize('match - decomposed and precomposed forms normalize alike', () => {
  const precomposed = 'caf\u00e9'
  const decomposed = 'cafe\u0301'
  assert.is.not(precomposed, decomposed)
  assert.is(normalizeName(precomposed), normalizeName(decomposed))
})

normalize('match - compatibility forms: ligatures, full width, units', () => {
  assert.is(normalizeName('\ufb01ne'), 'fine')
  assert.is(normalizeName('ＡＤＡ'), 'ada')
  assert.is(normalizeName('㎒'), 'mhz')
})

normalize('match - dotted capital I and other case mappings', () => {
  assert.is(normalizeName('İstanbul'), 'istanbul')
  assert.is(normalizeName('ΣΟΦΙΑ'), 'σοφια')
})

normalize('match - stroked Latin letters are folded; other scripts are kept', () => {
  assert.is(normalizeName('Łódź'), 'lodz')
  assert.is(normalizeName('Søren Straße'), 'soren strasse')
  assert.is(normalizeName('Đorđe Æsir'), 'dorde aesir')
  assert.is(normalizeName('東京'), '東京')
  assert.is(normalizeName(''), '')
})

normalize.run()

const tokens = suite('match - nameTokens')

tokens('match - split on anything but letters and digits', () => {
  assert.equal(nameTokens('Jean-Luc O\'Neil'), ['jean', 'luc', 'o', 'neil'])
  assert.equal(nameTokens('  node_42 / Zoë  '), ['node', '42', 'zoe'])
  assert.equal(nameTokens('a.b,c;d'), ['a', 'b', 'c', 'd'])
})

tokens('match - no tokens in punctuation, emoji or an empty string', () => {
  assert.equal(nameTokens(''), [])
  assert.equal(nameTokens('  --- !!! '), [])
  assert.equal(nameTokens('🙂🚀'), [])
})

tokens('match - scripts without spaces stay one token', () => {
  assert.equal(nameTokens('東京 タワー'), ['東京', 'タワー'])
})

tokens.run()

const validate = suite('match - validateQuery')

validate('match - a good query comes back trimmed', () => {
  assert.equal(validateQuery('  ada  '), { ok: true, query: 'ada' })
  assert.equal(validateQuery('Zoë É'), { ok: true, query: 'Zoë É' })
})

validate('match - exactly 64 bytes of UTF-8 pass, 65 fail', () => {
  assert.ok(validateQuery('a'.repeat(64)).ok)
  assert.ok(validateQuery('é'.repeat(32)).ok, '32 × 2 bytes')
  const long = validateQuery('a'.repeat(65))
  assert.not.ok(long.ok)
  if (!long.ok) {
    assert.is(long.error.code, 'ERR_BAD_QUERY')
    assert.ok(long.error.message.includes('65 bytes'), long.error.message)
  }
  assert.not.ok(validateQuery('é'.repeat(33)).ok, '66 bytes although 33 characters')
})

validate('match - the byte bound applies after trimming', () => {
  assert.ok(validateQuery(`   ${'a'.repeat(64)}   `).ok)
})

validate('match - empty, blank, non-string and token-less queries are ERR_BAD_QUERY', () => {
  for (const q of ['', '   ', '\t\n', '!!!', '🙂', 42, null, undefined, ['ada'], new Uint8Array([0x61])]) {
    const r = validateQuery(q)
    assert.not.ok(r.ok, `accepted ${String(q)}`)
    if (!r.ok) {
      assert.is(r.error.code, 'ERR_BAD_QUERY')
      assert.is(r.error.name, 'BadQueryError')
      assert.ok(r.error.message.length > 0)
    }
  }
})

validate('match - lone surrogates are refused', () => {
  for (const q of ['ada\ud800', '\udc00ada', 'a\ud83d b']) {
    const r = validateQuery(q)
    assert.not.ok(r.ok, JSON.stringify(q))
    if (!r.ok) assert.ok(r.error.message.includes('Unicode'))
  }
  assert.ok(validateQuery('ada 🚀').ok, 'a proper surrogate pair passes')
})

validate('match - never throws on hostile input', () => {
  const hostile: unknown[] = [Symbol('x'), { toString: () => {
    throw new Error('boom')
  } }, Object.create(null), () => 'ada', 10n]
  for (const q of hostile) assert.not.ok(validateQuery(q).ok)
})

validate('match - BadQueryError has a stable name and code and exports from the index', () => {
  const e = new BadQueryError('nope')
  assert.is(e.code, 'ERR_BAD_QUERY')
  assert.is(e.name, 'BadQueryError')
  assert.equal(e.toData(), { name: 'BadQueryError', code: 'ERR_BAD_QUERY', message: 'nope' })
  assert.is(protocol.validateQuery, validateQuery)
  assert.is(protocol.matchesName, matchesName)
})

validate.run()

const matching = suite('match - matchesName')

matching('match - whole tokens and prefixes match', () => {
  assert.ok(matchesName('Ada Lovelace', 'ada'))
  assert.ok(matchesName('Ada Lovelace', 'love'))
  assert.ok(matchesName('Ada Lovelace', 'lov ad'), 'order does not matter')
  assert.ok(matchesName('Ada Lovelace', 'Ada Lovelace'))
})

matching('match - a token inside a word is not a prefix', () => {
  assert.not.ok(matchesName('Ada Lovelace', 'lace'))
  assert.not.ok(matchesName('Ada Lovelace', 'da'))
})

matching('match - every query token must match', () => {
  assert.not.ok(matchesName('Ada Lovelace', 'ada byron'))
  assert.ok(matchesName('Ada Byron Lovelace', 'ada byron'))
})

matching('match - case and accents are ignored on both sides', () => {
  assert.ok(matchesName('Zoë Éloïse', 'zoe'))
  assert.ok(matchesName('zoe eloise', 'ZOË ÉLO'))
  assert.ok(matchesName('CAFÉ DU COIN', 'cafe'))
  assert.ok(matchesName('cafe\u0301', 'caf\u00e9'))
})

matching('match - punctuation separates tokens', () => {
  assert.ok(matchesName('node-42.example', '42'))
  assert.ok(matchesName('O\'Neil', 'neil'))
  assert.ok(matchesName('jean-luc', 'jean luc'))
  assert.not.ok(matchesName('jeanluc', 'luc'))
})

matching('match - other scripts', () => {
  assert.ok(matchesName('東京 タワー', 'タワ'))
  assert.ok(matchesName('Σοφία', 'σοφ'))
  assert.ok(matchesName('Łódź node', 'lodz'))
  assert.ok(matchesName('Łódź node', 'ŁÓD'))
  assert.ok(matchesName('Søren', 'soren'))
  assert.ok(matchesName('Straße 5', 'strasse'))
  assert.not.ok(matchesName('Łódź', 'x'))
})

matching('match - an empty or token-less query matches nothing; an empty name matches nothing', () => {
  assert.not.ok(matchesName('Ada', ''))
  assert.not.ok(matchesName('Ada', '  !! '))
  assert.not.ok(matchesName('', 'ada'))
})

matching('match - a repeated query token needs only one name token', () => {
  assert.ok(matchesName('ada', 'ada ad a'))
})

matching.run()
