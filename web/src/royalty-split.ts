/**
 * The royalty split computed in this browser, from records it verified itself, with the node's own code for the
 * rules (src/lineage/royalties.ts, pure: it reads a LineageView and nothing else). The page walks the lineage up
 * from the asset through the parents its verified records name, gathers the licenses and revocations the node
 * lists for them, checks every one of those records (CID and signature), and splits over a MemoryLineageView that
 * holds only records that passed. What stays the node's word is completeness: a node can leave out a license or a
 * revocation it holds, and which asset records share a content CID (for ingredients named by content only).
 */
import type { AssetSubject, LicenseSubject, RevocationSubject, ValidRecord } from '../../src/records/index.ts'
import { MemoryLineageView } from '../../src/lineage/memory-view.ts'
import { splitRoyalties } from '../../src/lineage/royalties.ts'
import type { RoyaltyAmount, RoyaltyReport } from '../../src/lineage/royalties.ts'
import type { Page, RecordItem } from './types.ts'
import type { Verifier, VerifyResult } from './verify.ts'

/** Most asset records the page walks for one split (the node walks up to 10,000; past this the split says truncated) */
export const BROWSER_ROYALTY_MAX_ASSETS = 2000
/** Most records the page checks for one split in all: assets, licenses and revocations */
export const BROWSER_ROYALTY_MAX_RECORDS = 6000

export type BrowserSplit =
  | { status: 'computed', report: RoyaltyReport, checked: number, truncated: boolean }
  /** some record the split needs failed the check or could not be fetched: no split is shown */
  | { status: 'unverified', failed: Array<Exclude<VerifyResult, { status: 'verified' }>> }

export interface SplitSources {
  verifier: Verifier
  /** GET a JSON answer of the node (only CIDs are taken from it) */
  getJson: <T>(path: string, signal?: AbortSignal) => Promise<T>
  signal?: AbortSignal
}

const IPFS_PREFIX = 'ipfs://'

/** The content CID an `ipfs://<cid>[/path]` reference names */
function contentOf (ref: string): string {
  const rest = ref.startsWith(IPFS_PREFIX) ? ref.slice(IPFS_PREFIX.length) : ref
  const slash = rest.indexOf('/')
  return slash === -1 ? rest : rest.slice(0, slash)
}

/** CIDs of one page of /v1/records, at most 1000 (the node's largest page; enough for one split's query) */
async function listed (src: SplitSources, params: Record<string, string>): Promise<string[]> {
  const qs = new URLSearchParams({ ...params, limit: '1000' })
  const page = await src.getJson<Page<RecordItem>>(`/v1/records?${qs.toString()}`, src.signal)
  return [...new Set(page.items.map(i => i.cid))]
}

/**
 * Split `money` earned by `asset` over records this browser verified. Throws what splitRoyalties throws (an asset
 * naming no creator with a share) and the node's HTTP errors.
 */
export async function splitInBrowser (asset: string, money: RoyaltyAmount, src: SplitSources): Promise<BrowserSplit> {
  const held: ValidRecord[] = []
  const failed: Array<Exclude<VerifyResult, { status: 'verified' }>> = []
  const seen = new Set<string>()
  let truncated = false

  /** verify records, keeping those of `kind` that `fits`; a record that fails the check fails the split */
  const check = async (cids: string[], kind: ValidRecord['kind'], fits: (r: ValidRecord) => boolean): Promise<ValidRecord[]> => {
    const fresh = cids.filter(c => !seen.has(c))
    for (const c of fresh) seen.add(c)
    if (seen.size > BROWSER_ROYALTY_MAX_RECORDS) { truncated = true; return [] }
    const results = await Promise.all(fresh.map(async c => await src.verifier.verify(c)))
    src.signal?.throwIfAborted()
    const ok: ValidRecord[] = []
    for (const r of results) {
      if (r.status !== 'verified') failed.push(r)
      else if (r.kind === kind && fits(r.record)) ok.push(r.record)
    }
    return ok
  }

  // the asset and its ancestors, level by level, through the parents the verified records name
  let level = await check([asset], 'asset', () => true)
  let assets = level.length
  while (level.length > 0 && failed.length === 0) {
    held.push(...level)
    const byRecord: string[] = []
    const byContent: string[] = []
    for (const r of level) {
      for (const ing of (r.credential.credentialSubject as AssetSubject).ingredients ?? []) {
        if (ing.record != null) byRecord.push(ing.record)
        else if (ing.content != null) byContent.push(contentOf(ing.content))
      }
    }
    // an ingredient named by content is every asset record of that content: which ones is the node's word
    const ofContent = await Promise.all([...new Set(byContent)].map(async c => await listed(src, { kind: 'asset', content: c })))
    const next = [...new Set([...byRecord, ...ofContent.flat()])].filter(c => !seen.has(c))
    if (assets + next.length > BROWSER_ROYALTY_MAX_ASSETS) { truncated = true; next.length = Math.max(0, BROWSER_ROYALTY_MAX_ASSETS - assets) }
    const contents = new Set(byContent)
    const named = new Set(byRecord)
    // a parent fetched by content must carry that content; one named by CID is that CID (the check proved it)
    level = await check(next, 'asset', r => named.has(r.cid) || contents.has(contentOf((r.credential.credentialSubject as AssetSubject).id)))
    assets += level.length
  }

  // the licenses of each asset, and the revocations of each license, as the node lists them, each checked
  if (failed.length === 0) {
    const licenseCids = await Promise.all(held.map(async a => {
      const page = await src.getJson<Page<RecordItem>>(`/v1/assets/${a.cid}/licenses`, src.signal)
      return page.items.map(i => i.cid)
    }))
    const licenses = await check(licenseCids.flat(), 'license', r => held.some(a => a.cid === (r.credential.credentialSubject as LicenseSubject).asset))
    const revocationCids = await Promise.all(licenses.map(async l => await listed(src, { kind: 'revocation', target: l.cid })))
    const revocations = await check(revocationCids.flat(), 'revocation', r => licenses.some(l => l.cid === (r.credential.credentialSubject as RevocationSubject).record))
    held.push(...licenses, ...revocations)
  }
  if (failed.length > 0) return { status: 'unverified', failed }

  const view = new MemoryLineageView(held)
  const report = await splitRoyalties(view, asset, money, { maxAssets: BROWSER_ROYALTY_MAX_ASSETS, signal: src.signal })
  return { status: 'computed', report, checked: held.length, truncated: truncated || report.truncated }
}

/** True when the node's payees (did and amount) are the ones computed here */
export function samePayees (mine: RoyaltyReport, theirs: { payees?: Array<{ did: string, amount: number }> }): boolean {
  const key = (list: Array<{ did: string, amount: number }>): string => list.map(p => `${p.did}=${p.amount}`).sort().join(' ')
  return Array.isArray(theirs.payees) && key(mine.payees) === key(theirs.payees)
}
