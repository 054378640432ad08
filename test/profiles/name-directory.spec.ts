/**
 * NameDirectory's bookkeeping on a real index: answers follow record and retire events, a reindex's reset, and
 * past its bound it keeps no list and asks the index per did with the same answers.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createSigner, issueRecord } from '../../src/records/index.ts'
import { nativeCrypto } from '../../src/identity/ed25519-native.ts'
import { NameDirectory } from '../../src/profiles/name-directory.ts'
import { silentLogger } from '../../src/node/logger.ts'
import { openTempIndex } from '../index/fixtures.ts'

const crypto = nativeCrypto
const people = Array.from({ length: 6 }, (_, i) => createSigner(new Uint8Array(32).fill(60 + i), crypto))
const profile = (who: number, name: string, at: string, extra: object = {}) =>
  issueRecord('profile', { id: people[who].did, name, ...extra }, { signer: people[who], crypto, validFrom: new Date(at) })

describe('NameDirectory', () => {
  it('follows record and retire events, and reloads after a reset', async () => {
    const { index, done } = await openTempIndex()
    try {
      const first = profile(0, 'Ada', '2025-01-01T00:00:00Z', { bio: 'Ink.', links: ['https://ada.example'] })
      await index.put([first, profile(1, 'Bo', '2025-01-01T00:00:00Z')])
      const names = new NameDirectory({ index, logger: silentLogger() })
      assert.deepEqual(await names.namesOf([people[0].did, people[1].did, people[2].did, people[0].did]),
        new Map([[people[0].did, 'Ada'], [people[1].did, 'Bo']]))
      const full = await names.profileOf(people[0].did)
      assert.equal(full?.bio, 'Ink.')
      assert.deepEqual(full?.links, ['https://ada.example'])
      assert.equal(await names.profileOf(people[2].did), undefined)

      const later = profile(0, 'Ada L.', '2025-02-01T00:00:00Z')
      await index.put([later])
      names.onRecord({ record: later })
      assert.equal((await names.nameOf(people[0].did))?.name, 'Ada L.')
      // the collective view retires it: the one before counts again
      await index.remove([later])
      names.onRetired({ record: later })
      assert.equal((await names.nameOf(people[0].did))?.name, 'Ada')

      // the index changes without events (a reindex): answers stay until reset(), then come from the index
      const rebuilt = profile(2, 'Cy', '2025-01-05T00:00:00Z')
      await index.rebuild((async function * () { yield * [first, rebuilt] })())
      assert.equal((await names.nameOf(people[2].did)), undefined)
      names.reset()
      assert.equal((await names.nameOf(people[2].did))?.name, 'Cy')
      assert.equal(await names.nameOf(people[1].did), undefined, 'Bo was not in the rebuilt index')
    } finally {
      await done()
    }
  })

  it('past maxProfiles keeps no list and answers from the index per did, the same answers', async () => {
    const { index, done } = await openTempIndex()
    try {
      const records = people.flatMap((_, i) => [profile(i, `old ${i}`, '2025-01-01T00:00:00Z'), profile(i, `new ${i}`, '2025-03-01T00:00:00Z')])
      await index.put(records)
      const small = new NameDirectory({ index, logger: silentLogger() }, { maxProfiles: 5 })
      const large = new NameDirectory({ index, logger: silentLogger() })
      for (const [i, p] of people.entries()) {
        assert.equal((await small.nameOf(p.did))?.name, `new ${i}`)
        assert.equal((await large.nameOf(p.did))?.name, `new ${i}`)
      }
      assert.equal((small as any).list, undefined, 'no list kept past the bound')
      assert.equal((small as any).off, true)
      // a revocation effective before the question: the older profile counts; one effective later: not yet
      const newest = records[1]
      const revocation = issueRecord('revocation', { record: newest.cid, effectiveFrom: '2025-04-01T00:00:00Z' }, { signer: people[0], crypto, validFrom: new Date('2025-03-02T00:00:00Z') })
      await index.put([revocation])
      for (const names of [small, large]) {
        names.onRecord({ record: revocation })
        assert.equal((await names.nameOf(people[0].did, Date.parse('2025-03-15T00:00:00Z')))?.name, 'new 0', 'not yet revoked')
        assert.equal((await names.nameOf(people[0].did, Date.parse('2025-04-01T00:00:00Z')))?.name, 'old 0', 'revoked from its effectiveFrom')
      }
    } finally {
      await done()
    }
  })
})
