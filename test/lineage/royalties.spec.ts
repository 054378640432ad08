/**
 * Royalty split: Story Protocol's worked examples (LAP and LRP), the worked example of protocols/royalties.md,
 * each rule on its own, and property tests over hundreds of random lineage graphs (cycles included).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { splitRoyalties } from '../../src/lineage/royalties.ts'
import type { RoyaltyReport } from '../../src/lineage/royalties.ts'
import { apportion } from '../../src/lineage/apportion.ts'
import type { Ingredient, RoyaltyPolicy } from '../../src/records/types.ts'
import { LineageBuilder, fakeDid, person, rng } from './royalties-fixtures.ts'

/** Amounts by did, for compact assertions */
function byDid (report: RoyaltyReport): Record<string, number> {
  return Object.fromEntries(report.payees.map(p => [p.did, p.amount]))
}

function total (report: RoyaltyReport): number {
  return report.payees.reduce((s, p) => s + p.amount, 0)
}

/** The invariants every report keeps */
function checkInvariants (report: RoyaltyReport, amount: number): void {
  assert.equal(total(report), amount, 'payees add up to the amount')
  assert.equal(report.lines.reduce((s, l) => s + l.amount, 0), amount, 'lines add up to the amount')
  const dids = new Set<string>()
  for (const p of report.payees) {
    assert.ok(Number.isSafeInteger(p.amount) && p.amount > 0, `payee amount ${p.amount} is a positive integer`)
    assert.ok(!dids.has(p.did), 'each payee once')
    dids.add(p.did)
    assert.equal(report.lines.filter(l => l.did === p.did).reduce((s, l) => s + l.amount, 0), p.amount)
    assert.ok(p.paths.length >= 1)
    // its paths: distinct, each one of its lines' paths, one per asset that paid it (at most 16), in line order
    const mine = report.lines.filter(l => l.did === p.did)
    const keys = p.paths.map(path => path.join(' '))
    assert.equal(new Set(keys).size, keys.length, 'a payee\'s paths are distinct')
    const lineKeys = [...new Set(mine.map(l => l.path.join(' ')))]
    assert.deepEqual(keys, lineKeys.slice(0, 16), 'one path per asset that paid the payee, in line order, at most 16')
  }
  for (const l of report.lines) {
    assert.ok(Number.isSafeInteger(l.amount) && l.amount > 0)
    assert.equal(l.path[0], report.asset, 'every path starts at the earning asset')
    assert.equal(l.path[l.path.length - 1], l.asset, 'every path ends at the asset whose payee is paid')
  }
  for (const a of report.assets) {
    assert.ok(a.income >= 0 && a.paidUp >= 0 && a.kept >= 0)
    assert.equal(a.paidUp + a.kept, a.income, `asset ${a.cid} passes on exactly what it received`)
  }
}

