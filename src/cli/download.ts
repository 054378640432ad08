/**
 * Stream a gateway response to stdout or to a file, with a progress bar on long transfers. A file is written
 * under a temporary name and renamed when complete, so an interrupted download never looks finished.
 */
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { DaemonClient } from './client.ts'
import type { Context } from './command.ts'
import { LocalError, UsageError } from './errors.ts'
import { createProgress } from './progress.ts'
import { cid as parseCid } from './parse.ts'
import { InvalidArgumentError } from 'commander'

/** `<cid>[/path]` or `/ipfs/<cid>[/path]` as a gateway path, each segment escaped */
export function ipfsPath (value: string): string {
  const v = value.trim().replace(/^\/?ipfs\//, '').replace(/^ipfs:\/\//, '')
  const [root, ...rest] = v.split('/').filter(s => s !== '')
  if (root == null) throw new InvalidArgumentError(`"${value}" is not a CID`)
  parseCid(root)
  if (rest.some(s => s === '.' || s === '..')) throw new InvalidArgumentError(`"${value}": the path may not contain . or ..`)
  return '/ipfs/' + [root, ...rest].map(encodeURIComponent).join('/')
}

export interface DownloadOptions {
  path: string
  query?: Record<string, string>
  headers?: Record<string, string>
  /** write to this file; stdout when absent or `-` */
  output?: string
  label: string
  /**
   * What may be written to a terminal without `-o -` or `--force`: nothing (`never`: a CAR is always binary) or
   * text only (`text`: the answer's type is text/* or JSON). Binary bytes on a terminal garble it and can carry
   * escape sequences.
   */
  terminal: 'never' | 'text'
  /** `--force`: write to a terminal whatever the bytes are */
  force?: boolean
  /** look at the first bytes and refuse to write them to a terminal when they are not text (`cat` without --force) */
  sniffBinary?: boolean
}

/** How much of the start is looked at to tell text from binary */
const SNIFF_BYTES = 8192

/** True when `bytes` look binary: a NUL, or not UTF-8 (a sequence cut at the end of the sample is allowed) */
export function looksBinary (bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, SNIFF_BYTES)
  if (sample.includes(0)) return true
  // a UTF-8 sequence is at most 4 bytes: try the sample whole, then without up to 3 trailing bytes
  for (let cut = 0; cut <= Math.min(3, sample.byteLength); cut++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, sample.byteLength - cut))
      return false
    } catch {}
  }
  return true
}

/** `source` with its first chunk taken out and put back, so it can be looked at before anything is written */
async function peek (source: AsyncIterable<Uint8Array>): Promise<{ first?: Uint8Array, rest: AsyncIterable<Uint8Array> }> {
  const it = source[Symbol.asyncIterator]()
  const head = await it.next()
  const first = head.done === true ? undefined : head.value
  return {
    first,
    rest: (async function * () {
      if (first != null) yield first
      while (true) {
        const next = await it.next()
        if (next.done === true) return
        yield next.value
      }
    })()
  }
}

/** Whether `-o` names stdout (absent, or `-` as most tools spell it) */
export function toStdout (output: string | undefined): boolean {
  return output == null || output === '-'
}

const TEXT_TYPES = /^(text\/|application\/json\b)/i

function refuse (what: string): UsageError {
  return new UsageError(`refusing to write ${what} to a terminal: give -o <file> or redirect stdout (-o - or --force writes it anyway)`)
}

/** Download; resolves with the bytes written */
export async function download (ctx: Context, client: DaemonClient, options: DownloadOptions): Promise<number> {
  const stdout = ctx.printer.stdout as NodeJS.WriteStream
  const guarded = toStdout(options.output) && options.output !== '-' && options.force !== true && stdout.isTTY === true
  if (guarded && options.terminal === 'never') throw refuse('binary data')
  const res = await client.request('GET', options.path, { query: options.query, headers: options.headers })
  const type = res.headers.get('content-type') ?? 'application/octet-stream'
  // with sniffBinary (cat) the first bytes decide, not the answer's type
  if (guarded && options.sniffBinary !== true && !TEXT_TYPES.test(type)) {
    await res.body?.cancel().catch(() => {})
    throw refuse(type.split(';')[0])
  }
  const length = Number(res.headers.get('content-length'))
  const progress = createProgress({ enabled: ctx.progress, label: options.label, total: Number.isFinite(length) && length > 0 ? length : undefined })
  let written = 0
  const counter = new Transform({
    transform (chunk: Buffer, _enc, done) {
      written += chunk.byteLength
      progress.add(chunk.byteLength)
      done(null, chunk)
    }
  })
  let body: Readable = res.body != null ? Readable.fromWeb(res.body as any) : Readable.from([])
  if (guarded && options.sniffBinary === true) {
    const { first, rest } = await peek(body)
    if (first != null && looksBinary(first)) {
      body.destroy()
      throw new UsageError('refusing to write binary data to a terminal: redirect stdout, give -o <file>, or --force')
    }
    body = Readable.from(rest)
  }
  try {
    const file = toStdout(options.output) ? undefined : options.output
    if (file == null) {
      await pipeline(body, counter, stdout, { end: false })
    } else {
      const tmp = `${file}.${process.pid}.part`
      try {
        await pipeline(body, counter, createWriteStream(tmp, { flags: 'wx' }))
        await rename(tmp, file)
      } catch (err) {
        await rm(tmp, { force: true })
        throw err
      }
    }
  } catch (err: any) {
    if (err?.code === 'EPIPE') return written
    if (err?.code != null && /^E[A-Z]+$/.test(err.code) && err.syscall != null) {
      throw new LocalError(`cannot write ${options.output ?? 'stdout'}: ${err.message}`, 1, { cause: err })
    }
    throw client.networkError(err)
  } finally {
    progress.stop()
  }
  if (Number.isFinite(length) && length > 0 && written !== length) {
    throw new LocalError(`the transfer ended after ${written} of ${length} bytes`)
  }
  return written
}
