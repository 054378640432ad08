/**
 * Secret files in the data dir. Secrets are created with mode 0600 from the first byte (never chmod'ed after a
 * world-readable write), and written to a temp name then renamed, so a crash never leaves half a key.
 */
import { chmod, open, readFile, rename, stat } from 'node:fs/promises'
import { ConfigError } from '../errors.ts'

/** File mode of every secret the node writes */
export const SECRET_MODE = 0o600

/** Write `data` to `path` with mode 0600, atomically; refuses to overwrite an existing file */
export async function writeSecretFile (path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  const fh = await open(tmp, 'wx', SECRET_MODE)
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
  // `open` applies the umask; make sure of 0600 whatever the umask is
  await chmod(tmp, SECRET_MODE)
  if (await exists(path)) {
    throw new ConfigError(`${path} already exists; refusing to overwrite a secret`)
  }
  await rename(tmp, path)
}

/** Read a secret file, warning-free; a missing file is `undefined` */
export async function readSecretFile (path: string): Promise<Uint8Array | undefined> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (err: any) {
    if (err.code === 'ENOENT') return undefined
    throw err
  }
  try {
    // a key others can read is a key others may have: refuse it rather than run with it (POSIX modes only)
    const { mode } = await handle.stat()
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new ConfigError(`${path} can be read by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')}): run chmod 600 ${path}`,
        { details: { path, mode: mode & 0o777 } })
    }
    return await handle.readFile()
  } finally {
    await handle.close()
  }
}

/** True when `path` exists */
export async function exists (path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch (err: any) {
    if (err.code === 'ENOENT') return false
    throw err
  }
}
