/**
 * A node's record core without its network, for the model-checking tests: the real RecordIndex (Level on disk),
 * the real state database and ParkingLot, the real RecordService door and the real CollectiveService (admission,
 * membership directory, collective view), records stored in the index as on a node. No blockstore: a record is
 * read back by CID from the index's stored bodies, as the node's blockstore does.
 * No gossip or sync: the test delivers records itself, in the orders it chooses.
 */
import { EventEmitter } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { RecordIndex } from '../../src/index/index.ts'
import { NodeState } from '../../src/node/state.ts'
import { ParkingLot } from '../../src/node/parking.ts'
import { hasStanding } from '../../src/node/membership-directory.ts'
import type { ParkedRecord } from '../../src/node/parking.ts'
import { RecordService } from '../../src/node/record-service.ts'
import { CollectiveService } from '../../src/node/collective-service.ts'
import { silentLogger } from '../../src/node/logger.ts'
import { pino } from 'pino'
import { nativeCrypto } from '../../src/identity/ed25519-native.ts'
import { createSigner } from '../../src/records/index.ts'
import { resolveConfig } from '../../src/config.ts'
import type { PeerKeeper } from '../../src/net/peers.ts'
import type { ValidRecord } from '../../src/records/index.ts'

/** Records by CID from the index's stored bodies, as the node's blockstore reads them */
class IndexRecordStore {
  private readonly core: { index: RecordIndex }
  constructor (core: { index: RecordIndex }) { this.core = core }
  async getRecord (cid: string): Promise<Uint8Array> {
    const b = await this.core.index.stored(cid)
    if (b == null) throw Object.assign(new Error(`no record ${cid}`), { name: 'NotFoundError' })
    return b
  }
}

/** A PeerKeeper with no peers: this core has no network */
function noPeers (): PeerKeeper {
  return Object.assign(new EventEmitter(), { list: () => [] }) as unknown as PeerKeeper
}

const config = resolveConfig('/nonexistent', {})

export class ViewCore {
  readonly dir: string
  readonly blocks = new IndexRecordStore(this)
  index!: RecordIndex
  state!: NodeState
  parking!: ParkingLot
  records!: RecordService
  collectives!: CollectiveService

  /** when set, `redeliver` hands records over in groups of this size (ingestMany), as sync sessions do */
  groupSize: number | undefined

  private constructor (dir: string) { this.dir = dir }

  static async create (): Promise<ViewCore> {
    const core = new ViewCore(await mkdtemp(join(tmpdir(), 'atelier-view-')))
    await core.open()
    return core
  }

  async open (): Promise<void> {
    const logger = process.env.DEBUG_VIEW != null ? pino({ level: 'debug', base: { node: this.dir.slice(-6) } }, pino.destination({ dest: '/tmp/view-debug.log', sync: true })) : silentLogger()
    this.index = new RecordIndex({ path: join(this.dir, 'index'), logger })
    await this.index.open()
    this.state = new NodeState(join(this.dir, 'state'))
    await this.state.open()
    this.parking = new ParkingLot({ state: this.state, logger }, config.parking)
    await this.parking.open()
    const signer = createSigner(new Uint8Array(32).fill(77), nativeCrypto)
    this.records = new RecordService({
      crypto: nativeCrypto,
      store: this.blocks,
      index: this.index,
      signer,
      logger,
      parking: this.parking,
      admission: { admit: async (record, source) => await this.collectives.admit(record, source) }
    }, { records: config.records, ingest: config.ingest })
    this.collectives = new CollectiveService({
      records: this.records,
      index: this.index,
      store: this.blocks,
      state: this.state,
      parking: this.parking,
      crypto: nativeCrypto,
      logger,
      did: signer.did,
      peers: noPeers(),
      localPeerId: 'none',
      addresses: () => []
    })
    await this.collectives.start()
    if (this.parking.count > 0) await this.records.sweep()
  }

  /** Stop cleanly, as a daemon does on Ctrl+C */
  async restart (): Promise<void> {
    await this.close()
    await this.open()
  }

  /** Deliver one record as the network would; refusals are answers too */
  async deliver (bytes: Uint8Array, scope: string): Promise<string> {
    try {
      return (await this.records.ingest(bytes, { source: 'gossip', scope, peer: 'peer' })).status
    } catch (err: any) {
      return err.code ?? 'error'
    }
  }

