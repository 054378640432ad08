/**
 * AtelierNode: the composition root. It builds the parts in dependency order (identity → storage → index →
 * record service → gateway), hands each one what it needs, starts them in that order, stops them in reverse,
 * and undoes a half-done start so a failed start never leaves a part running.
 */
import { PrivateKeys, wirePrivateKeys } from './private-keys.ts'
import { PrivateTraffic } from './private-traffic.ts'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { AtelierConfig } from '../config.ts'
import { NotReadyError } from '../errors.ts'
import { homePaths, nativeCrypto, readIdentity } from '../identity/index.ts'
import type { Identity } from '../identity/index.ts'
import { createContentStore } from '../store/index.ts'
import type { ContentStoreNode } from '../store/index.ts'
import { RecordIndex } from '../index/index.ts'
import { assetContentCid, createSigner, issueRecord, validateRecord } from '../records/index.ts'
import type { ValidRecord } from '../records/types.ts'
import type { RebuildItem } from '../index/index.ts'
import { createGateway, VERSION } from '../gateway/index.ts'
import { WorkFingerprinter } from './work-fingerprints.ts'
import { createSimilarityService } from './similarity-wiring.ts'
import { createDiscoveryService } from './discovery-service.ts'
import type { DiscoveryService } from './discovery-service.ts'
import type { SimilarityService } from './similarity-service.ts'
import { GovernanceService } from './governance-service.ts'
import { STATE_KINDS } from './membership-directory.ts'
import { createIndexLineageView } from '../lineage/index-view.ts'
import type { Gateway, NodeInfo } from '../gateway/index.ts'
import { RecordService } from './record-service.ts'
import { ValidationPool } from '../identity/validation-pool.ts'
import { NodeState, levelMemory } from './state.ts'
import { FUTURE_RULE, ParkingLot } from './parking.ts'
import { FutureRelease } from './future-release.ts'
import { CollectiveService } from './collective-service.ts'
import { PeerKeeper } from '../net/peers.ts'
import type { KnownPeer } from '../net/peers.ts'
import { withReachability } from '../net/libp2p-config.ts'
import { addressFacts, judgeReachability } from '../net/reachability.ts'
import type { Reachability } from '../net/reachability.ts'
import type { BaseLibp2pServices } from '../net/libp2p-config.ts'
import { MemberGate } from './member-gate.ts'
import type { Libp2pOptions } from 'libp2p'
import { createGossipChannel, gossipsubService } from '../net/gossip/index.ts'
import type { GossipChannel, GossipRouter } from '../net/gossip/index.ts'
import { sync as syncService } from '../net/sync/index.ts'
import type { SyncProtocol, SyncStats } from '../net/sync/index.ts'
import { EventEmitter } from 'node:events'
import { peerIdFromString } from '@libp2p/peer-id'
import { NodeSyncSource } from './sync-source.ts'
import { LinkDirectory } from './link-directory.ts'
import { NameDirectory } from '../profiles/name-directory.ts'
import { createMetrics } from './metrics.ts'
import { SyncLag, observeNode } from './node-metrics.ts'
import type { NodeMetrics } from './metrics.ts'
import { CardDirectory, MemberDialer, createMemberExchange } from '../net/members/index.ts'
import { memberCardStore } from './member-cards.ts'
import { holdLegacyBlocks, judgeUnaccounted, removeLegacyBlocks } from './record-migration.ts'
import { SyncProgress } from './sync-progress.ts'
import { startReplication } from './replication-wiring.ts'
import { markRunning, markStopped, reconcileAfterCrash } from './reconcile.ts'
import type { EpochKeySource } from '../private/epoch-source.ts'

/** The libp2p services of a node: identify (base), gossipsub and history sync */
export type NodeServices = BaseLibp2pServices & { pubsub: GossipRouter, sync: SyncProtocol }

/**
 * Validate one throwaway record so the record schemas compile now: compiling them on the first record that
 * arrives stalled a node for up to a second, which gossip then saw as latency.
 */
function warmUp (): void {
  const signer = createSigner(new Uint8Array(32), nativeCrypto)
  const record = issueRecord('attestation', { record: WARM_UP_CID, claim: 'other' }, { signer, crypto: nativeCrypto })
  validateRecord(record.bytes, { crypto: nativeCrypto })
}
const WARM_UP_CID = 'bagaaieraxbk5shnqdpbe6gdp4ddkwnfufxllsyd3zjlisimhkqnivkl7yvoq'

