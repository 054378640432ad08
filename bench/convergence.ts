/**
 * Issue 9, the collective view under load, with real Atelier nodes in this process on loopback:
 * (1) ingest of collective records through the real admission path (membership at validFrom, dependencies);
 * (2) a removal that retires 10,000 of one author's counted records;
 * (3) 10 nodes, partitioned 3 / 7, each side writing records, converge on one digest after the partition heals;
 * (4) an outsider flooding valid records: what the node keeps, against the parking bounds it is configured with.
 * Every figure is printed beside a limit measured in the same run (validation alone, the door without a collective,
 * the sync interval, a raw sync session, the configured bounds).
 *   node bench/convergence.ts [--quick]
 */
import { INGEST_GROUP } from '../src/net/sync/constants.ts'
import { mkdtemp, rm, readdir, stat } from 'node:fs/promises'
import { tmpdir, loadavg } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { AtelierNode } from '../src/node/atelier-node.ts'
import { silentLogger } from '../src/node/logger.ts'
import { initHome, nativeCrypto } from '../src/identity/index.ts'
import { resolveConfig } from '../src/config.ts'
import type { ParkingConfig } from '../src/config.ts'
import { createSigner, issueRecord, recordCidString, validateRecord } from '../src/records/index.ts'
import { LICENSE_PRESETS } from '../src/records/license-presets.ts'
import type { Signer, ValidRecord } from '../src/records/index.ts'
import { encodeInvite } from '../src/node/invite.ts'
import { benchSync } from './sync.ts'
import { threadCpu, threadCpuSince, withDaemonFlags } from './util.ts'
import type { ThreadCpu } from './util.ts'
import { validationCeiling } from './validation-ceiling.ts'
import type { ValidationCeiling } from './validation-ceiling.ts'
import { DEFAULT_INGEST_CONCURRENCY } from '../src/net/sync/constants.ts'

const CONTENT = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
/** permissive terms for the licenses the benchmark writes */
const OPEN_TERMS = LICENSE_PRESETS['cc-by'].terms
/** as a sync session ingests */
const SYNC_CONCURRENCY = DEFAULT_INGEST_CONCURRENCY
const MiB = 1024 * 1024

export interface ConvergenceOptions {
  quick?: boolean
  log?: (line: string) => void
}

export interface ConvergenceResult {
  quick: boolean
  ingest: {
    members: number
    records: number
    licenses: number
    meanRecordBytes: number
    seconds: number
    recordsPerSecond: number
    validateOnlyPerSecond: number
    /** what each ingest answered ('added', 'parked', errors by code) */
    outcomes: Record<string, number>
    /** the same node, records of no collective through the same door (source 'import'), measured right before */
    plainRecords: number
    plainPerSecond: number
    /** CPU per collective record by kind of thread, µs (empty off Linux) */
    cpuPerRecord: ThreadCpu
    /** validation on one thread and on every core at once, same records, same run */
    ceiling: ValidationCeiling
  }
  removal: {
    records: number
    /** ingest of that author's records just before, records/s */
    ingestPerSecond: number
    /** issue of the removal until the view is idle and the author has no counted record left */
    ms: number
    recordsPerSecond: number
    heldOutside: number
    /** 'status / rule' → records of the author held in the lot */
    rules: Record<string, number>
    indexDelta: number
  }
  partition: {
    nodes: number
    sides: [number, number]
    recordsPerSide: number
    sideSettleSeconds: [number, number]
    links: number
    seconds: number
    /** record copies each node lacked at heal time, summed over the nodes */
    recordsMoved: number
    syncIntervalMs: number
    rawSync: { records: number, recordsPerSecond: number }
    digestsEqual: boolean
    finalCount: number
    /** seconds after the heal until the last node with a link to the other side, then the last without, was complete */
    linkedSeconds: number
    unlinkedSeconds: number
    /** sync sessions started after the heal (initiator side), until convergence */
    sessions: { count: number, failed: number, firstError?: string, recordsAdded: number, maxMs: number, moving: number, movingMs: number[] }
  }
  flood: {
    seconds: number
    strangers: number
    peers: number
    offered: number
    offeredBytes: number
    outcomes: Record<string, number>
    offeredPerSecond: number
    validateOnlyPerSecond: number
    bounds: ParkingConfig
    /** the bounds are the defaults divided by this */
    scale: number
    parkedEntries: number
    parkedBytes: number
    indexDelta: number
    stateBefore: number
    stateAfter: number
    rssBefore: number
    rssAfter: number
    heapBefore: number
    heapAfter: number
    /** the lot's bytes as the flood went on, every 10 % of it */
    parkedBytesTrace: number[]
    /** the state dir's size at the same instants */
    stateTrace: number[]
    /** RSS at the same instants (no gc before each) */
    rssTrace: number[]
    /** seconds of the flood's main thread spent signing the records offered */
    signSeconds: number
  }
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** A gc() when the flag can be set at run time (for RSS figures that are not a collection's timing) */
function gcFunction (): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc')
    return runInNewContext('gc') as () => void
  } catch { return undefined }
}

async function dirBytes (dir: string): Promise<number> {
  let total = 0
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue
    try { total += (await stat(join(e.parentPath, e.name))).size } catch {}
  }
  return total
}

