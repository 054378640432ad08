/**
 * @packageDocumentation
 *
 * Storage: a Helia node over blockstore-fs (`<home>/blocks`) and datastore-level (`<home>/datastore`), with the
 * `ContentStore` the node and gateway use.
 *
 * - Content is imported as UnixFS (CIDv1, raw leaves, `store.chunkSize` chunks) from a stream and pinned; memory
 *   stays bounded whatever the size.
 * - Reads are local by default: a block not held is a NotFoundError at once, never a wait on the network. Pass
 *   `offline: false` (with a deadline signal) to let bitswap fetch from connected peers.
 * - Files are read by our own DAG walker with `store.readAhead` blocks in flight (see `reader.ts`), in whole-block
 *   buffers (see `fs-blockstore.ts`). A `read({ borrow: true })` (the gateway's /ipfs bodies) reads leaves into
 *   `store.serveBuffers` buffers the store lends and takes back (`buffer-pool.ts`), so serving allocates nothing per block.
 * - Records are stored once, in the index database with their entries; the blockstore (`record-blockstore.ts`)
 *   serves them to Helia by CID. Record blocks of releases before index schema 4 (one pinned file each) are
 *   listed by `allRecords()` and moved into the index at start (`src/node/record-migration.ts`).
 *
 * - Pins carry why they were made (`source`: add, user, import, replication…). `gc()` deletes every block no pin
 *   and no root the caller keeps (the node passes its records' content) reaches; adds, imports and pins hold the gc
 *   lock (`gc-lock.ts`) shared from their first block to their pin, so a gc never sees their blocks unpinned.
 * - `importCar()` verifies every block against its CID and pins the roots, all or nothing (`car-import.ts`);
 *   `addDirectory()` writes the UnixFS directory nodes over files already added (`directory.ts`); `chunking: 'kubo'`
 *   gives the CIDs of `ipfs add --cid-version 1 --raw-leaves`.
 *
 * - Durability (docs/durability.md): with `store.fsync` every block file is fsynced before its rename, and an add
 *   syncs the directories its files went to before it writes the pin, then syncs the datastore, before it resolves.
 *
 * Helia is built with `createHeliaLight` + `withLibp2pLight` + `withBitswap` over the explicit libp2p options of
 * `src/net/libp2p-config.ts`: no routers, no discovery, nothing dialled unless asked.
 *
 * @example
 * ```ts
 * const storage = createContentStore({ home, config: config.store, privateKey, listen: ['/ip4/127.0.0.1/tcp/0'] })
 * await storage.start()
 * const { cid } = await storage.store.addContent(fileStream)
 * for await (const chunk of storage.store.read(cid, { offset: 0, length: 1024 })) process.stdout.write(chunk)
 * await storage.stop()
 * ```
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import { LevelDatastore } from 'datastore-level'
import { createHeliaLight } from 'helia'
import * as json from 'multiformats/codecs/json'
import { NotReadyError } from '../errors.ts'
import { buildLibp2pOptions } from '../net/libp2p-config.ts'
import { checkListening } from '../net/listen-check.ts'
import { HeliaContentStore } from './content-store.ts'
import { NodeBlockstore } from './record-blockstore.ts'
import type { BaseLibp2pServices } from '../net/libp2p-config.ts'
import type { StoreConfig } from '../config.ts'
import type { ContentStore } from './types.ts'
import type { HeliaWithLibp2p } from '@helia/libp2p'
import type { ComponentLogger, Libp2p, PrivateKey } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'
import type { Logger } from 'pino'

/** What the store needs of a pino logger */
export type StoreLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>

export type { ContentStore } from './types.ts'
export { HeliaContentStore } from './content-store.ts'
export { parseCid, parseCidPath } from './resolve.ts'
export { FastFsBlockstore } from './fs-blockstore.ts'
export { NodeBlockstore } from './record-blockstore.ts'
export type { RecordBodySource } from './record-blockstore.ts'
export { CorruptBlockError } from './errors.ts'

/** Folder names under the data dir */
export const BLOCKS_DIR = 'blocks'
export const DATASTORE_DIR = 'datastore'
/** The key `syncPins` deletes (never written) to sync the datastore */
const SYNC_KEY = '/atelier/sync'