export type NodeStatus = 'stopped' | 'starting' | 'started' | 'stopping'

export interface AtelierNodeInit {
  config: AtelierConfig
  logger: Logger
  /** collect process metrics (off in tests that run many nodes in one process). @default true */
  processMetrics?: boolean
  /** the node's clock, epoch ms: what admission holds future-dated records against and what a provenance report is
   * made for by default (tests pass one to move time). Records the node signs are still dated by the machine's
   * clock. @default Date.now */
  clock?: () => number
  /** the epoch keys content encryption uses (a private collective's uploads are encrypted before they are addressed
   * and read back as plaintext on loopback). @default the node's own, from the key records of the private
   * collectives its creator is a member of (src/node/private-keys.ts); tests pass fixed keys */
  epochKeys?: EpochKeySource
}

/** How stale the storage figures of /v1/node may be */
const USAGE_TTL_MS = 30_000

/** Where the index and the node's own state live inside the data dir */
const INDEX_DIR = 'index'
const STATE_DIR = 'state'

export class AtelierNode {
  readonly config: AtelierConfig
  /** every finished sync session, either role (metrics, benchmarks, tests) */
  private similarityValue?: SimilarityService
  private discoveryValue?: DiscoveryService
  readonly syncSessions = new EventEmitter<{ session: [SyncStats, Error | undefined] }>()
  private readonly log: Logger
  private readonly processMetrics: boolean
  private readonly clock: () => number
  private readonly epochKeysOverride?: EpochKeySource
  private statusValue: NodeStatus = 'stopped'
  private identityValue?: Identity
  /** who may reserve a slot on this node's relay and be relayed by it (members only) */
  private memberGate?: MemberGate
  private storage?: ContentStoreNode<NodeServices>
  private indexValue?: RecordIndex
  private recordsValue?: RecordService
  private gateway?: Gateway
  private collectivesValue?: CollectiveService
  private peersValue?: PeerKeeper
  private gossipValue?: GossipChannel
  private parkingValue?: ParkingLot
  private namesValue?: NameDirectory
  private privateKeysValue?: PrivateKeys
  private metricsValue?: NodeMetrics
  private gatewayUrlValue?: string
  private usageCache?: { at: number, changes: number, value: { blocks: number, bytes: number } }
  private usageRefresh?: Promise<{ blocks: number, bytes: number }>
  /** aborted when the node stops, so long work (a reindex) ends instead of holding the shutdown up */
  private shutdown = new AbortController()
  /** catch-up figures of each collective's sync sessions (GET /v1/collectives/<id>, atelier join) */
  private readonly syncProgress = new SyncProgress({ active: () => this.storage?.status === 'started' ? this.storage.libp2p.services.sync.active() : [] })
  /** seconds since each collective's last successful sync (metrics) */
  private readonly syncLag = new SyncLag()
  /** undo steps of a start, run in reverse by stop() */
  private readonly stopSteps: Array<{ name: string, run: () => Promise<void> }> = []

  constructor (init: AtelierNodeInit) {
    this.config = init.config
    this.log = init.logger
    this.processMetrics = init.processMetrics ?? true
    this.clock = init.clock ?? Date.now
    if (init.epochKeys != null) this.epochKeysOverride = init.epochKeys
  }

  get status (): NodeStatus { return this.statusValue }
  get identity (): Identity { return this.ready(this.identityValue) }
  get records (): RecordService { return this.ready(this.recordsValue) }
  get index (): RecordIndex { return this.ready(this.indexValue) }
  get store (): ContentStoreNode<NodeServices> { return this.ready(this.storage) }
  get metrics (): NodeMetrics { return this.ready(this.metricsValue) }
  get gatewayUrl (): string { return this.ready(this.gatewayUrlValue) }
  get collectives (): CollectiveService { return this.ready(this.collectivesValue) }
  get peers (): PeerKeeper { return this.ready(this.peersValue) }
  get gossip (): GossipChannel { return this.ready(this.gossipValue) }
  get parking (): ParkingLot { return this.ready(this.parkingValue) }
  get names (): NameDirectory { return this.ready(this.namesValue) }
  /** the epoch keys of private collectives: the EpochKeySource content encryption reads (src/private/epoch-source.ts) */
  get privateKeys (): PrivateKeys { return this.ready(this.privateKeysValue) }
  get discovery (): DiscoveryService { return this.ready(this.discoveryValue) }

