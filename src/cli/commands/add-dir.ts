/**
 * `atelier add -r <dir>`: every file under the directory is uploaded (POST /v1/content?part=1, streamed like any
 * add), then the node writes the UnixFS directory naming them (POST /v1/content/directory), pins its root and drops
 * the files' own pins. Then, as the user chose, one asset record for the directory (`--record one`), one per file
 * (`each`) or none.
 *
 * Like `ipfs add -r`: hidden files (a name starting with a dot) are left out unless --hidden; symbolic links and
 * other special files are left out (and counted), never followed.
 */
import { createReadStream } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { Readable } from 'node:stream'
import type { Context } from '../command.ts'
import type { DaemonClient } from '../client.ts'
import { LocalError } from '../errors.ts'
import { counted, createProgress } from '../progress.ts'

export type RecordMode = 'each' | 'one' | 'none'
export const RECORD_MODES: RecordMode[] = ['each', 'one', 'none']

export interface DirectoryFile { path: string, file: string, size: number }

/** Most files one `add -r` takes (the daemon's limit on a directory add) */
const MAX_FILES = 100_000

/** The files under `dir` in name order (paths `/`-separated, relative to it), empty directories, and what was left out */
export async function listDirectory (dir: string, hidden: boolean): Promise<{ files: DirectoryFile[], empty: string[], skipped: string[] }> {
  const files: DirectoryFile[] = []
  const empty: string[] = []
  const skipped: string[] = []
  const walk = async (abs: string, rel: string): Promise<void> => {
    const names = (await readdir(abs)).sort()
    let kept = 0
    for (const name of names) {
      if (!hidden && name.startsWith('.')) continue
      const path = rel === '' ? name : `${rel}/${name}`
      const info = await lstat(join(abs, name))
      if (info.isDirectory()) {
        await walk(join(abs, name), path)
        kept++
      } else if (info.isFile()) {
        files.push({ path, file: join(abs, name), size: info.size })
        kept++
        if (files.length > MAX_FILES) throw new LocalError(`${dir} has more than ${MAX_FILES} files; add it in parts`)
      } else {
        skipped.push(path)
      }
    }
    if (kept === 0 && rel !== '') empty.push(rel)
  }
  let info
  try {
    info = await lstat(dir)
  } catch (err: any) {
    throw new LocalError(err.code === 'ENOENT' ? `${dir}: no such directory` : `${dir}: ${err.message}`, 1, { cause: err })
  }
  if (!info.isDirectory()) throw new LocalError(`${dir} is not a directory (drop -r to add a file)`)
  await walk(dir, '')
  if (files.length === 0 && empty.length === 0) throw new LocalError(`${dir} holds no files to add${hidden ? '' : ' (hidden files are left out without --hidden)'}`)
  return { files, empty, skipped }
}

export interface UploadedDirectory {
  cid: string
  /** bytes of all files */
  size: number
  files: Array<{ path: string, cid: string, size: number }>
  directories: number
  skipped: string[]
}

/** Upload every file, then have the node build and pin the directory */
export async function uploadDirectory (ctx: Context, client: DaemonClient, dir: string, options: { hidden: boolean, chunking?: string }): Promise<UploadedDirectory> {
  const listing = await listDirectory(dir, options.hidden)
  const total = listing.files.reduce((n, f) => n + f.size, 0)
  const progress = createProgress({ enabled: ctx.progress, label: basename(dir), total })
  const uploaded: UploadedDirectory['files'] = []
  try {
    for (const [i, f] of listing.files.entries()) {
      progress.setLabel(`${basename(dir)} ${i + 1}/${listing.files.length}`)
      const body = Readable.toWeb(Readable.from(counted(createReadStream(f.file, { highWaterMark: 1024 * 1024 }), progress))) as unknown as ReadableStream<Uint8Array>
      const res = await client.request('POST', '/v1/content', {
        query: { filename: basename(f.path), part: '1', chunking: options.chunking },
        body,
        headers: { 'content-type': 'application/octet-stream', accept: 'application/json' }
      })
      const added = await res.json() as { cid: string, size: number }
      uploaded.push({ path: f.path, cid: added.cid, size: added.size })
    }
  } finally {
    progress.stop()
  }
  const entries = [...uploaded.map(f => ({ path: f.path, cid: f.cid })), ...listing.empty.map(path => ({ path }))]
  const built = await client.postJson<{ cid: string, directories: number }>('/v1/content/directory', { entries })
  return { cid: built.cid, size: total, files: uploaded, directories: built.directories, skipped: listing.skipped }
}