describe('royalties: Story Protocol worked examples', () => {
  // Story's docs (Royalty Module, LAP and LRP pages): A ▶ B ▶ C, A asks 5 %, B asks 10 %. Amounts here are in
  // hundredths of the token, so 100 WIP = 10000 and Story's 0.5 WIP = 50.
  const [alice, bob, carol] = [person('alice'), person('bob'), person('carol')]

  function chain (policy: RoyaltyPolicy): { g: LineageBuilder, a: string, b: string, c: string } {
    const g = new LineageBuilder([alice, bob, carol])
    const a = g.asset({ title: 'A', creators: [[alice.did, 10000]] })
    const b = g.asset({ title: 'B', creators: [[bob.did, 10000]], parents: [a] })
    const c = g.asset({ title: 'C', creators: [[carol.did, 10000]], parents: [b] })
    g.license(a, { rate: 500, policy })
    g.license(b, { rate: 1000, policy })
    return { g, a, b, c }
  }

  it('LAP, tipping C 100: A claims 5 and B claims 10 from C; C keeps 85', async () => {
    const { g, a, b, c } = chain('LAP')
    const r = await splitRoyalties(g.view, c, { amount: 10000, currency: 'WIP' })
    checkInvariants(r, 10000)
    assert.deepEqual(byDid(r), { [alice.did]: 500, [bob.did]: 1000, [carol.did]: 8500 })
    assert.deepEqual(r.payees.find(p => p.did === alice.did)?.paths, [[c, b, a]])
    assert.deepEqual(r.lines.find(l => l.did === alice.did)?.basis, 'LAP')
  })

  it('LAP, 1M paid to IPA 3 (royalty stack 15 %): 150k to the ancestors, IPA 2 100k, IPA 1 50k, IPA 3 850k', async () => {
    const { g, c } = chain('LAP')
    const r = await splitRoyalties(g.view, c, { amount: 1_000_000, currency: 'WIP' })
    checkInvariants(r, 1_000_000)
    assert.deepEqual(byDid(r), { [alice.did]: 50_000, [bob.did]: 100_000, [carol.did]: 850_000 })
    assert.equal(r.assets[0].paidUp, 150_000)
  })

  it('LRP, tipping C 100: B claims 10 from C, A claims 0.5 from B (5 % of 10); C keeps 90, B 9.5', async () => {
    const { g, a, b, c } = chain('LRP')
    const r = await splitRoyalties(g.view, c, { amount: 10000, currency: 'WIP' })
    checkInvariants(r, 10000)
    assert.deepEqual(byDid(r), { [carol.did]: 9000, [bob.did]: 950, [alice.did]: 50 })
    const bAsset = r.assets.find(x => x.cid === b)
    assert.deepEqual({ income: bAsset?.income, paidUp: bAsset?.paidUp, kept: bAsset?.kept }, { income: 1000, paidUp: 50, kept: 950 })
    assert.deepEqual(r.lines.find(l => l.did === alice.did)?.path, [c, b, a], 'the LRP chain that carried the income')
  })

  for (const policy of ['LAP', 'LRP'] as const) {
    it(`${policy}, C mints a license from B for 100: A claims 5 from B; B keeps 95`, async () => {
      const { g, b } = chain(policy)
      const r = await splitRoyalties(g.view, b, { amount: 10000, currency: 'WIP' })
      checkInvariants(r, 10000)
      assert.deepEqual(byDid(r), { [bob.did]: 9500, [alice.did]: 500 })
    })
  }
})