  private ready<T> (value: T | undefined): T {
    if (value == null) throw new NotReadyError('the node is not started')
    return value
  }

  /** Start every part; on failure, stop what had started and rethrow */
  async start (): Promise<void> {
    if (this.statusValue !== 'stopped') return
    this.statusValue = 'starting'
    this.shutdown = new AbortController()
    try {
      await this.startParts()
      this.statusValue = 'started'
    } catch (err) {
      this.log.error({ err }, 'start failed; stopping what had started')
      await this.runStopSteps()
      this.statusValue = 'stopped'
      throw err
    }
  }

  private async startParts (): Promise<void> {
    const { config } = this
    const identity = this.identityValue = await readIdentity(config.home)
    this.log.info({ did: identity.did, peerId: identity.peerId, home: config.home }, 'starting node')
    // a start that finds the marker of a run that never stopped cleanly reconciles the stores (reconcile.ts)
    const crashed = await markRunning(config.home)
    if (crashed != null) this.log.warn({ lastRun: crashed }, 'the last run on this data dir did not stop cleanly')

    // sync serves what the index holds and hands what peers send to the record service, both built below
    const traffic = new PrivateTraffic()
    const syncSource = new NodeSyncSource({
      servesAll: (scope, peer) => traffic.servesAll(scope, peer),
      index: { query: async (q) => await this.index.query(q), get: async (cid) => await this.index.get(cid), bodies: async (cids) => await this.index.bodies(cids), collectiveRecords: (id) => this.index.collectiveRecords(id) },
      records: () => this.records,
      scopes: () => this.collectives.joinedIds(),
      logger: this.log
    })
    const storage = this.storage = createContentStore<NodeServices>({
      home: config.home,
      config: config.store,
      privateKey: identity.peerKey,
      listen: config.p2p.listen,
      logger: this.log.child({ component: 'store' }),
      libp2pOptions: (base) => withReachability({
        ...base,
        services: {
          ...base.services,
          pubsub: gossipsubService(),
          sync: syncService(syncSource, {
            maxRecordBytes: config.records.maxBytes,
            onSession: (stats, err) => {
              this.syncProgress.onSession(stats, err)
              this.syncLag.onSession(stats, err)
              this.syncSessions.emit('session', stats, err)
              this.log[err != null ? 'info' : 'debug']({ ...stats, err: err?.message }, err != null ? 'sync session failed' : 'sync session')
            }
          })
        }
      } as Libp2pOptions<NodeServices>, {
        relayServer: config.p2p.relayServer ? { maxReservations: config.p2p.relayMaxReservations } : undefined,
        // the member cards are read once the exchange below exists; until then nobody is a member
        isMemberPeer: async (peer) => await (this.memberGate?.isMember(peer, this.shutdown?.signal) ?? false)
      }) as unknown as Libp2pOptions<NodeServices>
    })
    await storage.start()
    this.stopSteps.push({ name: 'store', run: async () => { await storage.stop() } })

    const index = this.indexValue = new RecordIndex({ path: join(config.home, INDEX_DIR), logger: this.log.child({ component: 'index' }) })
    // records are stored in the index; Helia (bitswap, /ipfs, sync) reads them through the blockstore
    storage.blockstore.attachRecords(index)
    let stale: Error | undefined
    try {
      await index.open()
    } catch (err: any) {
      if (err.name !== 'IndexSchemaError') throw err
      stale = err
    }
    this.stopSteps.push({ name: 'index', run: async () => { storage.blockstore.attachRecords(undefined); await index.close() } })

    const state = new NodeState(join(config.home, STATE_DIR))
    await state.open()
    this.stopSteps.push({ name: 'state', run: async () => { await this.parkingValue?.idle(); await state.close() } })
    const parking = this.parkingValue = new ParkingLot({ state, logger: this.log }, config.parking)
    await parking.open()

    // an older release's record blocks move into the index before anything reads it
    const migration = { store: storage.store, index, logger: this.log }
    await holdLegacyBlocks(migration)
    if (stale != null && !(await index.upgrade())) {
      // a layout this release cannot read as it is (or an interrupted rebuild): rebuilt from the stored bodies
      this.log.warn({ reason: stale.message }, 'index needs rebuilding; rebuilding it from the stored records')
      const started = Date.now()
      const records = await index.rebuild(this.storedRecords())
      this.log.info({ records, ms: Date.now() - started }, 'index rebuilt')
    }

    warmUp()

    const verifier = new ValidationPool({
      maxRecordBytes: config.records.maxBytes,
      ...(config.ingest.validationThreads > 0 ? { workers: config.ingest.validationThreads } : {})
    })
    verifier.start()
    this.stopSteps.push({ name: 'verifier', run: async () => { await verifier.stop() } })

    const metrics = this.metricsValue = createMetrics({
      defaultMetrics: this.processMetrics,
      recordCount: async () => await index.count(),
      peersConnected: () => new Set(storage.libp2p.getConnections().map(c => c.remotePeer.toString())).size,
      held: () => ({ count: parking.count, bytes: parking.bytes }),
      queueDepth: () => this.recordsValue?.queueDepth ?? 0,
      serveBuffers: () => storage.store.lentBuffers(),
      syncLag: () => this.syncLag.lag(this.collectivesValue?.joinedIds() ?? []),
      memory: async () => ({
        workers: await verifier.heapStatistics(),
        leveldb: [
          { db: 'index', bytes: index.nativeMemory() },
          { db: 'state', bytes: state.nativeMemory() },
          { db: 'datastore', bytes: levelMemory(storage.datastore.db) }
        ]
      })
    })
    const records = this.recordsValue = new RecordService(
      {
        crypto: nativeCrypto,
        store: storage.store,
        index,
        signer: identity.signer,
        logger: this.log,
        verifier,
        parking,
        syncParking: async () => { await state.sync() },
        // the collectives service is built below, once the record service it needs exists
        admission: { admit: async (record, source) => await this.collectives.admit(record, source) }
      },
      { records: config.records, ingest: config.ingest }
    )
    // subscribers: the node's own services (a dozen) and one per event-stream client, which the connection bound bounds
    records.setMaxListeners(32 + config.http.maxConnections)
    records.on('record', ({ record, source }) => { metrics.recordsIngested.inc({ source, kind: record.kind }) })
    records.on('duplicate', ({ source }) => { metrics.recordsDuplicate.inc({ source }) })
    // a gc running now keeps the content of an asset record that arrives meanwhile (src/store/gc.ts)
    // (from the parsed record: parsing its bytes again cost a JSON.parse per asset on the ingest path)
    const keepContent = ({ record }: { record: ValidRecord }): void => {
      if (record.kind === 'asset') storage.store.keep(assetContentCid(record as ValidRecord<'asset'>))
    }
    records.on('record', keepContent)
    records.on('held', keepContent)
    records.on('record', syncSource.onRecord)
    const links = new LinkDirectory({ index, logger: this.log })
    records.on('record', links.onRecord)
    // creators' display names (their latest profiles), for every answer that shows a did to a person
    const names = this.namesValue = new NameDirectory({ index, clock: this.clock, logger: this.log })
    records.on('record', names.onRecord)
    records.on('retired', names.onRetired)
    // what was loaded from the old index is dropped when a reindex swaps in a new one (emitted before any read
    // sees it); each reloads on its next use
    index.on('reindexed', () => {
      links.reset()
      names.reset()
      syncSource.reset()
      this.collectivesValue?.reset()
    })
    records.on('rejected', ({ source, error }) => {
      metrics.recordsRejected.inc({ source, code: (error as any).code ?? 'ERR_INTERNAL' })
      this.log.info({ source, code: (error as any).code, msg: error.message }, 'record rejected')
    })
    this.stopSteps.push({ name: 'records', run: async () => { await records.stop() } })

    const gossip = this.gossipValue = createGossipChannel(storage.libp2p)
    gossip.start()
    const unobserve = observeNode(metrics, { gossip, syncSessions: this.syncSessions })
    this.stopSteps.push({ name: 'gossip', run: async () => { unobserve(); gossip.stop() } })

    const peers = this.peersValue = new PeerKeeper({
      libp2p: storage.libp2p,
      logger: this.log,
      store: {
        load: async () => (await state.allJson<KnownPeer>(state.peers)).map(([, p]) => p),
        save: async (p) => { await state.peers.put(p.peerId, JSON.stringify(p)) },
        delete: async (peerId) => { await state.peers.del(peerId) }
      }
    })

    // members learn each other's addresses and stay connected, so a collective is a mesh, not a star
    const memberCards = new CardDirectory(memberCardStore(state), config.p2p.maxMemberCards)
    await memberCards.open()
    const memberPort = {
      isMember: async (collective: string, did: string, atMs: number) => await this.collectives.isMember(collective, did, atMs),
      collectives: () => this.collectives.joinedIds()
    }
    const members = createMemberExchange({
      ...memberPort, libp2p: storage.libp2p, signer: identity.signer, crypto: nativeCrypto, directory: memberCards, addresses: () => this.addresses(), logger: this.log
    }, { intervalMs: config.p2p.memberExchangeMs })
    this.memberGate = new MemberGate({ ...memberPort, directory: memberCards })
    const memberDialer = new MemberDialer({
      ...memberPort, keeper: peers, directory: memberCards, localPeerId: identity.peerId, logger: this.log
    }, { memberPeers: config.p2p.memberPeers })
    members.on('cards', () => { memberDialer.review() })
    records.on('record', ({ record }) => { if (STATE_KINDS.has(record.kind) && record.collective != null) members.membershipChanged(record.collective) })

    const collectives = this.collectivesValue = new CollectiveService({
      records,
      index,
      store: storage.store,
      state,
      parking,
      crypto: nativeCrypto,
      logger: this.log,
      did: identity.did,
      peers,
      addresses: () => this.addresses(),
      localPeerId: identity.peerId,
      gossip,
      sync: {
        syncWith: async (peer, scope, options) => await storage.libp2p.services.sync.syncWith(peerIdFromString(peer), scope, options),
        serving: (peer, scope) => storage.libp2p.services.sync.serving(peer, scope)
      },
      replicate: async (content) => { await storage.store.pin(content, { offline: false, source: 'replication' }) },
      invited: async (collective, peerIds) => { await members.invited(collective, peerIds) },
      syncProgress: (collective) => this.syncProgress.of(collective),
      traffic,
      clock: this.clock
    }, { syncIntervalMs: config.sync.intervalMs, clockSkewMs: config.records.clockSkewMs })
    await collectives.start()
    this.stopSteps.push({ name: 'collectives', run: async () => { await collectives.stop() } })
    const privateKeys = this.privateKeysValue = wirePrivateKeys({ records, index, store: storage.store, collectives, identity, logger: this.log, clock: this.clock })
    traffic.bind({ keys: privateKeys, cardDid: (collective, peer) => memberCards.get(collective, peer)?.did })
    await privateKeys.start()
    this.stopSteps.push({ name: 'private-keys', run: async () => { await privateKeys.stop() } })
    const governance = new GovernanceService({ records, index, directory: collectives.directory, joinedIds: () => collectives.joinedIds(), did: identity.did, logger: this.log, clock: this.clock },
      { receiptDelayMs: config.governance.receiptDelayMs })
    governance.start()
    this.stopSteps.push({ name: 'governance', run: async () => { await governance.stop() } })
    records.on('retired', syncSource.onRetired)
    records.on('retired', links.onRetired)
    // what was held before a crash or a restart is judged again: a dependency may have been committed meanwhile
    if (parking.count > 0) {
      const swept = await records.sweep()
      this.log.info({ ...swept, held: parking.count }, 'held records judged again at start')
    }
    // records dated beyond the clock (rule `future`) are judged again when their time comes; a record held for a
    // time tells the timer, which then looks for the earliest
    const futures = new FutureRelease({ parking, rejudge: async (entry) => { await records.rejudge(entry) }, clock: this.clock, logger: this.log })
    records.on('held', ({ rule }) => { if (rule === FUTURE_RULE) futures.poke() })
    futures.start()
    this.stopSteps.push({ name: 'future-release', run: async () => { await futures.stop() } })
    if (crashed != null) {
      await reconcileAfterCrash({
        blocks: storage.blockstore,
        index,
        records,
        pins: async function * () { for await (const pin of storage.helia.pins.ls()) yield pin.cid },
        logger: this.log
      })
    }
    // stored records nothing accounts for go through the door again; then the old record block files go
    await judgeUnaccounted({ ...migration, parking, records })
    await records.idle()
    await removeLegacyBlocks(migration)
    await peers.start(config.p2p.bootstrap)
    this.stopSteps.push({ name: 'peers', run: async () => { await peers.stop() } })
    await members.start()
    memberDialer.start()
    this.stopSteps.push({ name: 'members', run: async () => { memberDialer.stop(); await members.stop() } })
    // k copies of each work of a `{ copies: k }` collective, spread by rendezvous hashing (src/replication)
    const replication = await startReplication({ self: identity.did, collectives, index, store: storage.store, cards: memberCards, libp2p: storage.libp2p, records, syncSessions: this.syncSessions, clock: this.clock, logger: this.log }, { ...config.replication, maxMemberCards: config.p2p.maxMemberCards })
    members.on('cards', () => { replication.replicator.poke() })
    this.stopSteps.push({ name: 'replication', run: replication.stop })

    // near-duplicate search and unattributed-copy alerts (issue 12): loaded before the gateway answers
    const lineageView = createIndexLineageView({ index, store: storage.store, links })
    const fingerprinter = new WorkFingerprinter({ store: storage.store, maxBytes: config.fingerprints.maxBytes, logger: this.log.child({ component: 'fingerprints' }) })
    const similarity = this.similarityValue = createSimilarityService({ index, lineageView, state, fingerprinter, did: identity.did, maxCandidates: this.config.fingerprints.maxCandidates, logger: this.log.child({ component: 'similarity' }) })
    records.on('record', similarity.onRecord)
    records.on('retired', similarity.onRetired)
    index.on('reindexed', () => { similarity.reset().catch(err => { this.log.warn({ err }, 'similarity: reload after a reindex failed') }) })
    await similarity.start()
    this.stopSteps.push({ name: 'similarity', run: async () => { await similarity.idle() } })
    // the creator's own "for you" ranking (issue 13), from what this node holds only
    const discovery = this.discoveryValue = createDiscoveryService({ index, records, similarity, names, state, did: identity.did, clock: this.clock, logger: this.log.child({ component: 'discovery' }) })
    await discovery.start()
    this.stopSteps.push({ name: 'discovery', run: async () => { await discovery.stop() } })

    const gateway = this.gateway = await createGateway({
      records,
      index,
      store: storage.store,
      metrics,
      logger: this.log,
      apiToken: identity.apiToken,
      did: identity.did,
      nodeInfo: async () => await this.info(),
      reindex: async () => await this.reindex(),
      collectives,
      privateKeys,
      governance,
      peers,
      parking,
      hasPeers: () => storage.libp2p.getConnections().length > 0,
      peerScore: (peerId) => gossip.score(peerId),
      memberOf: (peerId) => memberCards.collectivesOf(peerId),
      isMember: async (collective, did, timeMs) => await collectives.isMember(collective, did, timeMs),
      clock: this.clock,
      clockSkewMs: config.records.clockSkewMs,
      lineageView,
      fingerprinter,
      similarity,
      computeFingerprints: config.fingerprints.compute,
      names,
      replication: replication.replicator,
      epochKeys: this.epochKeysOverride ?? privateKeys,
      discovery
    }, config.http)
    this.gatewayUrlValue = await gateway.listen()
    this.stopSteps.push({ name: 'gateway', run: async () => { await gateway.close() } })

    // Clients find the daemon through this file; it exists only while the gateway accepts connections
    const apiFile = homePaths(config.home).apiFile
    await writeFile(apiFile, this.gatewayUrlValue + '\n')
    this.stopSteps.push({ name: 'api file', run: async () => { await rm(apiFile, { force: true }) } })
    this.log.info({ gateway: this.gatewayUrlValue, addresses: this.addresses() }, 'node started')
  }

