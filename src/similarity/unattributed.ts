/**
 * `possible.unattributed_derivative` (protocols/verification.md): a work whose fingerprint is within the match radius
 * of an EARLIER work by another author, with no lineage path between the two and no license or grant linking them.
 * The same rule read from the other side gives the earlier author's alerts. Everything here is read from the record
 * set through the lineage view, so every node holding the same records answers the same.
 *
 * "Earlier" is by validFrom, the authors' own claim, as for `claim.conflict`: the finding says who looks first, and
 * a person judges. Two works with the same content CID are `claim.conflict`, not this.
 */
import type { RecordSummary } from '../index/types.ts'
import { walkAncestors } from '../lineage/walk.ts'
import type { LineageView } from '../lineage/view.ts'
import type { Credential } from '../records/types.ts'
import type { SimilarWork } from './types.ts'

/** How far up each work's lineage a path between the two is looked for */
export const LINEAGE_DEPTH = 20
export const LINEAGE_RECORDS = 1000

export interface PairView extends LineageView {
  /** grant records of an asset record (any licensee; the rule picks) */
  grantsOf(asset: string): Promise<Array<{ cid: string, licensee?: string, author: string }>>
}

/** One unattributed look-alike: `earlier` came first, `later` does not acknowledge it */
export interface UnattributedPair {
  later: string
  earlier: string
  /** the authors of each (their records' issuers) */
  laterAuthor: string
  earlierAuthor: string
  /** validFrom of each, epoch ms */
  laterTime: number
  earlierTime: number
  alg: string
  distance: number
  variant?: string
  similarity?: number
}

/** The issuer and the creators of an asset: the people who may use it without a license */
function owners (credential: Credential<'asset'> | undefined, author: string): Set<string> {
  const set = new Set([author])
  for (const c of credential?.credentialSubject.creators ?? []) set.add(c.id)
  return set
}

function overlaps (a: Set<string>, b: Set<string>): boolean {
  for (const x of a) if (b.has(x)) return true
  return false
}

/** Judges pairs for one work, reading each work's lineage once */
export class PairJudge {
  private readonly view: PairView
  private readonly ancestors = new Map<string, Promise<Set<string>>>()

  constructor (view: PairView) {
    this.view = view
  }

  /** The asset records `cid` descends from (bounded walk; a cut-off walk may miss a far ancestor, never invent one) */
  private async ancestorsOf (cid: string): Promise<Set<string>> {
    let p = this.ancestors.get(cid)
    if (p == null) {
      p = walkAncestors(this.view, cid, { depth: LINEAGE_DEPTH, maxAssets: LINEAGE_RECORDS })
        .then(w => new Set([...w.nodes.keys()].filter(k => k !== cid)))
        .catch(() => new Set<string>())
      this.ancestors.set(cid, p)
    }
    return await p
  }

  private async revokedByAuthor (s: RecordSummary): Promise<boolean> {
    for (const r of await this.view.revocationsOf(s.cid)) {
      if (r.credential.issuer === s.author) return true
    }
    return false
  }

  /**
   * The pair of `a` and the similar work `match`, ordered by time, when it is an unattributed look-alike;
   * undefined when the two share an author, content, a lineage path, a license or grant, or a time, or when either
   * is not an asset held here or has been withdrawn by its author.
   */
  async judge (a: string, match: SimilarWork): Promise<UnattributedPair | undefined> {
    const [sa, sb] = await Promise.all([this.view.summary(a), this.view.summary(match.cid)])
    if (sa?.kind !== 'asset' || sb?.kind !== 'asset' || sa.time === sb.time) return undefined
    if (sa.content != null && sa.content === sb.content) return undefined
    const [later, earlier] = sa.time > sb.time ? [sa, sb] : [sb, sa]
    const [cl, ce] = await Promise.all([this.view.record(later.cid), this.view.record(earlier.cid)]) as Array<Credential<'asset'> | undefined>
    const laterOwners = owners(cl, later.author)
    const earlierOwners = owners(ce, earlier.author)
    if (overlaps(laterOwners, earlierOwners)) return undefined
    const [upLater, upEarlier] = await Promise.all([this.ancestorsOf(later.cid), this.ancestorsOf(earlier.cid)])
    if (upLater.has(earlier.cid) || upEarlier.has(later.cid)) return undefined
    // a grant of the earlier work to an owner of the later one, or a license of the later work offered by an owner
    // of the earlier one: the two authors have an agreement, which the report's license checks judge
    for (const g of await this.view.grantsOf(earlier.cid)) if (g.licensee != null && laterOwners.has(g.licensee)) return undefined
    for (const l of await this.view.licensesOf(later.cid)) if (earlierOwners.has(l.credential.issuer)) return undefined
    if (await this.revokedByAuthor(earlier) || await this.revokedByAuthor(later)) return undefined
    const pair: UnattributedPair = {
      later: later.cid,
      earlier: earlier.cid,
      laterAuthor: later.author,
      earlierAuthor: earlier.author,
      laterTime: later.time,
      earlierTime: earlier.time,
      alg: match.alg,
      distance: match.distance
    }
    if (match.variant != null) pair.variant = match.variant
    if (match.similarity != null) pair.similarity = match.similarity
    return pair
  }
}
