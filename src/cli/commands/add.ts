/**
 * `atelier add <file>`: upload a file (streamed, POST /v1/content), then sign an asset record for it
 * (POST /v1/assets) carrying its provenance: parents, tools, AI model and prompt hash, source type, AI-training
 * permission, and optionally a license issued in the same step.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { Readable } from 'node:stream'
import { InvalidArgumentError, Option } from 'commander'
import { licensePreset, LICENSE_PRESETS } from '../../records/license-presets.ts'
import { checkSpdxExpression, SpdxProblem } from '../../records/spdx.ts'
import type { Relationship, Tool, TrainingMiningUse } from '../../records/types.ts'
import type { CliCommand } from '../command.ts'
import { LocalError, UsageError } from '../errors.ts'
import { fields, formatBytes, single } from '../output.ts'
import * as parse from '../parse.ts'
import { counted, createProgress } from '../progress.ts'
import { RECORD_MODES, uploadDirectory } from './add-dir.ts'
import type { RecordMode } from './add-dir.ts'

export interface AddOptions {
  title?: string
  description?: string
  tag?: string[]
  mediaType?: string
  parent?: Array<{ record: string, relationship?: Relationship }>
  relationship?: Relationship
  input?: string[]
  tool?: Tool[]
  aiModel?: Tool[]
  prompt?: string
  sourceType?: string
  aiTraining?: TrainingMiningUse
  license?: string
  royaltyPolicy?: 'LAP' | 'LRP'
  revShare?: number
  collective?: string
  /** false with --no-fingerprints */
  fingerprints?: boolean
  recursive?: boolean
  record?: RecordMode
  hidden?: boolean
  kubo?: boolean
}

/** What `add -r --json` prints */
export interface AddDirectoryResult {
  /** the directory's CID */
  cid: string
  /** bytes of all files */
  size: number
  files: number
  directories: number
  /** the asset records made: one for the directory (`--record one`), one per file (`each`), none */
  records: Array<{ record: string, path?: string, cid: string, license?: string }>
  /** special files left out (symbolic links, sockets…) */
  skipped: string[]
}

/** Media type of a directory's asset record */
const DIRECTORY_MEDIA_TYPE = 'inode/directory'

/** What `add --json` prints */
export interface AddResult {
  /** content CID */
  cid: string
  /** bytes of the file */
  size: number
  /** asset record CID */
  record: string
  title: string
  mediaType?: string
  /** license record CID, when --license issued one */
  license?: string
  /** algorithm ids of the fingerprints the record carries (none: absent) */
  fingerprints?: string[]
}

/**
 * `--license` value: a preset name, or the SPDX id of one (CC-BY-4.0 is cc-by). Any other license is refused here:
 * `add` knows no terms for it, and signing "MIT" with all-rights-reserved terms would contradict itself; `atelier
 * license <record> --spdx <id>` with terms flags says what such a license allows.
 */
export function licenseChoice (value: string): { preset: string } {
  const v = value.trim()
  if (licensePreset(v) != null) return { preset: v }
  const presets = Object.keys(LICENSE_PRESETS).join(', ')
  const byId = Object.entries(LICENSE_PRESETS).find(([, p]) => 'spdx' in p && p.spdx.toLowerCase() === v.toLowerCase())
  if (byId != null) return { preset: byId[0] }
  const checked = checkSpdxExpression(v)
  if (checked instanceof SpdxProblem) throw new InvalidArgumentError(`"${value}" is not a preset (${presets}); as an SPDX id: ${checked.message}`)
  throw new InvalidArgumentError(`${checked} has no preset here, so its terms are unknown: use a preset (${presets}), ` +
    `or add without --license and then run atelier license <asset-record> --spdx ${checked} with its terms (--commercial, --derivatives, …)`)
}

/** sha256 of the prompt's UTF-8 bytes, hex: proves the prompt later without publishing it */
export function promptHash (prompt: string): string {
  return createHash('sha256').update(prompt, 'utf8').digest('hex')
}

