/**
 * CollectiveAdmission: the rules the one door applies beyond validity (protocols/collectives.md §6), as an
 * AdmissionPolicy for RecordService. For each record it says: count it now, hold it until what it names is
 * counted, or leave it out of the view (and keep it only if the node held it already).
 *
 * What a record names and must find counted first:
 * - any record of a collective: the collective's charter;
 * - a join: its invite (computeMembership says so);
 * - a license, grant, attestation or revocation: the record it is about, which must be of the same collective;
 * - a revocation anywhere: its target, whose author must be the revoker (a stranger's revocation is refused
 *   whichever arrived first).
 * A parent named by an asset's ingredients is a reference, not a precondition: lineage shows it absent until it
 * arrives, and derivatives of works outside the collective belong to it.
 *
 * Before all of that, the clock: a record dated (validFrom) more than the clock-skew bound after the node's clock is
 * held, rule `future`, until the clock reaches its validFrom minus the bound (a timer releases it: future-release.ts).
 * This is the one verdict that reads a clock; it only delays counting, and once the time has passed every node judges
 * the record by the rules below, so the state nodes converge on is still a function of the record set.
 */
import { checkCollectiveRecord, membershipError } from '../collectives/index.ts'
import { LinkOutsideCollectiveError } from '../collectives/errors.ts'
import { InvalidRecordError } from '../errors.ts'
import type { RecordIndexApi } from '../index/types.ts'
import type { AttestationSubject, GrantSubject, LicenseSubject, RevocationSubject, ValidRecord } from '../records/types.ts'
import { hasStanding } from './membership-directory.ts'
import type { MembershipDirectory } from './membership-directory.ts'
import type { ParkingLot } from './parking.ts'
import { clockDependency, collectiveDependency, FUTURE_RULE, memberDependency, recordDependency } from './parking.ts'
import { defaults } from '../config.ts'
import type { Admission, AdmissionPolicy, RecordSource } from './record-service.ts'

/** The record a record is about, which must be counted before it is (none for assets, charters, memberships) */
export function subjectLinkOf (record: ValidRecord): string | undefined {
  const s = record.credential.credentialSubject
  switch (record.kind) {
    case 'license': return (s as LicenseSubject).asset
    case 'grant': return (s as GrantSubject).license
    case 'attestation': return (s as AttestationSubject).record
    case 'revocation': return (s as RevocationSubject).record
    default: return undefined
  }
}

export interface CollectiveAdmissionComponents {
  index: Pick<RecordIndexApi, 'get'>
  parking: Pick<ParkingLot, 'get'>
  directory: MembershipDirectory
  /** the node's clock, epoch ms. @default Date.now */
  clock?: () => number
}

export interface CollectiveAdmissionInit {
  /** how far past the clock a record's validFrom may lie and count now, ms. @default records.clockSkewMs (5 min) */
  clockSkewMs?: number
}

export class CollectiveAdmission implements AdmissionPolicy {
  private readonly c: CollectiveAdmissionComponents
  private readonly clock: () => number
  private readonly skewMs: number

  constructor (components: CollectiveAdmissionComponents, init: CollectiveAdmissionInit = {}) {
    this.c = components
    this.clock = components.clock ?? Date.now
    this.skewMs = init.clockSkewMs ?? defaults.records.clockSkewMs
  }

