'use strict'
// Helpers for the secret-cache tests: bounded waits for events and conditions.

/** Resolve with the first `event` emitted by `emitter` (optionally matching `filter`), or reject after timeoutMs. */
function once (emitter, event, { timeoutMs = 10_000, filter = () => true } = {}) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { emitter.off(event, on); reject(new Error(`timed out waiting for '${event}'`)) }, timeoutMs)
    function on (ev) {
      if (!filter(ev)) return
      clearTimeout(t)
      emitter.off(event, on)
      resolve(ev)
    }
    emitter.on(event, on)
  })
}

/** Poll `fn` (sync or async) until it returns truthy; reject after timeoutMs. */
async function until (fn, { timeoutMs = 10_000, everyMs = 10, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

const fakeSecret = (tag = 'x') => `sk_test_FAKE_${tag}_${require('crypto').randomBytes(8).toString('hex')}`

module.exports = { once, until, fakeSecret }
