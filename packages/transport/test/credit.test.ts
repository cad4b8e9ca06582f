import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createCreditBook } from '../src/credit.js'

const credit = suite('transport credit')

credit('credit - an unknown address gets nothing sent on our own; one that queried us gets one ping back, then only within what it sent',
  () => {
    const book = createCreditBook()
    assert.not.ok(book.allowInitiated('a:1', 60))
    book.received('a:1', 56)
    book.sent('a:1', 56) // our reply
    assert.ok(book.allowInitiated('a:1', 67)) // the one ping back
    book.sent('a:1', 67)
    assert.not.ok(book.allowInitiated('a:1', 67))
    for (let i = 0; i < 3; i++) book.received('a:1', 63)
    assert.is(book.room('a:1'), 56 + 189 - 123)
    assert.ok(book.allowInitiated('a:1', 67))
  })

credit('credit - a reply\'s optional parts: unbounded in the first reply, then within room; a proven address is unbounded', () => {
  const book = createCreditBook()
  book.received('a:1', 56)
  assert.is(book.optionalRoom('a:1'), Infinity)
  book.sent('a:1', 68)
  book.received('a:1', 56)
  assert.is(book.optionalRoom('a:1'), 56 - 68 + 56)
  book.prove('a:1')
  assert.ok(book.isProven('a:1'))
  assert.is(book.optionalRoom('a:1'), Infinity)
  assert.ok(book.allowInitiated('a:1', 10_000))
})

credit('credit - memory is bounded: forgetting an unproven address leaves it no credit', () => {
  const book = createCreditBook({ maxProven: 2, maxUnproven: 2 })
  for (const k of ['a:1', 'b:1', 'c:1']) book.received(k, 100)
  assert.is(book.room('a:1'), 0)
  assert.is(book.room('c:1'), 100)
  for (const k of ['x:1', 'y:1', 'z:1']) book.prove(k)
  assert.not.ok(book.isProven('x:1'))
  assert.ok(book.isProven('z:1'))
  assert.is(book.size, 4)
})

credit.run()