async function startNode (home: string, overrides: { parking?: Partial<ParkingConfig>, syncIntervalMs?: number } = {}): Promise<AtelierNode> {
  await initHome(home)
  const config = resolveConfig(home, {
    http: { port: 0 },
    p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    ...(overrides.parking != null ? { parking: overrides.parking } : {}),
    ...(overrides.syncIntervalMs != null ? { sync: { intervalMs: overrides.syncIntervalMs } } : {})
  })
  const node = new AtelierNode({ config, logger: silentLogger(), processMetrics: false })
  await node.start()
  return node
}

/** Ingest `payloads` with `concurrency` in flight (source 'sync': in groups, as a session hands them over); the
 * outcome statuses counted (errors by code) */
async function ingestAll (node: AtelierNode, payloads: Uint8Array[], options: { source: 'sync' | 'import' | 'gossip', scope?: string, peer?: string }, concurrency = SYNC_CONCURRENCY): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  let next = 0
  if (options.source === 'sync') {
    // as a sync session hands them over: groups of what arrived together (RecordService.ingestMany), as many groups
    // in flight as make `concurrency` records
    const groupWorker = async (): Promise<void> => {
      while (next < payloads.length) {
        const group = payloads.slice(next, next + INGEST_GROUP)
        next += group.length
        for (const out of await node.records.ingestMany(group.map(bytes => ({ bytes })), options)) {
          const k = out instanceof Error ? `error ${(out as { code?: string }).code ?? out.name}` : out.status
          counts[k] = (counts[k] ?? 0) + 1
        }
      }
    }
    await Promise.all(Array.from({ length: Math.max(1, Math.round(concurrency / INGEST_GROUP)) }, groupWorker))
    return counts
  }
  const worker = async (): Promise<void> => {
    while (next < payloads.length) {
      const p = payloads[next++]
      try {
        const out = await node.records.ingest(p, options)
        counts[out.status] = (counts[out.status] ?? 0) + 1
      } catch (err: any) {
        const k = `error ${err.code ?? err.name}`
        counts[k] = (counts[k] ?? 0) + 1
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return counts
}

/** Records of a collective by `signers`, round-robin: assets, and every 4th a license of the author's last asset */
function memberRecords (collective: string | undefined, signers: Signer[], count: number, tag: string): { records: ValidRecord[], licenses: number } {
  const heads = new Map<string, string>()
  const lastAsset = new Map<string, string>()
  const records: ValidRecord[] = []
  let licenses = 0
  for (let i = 0; i < count; i++) {
    const signer = signers[i % signers.length]
    const previous = heads.get(signer.did)
    const asset = lastAsset.get(signer.did)
    let rec: ValidRecord
    if (i % 4 === 3 && asset != null) {
      rec = issueRecord('license', { asset, terms: OPEN_TERMS, royaltyPolicy: 'LAP' }, { signer, crypto: nativeCrypto, previous, collective })
      licenses++
    } else {
      rec = issueRecord('asset', {
        id: `ipfs://${CONTENT}`, mediaType: 'image/png', byteSize: 1000 + i, title: `${tag} ${i}`,
        creators: [{ id: signer.did, role: 'author', share: 10000 }]
      }, { signer, crypto: nativeCrypto, previous, collective })
      lastAsset.set(signer.did, rec.cid)
    }
    heads.set(signer.did, rec.cid)
    records.push(rec)
  }
  return { records, licenses }
}

function newSigners (n: number): Signer[] {
  return Array.from({ length: n }, () => createSigner(new Uint8Array(randomBytes(32)), nativeCrypto))
}

function validateRate (payloads: Uint8Array[]): number {
  const sample = payloads.slice(0, Math.min(5000, payloads.length))
  const t = performance.now()
  for (const p of sample) validateRecord(p, { crypto: nativeCrypto })
  return sample.length / ((performance.now() - t) / 1000)
}

async function countOf (node: AtelierNode, query: { collective: string, author?: string }): Promise<number> {
  let n = 0
  let cursor: string | undefined
  do {
    const page = await node.index.query({ ...query, limit: 1000, ...(cursor != null ? { cursor } : {}) })
    n += page.items.length
    cursor = page.cursor ?? undefined
  } while (cursor != null)
  return n
}

/** (1) and (2) on one node */
export async function ingestAndRemoval (root: string, sizes: { members: number, records: number, plain: number, removal: number }, log: (l: string) => void): Promise<Pick<ConvergenceResult, 'ingest' | 'removal'>> {
  const node = await startNode(join(root, 'ingest'))
  try {
    const { id } = await node.collectives.create({ name: 'Bench collective', admission: { policy: 'invite', quorum: 1 } })
    const members = newSigners(sizes.members)
    for (const m of members) await node.collectives.changeMember(id, 'admit', m.did)
    const victim = newSigners(1)[0]
    const victimAdmitAt = Date.now()
    await node.collectives.changeMember(id, 'admit', victim.did, { effectiveFrom: new Date(victimAdmitAt).toISOString() })
    await node.collectives.view.idle()
    await sleep(20) // every record below is later than the admits, by the clock of this machine

    log(`  signing ${sizes.records.toLocaleString('en')} records of ${sizes.members} members …`)
    const { records, licenses } = memberRecords(id, members, sizes.records, 'Work')
    const payloads = records.map(r => r.bytes)
    const meanRecordBytes = Math.round(payloads.reduce((a, b) => a + b.byteLength, 0) / payloads.length)
    const plain = memberRecords(undefined, newSigners(8), sizes.plain, 'Plain').records.map(r => r.bytes)

    // the limits, right before: validation alone on one thread, then the same door with no collective involved
    const validateOnlyPerSecond = validateRate(payloads)
    const ceiling = await validationCeiling(payloads.slice(0, 3000))
    let t = performance.now()
    const plainCounts = await ingestAll(node, plain, { source: 'import' })
    const plainPerSecond = plain.length / ((performance.now() - t) / 1000)
    if (plainCounts.added !== plain.length) throw new Error(`plain ingest: ${JSON.stringify(plainCounts)}`)

    const before = await countOf(node, { collective: id })
    const cpuBefore = threadCpu()
    t = performance.now()
    const counts = await ingestAll(node, payloads, { source: 'sync', scope: id })
    await node.collectives.view.idle()
    // licenses that arrived before their asset wait in the lot and are released when it is committed
    while (await countOf(node, { collective: id }) < before + records.length) {
      if (performance.now() - t > 120_000) throw new Error(`collective ingest: ${JSON.stringify(counts)}, ${await countOf(node, { collective: id }) - before} counted`)
      await sleep(10)
    }
    const seconds = (performance.now() - t) / 1000
    const cpu = threadCpuSince(cpuBefore)
    const cpuPerRecord = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v / records.length])) as unknown as ThreadCpu
    log(`  ${records.length} collective records in ${seconds.toFixed(1)} s (${JSON.stringify(counts)})`)

    // (2) the victim's records counted, then a removal effective before all of them
    const victimRecords = memberRecords(id, [victim], sizes.removal, 'Removed').records
    t = performance.now()
    const vCounts = await ingestAll(node, victimRecords.map(r => r.bytes), { source: 'sync', scope: id })
    await node.collectives.view.idle()
    while (await countOf(node, { collective: id, author: victim.did }) < victimRecords.length) await sleep(10)
    const victimIngestPerSecond = victimRecords.length / ((performance.now() - t) / 1000)
    if ((vCounts.added ?? 0) + (vCounts.parked ?? 0) !== victimRecords.length) throw new Error(`victim ingest: ${JSON.stringify(vCounts)}`)
    const indexBefore = await node.index.count()

    log(`  removing the author of ${victimRecords.length} records …`)
    t = performance.now()
    await node.collectives.changeMember(id, 'remove', victim.did, { effectiveFrom: new Date(victimAdmitAt + 1).toISOString() })
    await node.collectives.view.idle()
    while (await countOf(node, { collective: id, author: victim.did }) > 0) {
      if (performance.now() - t > 600_000) throw new Error('removal did not retire the records within 10 minutes')
      await sleep(10)
    }
    const ms = performance.now() - t
    let heldOutside = 0
    const rules: Record<string, number> = {}
    for (const r of victimRecords) {
      const e = await node.parking.get(r.cid)
      if (e == null) continue
      if (e.status === 'outside' && e.rule === 'not-member') heldOutside++
      const k = `${e.status} / ${e.rule}`
      rules[k] = (rules[k] ?? 0) + 1
    }
    // the removal itself is one record more
    const indexDelta = await node.index.count() - indexBefore
    return {
      ingest: { members: sizes.members, records: records.length, licenses, meanRecordBytes, seconds, outcomes: counts, recordsPerSecond: records.length / seconds, validateOnlyPerSecond, plainRecords: plain.length, plainPerSecond, cpuPerRecord, ceiling },
      removal: { records: victimRecords.length, ingestPerSecond: victimIngestPerSecond, ms, recordsPerSecond: victimRecords.length / (ms / 1000), heldOutside, rules, indexDelta }
    }
  } finally {
    await node.stop()
  }
}