/** The POST /v1/assets body for uploaded content and the flags */
export function assetBody (opts: AddOptions, content: { cid: string, size: number }, fileName?: string): Record<string, unknown> {
  if (opts.prompt != null && (opts.aiModel == null || opts.aiModel.length === 0)) {
    throw new UsageError('--prompt needs --ai-model (the prompt hash is recorded on the model that used it)')
  }
  if ((opts.royaltyPolicy != null || opts.revShare != null) && opts.license == null) {
    throw new UsageError('--royalty-policy and --rev-share are license terms: give --license too')
  }
  const title = opts.title ?? fileName
  if (title == null || title.trim() === '') throw new UsageError('give --title (reading from stdin there is no file name to use)')

  const body: Record<string, unknown> = { content: content.cid, title, byteSize: content.size }
  const mediaType = opts.mediaType ?? (fileName != null ? parse.guessMediaType(fileName) : undefined)
  if (mediaType != null) body.mediaType = mediaType
  if (opts.description != null) body.description = opts.description
  if (opts.tag != null && opts.tag.length > 0) body.tags = [...new Set(opts.tag)]

  const parents = [
    ...(opts.parent ?? []).map(p => ({ record: p.record, relationship: p.relationship ?? opts.relationship ?? 'parentOf' })),
    ...(opts.input ?? []).map(record => ({ record, relationship: 'inputTo' as const }))
  ]
  if (parents.length > 0) body.parents = parents

  const hash = opts.prompt != null ? promptHash(opts.prompt) : undefined
  const tools: Tool[] = [
    ...(opts.tool ?? []),
    ...(opts.aiModel ?? []).map(t => (hash != null ? { ...t, promptHash: hash } : t))
  ]
  if (tools.length > 0) body.tools = tools
  if (opts.sourceType != null) body.digitalSourceType = opts.sourceType
  if (opts.aiTraining != null) body.aiTraining = opts.aiTraining
  if (opts.collective != null) body.collective = opts.collective
  // only the refusal is sent: without it the node's fingerprints.compute decides
  if (opts.fingerprints === false) body.fingerprints = false
  if (opts.license != null) {
    const license: Record<string, unknown> = { ...licenseChoice(opts.license) }
    if (opts.royaltyPolicy != null) license.royaltyPolicy = opts.royaltyPolicy
    if (opts.revShare != null) license.terms = { commercialRevShare: opts.revShare }
    body.license = license
  }
  return body
}

interface CreatedRecord { cid: string, record: unknown }

/** The algorithm ids of the fingerprints in a signed asset record, as the node answered it */
function fingerprintAlgs (record: unknown): string[] {
  const fps = (record as { credentialSubject?: { fingerprints?: Array<{ alg?: unknown }> } } | null)?.credentialSubject?.fingerprints
  return Array.isArray(fps) ? fps.map(f => f.alg).filter((a): a is string => typeof a === 'string') : []
}

