/**
 * Node configuration: one `defaults` object, one `resolveConfig()` that layers
 * defaults ← `$ATELIER_HOME/config.json` ← environment ← flags, applied once with `??`.
 * No other file defaults anything.
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { ConfigError } from './errors.ts'
import defaultConfig from '../config/default.json' with { type: 'json' }

export interface HttpConfig {
  /** @default '127.0.0.1' */
  host: string
  /** 0 picks a free port. @default 5180 */
  port: number
  /** Largest JSON body accepted on /v1 routes, bytes. @default 1048576 (1 MiB) */
  jsonBodyLimit: number
  /** Largest content upload, bytes. @default 68719476736 (64 GiB) */
  contentBodyLimit: number
  /** How long /ipfs waits for connected peers to start sending content this node does not hold before a 404, ms. @default 3000 */
  peerFetchTimeoutMs: number
  /** Listen on an address other than loopback (then writes need the token as always, and any Host is taken).
   * Without it the daemon refuses such an address. @default false */
  allowRemote: boolean
  /** Connections open at once, in all. @default 1024 */
  maxConnections: number
  /** Connections open at once from one remote client address (loopback clients share maxConnections). @default 64 */
  maxConnectionsPerClient: number
  /** Longest silence on a connection (headers, a body, an idle keep-alive), ms. @default 30000 */
  idleTimeoutMs: number
  /** Longest time to receive a request's headers, ms. @default 10000 */
  headersTimeoutMs: number
  /** Longest time to receive a whole request that is not a content upload (JSON bodies, OPTIONS, …), ms. @default 30000 */
  bodyTimeoutMs: number
  /** How long a refused request's connection keeps reading, and dropping, the body still coming before it is closed,
   * so that the client reads the answer instead of a reset connection, ms. @default 2000 */
  lingerMs: number
}

export interface P2PConfig {
  /** libp2p listen multiaddrs. Loopback by default: open it to your LAN with --p2p /ip4/0.0.0.0/tcp/5181. @default ['/ip4/127.0.0.1/tcp/5181'] */
  listen: string[]
  /** Multiaddrs (with /p2p/<peer id>) dialled at start. @default [] */
  bootstrap: string[]
  /** Fellow members' peers kept connected, from their signed member cards (src/net/members). @default 8 */
  memberPeers: number
  /** How often member cards are exchanged again with each connected fellow member, ms. @default 120000 */
  memberExchangeMs: number
  /** Member cards kept per collective (one per member node; the oldest issued is evicted past it). Liveness for
   * k-copy replication is known only for members whose card is held: a `{ copies: k }` collective with more members
   * than this computes its holders over a partial view, and the node warns (protocols/collectives.md §8). About 1 KB
   * of memory and state db per card. @default 256 */
  maxMemberCards: number
  /** Run a circuit relay v2 server for fellow members behind NAT (members only: a peer gets a reservation, and is
   * relayed, only with a verified member card). Turn it on for a node others can reach. @default false */
  relayServer: boolean
  /** Relay reservations held at once when relayServer is on. @default 32 */
  relayMaxReservations: number
}

export interface RecordsConfig {
  /** Largest encoded record, bytes. @default 65536 */
  maxBytes: number
  /** How far ahead of this node's clock a record's validFrom may lie and still count now, ms: a record dated later
   * is held (rule `future`) until its time comes, and reports flag it (`time.future`). @default 300000 (5 min) */
  clockSkewMs: number
}

export interface GovernanceConfig {
  /** How long a node gathers the votes it witnesses before one receipt names them all, ms (always signed before the
   * proposal's close; protocols/governance.md §5). @default 1000 */
  receiptDelayMs: number
}

export interface IngestConfig {
  /** Records waiting to be ingested before writers are told to back off. @default 10000 */
  queueLimit: number
  /** Records stored and indexed per batch (one Level batch). @default 256 */
  batchSize: number
  /** Worker threads validating records received as bytes; 0: one per core (os.availableParallelism). @default 0 */
  validationThreads: number
  /**
   * Sync to disk (fsync) the Level batches whose records are acknowledged (HTTP 201/202/200 to a writer, records
   * this node signs, held records moving into the index), before the acknowledgement goes out: an acknowledged
   * record survives a power cut. Batches of gossip and sync, which nobody waits on, are not synced (a later synced
   * batch, or a clean shutdown, makes them durable). See docs/durability.md. @default true
   */
  syncAcknowledged: boolean
}

/** Bounds of what a node holds without counting it (records waiting for a dependency): protocols/collectives.md §6 */
export interface ParkingConfig {
  /** Bytes of waiting records held in all. @default 67108864 (64 MiB) */
  maxBytes: number
  /** Entries in all. @default 100000 */
  maxRecords: number
  /** Bytes of waiting records held per author. @default 4194304 (4 MiB) */
  perAuthorBytes: number
  /** Bytes of waiting records held per relaying peer. @default 16777216 (16 MiB) */
  perPeerBytes: number
}