/** (3) 10 nodes, 3 / 7 */
export async function partition (root: string, sizes: { recordsPerSide: number, rawSyncRecords: number }, log: (l: string) => void): Promise<ConvergenceResult['partition']> {
  // the default periodic sync: what deployed nodes run
  const syncIntervalMs = resolveConfig(join(root, 'none')).sync.intervalMs
  const nodes: AtelierNode[] = []
  try {
    for (let i = 0; i < 10; i++) nodes.push(await startNode(join(root, `p${i}`)))
    const sideA = nodes.slice(0, 3)
    const sideB = nodes.slice(3)
    const [a0] = sideA
    const [b0] = sideB
    const { id } = await a0.collectives.create({ name: 'Partitioned', admission: { policy: 'invite', quorum: 1 } })
    const members = newSigners(10)
    for (const m of members) await a0.collectives.changeMember(id, 'admit', m.did)
    await a0.collectives.view.idle()
    await sleep(20)
    // side B never dials side A before the heal: its first node takes the collective's records by hand (an
    // invite naming only itself makes it take part), the others join through it; side A joins through A0
    const setup: Uint8Array[] = []
    let cursor: string | undefined
    do {
      const page = await a0.index.query({ collective: id, limit: 1000, order: 'asc', ...(cursor != null ? { cursor } : {}) })
      for (const s of page.items) setup.push(await a0.index.body(s.cid) as Uint8Array)
      cursor = page.cursor ?? undefined
    } while (cursor != null)
    await b0.collectives.join(encodeInvite({ collective: id, addresses: b0.addresses() }))
    for (const bytes of setup) await b0.records.ingest(bytes, { source: 'import' })
    for (const n of sideA.slice(1)) await n.collectives.join(encodeInvite({ collective: id, addresses: a0.addresses() }))
    for (const n of sideB.slice(1)) await n.collectives.join(encodeInvite({ collective: id, addresses: b0.addresses() }))
    const base = (await a0.collectives.digest(id)).count
    if ((await b0.collectives.digest(id)).count !== base) throw new Error('side B did not take the setup records')

    const waitSide = async (side: AtelierNode[], count: number, limitMs: number): Promise<number> => {
      const t = performance.now()
      for (;;) {
        const ds = await Promise.all(side.map(async n => await n.collectives.digest(id)))
        if (ds.every(d => d.count === count && d.digest === ds[0].digest)) return (performance.now() - t) / 1000
        if (performance.now() - t > limitMs) throw new Error(`side did not settle: counts ${ds.map(d => d.count).join(',')} expected ${count}`)
        await sleep(250)
      }
    }
    // each side writes R records, round-robin over its nodes (as their users would), spread by gossip and sync
    const writeSide = async (side: AtelierNode[], signers: Signer[], tag: string): Promise<number> => {
      const { records } = memberRecords(id, signers, sizes.recordsPerSide, tag)
      await Promise.all(side.map(async (n, i) => {
        await ingestAll(n, records.filter((_, j) => j % side.length === i).map(r => r.bytes), { source: 'import' }, 32)
      }))
      return await waitSide(side, base + sizes.recordsPerSide, 4 * syncIntervalMs + 60_000)
    }
    log(`  writing ${sizes.recordsPerSide} records on each side …`)
    const [settleA, settleB] = await Promise.all([writeSide(sideA, members.slice(0, 5), 'Side A'), writeSide(sideB, members.slice(5), 'Side B')])
    const recordsMoved = sizes.recordsPerSide * (sideA.length + sideB.length)

    // heal: each node of side A dials one node of side B
    log('  healing the partition …')
    const sessions: Array<{ ms: number, added: number, error?: string }> = []
    for (const x of nodes) {
      x.syncSessions.on('session', (st, err) => {
        if (st.role === 'initiator') sessions.push({ ms: st.ms, added: st.recordsAdded, ...(err != null ? { error: err.message } : {}) })
      })
    }
    const t = performance.now()
    for (let i = 0; i < sideA.length; i++) await sideA[i].peers.add(sideB[i].addresses()[0], 'api')
    const complete: number[] = []
    for (;;) {
      const ds = await Promise.all(nodes.map(async x => await x.collectives.digest(id)))
      ds.forEach((d, k) => { if (complete[k] == null && d.count === base + 2 * sizes.recordsPerSide) complete[k] = (performance.now() - t) / 1000 })
      if (ds.every(d => d.count === base + 2 * sizes.recordsPerSide && d.digest === ds[0].digest)) break
      if (performance.now() - t > 4 * syncIntervalMs + 120_000) throw new Error(`no convergence: counts ${ds.map(d => d.count).join(',')}`)
      await sleep(250)
    }
    const healSeconds = (performance.now() - t) / 1000
    const linked = [0, 1, 2, 3, 4, 5].map(k => complete[k])
    const unlinked = complete.slice(6)
    const finalCount = (await a0.collectives.digest(id)).count
    log(`  converged in ${healSeconds.toFixed(1)} s`)
    for (const n of nodes.splice(0)) await n.stop()

    // the raw limit: one sync session between two bare libp2p nodes, same process, right after
    const raw = await benchSync({ records: sizes.rawSyncRecords, difference: 10 })
    return {
      nodes: 10,
      sides: [3, 7],
      recordsPerSide: sizes.recordsPerSide,
      sideSettleSeconds: [settleA, settleB],
      links: sideA.length,
      seconds: healSeconds,
      recordsMoved,
      syncIntervalMs,
      rawSync: { records: sizes.rawSyncRecords, recordsPerSecond: raw.catchUp.recordsPerSecond },
      digestsEqual: true,
      finalCount,
      linkedSeconds: Math.max(...linked),
      unlinkedSeconds: Math.max(...unlinked),
      sessions: {
        count: sessions.length,
        failed: sessions.filter(x => x.error != null).length,
        ...(sessions.find(x => x.error != null) != null ? { firstError: sessions.find(x => x.error != null)?.error } : {}),
        recordsAdded: sessions.reduce((a, x) => a + x.added, 0),
        maxMs: Math.max(0, ...sessions.map(x => x.ms)),
        moving: sessions.filter(x => x.added > 0).length,
        movingMs: sessions.filter(x => x.added > 0).map(x => Math.round(x.ms))
      }
    }
  } finally {
    for (const n of nodes) await n.stop().catch(() => {})
  }
}