  /** Resolves once every record event so far has been searched and judged for look-alikes (tests, benchmarks) */
  async similarityIdle (): Promise<void> { await this.similarityValue?.idle() }

  /** Stop every part in reverse order of start; repeated calls are ignored */
  async stop (): Promise<void> {
    if (this.statusValue !== 'started') return
    this.statusValue = 'stopping'
    this.log.info('stopping node')
    this.shutdown.abort(new NotReadyError('the node is stopping'))
    const failed = await this.runStopSteps()
    // only a stop in which every part closed cleanly spares the next start its reconciliation
    if (failed === 0) await markStopped(this.config.home).catch(err => { this.log.warn({ err }, 'could not remove the running marker') })
    this.statusValue = 'stopped'
    this.log.info('node stopped')
  }

  /** Returns how many steps failed */
  private async runStopSteps (): Promise<number> {
    let failed = 0
    for (const step of this.stopSteps.splice(0).reverse()) {
      try {
        await step.run()
      } catch (err) {
        failed++
        this.log.error({ err, part: step.name }, 'failed to stop cleanly')
      }
    }
    return failed
  }

  /** AutoNAT's verdict, from libp2p's address manager (undefined when libp2p does not expose it) */
  reachability (): Reachability | undefined {
    const facts = addressFacts(this.store.libp2p)
    return facts == null ? undefined : judgeReachability(facts)
  }

