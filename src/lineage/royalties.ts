/**
 * Royalty split: how an amount earned by an asset is shared among its creators and up its lineage, under the
 * royalty policy each ancestor's license names (Story Protocol's LAP and LRP). protocols/royalties.md is the
 * normative text; in short:
 *
 * 1. The ancestors are walked through the view (no depth limit, a node cap); an edge that would close a cycle
 *    (possible through content references) is ignored, so the graph is acyclic and every walk ends.
 * 2. Each asset's governing license (licenses.ts) gives its policy, its rate (`commercialRevShare`, basis points)
 *    and who is paid its own part.
 * 3. The earning asset pays every LAP ancestor, however far up, its rate of the amount (once per ancestor, whatever
 *    the number of paths), and every LRP parent its rate of the amount. An LRP parent's income is in turn its
 *    revenue: it pays its own LRP parents their rate of that income, hop by hop, so LRP shares multiply. LAP
 *    income is not shared again (the LAP ancestors above were paid by the earning asset directly).
 * 4. When the rates an asset owes add up to more than 100 %, they are scaled down to 100 % in proportion.
 * 5. Every split is in integer minor units with the largest-remainder rule (apportion.ts), so the parts always add
 *    up to the amount exactly and none is negative; on equal remainders the asset's own payees (by did) come
 *    before its ancestors (by record CID).
 */
import { InvalidRecordError, InvalidRequestError } from '../errors.ts'
import { BASIS_POINTS_TOTAL } from '../records/constants.ts'
import type { RoyaltyPolicy } from '../records/types.ts'
import { apportion } from './apportion.ts'
import type { Weighted } from './apportion.ts'
import {
  CURRENCY_PATTERN, DEFAULT_ROYALTY_MAX_ASSETS, MAX_AMOUNT, MAX_PATHS_PER_PAYEE, ROYALTY_REPORT_VERSION
} from './constants.ts'
import { governingTermsOf } from './licenses.ts'
import type { GoverningTerms } from './licenses.ts'
import type { LineageView } from './view.ts'
import { pathTo, walkAncestors } from './walk.ts'
import type { LineageWalk } from './walk.ts'

export interface RoyaltyAmount {
  /** integer minor units (cents for EUR), 0 … 2^53 − 1 */
  amount: number
  /** ISO 4217 code or token symbol, as in license records: A–Z 0–9, 2–12 characters */
  currency: string
}

export interface RoyaltyOptions {
  /**
   * The time of the revenue (epoch ms): a license revoked with `effectiveFrom` at or before it does not count.
   * @default Date.now() at the call
   */
  at?: number
  /**
   * Most asset records to walk, the earning asset included; past it the report says `truncated: true`.
   * @default 10000 (DEFAULT_ROYALTY_MAX_ASSETS)
   */
  maxAssets?: number
  signal?: AbortSignal
}

/** How the asset whose payee is paid came to hold the money it shares out */
export type RoyaltyBasis = 'revenue' | RoyaltyPolicy

/** One payment: a payee of one asset */
export interface RoyaltyLine {
  did: string
  /** integer minor units, > 0 */
  amount: number
  /** the asset record whose own part this is */
  asset: string
  /** 'revenue': the earning asset's own part; 'LAP' / 'LRP': a royalty the asset received under that policy */
  basis: RoyaltyBasis
  /**
   * Asset record CIDs from the earning asset to `asset` (just the earning asset for 'revenue'). For LAP, the
   * shortest path in the lineage; for LRP, the shortest chain of LRP hops that carried the income (the amount
   * covers every chain).
   */
  path: string[]
  /** the license that gave `asset` its royalty (absent for 'revenue') */
  license?: string
  /** the rate that license asks, basis points (absent for 'revenue') */
  rate?: number
  /** the payee's share of `asset`'s own part, basis points */
  share: number
  /** where the share comes from: the governing license's `splits`, or the asset's `creators` */
  shareFrom: 'splits' | 'creators'
}