  /** Deliver records as one group of a sync session (RecordService.ingestMany); refusals are answers too */
  async deliverGroup (group: Uint8Array[], scope: string): Promise<string[]> {
    const outcomes = await this.records.ingestMany(group.map(bytes => ({ bytes })), { source: 'sync', scope, peer: 'peer' })
    return outcomes.map(o => o instanceof Error ? (o as { code?: string }).code ?? 'error' : o.status)
  }

  /** Whether the node holds a record, counted or not */
  async holds (cid: string): Promise<boolean> {
    return await this.index.has(cid) || await this.parking.get(cid) != null
  }

  /**
   * Deliver again, as sync rounds would, those of `records` the node does not hold, until a round changes nothing
   * (a record refused while its author had no standing comes back once a membership record names the author)
   */
  async redeliver (records: ValidRecord[], scope: string, rounds = 6): Promise<void> {
    for (let round = 0; round < rounds; round++) {
      const missing: ValidRecord[] = []
      for (const r of records) if (!(await this.holds(r.cid))) missing.push(r)
      if (missing.length === 0) return
      let changed = false
      if (this.groupSize != null) {
        // as sync rounds hand them over: in groups
        for (let i = 0; i < missing.length; i += this.groupSize) {
          await this.deliverGroup(missing.slice(i, i + this.groupSize).map(r => r.bytes), scope)
          await this.settled()
        }
        for (const r of missing) if (await this.holds(r.cid)) changed = true
        if (!changed) return
        continue
      }
      for (const r of missing) {
        const got = await this.deliver(r.bytes, scope)
        if (process.env.DEBUG_VIEW != null) console.error(`redeliver ${this.dir.slice(-6)} ${r.kind} ${r.cid.slice(-6)} ${r.author.slice(-6)} -> ${got}`)
        await this.settled()
        if (await this.holds(r.cid)) changed = true
      }
      if (!changed) return
    }
  }

  /** Wait until every change the view queued is applied and no batch is being written */
  async settled (): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await this.collectives.view.idle()
      await this.records.idle()
    }
    await this.collectives.view.idle()
  }

  /** What the node counts and holds for one collective, in a comparable form */
  async answers (collective: string, probes: string[]): Promise<Record<string, unknown>> {
    const cids: string[] = []
    let cursor: string | undefined
    do {
      const page = await this.index.query({ collective, limit: 1000, cursor, order: 'asc' })
      cids.push(...page.items.map(s => s.cid))
      cursor = page.cursor ?? undefined
    } while (cursor != null)
    cids.sort()
    const digest = createHash('sha256').update(cids.join('\n')).digest('hex')
    const state = await this.collectives.directory.load(collective)
    const parked: Array<Pick<ParkedRecord, 'cid' | 'status' | 'rule'>> = []
    for (const e of await this.parking.ofCollective(collective)) parked.push({ cid: e.cid, status: e.status, rule: e.rule, ...(process.env.DEBUG_VIEW != null ? { deps: e.deps, reason: e.reason, source: e.source } : {}) } as any)
    parked.sort((a, b) => a.cid < b.cid ? -1 : 1)
    const lineage: Record<string, unknown> = {}
    for (const p of probes) {
      const l = await this.index.lineage(p, { direction: 'both' })
      lineage[p] = { nodes: l.nodes.map(n => `${n.cid}:${n.present}`).sort(), edges: l.edges.map(e => `${e.from}>${e.to}`).sort() }
    }
    const licenses: Record<string, string[]> = {}
    for (const p of probes) licenses[p] = (await this.index.query({ asset: p, limit: 1000 })).items.map(s => s.cid).sort()
    return {
      digest,
      count: cids.length,
      ...(process.env.DEBUG_VIEW != null ? { cids: await Promise.all(cids.map(async c => { const x = await this.index.get(c); return `${c.slice(-6)} ${x?.kind} ${x?.author.slice(-6)} ${x?.time}` })) } : {}),
      members: state?.membership.members(),
      pending: state?.membership.pending.map(p => `${p.action}:${p.member}:${p.effectiveFrom}:${p.signers.join(',')}`),
      parked,
      // who has standing (held outside rather than refused): a function of the held set too
      standing: state != null ? [...state.named.keys()].filter(did => hasStanding(state, did)).sort() : [],
      lineage,
      licenses
    }
  }

  async close (): Promise<void> {
    await this.collectives.stop()
    await this.records.stop()
    await this.index.close()
    await this.state.close()
  }

  async destroy (): Promise<void> {
    await this.close()
    await rm(this.dir, { recursive: true, force: true })
  }
}