  /** libp2p listen addresses, with the peer id */
  addresses (): string[] {
    const libp2p = this.store.libp2p
    return libp2p.getMultiaddrs().map(ma => ma.toString())
  }

  /**
   * Disk usage walks every block file, so it is computed at most once per USAGE_TTL_MS and served from cache while
   * nothing was written; after a put or delete (the store's change counter moved) the figure is measured afresh
   * before it is answered, so the page and `atelier id` never show the size from before an add.
   */
  private async usage (): Promise<{ blocks: number, bytes: number }> {
    const cached = this.usageCache
    const changes = this.store.store.changes()
    if (cached != null && cached.changes === changes && Date.now() - cached.at <= USAGE_TTL_MS) return cached.value
    this.usageRefresh ??= this.store.store.usage()
      .then(value => { this.usageCache = { at: Date.now(), changes, value }; return value })
      .finally(() => { this.usageRefresh = undefined })
    if (cached == null || cached.changes !== changes) return await this.usageRefresh
    this.usageRefresh.catch(err => { this.log.warn({ err }, 'could not measure storage use') })
    return cached.value
  }

  /** Facts about this node, for /v1/node and the daemon banner */
  async info (): Promise<NodeInfo> {
    const [records, storage] = await Promise.all([this.index.count(), this.usage()])
    return {
      peerId: this.identity.peerId,
      did: this.identity.did,
      addresses: this.addresses(),
      reachability: this.reachability(),
      gatewayUrl: this.gatewayUrl,
      version: VERSION,
      records,
      storage
    }
  }