/** (4) strangers' valid records for `seconds`, from a few relaying peers */
async function flood (root: string, sizes: { seconds: number, bounds: ParkingConfig, scale: number }, log: (l: string) => void): Promise<ConvergenceResult['flood']> {
  const home = join(root, 'flood')
  const node = await startNode(home, { parking: sizes.bounds })
  const gc = gcFunction()
  try {
    const { id } = await node.collectives.create({ name: 'Flooded', admission: { policy: 'invite', quorum: 1 } })
    await node.collectives.view.idle()
    const strangers = newSigners(32)
    const peers = Array.from({ length: 8 }, (_, i) => `12D3KooWFloodPeer${i}`)
    // half the flood names only what the node holds (assets of strangers: refused, nothing stored), half names a
    // record the node lacks (licenses of assets that do not exist: held waiting, within the bounds)
    const make = (i: number): Uint8Array => i % 2 === 0
      ? issueRecord('asset', {
        id: `ipfs://${CONTENT}`, mediaType: 'image/png', byteSize: 1000 + i, title: `Flood ${i}`,
        creators: [{ id: strangers[i % strangers.length].did, role: 'author', share: 10000 }]
      }, { signer: strangers[i % strangers.length], crypto: nativeCrypto, collective: id }).bytes
      : issueRecord('license', { asset: recordCidString(randomBytes(64), nativeCrypto), terms: OPEN_TERMS, royaltyPolicy: 'LAP' },
        { signer: strangers[i % strangers.length], crypto: nativeCrypto, collective: id }).bytes
    const validateOnlyPerSecond = validateRate(Array.from({ length: 2000 }, (_, i) => make(i)))

    gc?.()
    const indexBefore = await node.index.count()
    const stateBefore = await dirBytes(home)
    const mem0 = process.memoryUsage()
    const outcomes: Record<string, number> = {}
    const trace: number[] = []
    const stateTrace: number[] = []
    const rssTrace: number[] = []
    let signMs = 0
    let offered = 0
    let offeredBytes = 0
    const started = performance.now()
    const end = started + sizes.seconds * 1000
    let nextTrace = started + sizes.seconds * 100
    const worker = async (): Promise<void> => {
      while (performance.now() < end) {
        const i = offered++
        const s0 = performance.now()
        const bytes = make(i)
        signMs += performance.now() - s0
        offeredBytes += bytes.byteLength
        try {
          const out = await node.records.ingest(bytes, { source: 'gossip', scope: id, peer: peers[i % peers.length] })
          outcomes[out.status] = (outcomes[out.status] ?? 0) + 1
        } catch (err: any) {
          const k = `error ${err.code ?? err.name}`
          outcomes[k] = (outcomes[k] ?? 0) + 1
        }
        if (performance.now() >= nextTrace) {
          nextTrace += sizes.seconds * 100
          trace.push(node.parking.bytes)
          stateTrace.push(await dirBytes(home))
          rssTrace.push(process.memoryUsage().rss)
        }
      }
    }
    // 64 in flight: what a few gossip connections deliver at once
    await Promise.all(Array.from({ length: 64 }, worker))
    const seconds = (performance.now() - started) / 1000
    await node.collectives.view.idle()
    gc?.()
    const mem1 = process.memoryUsage()
    const stateAfter = await dirBytes(home)
    log(`  ${offered} records offered in ${seconds.toFixed(1)} s: ${JSON.stringify(outcomes)}`)
    return {
      seconds,
      strangers: strangers.length,
      peers: peers.length,
      offered,
      offeredBytes,
      outcomes,
      offeredPerSecond: offered / seconds,
      validateOnlyPerSecond,
      bounds: sizes.bounds,
      scale: sizes.scale,
      parkedEntries: node.parking.count,
      parkedBytes: node.parking.bytes,
      indexDelta: await node.index.count() - indexBefore,
      stateBefore,
      stateAfter,
      rssBefore: mem0.rss,
      rssAfter: mem1.rss,
      heapBefore: mem0.heapUsed,
      heapAfter: mem1.heapUsed,
      parkedBytesTrace: trace,
      stateTrace,
      rssTrace,
      signSeconds: signMs / 1000
    }
  } finally {
    await node.stop()
  }
}