describe('royalties: the worked example of protocols/royalties.md', () => {
  // Song S (Ana 60 %, Ben 40 %) earns 9.99 EUR = 999 cents. Its parents: Beat B (LRP 10 %, Cai) and Lyrics L (LAP 5 %,
  // split Dee 50 % / Eve 50 %). B derives from Sample M (LRP 20 %, Fay); L from Poem P (LAP 2 %, Gus).
  const names = ['ana', 'ben', 'cai', 'dee', 'eve', 'fay', 'gus']
  const p = Object.fromEntries(names.map(n => [n, person(n)]))

  it('gives exactly the figures computed by hand there', async () => {
    const g = new LineageBuilder(Object.values(p))
    const m = g.asset({ title: 'Sample', creators: [[p.fay.did, 10000]] })
    const poem = g.asset({ title: 'Poem', creators: [[p.gus.did, 10000]] })
    const b = g.asset({ title: 'Beat', creators: [[p.cai.did, 10000]], parents: [m] })
    const l = g.asset({ title: 'Lyrics', creators: [[p.dee.did, 5000], [p.eve.did, 5000]], parents: [poem] })
    const s = g.asset({ title: 'Song', creators: [[p.ana.did, 6000], [p.ben.did, 4000]], parents: [b, l] })
    g.license(m, { rate: 2000, policy: 'LRP' })
    g.license(poem, { rate: 200, policy: 'LAP' })
    g.license(b, { rate: 1000, policy: 'LRP' })
    g.license(l, { rate: 500, policy: 'LAP', splits: [[p.dee.did, 5000], [p.eve.did, 5000]] })

    const r = await splitRoyalties(g.view, s, { amount: 999, currency: 'EUR' })
    checkInvariants(r, 999)
    assert.deepEqual(byDid(r), {
      [p.ana.did]: 497,
      [p.ben.did]: 332,
      [p.cai.did]: 80,
      [p.dee.did]: 25,
      [p.eve.did]: 25,
      [p.fay.did]: 20,
      [p.gus.did]: 20
    })
    const income = Object.fromEntries(r.assets.map(a => [a.title, [a.income, a.paidUp, a.kept]]))
    assert.deepEqual(income, {
      Song: [999, 170, 829],
      Beat: [100, 20, 80],
      Lyrics: [50, 0, 50],
      Poem: [20, 0, 20],
      Sample: [20, 0, 20]
    })
    const line = (did: string): unknown => {
      const x = r.lines.find(y => y.did === did)
      return x == null ? undefined : { basis: x.basis, path: x.path, rate: x.rate, share: x.share, shareFrom: x.shareFrom }
    }
    assert.deepEqual(line(p.fay.did), { basis: 'LRP', path: [s, b, m], rate: 2000, share: 10000, shareFrom: 'creators' })
    assert.deepEqual(line(p.gus.did), { basis: 'LAP', path: [s, l, poem], rate: 200, share: 10000, shareFrom: 'creators' })
    assert.deepEqual(line(p.dee.did), { basis: 'LAP', path: [s, l], rate: 500, share: 5000, shareFrom: 'splits' })
    assert.deepEqual(line(p.ana.did), { basis: 'revenue', path: [s], rate: undefined, share: 6000, shareFrom: 'creators' })
  })

  it('scales claims adding up to more than 100 % down to 100 %', async () => {
    const [x, y, z] = [fakeDid('x'), fakeDid('y'), fakeDid('z')]
    const g = new LineageBuilder()
    const a = g.asset({ creators: [[x, 10000]] })
    const b = g.asset({ creators: [[y, 10000]] })
    const child = g.asset({ creators: [[z, 10000]], parents: [a, b] })
    g.license(a, { rate: 6000, policy: 'LAP' })
    g.license(b, { rate: 6000, policy: 'LAP' })
    const r = await splitRoyalties(g.view, child, { amount: 1000, currency: 'EUR' })
    checkInvariants(r, 1000)
    assert.deepEqual(byDid(r), { [x]: 500, [y]: 500 })
  })
})

