/**
 * Deeply nested and poisoned JSON on a real daemon: refused with the documented 400 body before any recursion, the
 * daemon stays healthy, and ordinary bodies still work. And the same bound on the records code's own inputs.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { TestDaemon } from './harness.ts'
import { validateRecord, nobleCrypto } from '../../src/records/index.ts'
import { assertJsonValue } from '../../src/records/jcs.ts'

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth)

describe('JSON bodies nested deep or poisoned', { timeout: 120_000 }, () => {
  let d: TestDaemon
  before(async () => {
    d = await TestDaemon.create('atelier-json-')
    await d.start()
  })
  after(async () => { await d?.destroy() })

  for (const depth of [65, 5_000, 20_000, 200_000]) {
    it(`refuses ${depth.toLocaleString('en')} levels with 400 ERR_MALFORMED_JSON and no stack text`, async () => {
      const res = await d.api('/v1/records', { method: 'POST', body: `{"a":${nested(depth)}}`, headers: { 'content-type': 'application/json' } })
      assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 300))
      assert.equal(res.body.error.code, 'ERR_MALFORMED_JSON')
      assert.doesNotMatch(res.body.error.message, /call stack/i)
    })
  }

  it('refuses a __proto__ key, and still takes ordinary bodies', async () => {
    const res = await d.api('/v1/collectives', { method: 'POST', body: '{"name":"x","__proto__":{"admin":true}}', headers: { 'content-type': 'application/json' } })
    assert.equal(res.status, 400)
    assert.equal(res.body.error.code, 'ERR_MALFORMED_JSON')
    const ok = await d.api('/v1/collectives', { method: 'POST', json: { name: 'Fine' } })
    assert.equal(ok.status, 201, JSON.stringify(ok.body))
    assert.equal((await d.api('/healthz')).status, 200)
  })

  it('bounds nesting in the records code too: text, bytes and a caller\'s object', () => {
    assert.throws(() => validateRecord(nested(20_000), { crypto: nobleCrypto }), (err: any) => err.code === 'ERR_MALFORMED_JSON')
    let deep: unknown[] = []
    const root = deep
    for (let i = 0; i < 20_000; i++) { const next: unknown[] = []; deep.push(next); deep = next }
    assert.throws(() => { assertJsonValue(root) }, (err: any) => err.code === 'ERR_MALFORMED_JSON' && err.details.rule === 'depth')
    // strings full of brackets are not nesting
    assert.doesNotThrow(() => { assertJsonValue(JSON.parse(`{"t":"${'['.repeat(1000)}"}`)) })
  })
})
