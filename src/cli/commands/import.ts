/** `atelier import <file.car>`: import a CARv1 (POST /v1/car): every block checked against its CID, roots pinned */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { Readable } from 'node:stream'
import type { CliCommand } from '../command.ts'
import { LocalError } from '../errors.ts'
import { fields, formatBytes, single } from '../output.ts'
import { counted, createProgress } from '../progress.ts'

export interface ImportResult { roots: string[], blocks: number, bytes: number, added: number }

export const importCarFile: CliCommand = {
  name: 'import',
  summary: 'import a CAR file: blocks checked against their CIDs, roots pinned',
  description: 'Import a CARv1 file (e.g. from ipfs dag export or atelier export --car), streamed. Every block is checked against its CID before it is stored and every root is pinned; a corrupted block or a DAG with a hole fails the whole import and nothing of it stays pinned. Use - to read standard input.',
  examples: ['atelier import album.car', 'ipfs dag export bafy… | atelier import -', 'atelier import album.car --json'],
  setup (cmd) {
    cmd.argument('<file>', 'the CAR file, or - for stdin')
  },
  async run (ctx, [file]) {
    const fromStdin = file === '-'
    let total: number | undefined
    if (!fromStdin) {
      try {
        const info = await stat(file)
        if (!info.isFile()) throw new LocalError(`${file} is not a file`)
        total = info.size
      } catch (err: any) {
        if (err instanceof LocalError) throw err
        throw new LocalError(err.code === 'ENOENT' ? `${file}: no such file` : `${file}: ${err.message}`, 1, { cause: err })
      }
    }
    const client = await ctx.client()
    await client.readToken()
    const progress = createProgress({ enabled: ctx.progress, label: fromStdin ? 'stdin' : basename(file), total })
    let value: ImportResult
    try {
      const source: AsyncIterable<Uint8Array> = fromStdin ? process.stdin : createReadStream(file, { highWaterMark: 1024 * 1024 })
      const body = Readable.toWeb(Readable.from(counted(source, progress))) as unknown as ReadableStream<Uint8Array>
      const res = await client.request('POST', '/v1/car', { body, headers: { 'content-type': 'application/vnd.ipld.car', accept: 'application/json' } })
      value = await res.json() as ImportResult
    } finally {
      progress.stop()
    }
    return single(value, v => fields([
      ['imported', `${v.blocks.toLocaleString('en')} blocks, ${formatBytes(v.bytes)} (${v.added.toLocaleString('en')} new here)`],
      ['pinned', v.roots.join(', ')]
    ]))
  }
}
