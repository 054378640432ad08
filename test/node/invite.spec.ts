import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeInvite, encodeInvite, INVITE_PREFIX } from '../../src/node/invite.ts'

const charter = 'bagaaiera4mdn3h4jl6jzxakvz2js2r35oboglzd4qcz7yz4dhuueih66vlgq'
const addr = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWFNgpK4hNFaj4n2Wxv9JjPzenVmRLTXbTL7Y3FccPh23T'

describe('invite strings', () => {
  it('round-trip with and without an invite record', () => {
    const a = { collective: charter, addresses: [addr] }
    assert.deepEqual(decodeInvite(encodeInvite(a)), a)
    const b = { ...a, invite: charter }
    const s = encodeInvite(b)
    assert.ok(s.startsWith(INVITE_PREFIX))
    assert.ok(!/\s/.test(s), 'one shell word')
    assert.deepEqual(decodeInvite(`  ${s}\n`), b)
  })

  it('refuses what is not an invite, naming the problem', () => {
    const bad = (s: string, re: RegExp): void => {
      assert.throws(() => decodeInvite(s), (err: any) => err.code === 'ERR_INVALID_REQUEST' && re.test(err.message))
    }
    bad('hello', /must start with/)
    bad(INVITE_PREFIX + '!!!', /not readable/)
    bad(INVITE_PREFIX + Buffer.from(JSON.stringify({ c: 'nope', a: [] })).toString('base64url'), /collective is not a CID/)
    bad(INVITE_PREFIX + Buffer.from(JSON.stringify({ c: charter, a: ['/ip4/127.0.0.1/tcp/1'] })).toString('base64url'), /\/p2p/)
    bad(INVITE_PREFIX + Buffer.from(JSON.stringify({ c: charter, a: Array(17).fill(addr) })).toString('base64url'), /at most 16/)
    bad('x'.repeat(9000), /too long/)
  })
})