export const add: CliCommand<AddOptions> = {
  name: 'add',
  summary: 'add a file or a directory and sign an asset record for it (provenance, optional license)',
  description: 'Upload a file to the node (it is pinned) and sign an asset record naming it, with its provenance.\n' +
    'Use - as the file to read standard input (then --title is required).\n' +
    'With -r, add a directory as a UnixFS directory (as ipfs add -r) and choose the records: --record one (the directory, the default), each (one per file, titled by its path) or none.\n' +
    'CIDs: files up to 256 KiB get the CID ipfs add --cid-version 1 --raw-leaves gives; larger files are cut in 1 MiB chunks unless --kubo, which cuts them as Kubo does (256 KiB chunks, 174 links a node) for the same CIDs.\n' +
    `License presets: ${Object.keys(LICENSE_PRESETS).join(', ')} (or the SPDX id of one, e.g. CC-BY-4.0). For another\n` +
    'license, add the file first, then state its terms with atelier license <asset-record> --spdx <id> …\n' +
    '--ai-training also sets the AI-training term of the license issued with --license, so the two agree.',
  examples: [
    'atelier add sunset.jpg --title "Sunset" --tag photo --tag coast --license cc-by',
    'atelier add remix.png --parent bagaaiera…:componentOf --tool krita@5.2 --ai-model sdxl@1.0 --prompt "a coast at dusk" \\\n' +
      '      --source-type compositeWithTrainedAlgorithmicMedia --ai-training notAllowed',
    'atelier add track.flac --license commercial-remix --rev-share 15 --royalty-policy LRP --json',
    'atelier add -r album/ --record each --license cc-by --kubo'
  ],
  setup (cmd) {
    cmd
      .argument('<file>', 'the file to add, or - for stdin (a directory with -r)')
      .addOption(new Option('-r, --recursive', 'add a directory and everything under it'))
      .addOption(new Option('--record <mode>', 'with -r: one asset record for the directory, one for each file, or none').choices(RECORD_MODES))
      .addOption(new Option('--hidden', 'with -r: include files whose name starts with a dot'))
      .addOption(new Option('--kubo', 'cut files as ipfs add --cid-version 1 --raw-leaves does, for the same CIDs'))
      .option('--title <text>', 'title (default: the file name)')
      .option('--description <text>', 'description')
      .option('--tag <tag>', 'tag (repeatable)', parse.collect())
      .addOption(new Option('--media-type <type>', 'media type (default: guessed from the extension)').argParser(parse.mediaType))
      .addOption(new Option('--parent <record-cid[:relationship]>', 'the asset RECORD CID (bagaaiera…, as add printed it; not the content CID) of a work this one derives from (repeatable); relationship parentOf unless given').argParser(parse.collect(parse.parentRef)))
      .addOption(new Option('--relationship <relationship>', 'relationship for --parent entries without one').choices(parse.RELATIONSHIPS))
      .addOption(new Option('--input <record-cid>', 'the asset record CID of a work used as an AI input (inputTo ingredient, repeatable)').argParser(parse.collect(parse.recordCid)))
      .addOption(new Option('--tool <name[@version]>', 'software used (repeatable)').argParser(parse.collect(parse.tool)))
      .addOption(new Option('--ai-model <name[@version]>', 'AI model used (repeatable)').argParser(parse.collect(parse.aiModel)))
      .option('--prompt <text>', 'the prompt given to the AI model; only its sha256 is sent')
      .addOption(new Option('--source-type <term|uri>', 'IPTC digital source type, e.g. digitalCapture, trainedAlgorithmicMedia').argParser(parse.sourceType))
      .addOption(new Option('--ai-training <use>', 'may the work train AI models').choices(parse.TRAINING_USES))
      .addOption(new Option('--license <preset>', 'also issue a license with a preset\'s terms').argParser((v: string) => { licenseChoice(v); return v.trim() }))
      .addOption(new Option('--royalty-policy <policy>', 'royalty policy of the license').choices(['LAP', 'LRP']))
      .addOption(new Option('--rev-share <percent>', 'revenue share owed by derivatives, percent').argParser(parse.percentToBasisPoints))
      .addOption(new Option('--collective <cid>', 'charter CID of the collective the records belong to (a private one\'s file is encrypted before it is addressed)').argParser(parse.cid))
      .option('--no-fingerprints', 'sign the record without the perceptual fingerprints of the file (default: the node\'s fingerprints.compute)')
  },
  async run (ctx, [file], opts) {
    if (opts.recursive === true) return await addDirectory(ctx, file, opts)
    if (opts.record != null || opts.hidden === true) throw new UsageError('--record and --hidden go with -r (a directory)')
    const fromStdin = file === '-'
    const fileName = fromStdin ? undefined : basename(file)
    // check the flags before sending a byte
    assetBody(opts, { cid: '', size: 0 }, fileName)

    let total: number | undefined
    if (!fromStdin) {
      let info
      try {
        info = await stat(file)
      } catch (err: any) {
        throw new LocalError(err.code === 'ENOENT' ? `${file}: no such file` : `${file}: ${err.message}`, 1, { cause: err })
      }
      if (!info.isFile()) throw new LocalError(`${file} is not a file`)
      total = info.size
    }

    const client = await ctx.client()
    await client.readToken() // fail on a missing token before opening the file
    const progress = createProgress({ enabled: ctx.progress, label: fileName ?? 'stdin', total })
    let content: { cid: string, size: number }
    try {
      const source: AsyncIterable<Uint8Array> = fromStdin ? process.stdin : createReadStream(file, { highWaterMark: 1024 * 1024 })
      const body = Readable.toWeb(Readable.from(counted(source, progress))) as unknown as ReadableStream<Uint8Array>
      const res = await client.request('POST', '/v1/content', {
        // a private collective's node encrypts the file before it is addressed (protocols/private-collectives.md §9)
        query: { filename: fileName, chunking: opts.kubo === true ? 'kubo' : undefined, collective: opts.collective },
        body,
        headers: { 'content-type': 'application/octet-stream', accept: 'application/json' }
      })
      content = await res.json() as { cid: string, size: number }
    } finally {
      progress.stop()
    }
    if (typeof content?.cid !== 'string') throw new LocalError('the daemon\'s answer to the upload has no cid')

    const body = assetBody(opts, content, fileName)
    const created = await client.postJson<CreatedRecord & { license?: CreatedRecord }>('/v1/assets', body)
    const value: AddResult = {
      cid: content.cid,
      size: content.size,
      record: created.cid,
      title: body.title as string,
      ...(body.mediaType != null ? { mediaType: body.mediaType as string } : {}),
      ...(created.license?.cid != null ? { license: created.license.cid } : {}),
      ...(fingerprintAlgs(created.record).length > 0 ? { fingerprints: fingerprintAlgs(created.record) } : {})
    }
    return single(value, v => fields([
      ['added', `${v.title} (${formatBytes(v.size)}${v.mediaType != null ? `, ${v.mediaType}` : ''})`],
      ['content', v.cid],
      ['asset record', v.record],
      ['license', v.license != null ? `${v.license} (${opts.license ?? ''})` : undefined],
      ['fingerprints', v.fingerprints?.join(', ')]
    ]))
  }
}

