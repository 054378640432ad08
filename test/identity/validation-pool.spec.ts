/**
 * ValidationPool: whole validations on piscina workers give what validateRecord gives on the main thread, the same
 * typed errors, survive a worker's death, and refuse work beyond their bound with a BusyError.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ValidationPool } from '../../src/identity/validation-pool.ts'
import { nativeCrypto } from '../../src/identity/index.ts'
import { createSigner, issueRecord, validateRecord } from '../../src/records/index.ts'

const signer = createSigner(new Uint8Array(32).fill(9), nativeCrypto)
const asset = (title: string) => issueRecord('asset', {
  id: 'ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', mediaType: 'image/png', byteSize: 1, title, creators: [{ id: signer.did, share: 10000 }]
}, { signer, crypto: nativeCrypto })

/** The outcome of a validation as something comparable: the record's fields, or the error's name, code, details */
async function outcome (run: () => Promise<unknown> | unknown): Promise<unknown> {
  try {
    const r: any = await run()
    return { cid: r.cid, kind: r.kind, author: r.author, time: r.time, previous: r.previous, collective: r.collective, bytes: Buffer.from(r.bytes).toString('hex'), credential: r.credential }
  } catch (err: any) {
    return { name: err.name, code: err.code, details: err.details }
  }
}

describe('ValidationPool', { timeout: 60_000 }, () => {
  const pool = new ValidationPool({ maxRecordBytes: 64 * 1024, workers: 2, maxWaiting: 300 })
  before(() => { pool.start() })
  after(async () => { await pool.stop() })

  it('gives what validateRecord gives, for valid records and for each kind of refusal', async () => {
    const good = asset('fine')
    const credential = JSON.parse(new TextDecoder().decode(good.bytes))
    const tampered = new TextEncoder().encode(JSON.stringify({ ...credential, credentialSubject: { ...credential.credentialSubject, title: 'changed' } }))
    const notCanonical = new TextEncoder().encode(JSON.stringify(credential, null, 2))
    const inputs = [good.bytes, tampered, notCanonical, new TextEncoder().encode('{"not json'), new Uint8Array(70 * 1024).fill(32), new TextEncoder().encode('{}')]
    for (const bytes of inputs) {
      const here = await outcome(() => validateRecord(bytes, { crypto: nativeCrypto, maxBytes: 64 * 1024 }))
      const there = await outcome(async () => await pool.validate(bytes))
      assert.deepEqual(there, here)
    }
    assert.equal(await pool.verify(new Uint8Array(64), new Uint8Array(32), new Uint8Array(32)), false)
  })

  it('replaces a worker that died, and validations go on', async () => {
    const threads = (pool as any).pool.threads as Array<{ terminate: () => Promise<number> }>
    await threads[0].terminate()
    const records = Array.from({ length: 50 }, (_, i) => asset(`after ${i}`))
    const got = await Promise.all(records.map(async r => await pool.validate(r.bytes)))
    assert.deepEqual(got.map(r => r.cid), records.map(r => r.cid))
  })

  it('refuses with a BusyError what would wait beyond its bound, and takes work again after', async () => {
    const records = Array.from({ length: 400 }, (_, i) => asset(`burst ${i}`))
    const results = await Promise.allSettled(records.map(async r => await pool.validate(r.bytes)))
    const busy = results.filter(r => r.status === 'rejected' && (r.reason as any).name === 'BusyError').length
    const ok = results.filter(r => r.status === 'fulfilled').length
    assert.ok(busy > 0, 'some were refused')
    assert.equal(ok + busy, records.length, 'nothing else failed')
    assert.equal((await pool.validate(records[0].bytes)).cid, records[0].cid)
  })
})