/** Run the four measurements */
export async function benchConvergence (options: ConvergenceOptions = {}): Promise<ConvergenceResult> {
  const quick = options.quick ?? false
  const log = options.log ?? (() => {})
  const root = await mkdtemp(join(tmpdir(), 'atelier-bench-conv-'))
  try {
    // the flood first, so its RSS figures are of a process that has not held the other phases' records
    log(` (4) outsider flood, ${quick ? 10 : 60} s …`)
    const defaults = resolveConfig(join(root, 'none')).parking
    // the flood offers ~40 MiB in 60 s on this machine (~7 MiB in 10 s): bounds scaled down so that they bind
    const scale = quick ? 8 : 4
    const bounds: ParkingConfig = { maxBytes: defaults.maxBytes / scale, maxRecords: defaults.maxRecords / scale, perAuthorBytes: defaults.perAuthorBytes / scale, perPeerBytes: defaults.perPeerBytes / scale }
    const f = await flood(root, { seconds: quick ? 10 : 60, bounds, scale }, log)
    log(' (1) collective ingest, (2) removal …')
    const ir = await ingestAndRemoval(root, quick
      ? { members: 20, records: 5_000, plain: 2_000, removal: 2_000 }
      : { members: 50, records: 50_000, plain: 10_000, removal: 10_000 }, log)
    log(' (3) 10 nodes, partition 3 / 7 …')
    const p = await partition(root, quick ? { recordsPerSide: 200, rawSyncRecords: 2_000 } : { recordsPerSide: 2_000, rawSyncRecords: 20_000 }, log)
    return { quick, ...ir, partition: p, flood: f }
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

const n = (x: number): string => Math.round(x).toLocaleString('en')
const mb = (x: number): string => Math.abs(x) < MiB / 10 ? `${(x / 1024).toFixed(0)} kB` : `${(x / MiB).toFixed(1)} MiB`
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`

/** Markdown of the result */
export function convergenceBenchTable (r: ConvergenceResult): string {
  const { ingest: i, removal: m, partition: p, flood: f } = r
  const stored = Object.entries(f.outcomes).map(([k, v]) => `${k} ${n(v)}`).join(', ')
  return `### (1) Ingest of collective records through the admission path

One node; a collective (invite policy, quorum 1) with ${i.members} members admitted by its admin; ${n(i.records)} records
signed by the members into it (assets, and every 4th record a license of its author's last asset: ${n(i.licenses)};
${i.meanRecordBytes} bytes on average), ingested as a sync session hands them over: \`node.records.ingestMany(group, { source: 'sync', scope })\` in groups of
${INGEST_GROUP}, ${SYNC_CONCURRENCY} records in flight. Timed until every record is counted in the collective (a license that
overtakes its asset is judged after its group's accepted records are written, src/node/record-group.ts; outcomes: ${Object.entries(i.outcomes).map(([k, v]) => `${k} ${n(v)}`).join(', ')}). The two limits were measured in the same run, just before.

| measure | result | limit, same run | ratio | target |
|---|---|---|---|---|
| collective records counted per second | ${n(i.recordsPerSecond)}/s (${i.seconds.toFixed(1)} s) | validation alone, one thread: ${n(i.validateOnlyPerSecond)}/s | ${ratio(i.recordsPerSecond, i.validateOnlyPerSecond)} | ≥ 1.5x (issue 11) |
| | | validation on all ${i.ceiling.threads} cores at once, no messaging: ${n(i.ceiling.allThreadsPerSecond)}/s = ${ratio(i.ceiling.allThreadsPerSecond, i.ceiling.oneThreadPerSecond)} one thread's ${n(i.ceiling.oneThreadPerSecond)}/s (CPU per record ${i.ceiling.oneThreadCpuUs.toFixed(0)} µs alone, ${i.ceiling.allThreadsCpuUs.map(u => u.toFixed(0)).join(' / ')} µs each together) | ${ratio(i.recordsPerSecond, i.ceiling.allThreadsPerSecond)} | |
| | | the same door, ${n(i.plainRecords)} records of no collective (\`source: 'import'\`): ${n(i.plainPerSecond)}/s | ${ratio(i.recordsPerSecond, i.plainPerSecond)} | |
${cpuRows(i.cpuPerRecord, i.validateOnlyPerSecond)}

### (2) A removal that retires ${n(m.records)} of an author's records

The same node: one more member with ${n(m.records)} counted records in the collective (ingested as above); the admin
signs their removal effective 1 ms after their admission, before all of them. Timed from the removal's issue until
the view is idle and the index counts none of the author's records in the collective.

| measure | result | limit, same run | ratio |
|---|---|---|---|
| removal until ${n(m.records)} records retired | ${n(m.ms)} ms, ${n(m.recordsPerSecond)} records/s | ingest of those records just before: ${n(m.ingestPerSecond)}/s | ${ratio(m.recordsPerSecond, m.ingestPerSecond)} |
| records held afterwards as \`outside\` / \`not-member\` | ${n(m.heldOutside)} of ${n(m.records)}; all held, by status / rule: ${Object.entries(m.rules).map(([k, v]) => `\`${k}\` ${n(v)}`).join(', ')} | | |
| index count change (the removal record in, the records out) | ${m.indexDelta >= 0 ? '+' : ''}${n(m.indexDelta)} | −${n(m.records)} + 1 | |

