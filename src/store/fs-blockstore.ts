/**
 * blockstore-fs, read in one piece.
 *
 * blockstore-fs 4 stores each block as one file (`<base32 multihash>.data`, sharded by the next-to-last two
 * characters) and its `get()` streams that file back in 64 KiB pieces, which the UnixFS exporter then copies back
 * together: that halves read throughput and keeps many copies alive. Here `get()` yields the whole block as one
 * buffer from a single read, and `getBytes()` gives that buffer directly to our own reader. `put()` writes through a
 * uniquely named temporary file and a rename, so a reader never sees half a block and two writers of the same block
 * never collide.
 *
 * Durability (docs/durability.md): with `fsync` each file is fsynced before its rename, so a block file that exists
 * after a power cut is whole; the directories that gained a file are remembered and fsynced by `syncDirs()`, which
 * the content store calls before it acknowledges an add (one fsync per directory touched, not per block). Temporary
 * files a crash left behind (`.<name>.<random>.tmp`) are found and removed by `removeTemporary()`.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { FsBlockstore } from 'blockstore-fs'
import { NextToLast } from 'blockstore-fs/sharding'
import { NotFoundError } from '../errors.ts'
import type { BufferPool } from './buffer-pool.ts'
import type { AbortOptions } from '@libp2p/interface'
import { base32upper } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'

/** Multihash code of the identity "hash": the digest is the block itself */
const IDENTITY = 0x00
/** The raw codec: any codec names the same file */
const RAW_CODE = 0x55

export interface FastFsBlockstoreInit {
  /** Sharding of block files into directories. @default NextToLast (blockstore-fs's own default, 2 characters) */
  shardingStrategy?: NextToLast
  /** fsync each block file before its rename, and remember the directories to fsync in `syncDirs()`. @default false */
  fsync?: boolean
}

/** The name a temporary block file has: dot, the final name, a random part, `.tmp` */
export function isTemporary (name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp')
}

export class FastFsBlockstore extends FsBlockstore {
  readonly #sharding: NextToLast
  /** Directories known to exist, so a put costs no mkdir once the shard directory is there */
  readonly #dirs = new Set<string>()
  readonly #fsync: boolean
  /** Directories that gained an entry since the last `syncDirs()` */
  #unsynced = new Set<string>()
  /** Bumped by every put and delete, so a cached usage figure can tell it is out of date */
  #changes = 0

