/**
 * The page's HTTP client for its own node. Every failure becomes an ApiError carrying the gateway's
 * `{ error: { code, name, message } }`, so forms can show the node's own words.
 */
import type { Page, RecordItem, RecordSummary } from './types.ts'

/** The gateway refused a request, or it could not be reached */
export class ApiError extends Error {
  /** HTTP status; 0 when the node did not answer */
  readonly status: number
  /** the gateway's stable error code (ERR_…), or ERR_NETWORK */
  readonly code: string

  constructor (status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

/** Where the API token is kept: the browser session only, never localStorage or a cookie */
const TOKEN_KEY = 'atelier.apiToken'

/** The API token this session holds, if any */
export function getToken (): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? ''
}

/** Keep (or, with '', forget) the API token for this browser session */
export function setToken (token: string): void {
  if (token === '') sessionStorage.removeItem(TOKEN_KEY)
  else sessionStorage.setItem(TOKEN_KEY, token)
}

/** The ApiError a response body describes (the gateway's error body, or the status line) */
export function errorFromBody (status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as { error?: { code?: string, message?: string } }
    if (body.error?.message != null) return new ApiError(status, body.error.code ?? `HTTP_${status}`, body.error.message)
  } catch {}
  return new ApiError(status, `HTTP_${status}`, `the node answered ${status}${text !== '' ? `: ${text.slice(0, 200)}` : ''}`)
}

async function send (path: string, init: RequestInit): Promise<Response> {
  let res: Response
  try {
    res = await fetch(path, init)
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err
    throw new ApiError(0, 'ERR_NETWORK', `the node did not answer (${(err as Error).message})`)
  }
  if (!res.ok) throw errorFromBody(res.status, await res.text().catch(() => ''))
  return res
}

/** GET a JSON answer */
export async function getJson<T> (path: string, signal?: AbortSignal): Promise<T> {
  const res = await send(path, { headers: { accept: 'application/json' }, signal })
  return await res.json() as T
}

/** GET a JSON answer private to the node's creator, with the session's API token */
export async function getJsonAuthed<T> (path: string, signal?: AbortSignal, token = getToken()): Promise<T> {
  const res = await send(path, { headers: { accept: 'application/json', ...(token !== '' ? { authorization: `Bearer ${token}` } : {}) }, signal })
  return await res.json() as T
}

/** GET bytes (a record's canonical form, a slice of content) */
export async function getBytes (path: string, init: RequestInit = {}): Promise<Uint8Array> {
  const res = await send(path, init)
  return new Uint8Array(await res.arrayBuffer())
}

/** POST JSON with the session's API token */
export async function postJson<T> (path: string, body: unknown, token = getToken()): Promise<T> {
  const res = await send(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(token !== '' ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body)
  })
  return await res.json() as T
}

export interface UploadProgress {
  loaded: number
  total: number
}

/**
 * POST /v1/content with the file as the raw body, reporting upload progress (XMLHttpRequest is the one browser
 * API that reports the progress of a request body). Resolves with the content CID and size.
 */
export function uploadContent (file: Blob, options: { token?: string, onProgress?: (p: UploadProgress) => void, signal?: AbortSignal } = {}): Promise<{ cid: string, size: number }> {
  const token = options.token ?? getToken()
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', '/v1/content')
    xhr.setRequestHeader('content-type', 'application/octet-stream')
    if (token !== '') xhr.setRequestHeader('authorization', `Bearer ${token}`)
    xhr.upload.onprogress = (e) => { options.onProgress?.({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size }) }
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try { resolve(JSON.parse(xhr.responseText)) } catch { reject(new ApiError(xhr.status, 'ERR_MALFORMED_JSON', 'the node answered something that is not JSON')) }
      } else {
        reject(errorFromBody(xhr.status, xhr.responseText))
      }
    }
    xhr.onerror = () => { reject(new ApiError(0, 'ERR_NETWORK', 'the upload was cut off: the node did not answer')) }
    xhr.onabort = () => { reject(new ApiError(0, 'ERR_ABORTED', 'the upload was cancelled')) }
    options.signal?.addEventListener('abort', () => { xhr.abort() }, { once: true })
    xhr.send(file)
  })
}

export interface SearchParams {
  q?: string
  kind?: string
  author?: string
  mediaType?: string
  collective?: string
  limit?: number
  cursor?: string
}

/** Query string of the set, non-empty values */
export function query (params: Record<string, string | number | undefined>): string {
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v != null && v !== '') qs.set(k, String(v))
  const s = qs.toString()
  return s === '' ? '' : `?${s}`
}

export interface SearchResult extends Page<RecordSummary> {
  /** false when the node has no /v1/search and the page listed /v1/records instead (no text matching) */
  fullText: boolean
}

/**
 * Search records. Nodes without `/v1/search` answer 404: then the page lists /v1/records with the same filters
 * and matches the words against titles itself, within the page it got.
 */
export async function searchRecords (params: SearchParams, signal?: AbortSignal): Promise<SearchResult> {
  try {
    const page = await getJson<Page<RecordSummary>>(`/v1/search${query({ ...params })}`, signal)
    return { ...page, fullText: true }
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404 || !/no route/i.test(err.message)) throw err
  }
  const { q, mediaType, ...filters } = params
  const page = await getJson<Page<RecordItem>>(`/v1/records${query({ ...filters })}`, signal)
  const needle = (q ?? '').trim().toLowerCase()
  const items: RecordSummary[] = page.items.map(summaryOf).filter(s => {
    const subject = s.record?.credentialSubject as { title?: string, mediaType?: string } | undefined
    if (mediaType != null && mediaType !== '' && subject?.mediaType !== mediaType) return false
    return needle === '' || (s.title ?? '').toLowerCase().includes(needle)
  })
  return { items, cursor: page.cursor, fullText: false }
}

/** A record item as a summary (title and content of an asset; the record itself kept) */
export function summaryOf (item: RecordItem): RecordSummary {
  const subject = item.record.credentialSubject as unknown as Record<string, unknown>
  const s: RecordSummary = { cid: item.cid, kind: item.kind, author: item.author, time: item.time, record: item.record }
  if (item.collective != null) s.collective = item.collective
  if (item.kind === 'asset') {
    s.title = subject.title as string
    s.content = String(subject.id).replace(/^ipfs:\/\//, '')
  }
  return s
}