### (3) 10 nodes converge after a 3 / 7 partition heals

${p.nodes} nodes in this process on loopback, one collective with 10 members; side A (3 nodes) joins through its first
node, side B (7) through its first node, which took the collective's records by hand, so no node of one side ever
dials the other. Each side writes ${n(p.recordsPerSide)} records (round-robin over its nodes, \`source: 'import'\`, spread by
gossip and sync) and settles on one digest (side A ${p.sideSettleSeconds[0].toFixed(1)} s, side B ${p.sideSettleSeconds[1].toFixed(1)} s). Heal:
each node of side A dials one node of side B (${p.links} links). Timed until all ${p.nodes} nodes report the same
\`collectives.digest(id)\` (${n(p.finalCount)} records). Periodic sync at the default ${n(p.syncIntervalMs / 1000)} s; a record received by
sync is not published on gossip, but a node that took records in by sync reconciles with all its peers once none has
arrived for 500 ms (src/node/collective-network.ts), so a node with no link gets them a session later, not a
periodic round later. All ${p.nodes} nodes share this process's 2 cores: the floor is every copy ingested once at the
collective ingest rate of (1).

| measure | result | limit, same run | ratio |
|---|---|---|---|
| heal until every digest is equal | ${p.seconds.toFixed(1)} s | periodic sync interval: ${n(p.syncIntervalMs / 1000)} s | ${ratio(p.seconds * 1000, p.syncIntervalMs)} |
| … the 6 nodes with a link complete after | ${p.linkedSeconds.toFixed(1)} s | | ${ratio(p.linkedSeconds * 1000, p.syncIntervalMs)} |
| … the 4 nodes of side B without a link complete after | ${p.unlinkedSeconds.toFixed(1)} s | | ${ratio(p.unlinkedSeconds * 1000, p.syncIntervalMs)} |
| sync sessions started until then (initiator side) | ${p.sessions.count}, ${p.sessions.failed} failed${p.sessions.firstError != null ? ` (first: ${p.sessions.firstError.replace(/\|/g, '/')})` : ''}; ${p.sessions.moving} moved records (${n(p.sessions.recordsAdded)} added by initiators; their durations ${p.sessions.movingMs.join(', ')} ms) | | |
| heal against the ingest floor | ${p.seconds.toFixed(1)} s | ${n(p.recordsMoved)} copies at (1)'s ${n(i.recordsPerSecond)}/s: ${(p.recordsMoved / i.recordsPerSecond).toFixed(1)} s | ${ratio(p.seconds, p.recordsMoved / i.recordsPerSecond)} |
| record copies moved (each node's missing side) | ${n(p.recordsMoved)}, ${n(p.recordsMoved / p.seconds)} records/s | one raw sync session, ${n(p.rawSync.records)} records (bench/sync.ts): ${n(p.rawSync.recordsPerSecond)}/s | ${ratio(p.recordsMoved / p.seconds, p.rawSync.recordsPerSecond)} |

### (4) An outsider flooding valid records for ${Math.round(f.seconds)} s

${f.strangers} stranger keys (no standing in the collective) sign valid records of it: half are assets, which name only
what the node holds and are refused with nothing stored (protocols/collectives.md §6.3), half licenses of assets
that do not exist, which name a record the node lacks and are held waiting, within the bounds. Delivered through
\`node.records.ingest(bytes, { source: 'gossip', scope, peer })\` from ${f.peers} relaying peer ids, 64 in flight, signed on the
fly on the same thread (${f.signSeconds.toFixed(1)} s of the ${f.seconds.toFixed(1)} s went to signing). Outcomes: ${stored}. Bounds: \`parking\` = maxBytes ${mb(f.bounds.maxBytes)}, maxRecords
${n(f.bounds.maxRecords)}, perAuthorBytes ${mb(f.bounds.perAuthorBytes)}, perPeerBytes ${mb(f.bounds.perPeerBytes)} (the defaults ÷ ${f.scale}, so that
what the flood offers here exceeds them). Run first in the process; RSS and heap after a gc.

| measure | result | limit, same run | ratio | target |
|---|---|---|---|---|
| records offered | ${n(f.offered)} (${mb(f.offeredBytes)}), ${n(f.offeredPerSecond)}/s | validation alone, one thread: ${n(f.validateOnlyPerSecond)}/s | ${ratio(f.offeredPerSecond, f.validateOnlyPerSecond)} | |
| parking lot at the end: bytes held | ${mb(f.parkedBytes)} | maxBytes ${mb(f.bounds.maxBytes)}; ${f.strangers} authors × perAuthorBytes = ${mb(f.strangers * f.bounds.perAuthorBytes)}; ${f.peers} peers × perPeerBytes = ${mb(f.peers * f.bounds.perPeerBytes)} | ${ratio(f.parkedBytes, Math.min(f.bounds.maxBytes, f.strangers * f.bounds.perAuthorBytes, f.peers * f.bounds.perPeerBytes))} of the tightest | ≤ 1× |
| parking lot at the end: entries | ${n(f.parkedEntries)} | maxRecords ${n(f.bounds.maxRecords)} | ${ratio(f.parkedEntries, f.bounds.maxRecords)} | ≤ 1× |
| lot bytes during the flood (every 10 %) | ${f.parkedBytesTrace.map(b => (b / MiB).toFixed(1)).join(' · ')} MiB | | | flat at the bound |
| state dir during the flood (same instants) | ${f.stateTrace.map(b => (b / MiB).toFixed(1)).join(' · ')} MiB | when the lot reached its bound: ${mb(afterBound(f.stateTrace, f.parkedBytesTrace, f.bounds.maxBytes).at)} | largest after it ${ratio(afterBound(f.stateTrace, f.parkedBytesTrace, f.bounds.maxBytes).max, afterBound(f.stateTrace, f.parkedBytesTrace, f.bounds.maxBytes).at)} of that | flat (≤ 1.1×) |
| RSS during the flood (same instants, no gc) | ${f.rssTrace.map(b => (b / MiB).toFixed(0)).join(' · ')} MiB | when the lot reached its bound: ${mb(afterBound(f.rssTrace, f.parkedBytesTrace, f.bounds.maxBytes).at)} | largest after it ${ratio(afterBound(f.rssTrace, f.parkedBytesTrace, f.bounds.maxBytes).max, afterBound(f.rssTrace, f.parkedBytesTrace, f.bounds.maxBytes).at)} of that | flat (≤ 1.1×) |
| index count change | ${f.indexDelta} | | | 0 |
| state dir growth | ${mb(f.stateAfter - f.stateBefore)} (${mb(f.stateBefore)} → ${mb(f.stateAfter)}) | maxBytes ${mb(f.bounds.maxBytes)}; offered ${mb(f.offeredBytes)} | ${ratio(f.stateAfter - f.stateBefore, f.bounds.maxBytes)} / ${ratio(f.stateAfter - f.stateBefore, f.offeredBytes)} | a fixed bound |
| RSS growth (heap growth) | ${mb(f.rssAfter - f.rssBefore)} (${mb(f.heapAfter - f.heapBefore)}) | RSS before: ${mb(f.rssBefore)} | ${ratio(f.rssAfter, f.rssBefore)} | a fixed bound |`
}