  /**
   * Rebuild the index from the stored record bodies, validating each again (corrupt ones are skipped and logged),
   * beside the live index: queries keep their answers and records keep arriving meanwhile. Only the swap at the end
   * runs under the record service's write lock, so no batch is written while the databases change places.
   */
  async reindex (): Promise<{ records: number, ms: number, swapMs: number }> {
    const records = this.records
    const result = await this.index.rebuildBeside(this.storedRecords(), {
      lock: async (fn) => await records.exclusive(fn),
      signal: this.shutdown.signal
    })
    // the store holds every record ever counted, retired ones too (held ones stay held): judge every collective
    // again against the new index
    await this.collectives.settle()
    const swapMs = Math.round(result.swapMs * 10) / 10
    this.log.info({ ...result, swapMs }, 'index rebuilt')
    return { ...result, swapMs }
  }

  /** Every stored record body, validated again (those that no longer validate are logged and left out); a record
   * the lot holds is stored held, not counted */
  private async * storedRecords (): AsyncGenerator<RebuildItem> {
    const maxBytes = this.config.records.maxBytes
    const lot = this.parking
    for await (const { cid, bytes } of this.index.storedBodies()) {
      try {
        if (await lot.has(cid)) {
          yield { held: { cid, bytes } }
          continue
        }
        yield validateRecord(bytes, { crypto: nativeCrypto, maxBytes })
      } catch (err) {
        this.log.warn({ cid, err }, 'stored record no longer validates; left out of the index')
      }
    }
  }
}
