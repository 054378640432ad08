/**
 * The CLI's HTTP client for the daemon's gateway (docs/http-api.md). It never touches the node's internals.
 *
 * Finding the daemon, first match wins: `--api <url>`, env `ATELIER_API`, the file `$ATELIER_HOME/api` that the
 * daemon writes once it accepts connections. Writes send `Authorization: Bearer <token>` read from
 * `$ATELIER_HOME/api-token`. Error bodies `{ error: { code, message } }` become an ApiError whose message is one line.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import pkg from '../../package.json' with { type: 'json' }
import { ApiError, CliError, LocalError, NoDaemonError } from './errors.ts'

/** File the daemon writes its base URL into, inside the data dir */
export const API_FILE = 'api'
/** File holding the bearer token for writes, inside the data dir */
export const TOKEN_FILE = 'api-token'

/** Largest error body read from the daemon; the message is one line anyway */
const MAX_ERROR_BODY = 64 * 1024

export interface LocateOptions {
  /** the data dir ($ATELIER_HOME) */
  home: string
  /** `--api`, already normalised to a URL */
  api?: string
  env?: NodeJS.ProcessEnv
  /** aborts every request of the client (Ctrl-C) */
  signal?: AbortSignal
}

export interface DaemonLocation {
  /** base URL without a trailing slash, e.g. http://127.0.0.1:5180 */
  url: string
  /** where the URL came from; the no-daemon message depends on it */
  source: 'flag' | 'env' | 'file'
}

/** Where the daemon should be; throws NoDaemonError when nothing says so */
export async function locateDaemon (options: LocateOptions): Promise<DaemonLocation> {
  const env = options.env ?? process.env
  if (options.api != null) return { url: trimUrl(options.api), source: 'flag' }
  if (env.ATELIER_API != null && env.ATELIER_API.trim() !== '') return { url: trimUrl(env.ATELIER_API), source: 'env' }
  let text: string
  try {
    text = await readFile(join(options.home, API_FILE), 'utf8')
  } catch (err: any) {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw noDaemon({ url: '', source: 'file' }, options.home)
    throw new LocalError(`cannot read ${join(options.home, API_FILE)}: ${err.message}`, 1, { cause: err })
  }
  const url = text.trim()
  if (!/^https?:\/\/\S+$/.test(url)) throw new LocalError(`${join(options.home, API_FILE)} does not hold a URL; remove it if no daemon runs`)
  return { url: trimUrl(url), source: 'file' }
}

function trimUrl (url: string): string {
  return url.trim().replace(/\/+$/, '')
}

function noDaemon (location: DaemonLocation, home: string, cause?: unknown): NoDaemonError {
  const where = location.source === 'file' ? `is running for ${home}` : `is answering at ${location.url}`
  return new NoDaemonError(`no daemon ${where} (start one with: atelier daemon)`, 1, { cause })
}

/** Network failures that mean "nobody is listening there" rather than "the request broke" */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN'])

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined | null>
  /** JSON body (sets content-type) */
  json?: unknown
  /** raw streamed body */
  body?: ReadableStream<Uint8Array>
  headers?: Record<string, string>
  signal?: AbortSignal
}

export class DaemonClient {
  readonly url: string
  readonly source: DaemonLocation['source']
  readonly home: string
  /** aborts every request (Ctrl-C); a request's own signal is combined with it */
  readonly signal?: AbortSignal
  private token?: string

  constructor (location: DaemonLocation, home: string, signal?: AbortSignal) {
    this.url = location.url
    this.source = location.source
    this.home = home
    this.signal = signal
  }

  /** Locate the daemon (without contacting it) */
  static async create (options: LocateOptions): Promise<DaemonClient> {
    return new DaemonClient(await locateDaemon(options), options.home, options.signal)
  }

  /** The bearer token for writes, read once */
  async readToken (): Promise<string> {
    if (this.token != null) return this.token
    const path = join(this.home, TOKEN_FILE)
    let token: string
    try {
      token = (await readFile(path, 'utf8')).trim()
    } catch (err: any) {
      if (err.code === 'ENOENT') throw new LocalError(`no API token at ${path}: writes need the token of the daemon's data dir (set ATELIER_HOME to it)`)
      throw new LocalError(`cannot read ${path}: ${err.message}`, 1, { cause: err })
    }
    if (token === '') throw new LocalError(`${path} is empty`)
    this.token = token
    return token
  }