describe('royalties: rules', () => {
  const [ann, bea, cid3, dan, eve] = ['ann', 'bea', 'cid', 'dan', 'eve'].map(fakeDid)

  it('splits among creators by share, largest remainder first', async () => {
    const g = new LineageBuilder()
    const a = g.asset({ creators: [[ann, 7000], [bea, 3000]] })
    const r = await splitRoyalties(g.view, a, { amount: 1001, currency: 'EUR' })
    assert.deepEqual(byDid(r), { [ann]: 701, [bea]: 300 })
  })

  it('breaks a tie of remainders in favour of the smaller id', async () => {
    const g = new LineageBuilder()
    const a = g.asset({ creators: [[ann, 5000], [bea, 5000]] })
    const r = await splitRoyalties(g.view, a, { amount: 1, currency: 'EUR' })
    const first = ann < bea ? ann : bea
    assert.deepEqual(byDid(r), { [first]: 1 })
  })

  it('gives nothing to a parent without a license, nor through it to an LRP grandparent', async () => {
    const g = new LineageBuilder()
    const top = g.asset({ creators: [[ann, 10000]] })
    const mid = g.asset({ creators: [[bea, 10000]], parents: [top] })
    const leaf = g.asset({ creators: [[cid3, 10000]], parents: [mid] })
    g.license(top, { rate: 1000, policy: 'LRP' })
    const r = await splitRoyalties(g.view, leaf, { amount: 1000, currency: 'EUR' })
    assert.deepEqual(byDid(r), { [cid3]: 1000 })
  })

  it('still pays an LAP grandparent across a parent without a license', async () => {
    const g = new LineageBuilder()
    const top = g.asset({ creators: [[ann, 10000]] })
    const mid = g.asset({ creators: [[bea, 10000]], parents: [top] })
    const leaf = g.asset({ creators: [[cid3, 10000]], parents: [mid] })
    g.license(top, { rate: 1000, policy: 'LAP' })
    const r = await splitRoyalties(g.view, leaf, { amount: 1000, currency: 'EUR' })
    assert.deepEqual(byDid(r), { [cid3]: 900, [ann]: 100 })
  })

  it('ignores a license issued by someone who is neither the asset\'s author nor a creator', async () => {
    const g = new LineageBuilder()
    const top = g.asset({ creators: [[ann, 10000]] })
    const leaf = g.asset({ creators: [[cid3, 10000]], parents: [top] })
    g.license(top, { rate: 5000, policy: 'LAP', issuer: eve, splits: [[eve, 10000]] })
    const r = await splitRoyalties(g.view, leaf, { amount: 1000, currency: 'EUR' })
    assert.deepEqual(byDid(r), { [cid3]: 1000 })
  })

  it('accepts a license issued by a co-creator who is not the author', async () => {
    const g = new LineageBuilder()
    const top = g.asset({ creators: [[ann, 5000], [bea, 5000]], author: ann })
    const leaf = g.asset({ creators: [[cid3, 10000]], parents: [top] })
    g.license(top, { rate: 1000, policy: 'LAP', issuer: bea })
    const r = await splitRoyalties(g.view, leaf, { amount: 1000, currency: 'EUR' })
    assert.deepEqual(byDid(r), { [cid3]: 900, [ann]: 50, [bea]: 50 })
  })

  it('excludes a license revoked by its issuer, from the revocation\'s effective time on', async () => {
    const g = new LineageBuilder()
    const top = g.asset({ creators: [[ann, 10000]] })
    const leaf = g.asset({ creators: [[cid3, 10000]], parents: [top] })
    const lic = g.license(top, { rate: 1000, policy: 'LAP' })
    g.revoke(lic, { effectiveFrom: '2025-06-01T00:00:00Z' })
    const before = await splitRoyalties(g.view, leaf, { amount: 1000, currency: 'EUR' }, { at: Date.UTC(2025, 4, 1) })
    assert.deepEqual(byDid(before), { [cid3]: 900, [ann]: 100 })
    const after = await splitRoyalties(g.view, leaf, { amount: 1000, currency: 'EUR' }, { at: Date.UTC(2025, 6, 1) })
    assert.deepEqual(byDid(after), { [cid3]: 1000 })
  })

  it('ignores a revocation signed by someone else than the license\'s issuer', async () => {
    const g = new LineageBuilder()
    const top = g.asset({ creators: [[ann, 10000]] })
    const leaf = g.asset({ creators: [[cid3, 10000]], parents: [top] })
    const lic = g.license(top, { rate: 1000, policy: 'LAP' })
    g.revoke(lic, { issuer: cid3 })
    const r = await splitRoyalties(g.view, leaf, { amount: 1000, currency: 'EUR' })
    assert.deepEqual(byDid(r), { [cid3]: 900, [ann]: 100 })
  })

  it('with several licenses, the one asking most governs, and its splits are paid', async () => {
    const g = new LineageBuilder()
    const top = g.asset({ creators: [[ann, 10000]] })
    const leaf = g.asset({ creators: [[cid3, 10000]], parents: [top] })
    g.license(top, { rate: 500, policy: 'LAP' })
    const big = g.license(top, { rate: 2000, policy: 'LRP', splits: [[ann, 2500], [dan, 7500]] })
    g.license(top, { rate: 1000, policy: 'LAP' })
    const r = await splitRoyalties(g.view, leaf, { amount: 1000, currency: 'EUR' })
    assert.deepEqual(byDid(r), { [cid3]: 800, [dan]: 150, [ann]: 50 })
    assert.equal(r.assets.find(a => a.cid === top)?.license, big)
  })

  it('pays an LAP ancestor once, however many paths lead to it', async () => {
    const g = new LineageBuilder()
    const root = g.asset({ creators: [[ann, 10000]] })
    const left = g.asset({ creators: [[bea, 10000]], parents: [root] })
    const right = g.asset({ creators: [[dan, 10000]], parents: [root] })
    const leaf = g.asset({ creators: [[cid3, 10000]], parents: [left, right] })
    g.license(root, { rate: 1000, policy: 'LAP' })
    const r = await splitRoyalties(g.view, leaf, { amount: 1000, currency: 'EUR' })
    assert.deepEqual(byDid(r), { [cid3]: 900, [ann]: 100 })
  })

  it('adds up LRP income arriving over several paths', async () => {
    const g = new LineageBuilder()
    const root = g.asset({ creators: [[ann, 10000]] })
    const left = g.asset({ creators: [[bea, 10000]], parents: [root] })
    const right = g.asset({ creators: [[dan, 10000]], parents: [root] })
    const leaf = g.asset({ creators: [[cid3, 10000]], parents: [left, right] })
    for (const x of [root, left, right]) g.license(x, { rate: 1000, policy: 'LRP' })
    const r = await splitRoyalties(g.view, leaf, { amount: 10000, currency: 'EUR' })
    checkInvariants(r, 10000)
    assert.deepEqual(byDid(r), { [cid3]: 8000, [bea]: 900, [dan]: 900, [ann]: 200 })
    assert.equal(r.assets.find(a => a.cid === root)?.income, 200)
  })

  it('ends on a cycle through content references, and reports the edge it ignored', async () => {
    const g = new LineageBuilder()
    const [cx, cy] = ['bafkreicyclex', 'bafkreicycley']
    // x names y's content as its parent, y names x's record: x → y → x
    const x = g.asset({ creators: [[ann, 10000]], content: cx, parents: [{ relationship: 'parentOf', content: cy }] })
    const y = g.asset({ creators: [[bea, 10000]], content: cy, parents: [x] })
    const leaf = g.asset({ creators: [[cid3, 10000]], parents: [y] })
    g.license(x, { rate: 1000, policy: 'LRP' })
    g.license(y, { rate: 1000, policy: 'LRP' })
    const r = await splitRoyalties(g.view, leaf, { amount: 10000, currency: 'EUR' })
    checkInvariants(r, 10000)
    assert.deepEqual(r.cycles, [{ from: x, to: y }])
    assert.deepEqual(byDid(r), { [cid3]: 9000, [bea]: 900, [ann]: 100 })
  })

  it('stops at the node cap and says so; the parts still add up', async () => {
    const g = new LineageBuilder()
    let prev = g.asset({ creators: [[ann, 10000]] })
    g.license(prev, { rate: 100, policy: 'LAP' })
    for (let i = 0; i < 5; i++) {
      prev = g.asset({ creators: [[fakeDid('c' + i), 10000]], parents: [prev] })
      g.license(prev, { rate: 100, policy: 'LAP' })
    }
    const r = await splitRoyalties(g.view, prev, { amount: 1000, currency: 'EUR' }, { maxAssets: 3 })
    assert.equal(r.truncated, true)
    checkInvariants(r, 1000)
    assert.equal(r.payees.length, 3)
  })

  it('walks a chain of 2,000 LRP ancestors without recursion', async () => {
    const g = new LineageBuilder()
    let prev = g.asset({ creators: [[ann, 10000]] })
    g.license(prev, { rate: 5000, policy: 'LRP' })
    for (let i = 0; i < 2000; i++) {
      prev = g.asset({ creators: [[fakeDid('d' + i), 10000]], parents: [prev] })
      g.license(prev, { rate: 5000, policy: 'LRP' })
    }
    const r = await splitRoyalties(g.view, prev, { amount: 2 ** 40, currency: 'EUR' })
    checkInvariants(r, 2 ** 40)
    assert.equal(r.assets.length, 41, 'halving each hop, 2^40 reaches 1 after 40 hops')
  })

  it('splits nothing of nothing', async () => {
    const g = new LineageBuilder()
    const a = g.asset({ creators: [[ann, 10000]] })
    const r = await splitRoyalties(g.view, a, { amount: 0, currency: 'EUR' })
    assert.deepEqual(r.payees, [])
    assert.deepEqual(r.lines, [])
  })

  it('refuses a bad amount or currency, and an asset it does not hold', async () => {
    const g = new LineageBuilder()
    const a = g.asset({ creators: [[ann, 10000]] })
    const lic = g.license(a, { rate: 100, policy: 'LAP' })
    for (const amount of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, NaN]) {
      await assert.rejects(splitRoyalties(g.view, a, { amount, currency: 'EUR' }), { name: 'InvalidRequestError', code: 'ERR_INVALID_REQUEST' })
    }
    for (const currency of ['eur', 'E', '', 'TOOLONGCURRENCY']) {
      await assert.rejects(splitRoyalties(g.view, a, { amount: 1, currency }), { name: 'InvalidRequestError' })
    }
    await assert.rejects(splitRoyalties(g.view, 'bagaaieranotheld', { amount: 1, currency: 'EUR' }), { name: 'NotFoundError', code: 'ERR_NOT_FOUND' })
    await assert.rejects(splitRoyalties(g.view, lic, { amount: 1, currency: 'EUR' }), { name: 'NotFoundError' })
  })
})

