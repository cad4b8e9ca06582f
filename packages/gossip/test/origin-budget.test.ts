import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createOriginBudget, originKey } from '../src/origin-budget.js'
import { createSendQueue } from '../src/spread.js'

const budget = suite('origin budget - hits per origin IP')

budget('origin budget - max per window per host, a new window after it, hosts apart', () => {
  const b = createOriginBudget({ max: 2, window: 1000, size: 10 })
  assert.equal([b.take('a', 0), b.take('a', 10), b.take('a', 20)], [true, true, false])
  assert.ok(b.take('b', 20), 'another host has its own')
  assert.not.ok(b.take('a', 999))
  assert.ok(b.take('a', 1000), 'the next window')
  assert.ok(b.take('a', 1000))
  assert.not.ok(b.take('a', 1001))
})

budget('origin budget - at most `size` hosts are kept, the oldest forgotten first', () => {
  const b = createOriginBudget({ max: 1, window: 1000, size: 3 })
  for (const h of ['a', 'b', 'c', 'd']) assert.ok(b.take(h, 0))
  assert.is(b.size, 3)
  assert.ok(b.take('a', 1), 'a was forgotten: a fresh budget')
  assert.not.ok(b.take('d', 1), 'd is still counted')
})

budget('origin budget - IPv6 origins share one budget per /64', () => {
  assert.is(originKey('10.0.0.1'), '10.0.0.1')
  assert.is(originKey('2001:db8:1:2::5'), '2001:db8:1:2::/64')
  assert.is(originKey('2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64')
  assert.is(originKey('::1'), '0:0:0:0::/64')
  assert.is(originKey('fe80::1%eth0'), 'fe80:0:0:0::/64')
  const b = createOriginBudget({ max: 1, window: 1000, size: 10 })
  assert.ok(b.take('2001:db8:1:2::5', 0))
  assert.not.ok(b.take('2001:db8:1:2:ffff::9', 0), 'same /64')
  assert.ok(b.take('2001:db8:1:3::5', 0), 'another /64')
})

budget.run()

const queue = suite('send queue - the bounded line of forwards')

queue('send queue - FIFO; full, a push sheds the oldest; shed drops from the front while a test holds', () => {
  const q = createSendQueue<number>(3)
  assert.equal([q.push(1), q.push(2), q.push(3)], [undefined, undefined, undefined])
  assert.is(q.push(4), 1, 'the oldest goes')
  assert.is(q.size, 3)
  assert.is(q.shed(n => n < 4), 2)
  assert.equal([q.shift(), q.shift(), q.size], [4, undefined, 0])
  assert.throws(() => createSendQueue(0), /positive integer/)
})

queue('send queue - 200,000 random pushes, shifts and sheds behave as a plain bounded array', () => {
  const q = createSendQueue<number>(1000)
  const model: number[] = []
  let seed = 7
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  }
  for (let i = 0; i < 200_000; i++) {
    const r = random()
    if (r < 0.6) {
      const out = q.push(i)
      model.push(i)
      assert.is(out, model.length > 1000 ? model.shift() : undefined)
    } else if (r < 0.98) {
      assert.is(q.shift(), model.shift())
    } else {
      const cut = i - 500
      let n = 0
      while (model.length > 0 && model[0]! < cut) {
        model.shift()
        n++
      }
      assert.is(q.shed(x => x < cut), n)
    }
    assert.is(q.size, model.length)
  }
})

queue.run()