/** `add -r`: the directory, then the records the user chose */
async function addDirectory (ctx: Parameters<CliCommand<AddOptions>['run']>[0], dir: string, opts: AddOptions): Promise<ReturnType<typeof single<AddDirectoryResult>>> {
  if (dir === '-') throw new UsageError('-r takes a directory, not stdin')
  const mode: RecordMode = opts.record ?? 'one'
  if (mode === 'each' && opts.title != null) throw new UsageError('--record each titles each file by its path: drop --title')
  const name = basename(dir.replace(/\/+$/, '')) || 'directory'
  // check the flags before sending a byte
  if (mode !== 'none') assetBody(opts, { cid: '', size: 0 }, name)
  const client = await ctx.client()
  await client.readToken()
  const uploaded = await uploadDirectory(ctx, client, dir, { hidden: opts.hidden === true, chunking: opts.kubo === true ? 'kubo' : undefined })
  const records: AddDirectoryResult['records'] = []
  const sign = async (body: Record<string, unknown>, cid: string, path?: string): Promise<void> => {
    const created = await client.postJson<CreatedRecord & { license?: CreatedRecord }>('/v1/assets', body)
    records.push({ record: created.cid, ...(path != null ? { path } : {}), cid, ...(created.license?.cid != null ? { license: created.license.cid } : {}) })
  }
  if (mode === 'one') {
    await sign(assetBody({ ...opts, mediaType: opts.mediaType ?? DIRECTORY_MEDIA_TYPE }, { cid: uploaded.cid, size: uploaded.size }, name), uploaded.cid)
  } else if (mode === 'each') {
    for (const f of uploaded.files) await sign(assetBody({ ...opts, title: f.path }, f, basename(f.path)), f.cid, f.path)
  }
  const value: AddDirectoryResult = { cid: uploaded.cid, size: uploaded.size, files: uploaded.files.length, directories: uploaded.directories, records, skipped: uploaded.skipped }
  return single(value, v => [
    ...fields([
      ['added', `${name}/ (${v.files} file${v.files === 1 ? '' : 's'} in ${v.directories} director${v.directories === 1 ? 'y' : 'ies'}, ${formatBytes(v.size)})`],
      ['content', v.cid],
      ['asset record', mode === 'one' ? v.records[0]?.record : undefined],
      ['asset records', mode === 'each' ? `${v.records.length} (one per file; --json lists them)` : undefined],
      ['left out', v.skipped.length > 0 ? `${v.skipped.length} special file${v.skipped.length === 1 ? '' : 's'} (links, sockets): ${v.skipped.slice(0, 3).join(', ')}${v.skipped.length > 3 ? ', …' : ''}` : undefined]
    ])
  ])
}