export interface StoreConfig {
  /** Blocks read ahead when serving a file. @default 8 */
  readAhead: number
  /** UnixFS chunk size when adding content, bytes. @default 1048576 */
  chunkSize: number
  /**
   * fsync every block file before its rename, and the directories an added content's files went to before the
   * add is acknowledged (and its pin written): a 201 for `POST /v1/content` survives a power cut. See
   * docs/durability.md. @default true
   */
  fsync: boolean
  /** How long a gc waits for adds, imports and pins in progress before answering busy, ms. @default 30000 */
  gcWaitMs: number
  /**
   * Buffers of 1 MiB the gateway reads served files into and reuses (src/store/buffer-pool.ts), all requests together;
   * 0 reads every block into a new buffer. Kept once allocated: this is memory the daemon holds after serving. @default 24
   */
  serveBuffers: number
}

export interface SyncConfig {
  /** How often every joined collective is reconciled with every connected peer, ms. @default 30000 */
  intervalMs: number
}

/** Replication of a collective whose charter asks for k copies of each work (protocols/collectives.md §Replication) */
export interface ReplicationConfig {
  /** A member not seen for this long (no connection, sync session or fresh member card) is skipped when choosing
   * holders, so the next member in each work's rendezvous order takes its works, ms. Longer than a member card's
   * refresh (10 min) plus the exchange interval, so a live member known only by its cards stays live.
   * @default 900000 (15 min) */
  offlineMs: number
  /** How often the holders of every work are computed again (also on each asset and membership record), ms.
   * @default 30000 */
  intervalMs: number
  /** How long a node that stopped being a holder of a work keeps its pin, so the new holders can fetch the content
   * from it; the pin goes only if this node is still not a holder and all k holders are live, ms. @default 600000 */
  releaseDelayMs: number
  /** Longest a holder waits for one work's content to arrive before it tries again on the next round, ms.
   * @default 300000 */
  pinTimeoutMs: number
}

/** Perceptual fingerprints of works (protocols/fingerprints.md, records.md §3.1) */
export interface FingerprintsConfig {
  /** Compute the fingerprints of an image or text when this node signs an asset record for it, and put them in the
   * record (asset schema version 2). Off: assets are signed without them, as version 1. @default true */
  compute: boolean
  /** Largest work read to fingerprint, bytes (it is read into memory once); larger works get none. @default 134217728 (128 MiB) */
  maxBytes: number
  /** Most candidate codes the near-duplicate search verifies per query (src/fingerprints/near-dup): past it the
   * query stops and its answer says `truncated`, so a pathological cluster of codes costs bounded time (100,000
   * verifications of 256-bit codes take a few ms) and is never shown as a whole answer. @default 100000 */
  maxCandidates: number
}

export interface AtelierConfig {
  /** The data dir ($ATELIER_HOME). @default ~/.atelier */
  home: string
  http: HttpConfig
  p2p: P2PConfig
  records: RecordsConfig
  ingest: IngestConfig
  parking: ParkingConfig
  store: StoreConfig
  sync: SyncConfig
  replication: ReplicationConfig
  fingerprints: FingerprintsConfig
  governance: GovernanceConfig
  /** pino level: fatal, error, warn, info, debug, trace, silent. @default 'info' */
  logLevel: string
}

/** The embedded defaults, kept in `config/default.json` so users can read them as a config file */
export const defaults: Omit<AtelierConfig, 'home'> = defaultConfig

/** Name of the config file inside the data dir */
export const CONFIG_FILE = 'config.json'

/** A partial config, as found in a config file or built from flags */
export interface ConfigOverrides {
  http?: Partial<HttpConfig>
  p2p?: Partial<P2PConfig>
  records?: Partial<RecordsConfig>
  ingest?: Partial<IngestConfig>
  governance?: Partial<GovernanceConfig>
  parking?: Partial<ParkingConfig>
  store?: Partial<StoreConfig>
  sync?: Partial<SyncConfig>
  replication?: Partial<ReplicationConfig>
  fingerprints?: Partial<FingerprintsConfig>
  logLevel?: string
}

/** The data dir: `$ATELIER_HOME`, else `~/.atelier` */
export function resolveHome (env: NodeJS.ProcessEnv = process.env): string {
  const home = env.ATELIER_HOME
  return home != null && home !== '' ? resolve(home) : join(homedir(), '.atelier')
}

/** Parse `host:port` (as given to --http or ATELIER_HTTP) */
export function parseHostPort (value: string): { host: string, port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value.trim())
  if (m == null || Number(m[2]) > 65535) {
    throw new ConfigError(`"${value}" is not host:port (e.g. 127.0.0.1:5180, port 0 picks a free one)`)
  }
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) }
}