describe('royalties: apportionment', () => {
  it('adds up exactly and stays within one unit of each exact share', () => {
    const random = rng(7)
    for (let n = 0; n < 500; n++) {
      const total = BigInt(Math.floor(random() * 1e12))
      const parts = Array.from({ length: 1 + Math.floor(random() * 8) }, (_, i) => ({ key: 'k' + i, weight: BigInt(Math.floor(random() * 10000)) }))
      if (parts.every(p => p.weight === 0n)) parts[0].weight = 1n
      const sum = parts.reduce((s, p) => s + p.weight, 0n)
      const out = apportion(total, parts)
      assert.equal(out.reduce((s, a) => s + a, 0n), total)
      out.forEach((a, i) => {
        const floor = (total * parts[i].weight) / sum
        assert.ok(a === floor || a === floor + 1n)
      })
    }
  })

  it('refuses weights that do not add up to the denominator', () => {
    assert.throws(() => apportion(10n, [{ key: 'a', weight: 1n }], 2n), { name: 'InvalidRequestError' })
    assert.throws(() => apportion(-1n, [{ key: 'a', weight: 1n }]), { name: 'InvalidRequestError' })
  })
})

describe('royalties: properties over random lineage graphs', () => {
  interface RandomCase {
    g: LineageBuilder
    root: string
    amount: number
    strangers: Set<string>
    allLap: boolean
    hasContentRefs: boolean
  }

  /** A random lineage: a DAG by record references, plus (sometimes) content references that may close cycles */
  function randomCase (seed: number, opts: { contentRefs: boolean, onlyLap?: boolean }): RandomCase {
    const random = rng(seed)
    const g = new LineageBuilder()
    const people = Array.from({ length: 8 }, (_, i) => fakeDid(`p${seed}-${i}`))
    const strangers = new Set([fakeDid(`stranger${seed}`)])
    const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]
    const n = 1 + Math.floor(random() * 30)
    const assets: string[] = []
    let hasContentRefs = false
    let allLap = true
    for (let i = 0; i < n; i++) {
      const creatorCount = 1 + Math.floor(random() * 3)
      const who = [...new Set(Array.from({ length: creatorCount }, () => pick(people)))]
      const shares = who.map(() => 1 + Math.floor(random() * 100))
      const sum = shares.reduce((s, x) => s + x, 0)
      const bp = shares.map(s => Math.floor(s * 10000 / sum))
      bp[0] += 10000 - bp.reduce((s, x) => s + x, 0)
      const parents: Array<string | Ingredient> = []
      const parentCount = assets.length === 0 ? 0 : Math.floor(random() * 4)
      for (let k = 0; k < parentCount; k++) {
        const rel = pick(['parentOf', 'componentOf', 'inputTo'] as const)
        parents.push({ relationship: rel, record: pick(assets) })
      }
      if (opts.contentRefs && random() < 0.5) {
        // a content reference to any asset's content, earlier or later: later ones can close a cycle
        const target = Math.floor(random() * n)
        parents.push({ relationship: 'parentOf', content: contentFor(seed, target) })
        hasContentRefs = true
      }
      const cid = g.asset({ creators: who.map((d, j) => [d, bp[j]]), parents, content: contentFor(seed, i) })
      assets.push(cid)
      const licenses = random() < 0.75 ? 1 + Math.floor(random() * 2) : 0
      for (let k = 0; k < licenses; k++) {
        const policy: RoyaltyPolicy = opts.onlyLap === true ? 'LAP' : pick(['LAP', 'LRP'])
        if (policy !== 'LAP') allLap = false
        // under LAP alone the rates stay small enough that the root never owes more than 100 %
        const rate = opts.onlyLap === true ? Math.floor(random() * 300) : random() < 0.1 ? Math.floor(random() * 10001) : Math.floor(random() * 2000)
        const splits = random() < 0.3 ? [[pick(people), 10000]] as Array<[string, number]> : undefined
        const lic = g.license(cid, { rate, policy, splits })
        if (random() < 0.1) g.revoke(lic)
      }
      if (random() < 0.2) {
        // a stranger's license asking everything for itself: must never pay the stranger
        g.license(cid, { rate: 10000, policy: pick(['LAP', 'LRP']), issuer: [...strangers][0], splits: [[[...strangers][0], 10000]] })
      }
    }
    const amounts = [0, 1, 7, 999, 1_000_000, Number.MAX_SAFE_INTEGER, Math.floor(random() * 1e9)]
    return { g, root: assets[assets.length - 1], amount: pick(amounts), strangers, allLap, hasContentRefs }
  }

  /** Content CIDs that stay the same for a (seed, index), so a content reference can name an asset made later */
  function contentFor (seed: number, i: number): string {
    return `bafkreicontent${seed}n${i}`.padEnd(59, 'a')
  }

  it('parts always add up to the amount, no payee is negative, strangers are never paid (400 graphs, cycles included)', async () => {
    let cyclic = 0
    for (let seed = 1; seed <= 400; seed++) {
      const c = randomCase(seed, { contentRefs: seed % 2 === 0 })
      const r = await splitRoyalties(c.g.view, c.root, { amount: c.amount, currency: 'EUR' })
      try {
        checkInvariants(r, c.amount)
        for (const s of c.strangers) assert.ok(!(s in byDid(r)), 'a stranger\'s license pays nobody')
        const again = await splitRoyalties(c.g.view, c.root, { amount: c.amount, currency: 'EUR' })
        assert.deepEqual(again, r, 'deterministic')
      } catch (err) {
        throw new Error(`seed ${seed}: ${(err as Error).message}`, { cause: err })
      }
      if (r.cycles.length > 0) cyclic++
    }
    assert.ok(cyclic >= 20, `some random graphs had cycles (${cyclic})`)
  })

  it('does not depend on the order the view lists records in (acyclic graphs)', async () => {
    for (let seed = 1000; seed < 1100; seed++) {
      const c = randomCase(seed, { contentRefs: false })
      const shuffled = new LineageBuilder()
      const random = rng(seed * 31)
      const records = [...c.g.records]
      for (let i = records.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [records[i], records[j]] = [records[j], records[i]]
      }
      for (const rec of records) shuffled.view.add(rec)
      const a = await splitRoyalties(c.g.view, c.root, { amount: c.amount, currency: 'EUR' })
      const b = await splitRoyalties(shuffled.view, c.root, { amount: c.amount, currency: 'EUR' })
      assert.deepEqual(b, a, `seed ${seed}`)
    }
  })

  it('under LAP alone, each ancestor receives its exact share to within one unit', async () => {
    for (let seed = 2000; seed < 2200; seed++) {
      const c = randomCase(seed, { contentRefs: false, onlyLap: true })
      const r = await splitRoyalties(c.g.view, c.root, { amount: c.amount, currency: 'EUR' })
      checkInvariants(r, c.amount)
      for (const a of r.assets) {
        if (a.cid === c.root || a.rate == null) continue
        const exact = (BigInt(c.amount) * BigInt(a.rate)) / 10000n
        assert.ok(BigInt(a.income) === exact || BigInt(a.income) === exact + 1n, `seed ${seed}: ${a.income} vs ${exact}`)
      }
    }
  })
})
