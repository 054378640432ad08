/**
 * The directories of a rebuild beside the live index, and how a crash at any step is repaired on the next open.
 *
 * `<path>.next` is built while `<path>` stays live. The swap then runs, in this order, only once `.next` is
 * complete, synced and closed:
 *   1. rename `<path>` → `<path>.old`
 *   2. rename `<path>.next` → `<path>`          (the parent dir is synced after each rename)
 *   3. remove `<path>.old`
 * So what is on disk always says what to do (`recoverSwap`):
 *   - `<path>` and `<path>.next`: the build (or the time before step 1) was interrupted; `<path>` is the live
 *     index and holds every write, `.next` is discarded.
 *   - no `<path>`, but `<path>.next`: interrupted between steps 1 and 2; `.next` is complete, move it in place.
 *   - `<path>` and `<path>.old`: interrupted before step 3; remove `.old`.
 *   - only `<path>.old`: cannot follow from the steps above (something removed the others by hand); restore it.
 */
import { open, rename, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { NEXT_SUFFIX, OLD_SUFFIX } from './constants.ts'

export function nextPath (path: string): string { return path + NEXT_SUFFIX }
export function oldPath (path: string): string { return path + OLD_SUFFIX }

async function exists (path: string): Promise<boolean> {
  return await stat(path).then(() => true, (err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return false
    throw err
  })
}

/** fsync a directory, so the renames in it survive a power cut (rename alone is atomic, not durable) */
async function syncDir (path: string): Promise<void> {
  const fh = await open(path, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** Steps 1 and 2: the complete, closed `<path>.next` takes the place of `<path>` (both closed) */
export async function swapDirs (path: string): Promise<void> {
  const parent = dirname(path)
  await rm(oldPath(path), { recursive: true, force: true })
  await rename(path, oldPath(path))
  await syncDir(parent)
  await rename(nextPath(path), path)
  await syncDir(parent)
}

/** Step 3: the replaced index goes */
export async function removeOld (path: string): Promise<void> {
  await rm(oldPath(path), { recursive: true, force: true })
}

/** Bring the directories back to one index at `path` after an interrupted rebuild or swap; says what it did */
export async function recoverSwap (path: string): Promise<string | undefined> {
  const [live, next, old] = await Promise.all([exists(path), exists(nextPath(path)), exists(oldPath(path))])
  if (!live && next) {
    await rename(nextPath(path), path)
    await syncDir(dirname(path))
    await removeOld(path)
    return 'completed an interrupted index swap'
  }
  if (!live && old) {
    await rename(oldPath(path), path)
    await syncDir(dirname(path))
    return 'restored the index an interrupted swap had moved aside'
  }
  let done: string | undefined
  if (next) {
    await rm(nextPath(path), { recursive: true, force: true })
    done = 'discarded an unfinished rebuild beside the index'
  }
  if (old) {
    await removeOld(path)
    done = (done != null ? done + '; ' : '') + 'removed the index a finished swap had replaced'
  }
  return done
}
