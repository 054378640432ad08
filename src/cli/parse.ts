/**
 * Parsers for flag values. Each throws commander's InvalidArgumentError, so a bad value is a usage error (exit 2)
 * reported before anything talks to the daemon.
 */
import { InvalidArgumentError } from 'commander'
import { extname } from 'node:path'
import type { Relationship, Tool, TrainingMiningUse } from '../records/types.ts'

/** Collect a repeatable option into a list (never mutates the previous list) */
export function collect<T = string> (parse: (value: string) => T = v => v as unknown as T): (value: string, previous: T[] | undefined) => T[] {
  return (value, previous) => [...(previous ?? []), parse(value)]
}

/** A CID as text: checked for shape only (the daemon checks it properly); catches pasted garbage and paths */
export function cid (value: string): string {
  const v = value.trim()
  if (!/^(Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{20,}|z[1-9A-HJ-NP-Za-km-z]{20,}|f[0-9a-f]{20,})$/.test(v)) {
    throw new InvalidArgumentError(`"${value}" is not a CID`)
  }
  return v
}

/**
 * A record CID: as `cid`, refusing what is plainly a content CID (raw leaves `bafkrei…`, UnixFS `bafybei…`, CIDv0
 * `Qm…`), the common mistake of passing what `add` printed as "content" where its "asset record" is meant. Records
 * are JSON blocks, `bagaaiera…`.
 */
export function recordCid (value: string): string {
  const v = cid(value)
  if (/^(bafkrei|bafybei|Qm)/.test(v)) {
    throw new InvalidArgumentError(`"${value}" is a content CID; give the asset record CID (bagaaiera…, printed by atelier add as "asset record")`)
  }
  return v
}

/** A did (did:key:z…, did:web:…) */
export function did (value: string): string {
  const v = value.trim()
  if (!/^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$/.test(v)) throw new InvalidArgumentError(`"${value}" is not a DID (e.g. did:key:z6Mk…)`)
  return v
}

/** A positive integer within bounds */
export function integer (min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`"${value}" is not a whole number`)
    const n = Number(value)
    if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}`)
    return n
  }
}

/** A percentage (0–100, at most two decimals) as basis points (0–10000) */
export function percentToBasisPoints (value: string): number {
  const v = value.trim().replace(/%$/, '')
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(v)) throw new InvalidArgumentError(`"${value}" is not a percentage like 10 or 2.5`)
  const bp = Math.round(Number(v) * 100)
  if (bp > 10000) throw new InvalidArgumentError(`"${value}" is more than 100 %`)
  return bp
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/**
 * A time as the records want it (RFC 3339 UTC, millisecond precision, `Z`). Accepts anything `Date` parses
 * ("2025-06-01", "2025-06-01T12:00:00+02:00"), "now", or a duration ("30d", "12h", "2w") counted from now,
 * forwards or backwards as `direction` says.
 */
export function time (direction: 'future' | 'past'): (value: string) => string {
  return (value) => {
    const v = value.trim()
    let ms: number
    const d = /^(\d+)([smhdw])$/.exec(v)
    if (v === 'now') ms = Date.now()
    else if (d != null) ms = Date.now() + (direction === 'future' ? 1 : -1) * Number(d[1]) * UNITS[d[2]]
    else if (/^\d{4}-\d{2}-\d{2}/.test(v)) ms = Date.parse(v)
    else ms = NaN
    if (!Number.isFinite(ms)) {
      throw new InvalidArgumentError(`"${value}" is not a time: give an RFC 3339 date/time (2025-06-01, 2025-06-01T12:00:00Z), "now", or a duration like 30d, 12h`)
    }
    return new Date(ms).toISOString()
  }
}

/** `name[@version]`, where the name may itself start with @ (npm scopes) */
export function nameAtVersion (value: string): { name: string, version?: string } {
  const v = value.trim()
  const at = v.lastIndexOf('@')
  const [name, version] = at > 0 ? [v.slice(0, at), v.slice(at + 1)] : [v, undefined]
  if (name === '' || version === '') throw new InvalidArgumentError(`"${value}" is not name or name@version`)
  return version == null ? { name } : { name, version }
}

export function tool (value: string): Tool {
  return { ...nameAtVersion(value), kind: 'software' }
}

export function aiModel (value: string): Tool {
  return { ...nameAtVersion(value), kind: 'aiModel' }
}

export const RELATIONSHIPS: Relationship[] = ['parentOf', 'componentOf', 'inputTo']

/** `<record-cid>` or `<record-cid>:<relationship>` */
export function parentRef (value: string): { record: string, relationship?: Relationship } {
  const [ref, rel, ...rest] = value.trim().split(':')
  if (rest.length > 0 || (rel != null && !RELATIONSHIPS.includes(rel as Relationship))) {
    throw new InvalidArgumentError(`"${value}" is not <record-cid> or <record-cid>:${RELATIONSHIPS.join('|')}`)
  }
  const record = recordCid(ref)
  return rel == null ? { record } : { record, relationship: rel as Relationship }
}

export const TRAINING_USES: TrainingMiningUse[] = ['allowed', 'notAllowed', 'constrained']

const IPTC_SOURCE_TYPES = 'http://cv.iptc.org/newscodes/digitalsourcetype/'

/** An IPTC digital source type: a term (digitalCapture, trainedAlgorithmicMedia, …) or a full URI */
export function sourceType (value: string): string {
  const v = value.trim()
  if (/^https?:\/\//.test(v)) return v
  if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(v)) throw new InvalidArgumentError(`"${value}" is not an IPTC digital source type term (e.g. digitalCapture) or URI`)
  return IPTC_SOURCE_TYPES + v
}

/** `<did>=<percent>`, one royalty split */
export function split (value: string): { id: string, share: number } {
  const eq = value.lastIndexOf('=')
  if (eq < 0) throw new InvalidArgumentError(`"${value}" is not <did>=<percent>`)
  return { id: did(value.slice(0, eq)), share: percentToBasisPoints(value.slice(eq + 1)) }
}

/** `--api`: a URL, or host:port as shorthand for http://host:port */
export function apiUrl (value: string): string {
  const v = value.trim()
  const candidate = /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `http://${v}`
  let url: URL
  try {
    url = new URL(candidate)
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a URL (e.g. http://127.0.0.1:5180)`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`"${value}" is not an http(s) URL`)
  return url.origin + url.pathname.replace(/\/+$/, '')
}

const MEDIA_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.svg': 'image/svg+xml',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.heic': 'image/heic',
  '.psd': 'image/vnd.adobe.photoshop',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.flac': 'audio/flac',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/opus',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.mid': 'audio/midi',
  '.midi': 'audio/midi',
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.pdf': 'application/pdf',
  '.epub': 'application/epub+zip',
  '.zip': 'application/zip',
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.csv': 'text/csv',
  '.glb': 'model/gltf-binary',
  '.gltf': 'model/gltf+json',
  '.obj': 'model/obj',
  '.stl': 'model/stl',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2'
}

/** The media type for a file name, from its extension; undefined when unknown (the daemon then decides) */
export function guessMediaType (file: string): string | undefined {
  return MEDIA_TYPES[extname(file).toLowerCase()]
}

/** A media type as type/subtype */
export function mediaType (value: string): string {
  const v = value.trim().toLowerCase()
  if (!/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(v)) throw new InvalidArgumentError(`"${value}" is not a media type like image/png (no parameters)`)
  return v
}