/**
 * A trace after the lot first reached its bound (95 % of maxBytes): the value at that instant and the largest after
 * it. Before, the lot is still filling; after, a bounded node stays flat.
 */
function afterBound (trace: number[], lot: number[], maxBytes: number): { at: number, max: number } {
  const i = lot.findIndex(b => b >= 0.95 * maxBytes)
  if (i < 0 || trace.length === 0) return { at: NaN, max: NaN }
  return { at: trace[i], max: Math.max(...trace.slice(i)) }
}

/**
 * Where an ingested record's CPU goes, by kind of thread, beside one validation on one thread (the limit): on two
 * cores, ingest reaches 1.5× that rate only if all of it together stays within 2 / 1.5 validations
 */
function cpuRows (cpu: ThreadCpu, validateOnlyPerSecond: number): string {
  const total = cpu.main + cpu.workers + cpu.v8 + cpu.libuv + cpu.other
  if (total === 0) return '| CPU per record by thread | not measured (Linux only) | | | |'
  const v = 1e6 / validateOnlyPerSecond
  const row = (what: string, us: number): string => `| CPU per record: ${what} | ${us.toFixed(0)} µs | one validation, one thread: ${v.toFixed(0)} µs | ${(us / v).toFixed(2)}x | |`
  return [
    row('the whole process', total),
    row('main thread (parsing the validated record, admission, index entries, events)', cpu.main),
    row('validation workers', cpu.workers),
    row('V8 helper threads (concurrent GC, compilation)', cpu.v8),
    row('libuv pool and LevelDB (reads, writes, compaction)', cpu.libuv + cpu.other)
  ].join('\n') + `\n| | | budget for 1.5x on 2 cores: ${(2 / 1.5 * v).toFixed(0)} µs per record in all | ${(total / (2 / 1.5 * v)).toFixed(2)}x of it | |`
}