export interface RoyaltyPayee {
  did: string
  /** integer minor units, > 0; the sum over the payee's lines */
  amount: number
  /** the `path` of each of the payee's lines, distinct, at most MAX_PATHS_PER_PAYEE (16) */
  paths: string[][]
}

/** What one asset received and passed on */
export interface RoyaltyAsset {
  cid: string
  title?: string
  basis: RoyaltyBasis
  /** what the asset received (the amount, for the earning asset) */
  income: number
  /** what it paid to ancestors */
  paidUp: number
  /** what its own payees received */
  kept: number
  /** governing license, its policy and rate (basis points) */
  license?: string
  policy?: RoyaltyPolicy
  rate?: number
}

export interface RoyaltyReport {
  /** shape version (ROYALTY_REPORT_VERSION) */
  version: number
  /** the earning asset record */
  asset: string
  amount: number
  currency: string
  /** every payee once, largest amount first (ties by did); the amounts add up to `amount` exactly */
  payees: RoyaltyPayee[]
  /** every payment, in the order the split made them */
  lines: RoyaltyLine[]
  /** the assets that received something, the earning asset first */
  assets: RoyaltyAsset[]
  /** lineage edges (child → parent) ignored because they close a cycle */
  cycles: Array<{ from: string, to: string }>
  /** true when the walk stopped at the node cap: ancestors past it received nothing */
  truncated: boolean
}

/** An asset's computed terms, for held asset records */
type TermsMap = Map<string, GoverningTerms>

/**
 * Order the walked graph so every asset comes before its parents (the earning asset first), dropping the edges
 * that close a cycle. A depth-first walk in ingredient order: an edge to a node still on the stack is a back edge.
 */
function acyclicOrder (walk: LineageWalk): { order: string[], parents: Map<string, string[]>, cycles: Array<{ from: string, to: string }> } {
  const parents = new Map<string, string[]>()
  for (const node of walk.nodes.values()) {
    const seen = new Set<string>()
    const list: string[] = []
    for (const p of node.parents) {
      if (p.cid === node.cid || seen.has(p.cid) || !walk.nodes.has(p.cid)) continue
      seen.add(p.cid)
      list.push(p.cid)
    }
    parents.set(node.cid, list)
  }
  const state = new Map<string, 1 | 2>()
  const post: string[] = []
  const cycles: Array<{ from: string, to: string }> = []
  const kept = new Map<string, string[]>()
  // iterative, so a chain of thousands of ancestors cannot overflow the stack
  const stack: Array<{ cid: string, next: number }> = [{ cid: walk.root, next: 0 }]
  state.set(walk.root, 1)
  kept.set(walk.root, [])
  while (stack.length > 0) {
    const top = stack[stack.length - 1]
    const list = parents.get(top.cid) ?? []
    if (top.next < list.length) {
      const p = list[top.next++]
      const s = state.get(p)
      if (s === 1) {
        cycles.push({ from: top.cid, to: p })
        continue
      }
      kept.get(top.cid)?.push(p)
      if (s == null) {
        state.set(p, 1)
        kept.set(p, [])
        stack.push({ cid: p, next: 0 })
      }
      continue
    }
    state.set(top.cid, 2)
    post.push(top.cid)
    stack.pop()
  }
  return { order: post.reverse(), parents: kept, cycles }
}

function checkAmount (money: RoyaltyAmount): void {
  if (!Number.isSafeInteger(money.amount) || money.amount < 0 || money.amount > MAX_AMOUNT) {
    throw new InvalidRequestError('amount must be a whole number of minor units from 0 to 2^53 - 1', { details: { field: 'amount' } })
  }
  if (typeof money.currency !== 'string' || !CURRENCY_PATTERN.test(money.currency)) {
    throw new InvalidRequestError('currency must be an ISO 4217 code or token symbol: 2-12 of A-Z and 0-9', { details: { field: 'currency' } })
  }
}