  /** The URL for a path and query; undefined/null query values are left out */
  href (path: string, query: RequestOptions['query'] = {}): string {
    const url = new URL(this.url + path)
    for (const [k, v] of Object.entries(query)) {
      if (v != null) url.searchParams.set(k, String(v))
    }
    return url.toString()
  }

  /**
   * One request. Resolves with an ok Response; a refused connection is a NoDaemonError, an error status an
   * ApiError carrying the daemon's code and message.
   */
  async request (method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { 'user-agent': `atelier-cli/${pkg.version}`, ...options.headers }
    if (method !== 'GET' && method !== 'HEAD') headers.authorization = `Bearer ${await this.readToken()}`
    let body: BodyInit | undefined
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(options.json)
    } else if (options.body != null) {
      headers['content-type'] ??= 'application/octet-stream'
      body = options.body
    }
    const signals = [options.signal, this.signal].filter(s => s != null)
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0]
    const init: RequestInit & { duplex?: 'half' } = { method, headers, body, signal }
    if (options.body != null) init.duplex = 'half'
    let res: Response
    try {
      res = await fetch(this.href(path, options.query), init)
    } catch (err: any) {
      throw this.networkError(signal?.aborted === true ? signal.reason : err)
    }
    if (!res.ok) throw await toApiError(res)
    return res
  }

  /** GET a JSON document */
  async getJson<T> (path: string, query?: RequestOptions['query'], signal?: AbortSignal): Promise<T> {
    const res = await this.request('GET', path, { query, signal, headers: { accept: 'application/json' } })
    return await readJson<T>(res)
  }

  /** POST a JSON body (a write: sends the token) and read the JSON answer */
  async postJson<T> (path: string, json: unknown, signal?: AbortSignal): Promise<T> {
    const res = await this.request('POST', path, { json, signal, headers: { accept: 'application/json' } })
    return await readJson<T>(res)
  }

  /** Map a fetch failure; also used when a body stream breaks */
  networkError (err: any): Error {
    if (err instanceof CliError || err?.name === 'AbortError' || err?.name === 'TimeoutError') return err
    if (err?.cause instanceof CliError) return err.cause
    const cause = err?.cause ?? err
    const code: string | undefined = cause?.code ?? cause?.errors?.[0]?.code
    if (code != null && UNREACHABLE.has(code)) return noDaemon({ url: this.url, source: this.source }, this.home, err)
    const detail = cause?.message ?? err?.message ?? String(err)
    return new LocalError(`the request to ${this.url} failed: ${detail}`, 1, { cause: err })
  }
}

async function readJson<T> (res: Response): Promise<T> {
  const text = await res.text()
  try {
    return JSON.parse(text) as T
  } catch {
    throw new ApiError(`the daemon answered ${res.status} with a body that is not JSON`, 'ERR_BAD_RESPONSE', res.status)
  }
}

/** Turn an error status into an ApiError: the daemon's message when the body has one, else the status line */
export async function toApiError (res: Response): Promise<ApiError> {
  let text = ''
  try {
    text = await readCapped(res, MAX_ERROR_BODY)
  } catch {}
  let code = `HTTP_${res.status}`
  let message = `the daemon answered ${res.status} ${res.statusText}`.trim()
  try {
    const body = JSON.parse(text)
    const e = body?.error
    if (e != null && typeof e === 'object') {
      if (typeof e.code === 'string') code = e.code
      if (typeof e.message === 'string' && e.message.trim() !== '') message = e.message
    } else if (typeof e === 'string' && e.trim() !== '') {
      message = e
    }
  } catch {}
  return new ApiError(message, code, res.status)
}

async function readCapped (res: Response, max: number): Promise<string> {
  if (res.body == null) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  while (size < max) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    size += value.byteLength
  }
  await reader.cancel().catch(() => {})
  return Buffer.concat(chunks).subarray(0, max).toString('utf8')
}