/** Read `config.json` from the data dir; a missing file is an empty config */
export function readConfigFile (home: string): ConfigOverrides {
  let text: string
  try {
    text = readFileSync(join(home, CONFIG_FILE), 'utf8')
  } catch (err: any) {
    if (err.code === 'ENOENT') return {}
    throw new ConfigError(`cannot read ${join(home, CONFIG_FILE)}: ${err.message}`, { cause: err })
  }
  try {
    const parsed = JSON.parse(text)
    if (parsed == null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object')
    return parsed
  } catch (err: any) {
    throw new ConfigError(`${join(home, CONFIG_FILE)} is not valid JSON: ${err.message}`, { cause: err })
  }
}

/** Overrides from the environment: ATELIER_HTTP (host:port), ATELIER_P2P (comma-separated multiaddrs), ATELIER_BOOTSTRAP, ATELIER_LOG_LEVEL */
export function envOverrides (env: NodeJS.ProcessEnv = process.env): ConfigOverrides {
  const out: ConfigOverrides = {}
  if (env.ATELIER_HTTP != null && env.ATELIER_HTTP !== '') out.http = parseHostPort(env.ATELIER_HTTP)
  const list = (v: string): string[] => v.split(',').map(s => s.trim()).filter(s => s !== '')
  if (env.ATELIER_P2P != null && env.ATELIER_P2P !== '') out.p2p = { listen: list(env.ATELIER_P2P) }
  if (env.ATELIER_BOOTSTRAP != null && env.ATELIER_BOOTSTRAP !== '') out.p2p = { ...out.p2p, bootstrap: list(env.ATELIER_BOOTSTRAP) }
  if (env.ATELIER_LOG_LEVEL != null && env.ATELIER_LOG_LEVEL !== '') out.logLevel = env.ATELIER_LOG_LEVEL
  return out
}

function positiveInt (value: unknown, name: string, allowZero = false): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new ConfigError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(value)}`)
  }
  return value
}

function bool (value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(value)}`)
  return value
}

function stringList (value: unknown, name: string): string[] {
  if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) {
    throw new ConfigError(`${name} must be a list of strings`)
  }
  return value
}