/** A claim on an asset's income: an ancestor asset and the rate it is owed */
interface Claim {
  cid: string
  rate: number
  policy: RoyaltyPolicy
  license: string
}

const BP = BigInt(BASIS_POINTS_TOTAL)
/**
 * Tie-break keys of the largest-remainder rule: on equal remainders the asset's own payees (by did) come before
 * the ancestors' claims (by record CID), so the odd unit stays with whoever earned the money
 */
const HOLDER_KEY = '0:'
const CLAIM_KEY = '1:'

/**
 * Split `money` earned by the asset record `assetCid` among its creators and up its lineage. Throws NotFoundError
 * when the asset record is not held, InvalidRequestError for a bad amount or currency.
 */
export async function splitRoyalties (view: LineageView, assetCid: string, money: RoyaltyAmount, options: RoyaltyOptions = {}): Promise<RoyaltyReport> {
  checkAmount(money)
  const at = options.at ?? Date.now()
  const walk = await walkAncestors(view, assetCid, {
    depth: Infinity,
    maxAssets: options.maxAssets ?? DEFAULT_ROYALTY_MAX_ASSETS,
    signal: options.signal
  })
  const terms: TermsMap = new Map()
  const held = [...walk.nodes.values()].filter(n => n.credential != null)
  const computed = await governingTermsOf(view, held.map(n => ({ cid: n.cid, credential: n.credential! })), at)
  held.forEach((n, i) => terms.set(n.cid, computed[i]))
  options.signal?.throwIfAborted()

  const rootTerms = terms.get(assetCid)!
  if (rootTerms.holders.length === 0) {
    throw new InvalidRecordError(`asset record ${assetCid} names no creator with a share`, { details: { field: 'credentialSubject.creators' } })
  }
  const { order, parents, cycles } = acyclicOrder(walk)

  /** an ancestor can claim when a license counts, asks a positive rate, and someone can be paid its part */
  const claimOf = (cid: string): Claim | undefined => {
    const t = terms.get(cid)
    if (t?.license == null || t.policy == null || t.rate <= 0 || t.holders.length === 0) return undefined
    return { cid, rate: t.rate, policy: t.policy, license: t.license }
  }

  const income = new Map<string, bigint>([[assetCid, BigInt(money.amount)]])
  const basis = new Map<string, RoyaltyBasis>([[assetCid, 'revenue']])
  const paths = new Map<string, string[]>([[assetCid, [assetCid]]])
  const paidUp = new Map<string, bigint>()
  const kept = new Map<string, bigint>()
  const lines: RoyaltyLine[] = []

  for (const cid of order) {
    const received = income.get(cid) ?? 0n
    if (received === 0n && cid !== assetCid) continue
    const t = terms.get(cid)
    if (t == null) continue
    const how = basis.get(cid) ?? 'revenue'

    // who claims on this income: the earning asset owes every LAP ancestor and its LRP parents; an LRP
    // recipient owes its own LRP parents; LAP income is not shared again
    const claims: Claim[] = []
    if (cid === assetCid) {
      const direct = new Set(parents.get(cid))
      for (const other of order) {
        if (other === cid) continue
        const c = claimOf(other)
        if (c != null && (c.policy === 'LAP' || direct.has(other))) claims.push(c)
      }
    } else if (how === 'LRP') {
      for (const p of parents.get(cid) ?? []) {
        const c = claimOf(p)
        if (c?.policy === 'LRP') claims.push(c)
      }
    }

    // one apportionment over the claims and the own part, so this asset's split adds up exactly
    const owed = claims.reduce((s, c) => s + c.rate, 0)
    const shareSum = t.holders.reduce((s, h) => s + h.share, 0)
    const parts: Weighted[] = []
    let denominator: bigint
    if (owed <= BASIS_POINTS_TOTAL) {
      // claim i: rate_i / 10000; holder j: (10000 - owed) / 10000 × share_j / shareSum
      for (const c of claims) parts.push({ key: CLAIM_KEY + c.cid, weight: BigInt(c.rate) * BigInt(shareSum) })
      for (const h of t.holders) parts.push({ key: HOLDER_KEY + h.did, weight: (BP - BigInt(owed)) * BigInt(h.share) })
      denominator = BP * BigInt(shareSum)
    } else {
      // more than 100 % is owed: the claims share the whole income in proportion to their rates
      for (const c of claims) parts.push({ key: CLAIM_KEY + c.cid, weight: BigInt(c.rate) })
      for (const h of t.holders) parts.push({ key: HOLDER_KEY + h.did, weight: 0n })
      denominator = BigInt(owed)
    }
    const amounts = apportion(received, parts, denominator)

    let up = 0n
    claims.forEach((c, i) => {
      const a = amounts[i]
      if (a === 0n) return
      up += a
      income.set(c.cid, (income.get(c.cid) ?? 0n) + a)
      basis.set(c.cid, c.policy)
      // a path is built only when it is shorter than the one known: copying every chain made the split's garbage
      const known = paths.get(c.cid)
      if (c.policy === 'LAP') {
        const length = (walk.nodes.get(c.cid)?.depth ?? Infinity) + 1
        if (known == null || length < known.length) paths.set(c.cid, pathTo(walk, c.cid))
      } else {
        const via = paths.get(cid) ?? [cid]
        if (known == null || via.length + 1 < known.length) paths.set(c.cid, [...via, c.cid])
      }
    })
    paidUp.set(cid, up)

    let own = 0n
    t.holders.forEach((h, j) => {
      const a = amounts[claims.length + j]
      if (a === 0n) return
      own += a
      lines.push({
        did: h.did,
        amount: Number(a),
        asset: cid,
        basis: how,
        path: paths.get(cid) ?? [cid],
        ...(how !== 'revenue' && t.license != null ? { license: t.license, rate: t.rate } : {}),
        share: h.share,
        shareFrom: t.holdersFrom
      })
    })
    kept.set(cid, own)
  }

  return {
    version: ROYALTY_REPORT_VERSION,
    asset: assetCid,
    amount: money.amount,
    currency: money.currency,
    payees: payeesOf(lines),
    lines,
    assets: order.filter(cid => income.has(cid)).map(cid => {
      const t = terms.get(cid)
      const title = walk.nodes.get(cid)?.credential?.credentialSubject.title
      return {
        cid,
        ...(title != null ? { title } : {}),
        basis: basis.get(cid) ?? 'revenue',
        income: Number(income.get(cid) ?? 0n),
        paidUp: Number(paidUp.get(cid) ?? 0n),
        kept: Number(kept.get(cid) ?? 0n),
        ...(t?.license != null ? { license: t.license, policy: t.policy, rate: t.rate } : {})
      }
    }),
    cycles,
    truncated: walk.truncated
  }
}

/**
 * Sum the lines per did: largest amount first, ties by did. A line's path is the one its asset was reached by (it
 * ends with that asset, and every line of one asset carries the same path), so two lines have the same path exactly
 * when they name the same asset: paths are told apart by their asset, never joined or compared element by element.
 */
function payeesOf (lines: RoyaltyLine[]): RoyaltyPayee[] {
  const byDid = new Map<string, { payee: RoyaltyPayee, assets: Set<string> }>()
  for (const line of lines) {
    let p = byDid.get(line.did)
    if (p == null) byDid.set(line.did, (p = { payee: { did: line.did, amount: 0, paths: [] }, assets: new Set() }))
    p.payee.amount += line.amount
    if (p.payee.paths.length < MAX_PATHS_PER_PAYEE && !p.assets.has(line.asset)) {
      p.assets.add(line.asset)
      p.payee.paths.push(line.path)
    }
  }
  return [...byDid.values()].map(p => p.payee).sort((a, b) => b.amount - a.amount || (a.did < b.did ? -1 : a.did > b.did ? 1 : 0))
}
