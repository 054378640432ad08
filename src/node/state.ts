/**
 * NodeState: what the node remembers that is NOT derived from records, in its own Level database
 * (`<home>/state`): records parked until what they depend on arrives, the collectives this node takes part in, and
 * the peers it knows, the member address cards it learnt (src/net/members), and the rotations and flips of the
 * works it fingerprinted (their records carry only the work as it is). Unlike the index, this cannot be rebuilt from the record blocks, so it is kept apart.
 */
import { Level } from 'level'

export type StateDb = Level<string, string>

/** A key outside every sublevel, only ever deleted: what `sync()` writes */
const SYNC_KEY = 'sync'

/** Sublevels of the state database */
export const STATE_SUBLEVELS = ['parked', 'waiting', 'parkedByAge', 'parkedByAuthor', 'parkedByPeer', 'parkedByCollective', 'collectives', 'peers', 'members', 'turns', 'privateFollows'] as const
export type StateSublevelName = typeof STATE_SUBLEVELS[number]

function open (db: StateDb, name: string) {
  return db.sublevel<string, string>(name, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
}

export type StateSublevel = ReturnType<typeof open>

export class NodeState {
  readonly db: StateDb
  readonly parked: StateSublevel
  readonly waiting: StateSublevel
  /** waiting records with bytes, oldest first: `at \0 cid` (eviction) */
  readonly parkedByAge: StateSublevel
  /** `author \0 at \0 cid` (per-author bound) */
  readonly parkedByAuthor: StateSublevel
  /** `peer \0 at \0 cid` (per-peer bound) */
  readonly parkedByPeer: StateSublevel
  /** `collective \0 kind \0 cid` (a collective's held membership records) */
  readonly parkedByCollective: StateSublevel
  readonly collectives: StateSublevel
  readonly peers: StateSublevel
  /** verified member cards by `<collective> <peerId>`, and peers invites named by `seed <collective> <peerId>` */
  readonly members: StateSublevel
  /** PDQ rotations and flips of works whose bytes this node fingerprinted, by content CID (src/node/similarity-service.ts) */
  readonly turns: StateSublevel
  /** follows this node keeps to itself (a local setting, never a record): did or charter CID → time added (src/node/discovery-service.ts) */
  readonly privateFollows: StateSublevel

  constructor (path: string) {
    this.db = new Level<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
    this.parked = open(this.db, 'parked')
    this.waiting = open(this.db, 'waiting')
    this.parkedByAge = open(this.db, 'parkedByAge')
    this.parkedByAuthor = open(this.db, 'parkedByAuthor')
    this.parkedByPeer = open(this.db, 'parkedByPeer')
    this.parkedByCollective = open(this.db, 'parkedByCollective')
    this.collectives = open(this.db, 'collectives')
    this.peers = open(this.db, 'peers')
    this.members = open(this.db, 'members')
    this.turns = open(this.db, 'turns')
    this.privateFollows = open(this.db, 'privateFollows')
  }

  async open (): Promise<void> { await this.db.open() }

  /** LevelDB's estimate of the native memory this database holds (memtables and block cache), bytes */
  nativeMemory (): number { return levelMemory(this.db) }

  /** Rewrite the database's files without what was deleted (LevelDB keeps deleted entries until a compaction
   * reaches them: a lot that evicts all day would otherwise grow on disk well past its bound) */
  async compact (): Promise<void> {
    const db = this.db as unknown as { compactRange?: (start: string, end: string) => Promise<void> }
    // every sublevel key starts with '!name!'
    if (typeof db.compactRange === 'function') await db.compactRange('!', '"')
  }
  async close (): Promise<void> { await this.db.close() }

  /** Make every write so far durable: one synced write (LevelDB fsyncs its log, which holds the earlier writes
   * too). The deletion of a key that is never written leaves nothing behind. */
  async sync (): Promise<void> {
    await this.db.batch([{ type: 'del', key: SYNC_KEY }], { sync: true })
  }

  /** A JSON value of a sublevel, or undefined */
  async getJson<T> (sub: StateSublevel, key: string): Promise<T | undefined> {
    const v = await sub.get(key)
    return v === undefined ? undefined : JSON.parse(v) as T
  }

  /** Every JSON value of a sublevel */
  async allJson<T> (sub: StateSublevel): Promise<Array<[string, T]>> {
    const out: Array<[string, T]> = []
    for await (const [k, v] of sub.iterator()) out.push([k, JSON.parse(v) as T])
    return out
  }
}

/** LevelDB's estimate of the native memory an open database holds (memtables and block cache), bytes; 0 when closed */
export function levelMemory (db: { status: string }): number {
  const classic = db as unknown as { getProperty?: (p: string) => string }
  return db.status === 'open' ? Number(classic.getProperty?.('leveldb.approximate-memory-usage') ?? 0) : 0
}