/** Layer the sources (later wins) over the defaults and check every value */
export function resolveConfig (home: string, ...layers: ConfigOverrides[]): AtelierConfig {
  const pick = <T>(get: (l: ConfigOverrides) => T | undefined, fallback: T): T => {
    let v: T | undefined
    for (const l of layers) v = get(l) ?? v
    return v ?? fallback
  }
  const d = defaults
  const config: AtelierConfig = {
    home,
    http: {
      host: pick(l => l.http?.host, d.http.host),
      port: positiveInt(pick(l => l.http?.port, d.http.port), 'http.port', true),
      jsonBodyLimit: positiveInt(pick(l => l.http?.jsonBodyLimit, d.http.jsonBodyLimit), 'http.jsonBodyLimit'),
      contentBodyLimit: positiveInt(pick(l => l.http?.contentBodyLimit, d.http.contentBodyLimit), 'http.contentBodyLimit'),
      peerFetchTimeoutMs: positiveInt(pick(l => l.http?.peerFetchTimeoutMs, d.http.peerFetchTimeoutMs), 'http.peerFetchTimeoutMs'),
      allowRemote: bool(pick(l => l.http?.allowRemote, d.http.allowRemote), 'http.allowRemote'),
      maxConnections: positiveInt(pick(l => l.http?.maxConnections, d.http.maxConnections), 'http.maxConnections'),
      maxConnectionsPerClient: positiveInt(pick(l => l.http?.maxConnectionsPerClient, d.http.maxConnectionsPerClient), 'http.maxConnectionsPerClient'),
      idleTimeoutMs: positiveInt(pick(l => l.http?.idleTimeoutMs, d.http.idleTimeoutMs), 'http.idleTimeoutMs'),
      headersTimeoutMs: positiveInt(pick(l => l.http?.headersTimeoutMs, d.http.headersTimeoutMs), 'http.headersTimeoutMs'),
      bodyTimeoutMs: positiveInt(pick(l => l.http?.bodyTimeoutMs, d.http.bodyTimeoutMs), 'http.bodyTimeoutMs'),
      lingerMs: positiveInt(pick(l => l.http?.lingerMs, d.http.lingerMs), 'http.lingerMs')
    },
    p2p: {
      listen: stringList(pick(l => l.p2p?.listen, d.p2p.listen), 'p2p.listen'),
      bootstrap: stringList(pick(l => l.p2p?.bootstrap, d.p2p.bootstrap), 'p2p.bootstrap'),
      memberPeers: positiveInt(pick(l => l.p2p?.memberPeers, d.p2p.memberPeers), 'p2p.memberPeers', true),
      memberExchangeMs: positiveInt(pick(l => l.p2p?.memberExchangeMs, d.p2p.memberExchangeMs), 'p2p.memberExchangeMs'),
      maxMemberCards: positiveInt(pick(l => l.p2p?.maxMemberCards, d.p2p.maxMemberCards), 'p2p.maxMemberCards'),
      relayServer: bool(pick(l => l.p2p?.relayServer, d.p2p.relayServer), 'p2p.relayServer'),
      relayMaxReservations: positiveInt(pick(l => l.p2p?.relayMaxReservations, d.p2p.relayMaxReservations), 'p2p.relayMaxReservations')
    },
    records: {
      maxBytes: positiveInt(pick(l => l.records?.maxBytes, d.records.maxBytes), 'records.maxBytes'),
      clockSkewMs: positiveInt(pick(l => l.records?.clockSkewMs, d.records.clockSkewMs), 'records.clockSkewMs', true)
    },
    ingest: {
      queueLimit: positiveInt(pick(l => l.ingest?.queueLimit, d.ingest.queueLimit), 'ingest.queueLimit'),
      batchSize: positiveInt(pick(l => l.ingest?.batchSize, d.ingest.batchSize), 'ingest.batchSize'),
      validationThreads: positiveInt(pick(l => l.ingest?.validationThreads, d.ingest.validationThreads), 'ingest.validationThreads', true),
      syncAcknowledged: bool(pick(l => l.ingest?.syncAcknowledged, d.ingest.syncAcknowledged), 'ingest.syncAcknowledged')
    },
    parking: {
      maxBytes: positiveInt(pick(l => l.parking?.maxBytes, d.parking.maxBytes), 'parking.maxBytes'),
      maxRecords: positiveInt(pick(l => l.parking?.maxRecords, d.parking.maxRecords), 'parking.maxRecords'),
      perAuthorBytes: positiveInt(pick(l => l.parking?.perAuthorBytes, d.parking.perAuthorBytes), 'parking.perAuthorBytes'),
      perPeerBytes: positiveInt(pick(l => l.parking?.perPeerBytes, d.parking.perPeerBytes), 'parking.perPeerBytes')
    },
    store: {
      readAhead: positiveInt(pick(l => l.store?.readAhead, d.store.readAhead), 'store.readAhead'),
      chunkSize: positiveInt(pick(l => l.store?.chunkSize, d.store.chunkSize), 'store.chunkSize'),
      fsync: bool(pick(l => l.store?.fsync, d.store.fsync), 'store.fsync'),
      gcWaitMs: positiveInt(pick(l => l.store?.gcWaitMs, d.store.gcWaitMs), 'store.gcWaitMs'),
      serveBuffers: positiveInt(pick(l => l.store?.serveBuffers, d.store.serveBuffers), 'store.serveBuffers', true)
    },
    sync: {
      intervalMs: positiveInt(pick(l => l.sync?.intervalMs, d.sync.intervalMs), 'sync.intervalMs')
    },
    replication: {
      offlineMs: positiveInt(pick(l => l.replication?.offlineMs, d.replication.offlineMs), 'replication.offlineMs'),
      intervalMs: positiveInt(pick(l => l.replication?.intervalMs, d.replication.intervalMs), 'replication.intervalMs'),
      releaseDelayMs: positiveInt(pick(l => l.replication?.releaseDelayMs, d.replication.releaseDelayMs), 'replication.releaseDelayMs', true),
      pinTimeoutMs: positiveInt(pick(l => l.replication?.pinTimeoutMs, d.replication.pinTimeoutMs), 'replication.pinTimeoutMs')
    },
    fingerprints: {
      compute: bool(pick(l => l.fingerprints?.compute, d.fingerprints.compute), 'fingerprints.compute'),
      maxBytes: positiveInt(pick(l => l.fingerprints?.maxBytes, d.fingerprints.maxBytes), 'fingerprints.maxBytes'),
      maxCandidates: positiveInt(pick(l => l.fingerprints?.maxCandidates, d.fingerprints.maxCandidates), 'fingerprints.maxCandidates')
    },
    governance: {
      receiptDelayMs: positiveInt(pick(l => l.governance?.receiptDelayMs, d.governance.receiptDelayMs), 'governance.receiptDelayMs', true)
    },
    logLevel: pick(l => l.logLevel, d.logLevel)
  }
  if (config.http.port > 65535) throw new ConfigError('http.port must be at most 65535')
  if (config.store.chunkSize > 1024 * 1024) throw new ConfigError('store.chunkSize must be at most 1 MiB (bitswap block limit)')
  return config
}

/** The config a daemon runs with: defaults, then the data dir's config file, then env, then flags */
export function loadConfig (flags: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): AtelierConfig {
  const home = resolveHome(env)
  return resolveConfig(home, readConfigFile(home), envOverrides(env), flags)
}
