/**
 * Which profile counts (protocols/records.md §3.8), checked on node state: generated profiles of a few authors
 * (validFrom drawn from a few instants, so ties are common), revocations by their authors (some taking effect
 * before the question, some after) and by strangers, delivered in random orders through a node's real record door
 * (RecordService, index, collective service: test/node/view-core.ts). The NameDirectory fed by the door's events,
 * and a fresh one loaded from the index, must both name each author by the profile the pure rule picks from the
 * whole set: greatest (validFrom, CID), skipping profiles its author revoked at or before the question's time.
 *
 * Runs ATELIER_PROFILE_RUNS cases (default 20); fast-check prints the seed of a failure.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createSigner, issueRecord } from '../../src/records/index.ts'
import type { Signer, ValidRecord } from '../../src/records/index.ts'
import { nativeCrypto } from '../../src/identity/ed25519-native.ts'
import { NameDirectory } from '../../src/profiles/name-directory.ts'
import { chooseProfile } from '../../src/profiles/order.ts'
import { silentLogger } from '../../src/node/logger.ts'
import { ViewCore } from '../node/view-core.ts'

const RUNS = Number(process.env.ATELIER_PROFILE_RUNS ?? 20)
const crypto = nativeCrypto
const authors: Signer[] = [1, 2, 3].map(n => createSigner(new Uint8Array(32).fill(40 + n), crypto))
const stranger = createSigner(new Uint8Array(32).fill(99), crypto)
/** the instant names are asked for: revocations effective after it do not count yet */
const ASKED_AT = Date.parse('2025-06-01T00:00:00Z')
const INSTANTS = ['2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z', '2025-01-03T00:00:00Z'].map(t => Date.parse(t))

interface ProfileOp { author: number, instant: number, name: string }
interface RevokeOp { profile: number, effective: 'before' | 'after', byStranger: boolean }

const caseArb = fc.record({
  profiles: fc.array(fc.record({ author: fc.nat(2), instant: fc.nat(2), name: fc.constantFrom('Ada', 'Bo', 'Cy', 'Di', 'Ed') }), { minLength: 1, maxLength: 10 }),
  revokes: fc.array(fc.record({ profile: fc.nat(9), effective: fc.constantFrom('before' as const, 'after' as const), byStranger: fc.boolean() }), { maxLength: 5 }),
  order: fc.array(fc.nat(), { minLength: 15, maxLength: 15 })
})

let serial = 0

function build (profiles: ProfileOp[], revokes: RevokeOp[]): { records: ValidRecord[], profiles: Array<ValidRecord<'profile'>>, revocations: Array<ValidRecord<'revocation'>> } {
  // a distinct bio per case keeps CIDs apart between cases (each case has its own node anyway)
  const made = profiles.map((p, i) => issueRecord('profile', { id: authors[p.author].did, name: p.name, bio: `case ${serial} #${i}` },
    { signer: authors[p.author], crypto, validFrom: new Date(INSTANTS[p.instant]) }))
  serial++
  const revocations = revokes.filter(r => r.profile < made.length).map(r => {
    const target = made[r.profile]
    const signer = r.byStranger ? stranger : authors[profiles[r.profile].author]
    const effectiveFrom = new Date(r.effective === 'before' ? ASKED_AT - 1000 : ASKED_AT + 86_400_000).toISOString()
    return issueRecord('revocation', { record: target.cid, effectiveFrom }, { signer, crypto, validFrom: new Date(INSTANTS[2] + 1000) })
  })
  return { records: [...made, ...revocations], profiles: made, revocations }
}

/** The pure rule over the whole set: only the author's own revocations count */
function expected (profiles: Array<ValidRecord<'profile'>>, revocations: Array<ValidRecord<'revocation'>>): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>()
  for (const a of authors) {
    const own = profiles.filter(p => p.author === a.did)
    const revokedFrom = (cid: string): number | undefined => {
      const times = revocations.filter(r => r.author === a.did && r.credential.credentialSubject.record === cid)
        .map(r => Date.parse(r.credential.credentialSubject.effectiveFrom))
      return times.length === 0 ? undefined : Math.min(...times)
    }
    out.set(a.did, chooseProfile(own, revokedFrom, ASKED_AT)?.cid)
  }
  return out
}

describe('the profile that counts, on node state', () => {
  it(`is the same whatever order the records arrive in (${RUNS} cases)`, async () => {
    await fc.assert(fc.asyncProperty(caseArb, async ({ profiles, revokes, order }) => {
      const { records, profiles: made, revocations } = build(profiles, revokes)
      // a permutation drawn from `order`
      const shuffled = records.map((r, i) => ({ r, k: order[i % order.length] + i / 1000 })).sort((x, y) => x.k - y.k).map(x => x.r)
      const core = await ViewCore.create()
      try {
        const names = new NameDirectory({ index: core.index, clock: () => ASKED_AT, logger: silentLogger() })
        core.records.on('record', names.onRecord)
        core.records.on('retired', names.onRetired)
        // ask before, between and after deliveries, so the directory is loaded early and must follow the events
        await names.nameOf(authors[0].did)
        for (const [i, r] of shuffled.entries()) {
          await core.records.ingest(r.bytes, { source: 'http' }).catch(() => undefined)
          if (i % 3 === 0) await names.nameOf(r.author)
        }
        await core.settled()
        const want = expected(made, revocations)
        const fresh = new NameDirectory({ index: core.index, clock: () => ASKED_AT, logger: silentLogger() })
        for (const a of authors) {
          assert.equal((await names.nameOf(a.did))?.cid, want.get(a.did), 'the directory fed by events')
          assert.equal((await fresh.nameOf(a.did))?.cid, want.get(a.did), 'a directory loaded from the index')
        }
      } finally {
        await core.destroy()
      }
    }), { numRuns: RUNS })
  })

  it('the pure rule: later validFrom wins, the greater CID breaks a tie, a revoked profile falls back', () => {
    const a = { cid: 'bagaaieraa', time: 2 }
    const b = { cid: 'bagaaierab', time: 2 }
    const c = { cid: 'bagaaieraz', time: 1 }
    assert.equal(chooseProfile([a, b, c], () => undefined, 10)?.cid, 'bagaaierab')
    assert.equal(chooseProfile([c, b, a], () => undefined, 10)?.cid, 'bagaaierab')
    assert.equal(chooseProfile([a, b, c], cid => cid === 'bagaaierab' ? 5 : undefined, 10)?.cid, 'bagaaieraa')
    assert.equal(chooseProfile([a, b, c], cid => cid === 'bagaaierab' ? 11 : undefined, 10)?.cid, 'bagaaierab', 'not revoked yet')
    assert.equal(chooseProfile([a], () => 0, 10), undefined)
  })
})