/** The section of docs/benchmarks.md, heading included (bench/run.ts writes it; `--doc` below replaces it alone) */
export function convergenceSection (r: ConvergenceResult, note = ''): string {
  return `## Convergence (issue 9)

What the node counts is what the collective view counts (src/node/collective-view.ts); records of a collective pass the
admission policy, a membership change judges again and retires, and the parking lot (\`parking\` config) holds what is
not counted. In-process nodes on loopback (\`bench/convergence.ts\`${r.quick ? ' --quick' : ''}).${note !== '' ? '\n\n' + note : ''}

${convergenceBenchTable(r)}
`
}

if (import.meta.main) {
  await withDaemonFlags()
  const quick = process.argv.includes('--quick')
  const log = (l: string): void => { process.stderr.write(l + '\n') }
  const load = loadavg().map(x => x.toFixed(2)).join(' / ')
  const r = await benchConvergence({ quick, log })
  const section = convergenceSection(r, `Re-run alone on ${new Date().toISOString().slice(0, 10)} with \`node bench/convergence.ts${quick ? ' --quick' : ''} --doc\`, the rest of this file unchanged; load average (1 / 5 / 15 min) before the run ${load}, after ${loadavg().map(x => x.toFixed(2)).join(' / ')}.`)
  if (process.argv.includes('--doc')) {
    const { readFile, writeFile } = await import('node:fs/promises')
    const { dirname } = await import('node:path')
    const { fileURLToPath } = await import('node:url')
    const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'benchmarks.md')
    const doc = await readFile(file, 'utf8')
    const at = doc.indexOf('## Convergence (issue 9)')
    // the section runs to the next level-2 heading or the end
    const after = at < 0 ? -1 : doc.indexOf('\n## ', at + 1)
    const updated = at < 0
      ? doc.trimEnd() + '\n\n' + section
      : doc.slice(0, at) + section + (after < 0 ? '' : doc.slice(after))
    await writeFile(file, updated)
    log(`written ${file}`)
  } else {
    console.log(section)
  }
}