  async admit (record: ValidRecord, source: RecordSource): Promise<Admission> {
    const countsFrom = record.time - this.skewMs
    if (countsFrom > this.clock()) {
      return waiting([], FUTURE_RULE, `dated ${new Date(record.time).toISOString()}, more than ${Math.round(this.skewMs / 1000)} s after this node's clock: held until then`,
        [clockDependency(countsFrom)])
    }
    if (record.kind === 'charter') return { verdict: 'accept' }
    const link = subjectLinkOf(record)
    const counted = link != null && link !== record.cid ? await this.c.index.get(link) : undefined
    // the rules fixed by the named record are judged as soon as it is held, counted or not, so that a refusal
    // never depends on whether the named record happened to be counted when this one arrived
    const target = counted ?? (link != null && link !== record.cid ? await this.c.parking.get(link) : undefined)
    if (target != null) {
      if (record.kind === 'revocation' && target.author !== record.author) {
        throw new InvalidRecordError(`credentialSubject.record: only the author of ${link as string} (${target.author}) can revoke it`,
          { details: { reason: 'revoker-not-author', cid: record.cid } })
      }
      // a summary's collective is its `collective` field, or a charter's own CID
      if (record.collective != null && target.collective !== record.collective) {
        throw new LinkOutsideCollectiveError(`a ${record.kind} of collective ${record.collective} must be about one of its records; ${link as string} is ${target.collective != null ? `of ${target.collective}` : 'of no collective'}`,
          { details: { reason: 'link-outside-collective', cid: record.cid } })
      }
    }
    const missing = link != null && counted == null && link !== record.cid ? link : undefined
    if (record.collective == null) {
      // outside collectives only a revocation waits, for its target, so that its author can be checked
      if (record.kind === 'revocation' && missing != null) return waiting([missing], 'target-missing', `waiting for the revoked record ${missing}`)
      return { verdict: 'accept' }
    }
    const collective = record.collective
    const state = await this.c.directory.load(collective)
    if (state == null) return waiting([collective], 'charter-missing', `waiting for the charter ${collective}`)
    if (missing != null) return waiting([missing], 'dependency-missing', `waiting for ${missing}`)
    const check = checkCollectiveRecord(state.charter, state.membership, record)
    // the node's own user learns at once that a record will not count, rather than having it held
    const own = source === 'local' || source === 'http'
    switch (check.status) {
      case 'ok':
        return { verdict: 'accept' }
      case 'missing':
        return waiting(check.missing, check.reason, check.error.message)
      case 'ineffective':
      case 'invalid': {
        // verdicts that records yet to come can change: held when the author has standing; the rest are final
        const error = check.status === 'invalid' ? check.error : membershipError(check.reason, record.cid)
        if (check.reason === 'not-member') {
          // held (bounded per author and per peer) only when a membership record the node holds names the author:
          // that record is the explicit claim that the author's standing may change. A stranger named by none is
          // refused and nothing of it is stored, so an outsider cannot fill a node by saying "my membership may
          // still come"; once a record names it, sync brings back what its peers count (protocols/collectives.md §6.3)
          const standing = hasStanding(state, record.author)
          // its subject too: were the subject retired, the record would wait for it (what it names comes first)
          const deps = [memberDependency(collective, record.author), ...(link != null && link !== record.cid ? [recordDependency(link)] : [])]
          return { verdict: 'outside', deps, rule: check.reason, reason: error.message, error, keep: !own && standing }
        }
        if (REVISABLE.has(check.reason)) {
          return { verdict: 'outside', deps: [collectiveDependency(collective)], rule: check.reason, reason: error.message, error, keep: !own }
        }
        // under governance a proposal still to arrive may make the signer an admin or change the policy at the
        // instant the record acts (protocols/governance.md §7.2): held for an author with standing, refused otherwise
        if (GOVERNED.has(check.reason) && hasStanding(state, record.author)) {
          return { verdict: 'outside', deps: [collectiveDependency(collective)], rule: check.reason, reason: error.message, error, keep: !own }
        }
        throw error
      }
    }
  }
}

/** Membership verdicts other membership records can change (an earlier join, a removal): never final */
const REVISABLE: ReadonlySet<string> = new Set(['duplicate-join', 'invite-exhausted', 'joiner-removed'])

/** Membership verdicts the charter's terms decide, which a passed amendment can change */
const GOVERNED: ReadonlySet<string> = new Set(['not-admin', 'admin-member', 'policy'])

function waiting (cids: string[], rule: string, reason: string, deps: string[] = []): Admission {
  return { verdict: 'park', deps: [...cids.map(recordDependency), ...deps], rule, reason }
}
