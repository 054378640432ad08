/**
 * The media type `/ipfs` answers for content an asset record describes. A record's `mediaType` is the author's word
 * and comes from anyone, while /ipfs shares its origin with the node's page: only types that cannot run script on
 * that origin are taken as they are (images but SVG, audio, video, fonts, 3D models, PDF, archives, JSON); any
 * other text type is served as text/plain, and anything else is left to the sniffer.
 */
import type { RecordIndexApi } from '../index/types.ts'
import type { ContentStore } from '../store/types.ts'

const PASSIVE = /^(image\/(?!svg)[a-z0-9.+-]+|audio\/[a-z0-9.+-]+|video\/[a-z0-9.+-]+|font\/[a-z0-9.+-]+|model\/[a-z0-9.+-]+)$/
const PASSIVE_APPLICATION = new Set(['application/pdf', 'application/zip', 'application/gzip', 'application/json', 'application/epub+zip', 'application/ogg'])
const TEXT = 'text/plain; charset=utf-8'
/** Asset records read for one answer: the earliest names the type; a bound keeps a flood of claims cheap */
const MAX_CLAIMS = 8

/** The Content-Type to answer for a declared media type, or undefined when it should not be trusted */
export function servedMediaType (declared: unknown): string | undefined {
  if (typeof declared !== 'string') return undefined
  const type = declared.split(';')[0].trim().toLowerCase()
  if (PASSIVE.test(type) || PASSIVE_APPLICATION.has(type)) return type
  if (/^text\/[a-z0-9.+-]+$/.test(type) || type === 'image/svg+xml') return TEXT
  return undefined
}

/**
 * The media type the earliest asset record naming `cid` as its content declares (as served: servedMediaType), or
 * undefined. application/octet-stream says nothing, so it is skipped for the next claim or the sniffer.
 */
export function recordMediaType (index: Pick<RecordIndexApi, 'query'>, store: Pick<ContentStore, 'getRecord'>): (cid: string) => Promise<string | undefined> {
  return async (cid) => {
    const page = await index.query({ kind: 'asset', content: cid, limit: MAX_CLAIMS, order: 'asc' })
    for (const s of page.items) {
      const subject = JSON.parse(new TextDecoder().decode(await store.getRecord(s.cid))).credentialSubject
      const type = subject?.mediaType === 'application/octet-stream' ? undefined : servedMediaType(subject?.mediaType)
      if (type != null) return type
    }
    return undefined
  }
}
