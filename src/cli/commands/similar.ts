/**
 * `atelier similar <asset-record|file|alg:code>`: works whose fingerprints are near an asset record's, a file's
 * (fingerprinted by the daemon, not stored) or a given code (GET/POST /v1/similar). `atelier alerts`: later works by
 * other authors that look like this node's works and acknowledge them by no lineage, license or grant
 * (GET /v1/alerts; the rule is protocols/verification.md 5a).
 */
import { stat, readFile } from 'node:fs/promises'
import { InvalidArgumentError, Option } from 'commander'
import type { CliCommand } from '../command.ts'
import { LocalError } from '../errors.ts'
import { formatTime, shortId, single, table } from '../output.ts'
import * as parse from '../parse.ts'

export interface SimilarItem {
  cid: string
  alg: string
  distance: number
  variant?: string
  similarity?: number
  title?: string
  author?: string
  time?: string
  content?: string
}

export interface AlertItem {
  code: string
  later: string
  earlier: string
  laterAuthor: string
  earlierAuthor: string
  laterTime: string
  earlierTime: string
  alg: string
  distance: number
  variant?: string
  similarity?: number
}

interface SimilarOptions {
  radius?: number
  limit?: number
  mediaType?: string
}

/** The largest file sent (the daemon's own bound: src/gateway/routes/similarity.ts) */
const MAX_FILE_BYTES = 64 * 1024 * 1024
const CODE_FORM = /^(pdq-256|iscc-image-64|iscc-text-64):/

function how (i: { alg: string, distance: number, variant?: string, similarity?: number }): string {
  const extra = [i.variant, i.similarity != null ? `${Math.round(i.similarity * 100)} % text` : undefined].filter(x => x != null)
  return `${i.alg} ${i.distance}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`
}

export const similar: CliCommand<SimilarOptions> = {
  name: 'similar',
  summary: 'works that look like an asset, a file or a fingerprint code',
  description: 'Works whose fingerprints are near the given one, nearest first. The argument is an asset record CID, a\n' +
    'file (an image or a text; the daemon fingerprints it and does not store it), or a code as <alg>:<code>\n' +
    '(pdq-256:<64 hex>, iscc-image-64:ISCC:…, iscc-text-64:ISCC:…). Each algorithm has its match radius\n' +
    '(PDQ 31 bits, ISCC image 12, ISCC text 13); --radius searches wider or narrower.',
  examples: ['atelier similar bagaaierab…', 'atelier similar ./harbour-copy.jpg', 'atelier similar ./poem.txt --radius 20 --json'],
  setup (cmd) {
    cmd
      .argument('<work>', 'asset record CID, file, or <alg>:<code>')
      .addOption(new Option('--radius <bits>', 'bits that may differ (default: each algorithm\'s match radius)').argParser(parse.integer(0, 63)))
      .addOption(new Option('--limit <n>', 'most works listed (at most 100)').argParser(parse.integer(1, 100)))
      .addOption(new Option('--media-type <type>', 'media type of a file (default: guessed from the extension)').argParser(parse.mediaType))
  },
  async run (ctx, [work], opts) {
    const client = await ctx.client()
    const query = { radius: opts.radius, limit: opts.limit }
    let items: SimilarItem[]
    if (CODE_FORM.test(work)) {
      items = (await client.getJson<{ items: SimilarItem[] }>('/v1/similar', { code: work, ...query }, ctx.signal)).items
    } else {
      let isFile = false
      try { isFile = (await stat(work)).isFile() } catch { isFile = false }
      if (!isFile) {
        let record: string
        try { record = parse.cid(work) } catch { throw new InvalidArgumentError(`"${work}" is neither a file, an asset record CID nor <alg>:<code>`) }
        items = (await client.getJson<{ items: SimilarItem[] }>('/v1/similar', { record, ...query }, ctx.signal)).items
      } else {
        if ((await stat(work)).size > MAX_FILE_BYTES) throw new LocalError(`${work} is larger than ${MAX_FILE_BYTES} bytes, the most the daemon fingerprints`)
        const mediaType = opts.mediaType ?? parse.guessMediaType(work)
        if (mediaType == null) throw new LocalError(`cannot tell what kind of file ${work} is: give --media-type (image/… or text/…)`)
        const res = await client.request('POST', '/v1/similar', {
          query,
          body: new Blob([await readFile(work)]).stream(),
          headers: { 'content-type': mediaType, accept: 'application/json' },
          signal: ctx.signal
        })
        items = ((await res.json()) as { items: SimilarItem[] }).items
      }
    }
    return single({ items }, v => v.items.length === 0
      ? 'no similar works held on this node'
      : table(['distance', 'work', 'by', 'dated', 'record'], v.items.map(i => [
        how(i), i.title != null ? `"${i.title}"` : '', shortId(i.author), i.time != null ? formatTime(i.time) : '', i.cid
      ])))
  }
}

export const alerts: CliCommand = {
  name: 'alerts',
  summary: 'later works by others that look like yours, with no lineage, license or grant',
  description: 'Later asset records by other authors whose fingerprints are within the match radius of this node\'s\n' +
    'works and that name no lineage, license or grant linking them (possible.unattributed_derivative). Each is\n' +
    'judged again as you ask: a grant or a revocation since takes it off the list. Live: GET /v1/events.',
  examples: ['atelier alerts', 'atelier alerts --json'],
  setup () {},
  async run (ctx) {
    const client = await ctx.client()
    const { items } = await client.getJson<{ items: AlertItem[] }>('/v1/alerts', undefined, ctx.signal)
    return single({ items }, v => v.items.length === 0
      ? 'no alerts: no later work by another author looks like one of yours without naming it'
      : v.items.flatMap(a => [
        `${a.later} by ${a.laterAuthor} (${formatTime(a.laterTime)})`,
        `  looks like your ${a.earlier} (${formatTime(a.earlierTime)}): ${how(a)}`
      ]))
  }
}