export interface CreateContentStoreInit<S extends BaseLibp2pServices = BaseLibp2pServices> {
  /** The data dir; blocks go to `<home>/blocks`, the datastore to `<home>/datastore` */
  home: string
  config: StoreConfig
  /** The libp2p transport key */
  privateKey: PrivateKey
  /** libp2p listen multiaddrs */
  listen: string[]
  /** The node's logger (pino); the store logs start, stop and failures to it */
  logger?: StoreLogger
  /** libp2p-style component logger for Helia and libp2p internals. @default their own (silent unless DEBUG is set) */
  componentLogger?: ComponentLogger
  /**
   * Change the libp2p options before the node is created (e.g. add the gossipsub service). It receives the options
   * from `buildLibp2pOptions` and returns the ones to use.
   */
  libp2pOptions?: (options: Libp2pOptions<BaseLibp2pServices>) => Libp2pOptions<S>
}

export interface ContentStoreNode<S extends BaseLibp2pServices = BaseLibp2pServices> {
  readonly helia: HeliaWithLibp2p<S>
  /** The libp2p node; throws NotReadyError before `start()` */
  readonly libp2p: Libp2p<S>
  readonly store: ContentStore
  readonly blockstore: NodeBlockstore
  readonly datastore: LevelDatastore
  readonly status: 'stopped' | 'starting' | 'started' | 'stopping'
  /** Open the stores, start Helia (and so libp2p and bitswap); undoes what it did when a step fails */
  start(): Promise<void>
  /** Stop Helia, then close the datastore and blockstore */
  stop(): Promise<void>
}

export function createContentStore<S extends BaseLibp2pServices = BaseLibp2pServices> (init: CreateContentStoreInit<S>): ContentStoreNode<S> {
  const blockstore = new NodeBlockstore(join(init.home, BLOCKS_DIR), { fsync: init.config.fsync })
  const datastore = new LevelDatastore(join(init.home, DATASTORE_DIR))
  const base = buildLibp2pOptions({ privateKey: init.privateKey, listen: init.listen, logger: init.componentLogger })
  const libp2pOptions = (init.libp2pOptions?.(base) ?? base) as Libp2pOptions<S>
  const helia = withBitswap(withLibp2pLight(createHeliaLight({
    blockstore,
    datastore,
    logger: init.componentLogger,
    codecs: [json],
    routers: [],
    blockBrokers: []
  }), libp2pOptions))
  // a synced deletion of a key never written: LevelDB fsyncs its log, which holds the pins written before it
  const syncPins = init.config.fsync ? async () => { await datastore.db.batch([{ type: 'del', key: SYNC_KEY }], { sync: true }) } : undefined
  const store = new HeliaContentStore({ helia, blocks: blockstore, ...(syncPins != null ? { syncPins } : {}) }, {
    readAhead: init.config.readAhead,
    chunkSize: init.config.chunkSize,
    gcWaitMs: init.config.gcWaitMs,
    serveBuffers: init.config.serveBuffers
  })

  let status: ContentStoreNode['status'] = 'stopped'
  let datastoreOpen = false

  const closeStores = async (): Promise<void> => {
    if (datastoreOpen) {
      await datastore.close()
      datastoreOpen = false
    }
    await blockstore.close()
  }

  return {
    helia,
    get libp2p () {
      if (status !== 'started') throw new NotReadyError('libp2p is not running: start the store first')
      return helia.libp2p
    },
    store,
    blockstore,
    datastore,
    get status () { return status },
    async start () {
      if (status !== 'stopped') return
      status = 'starting'
      try {
        await mkdir(init.home, { recursive: true })
        await blockstore.open()
        await datastore.open()
        datastoreOpen = true
        await helia.start()
        const check = helia.libp2p.services.listenCheck
        if (check != null) checkListening(check, init.listen, init.logger)
        status = 'started'
        init.logger?.info({ home: init.home, addresses: helia.libp2p.getMultiaddrs().map(ma => ma.toString()) }, 'store started')
      } catch (err) {
        init.logger?.error({ err }, 'store failed to start')
        await helia.stop().catch(() => {})
        await closeStores().catch(() => {})
        status = 'stopped'
        throw err
      }
    },
    async stop () {
      if (status !== 'started') return
      status = 'stopping'
      try {
        await helia.stop()
      } finally {
        await closeStores()
        status = 'stopped'
        init.logger?.info('store stopped')
      }
    }
  }
}