  /** How many puts and deletes this store has seen since it was opened */
  get changes (): number { return this.#changes }

  constructor (location: string, init: FastFsBlockstoreInit = {}) {
    const sharding = init.shardingStrategy ?? new NextToLast()
    super(location, { shardingStrategy: sharding })
    this.#sharding = sharding
    this.#fsync = init.fsync ?? false
  }

  /** fsync the directories that gained a file (or a shard directory) since the last call, so those files are found
   * after a power cut; nothing to do without `fsync` */
  async syncDirs (): Promise<void> {
    if (this.#unsynced.size === 0) return
    const dirs = [...this.#unsynced]
    this.#unsynced = new Set()
    // shard directories first, then the blocks dir that names them
    dirs.sort((a, b) => b.length - a.length)
    for (const dir of dirs) await syncDir(dir)
  }

  /**
   * Walk the shard directories: block files (`onBlock`) and temporary files a crash left (`.…tmp`), removed when
   * `remove` is set. Returns the temporary files found. A shard directory removed meanwhile is skipped.
   */
  async scan (options: { remove?: boolean, onBlock?: (name: string, size: number) => void, onShard?: () => void } = {}): Promise<{ temporary: string[], shards: number }> {
    const temporary: string[] = []
    let shards: string[]
    try {
      shards = await fs.readdir(this.path)
    } catch (err: any) {
      if (err.code === 'ENOENT') return { temporary, shards: 0 }
      throw err
    }
    const ext = this.#sharding.extension
    for (const shard of shards) {
      let entries: Array<import('node:fs').Dirent>
      try {
        entries = await fs.readdir(path.join(this.path, shard), { withFileTypes: true })
      } catch {
        continue // not a directory
      }
      options.onShard?.()
      for (const entry of entries) {
        const file = path.join(this.path, shard, entry.name)
        if (isTemporary(entry.name)) {
          temporary.push(file)
          if (options.remove === true) await fs.rm(file, { force: true })
        } else if (options.onBlock != null && entry.name.endsWith(ext)) {
          const st = await fs.stat(file).catch(() => undefined)
          if (st != null) options.onBlock(entry.name, st.size)
        }
      }
    }
    return { temporary, shards: shards.length }
  }

  /** Remove the temporary files a crash left; returns how many went */
  async removeTemporary (): Promise<number> {
    return (await this.scan({ remove: true })).temporary.length
  }

  /** Absolute path of the file holding `cid`'s block */
  pathOf (cid: CID): string {
    const { dir, file } = this.#sharding.encode(cid)
    return path.join(this.path, dir, file)
  }

  /** The name of the file that holds `cid`'s block (blocks are stored by multihash: CIDs that differ only in codec
   * share one file) */
  fileName (cid: CID): string {
    return this.#sharding.encode(cid).file
  }

  /** Delete a block file by its name (as `scan` reports it); resolves with whether it was there */
  async deleteFile (name: string): Promise<boolean> {
    if (isTemporary(name) || name.includes('/') || !name.endsWith(this.#sharding.extension)) throw new RangeError(`${name} is not a block file name`)
    // the name is the base32 multihash: back to a CID (codec does not matter) and so to the sharded path
    const multihash = Digest.decode(base32upper.decoder.decode(name.slice(0, -this.#sharding.extension.length)))
    const file = this.pathOf(CID.createV1(RAW_CODE, multihash))
    if (path.basename(file) !== name) throw new RangeError(`${name} is not a block file name of this store`)
    this.#changes++
    try {
      await fs.unlink(file)
      return true
    } catch (err: any) {
      if (err.code === 'ENOENT') return false
      throw err
    }
  }

  /** The block's bytes in one buffer; NotFoundError (ours) when it is not stored */
  async getBytes (cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    if (cid.multihash.code === IDENTITY) return cid.multihash.digest
    options.signal?.throwIfAborted()
    try {
      return await fs.readFile(this.pathOf(cid), { signal: options.signal })
    } catch (err: any) {
      if (err.code === 'ENOENT') throw new NotFoundError(`block ${cid} is not stored here`, { cause: err })
      throw err
    }
  }

  /**
   * A raw block of `size` bytes read into a buffer borrowed from `pool`: a view of exactly its bytes, which the caller
   * gives back with `pool.giveBack` once nothing reads them any more. Undefined when this read cannot borrow: not a raw
   * block, no buffer to lend, or the file is not `size` bytes long (the caller reads it with `getBytes`, and its own
   * size check reports the corruption). NotFoundError when it is not stored. Every failure gives the buffer back.
   */
  async getBytesBorrowed (cid: CID, size: number, pool: BufferPool, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    if (cid.code !== RAW_CODE || cid.multihash.code === IDENTITY) return undefined
    options.signal?.throwIfAborted()
    // one byte more than expected, so a longer file shows as such
    const want = size + 1
    const buffer = pool.borrow(want)
    if (buffer == null) return undefined
    let handle: fs.FileHandle | undefined
    try {
      handle = await fs.open(this.pathOf(cid), 'r')
      let filled = 0
      while (filled < want) {
        const { bytesRead } = await handle.read(buffer, filled, want - filled, filled)
        if (bytesRead === 0) break
        filled += bytesRead
      }
      if (filled !== size) {
        pool.giveBack(buffer)
        return undefined
      }
      return buffer.subarray(0, size)
    } catch (err: any) {
      pool.giveBack(buffer)
      if (err.code === 'ENOENT') throw new NotFoundError(`block ${cid} is not stored here`, { cause: err })
      throw err
    } finally {
      await handle?.close()
    }
  }

  /** The block's length from the file system, without reading it */
  async sizeOf (cid: CID): Promise<number> {
    if (cid.multihash.code === IDENTITY) return cid.multihash.digest.byteLength
    try {
      return (await fs.stat(this.pathOf(cid))).size
    } catch (err: any) {
      if (err.code === 'ENOENT') throw new NotFoundError(`block ${cid} is not stored here`, { cause: err })
      throw err
    }
  }

  override async delete (key: CID, options?: AbortOptions): Promise<void> {
    this.#changes++
    await super.delete(key, options)
  }

  override async * get (key: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    yield await this.getBytes(key, options)
  }

  override async put (key: CID, val: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options: AbortOptions = {}): Promise<CID> {
    this.#changes++
    if (!(val instanceof Uint8Array)) return super.put(key, val, options)
    options.signal?.throwIfAborted()
    const { dir, file } = this.#sharding.encode(key)
    const dirPath = path.join(this.path, dir)
    if (!this.#dirs.has(dirPath)) {
      const made = await fs.mkdir(dirPath, { recursive: true })
      if (made != null && this.#fsync) this.#unsynced.add(this.path)
      this.#dirs.add(dirPath)
    }
    const target = path.join(dirPath, file)
    const temp = path.join(dirPath, `.${file}.${randomBytes(6).toString('hex')}.tmp`)
    try {
      if (this.#fsync) {
        const fh = await fs.open(temp, 'w')
        try {
          await fh.writeFile(val)
          await fh.sync()
        } finally {
          await fh.close()
        }
      } else {
        await fs.writeFile(temp, val)
      }
      await fs.rename(temp, target)
      if (this.#fsync) this.#unsynced.add(dirPath)
    } catch (err) {
      await fs.rm(temp, { force: true }).catch(() => {})
      throw err
    }
    return key
  }

  /** Number of block files and their total size, by walking the shard directories */
  async usage (): Promise<{ blocks: number, bytes: number }> {
    let blocks = 0
    let bytes = 0
    const ext = this.#sharding.extension
    let shards: string[]
    try {
      shards = await fs.readdir(this.path)
    } catch (err: any) {
      if (err.code === 'ENOENT') return { blocks, bytes }
      throw err
    }
    for (const shard of shards) {
      let names: string[]
      try {
        names = await fs.readdir(path.join(this.path, shard))
      } catch {
        continue // not a directory
      }
      for (const name of names) {
        if (!name.endsWith(ext) || isTemporary(name)) continue
        try {
          const st = await fs.stat(path.join(this.path, shard, name))
          blocks++
          bytes += st.size
        } catch {
          // removed while we walked
        }
      }
    }
    return { blocks, bytes }
  }
}

/** fsync a directory, so the names it gained survive a power cut */
async function syncDir (dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}
