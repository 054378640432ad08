/**
 * On node state: a profile a removed member signed after its removal does not name it, whichever arrived first. The
 * node counts the later profile while it does not know of the removal, then the collective view retires it when the
 * removal arrives, and the name directory (fed by the record door's events) falls back to the profile from before.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { issueRecord } from '../../src/records/index.ts'
import type { ValidRecord } from '../../src/records/index.ts'
import { NameDirectory } from '../../src/profiles/name-directory.ts'
import { silentLogger } from '../../src/node/logger.ts'
import { admit, alice, crypto, dan, day, makeCharter, remove } from '../collectives/helpers.ts'
import { ViewCore } from '../node/view-core.ts'

describe('a removed member\'s later profile', () => {
  for (const order of ['removal first', 'later profile first'] as const) {
    it(`does not name it (${order})`, async () => {
      const charter = makeCharter({ admins: [alice], quorum: 1, name: `profiles ${order}` })
      const profile = (name: string, when: number): ValidRecord<'profile'> =>
        issueRecord('profile', { id: dan.did, name }, { signer: dan, crypto, validFrom: new Date(when), collective: charter.cid })
      const early = profile('Dan early', day(3))
      const late = profile('Dan late', day(6))
      const removal = remove(charter, alice, dan, day(5))
      const head = [charter, admit(charter, alice, dan, day(2)), early]
      const records = order === 'removal first' ? [...head, removal, late] : [...head, late, removal]
      const core = await ViewCore.create()
      try {
        const names = new NameDirectory({ index: core.index, clock: () => day(20), logger: silentLogger() })
        core.records.on('record', names.onRecord)
        core.records.on('retired', names.onRetired)
        await names.nameOf(dan.did)
        for (const r of records) {
          await core.deliver(r.bytes, charter.cid)
          await core.settled()
          if (r === late && order === 'later profile first') {
            assert.equal((await names.nameOf(dan.did))?.name, 'Dan late', 'counted while the removal is unknown')
          }
        }
        await core.settled()
        assert.equal((await names.nameOf(dan.did))?.name, 'Dan early')
        const fresh = new NameDirectory({ index: core.index, clock: () => day(20), logger: silentLogger() })
        assert.equal((await fresh.nameOf(dan.did))?.name, 'Dan early')
      } finally {
        await core.destroy()
      }
    })
  }
})
