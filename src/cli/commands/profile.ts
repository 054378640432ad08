/**
 * `atelier profile set` and `atelier profile show`: a creator's display name, bio, avatar and links
 * (protocols/records.md §3.11), shown instead of its did everywhere the CLI and the page show people.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { Readable } from 'node:stream'
import { InvalidArgumentError, Option } from 'commander'
import type { CliCommand } from '../command.ts'
import { LocalError, UsageError } from '../errors.ts'
import { fields, formatTime, single } from '../output.ts'
import * as parse from '../parse.ts'

export interface ProfileSetOptions {
  name: string
  bio?: string
  avatar?: string
  link?: string[]
  collective?: string[]
  local?: boolean
}

/** What GET /v1/profiles/<did> answers and `profile show --json` prints */
export interface ProfileView {
  did: string
  name: string
  bio?: string
  avatar?: string
  links?: string[]
  cid: string
  time: string
  collective?: string
}

/** What `profile set --json` prints */
export interface ProfileSetResult {
  did: string
  name: string
  bio?: string
  avatar?: string
  links?: string[]
  /** one profile record per collective it was published to (one without `collective` when kept local) */
  records: Array<{ cid: string, collective?: string }>
}

/** A link as the record takes it: http(s), no white space (records.md §3.11) */
function link (value: string): string {
  const v = value.trim()
  if (!/^https?:\/\/[^\s<>"]+$/.test(v) || v.length > 2048) throw new InvalidArgumentError(`"${value}" is not an http(s) URL`)
  return v
}

function displayName (value: string): string {
  // the record refuses control characters and a name of spaces only; say so before anything is uploaded
  if (value.trim() === '' || /[\u0000-\u001f\u007f]/.test(value)) throw new InvalidArgumentError('a name needs a visible character and no control characters')
  if ([...value].length > 200) throw new InvalidArgumentError('a name is at most 200 characters')
  return value
}

/** Upload the avatar file (POST /v1/content) and answer its content CID */
async function uploadAvatar (client: Awaited<ReturnType<Parameters<CliCommand['run']>[0]['client']>>, file: string): Promise<string> {
  const mediaType = parse.guessMediaType(file)
  if (mediaType == null || !mediaType.startsWith('image/')) throw new UsageError(`--avatar ${file}: not an image file (png, jpg, gif, webp, svg)`)
  try {
    const info = await stat(file)
    if (!info.isFile()) throw new LocalError(`${file} is not a file`)
  } catch (err: any) {
    if (err instanceof LocalError) throw err
    throw new LocalError(err.code === 'ENOENT' ? `${file}: no such file` : `${file}: ${err.message}`, 1, { cause: err })
  }
  const body = Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>
  const res = await client.request('POST', '/v1/content', {
    query: { filename: basename(file) },
    body,
    headers: { 'content-type': 'application/octet-stream', accept: 'application/json' }
  })
  const content = await res.json() as { cid?: string }
  if (typeof content?.cid !== 'string') throw new LocalError('the daemon\'s answer to the upload has no cid')
  return content.cid
}

export const profileSet: CliCommand<ProfileSetOptions> = {
  name: 'profile set',
  summary: 'name this node\'s creator: display name, bio, avatar, links (replaces the earlier profile)',
  description: 'Sign a profile record with this node\'s key. Nodes show the name instead of the did wherever they show\n' +
    'this creator; the latest profile counts. Without --collective it is published to every collective this\n' +
    'node is a member of (one record each), so their members see the name; --local keeps it on this node.\n' +
    '--avatar uploads the image and records its CID. --json prints { did, name, …, records: [{ cid, collective }] }.',
  examples: [
    'atelier profile set --name "Ada Lindqvist"',
    'atelier profile set --name Ada --bio "Ink studies of the harbour" --avatar me.png --link https://ada.example',
    'atelier profile set --name Ada --collective bagaaiera… --json'
  ],
  setup (cmd) {
    cmd
      .addOption(new Option('--name <name>', 'display name (1-200 characters)').argParser(displayName).makeOptionMandatory())
      .option('--bio <text>', 'a few words about you (up to 1000 characters)')
      .option('--avatar <file>', 'an image file: uploaded, and its CID recorded')
      .addOption(new Option('--link <url>', 'a site or portfolio, http(s) (repeatable, up to 8)').argParser(parse.collect(link)))
      .addOption(new Option('--collective <cid>', 'publish to this collective (repeatable; default: every collective this node is a member of)').argParser(parse.collect(parse.cid)))
      .addOption(new Option('--local', 'keep the profile on this node (no collective)').conflicts('collective'))
  },
  async run (ctx, _args, opts) {
    if (opts.bio != null && [...opts.bio].length > 1000) throw new UsageError('--bio is at most 1000 characters')
    if ((opts.link?.length ?? 0) > 8) throw new UsageError('at most 8 --link')
    const client = await ctx.client()
    await client.readToken()
    const node = await client.getJson<{ did: string }>('/v1/node')
    let collectives: Array<string | undefined> = opts.collective ?? []
    if (opts.collective == null && opts.local !== true) {
      const { items } = await client.getJson<{ items: Array<{ id: string, member: boolean }> }>('/v1/collectives')
      collectives = items.filter(c => c.member).map(c => c.id)
    }
    if (collectives.length === 0) collectives = [undefined]
    const avatar = opts.avatar != null ? await uploadAvatar(client, opts.avatar) : undefined
    const body = { name: opts.name, bio: opts.bio, avatar, links: opts.link }
    const records: ProfileSetResult['records'] = []
    for (const collective of collectives) {
      const created = await client.postJson<{ cid: string }>('/v1/profiles', { ...body, ...(collective != null ? { collective } : {}) })
      records.push({ cid: created.cid, ...(collective != null ? { collective } : {}) })
    }
    const value: ProfileSetResult = JSON.parse(JSON.stringify({ did: node.did, ...body, records }))
    return single(value, v => [
      ...fields([['name', v.name], ['did', v.did], ['bio', v.bio], ['avatar', v.avatar], ['links', v.links?.join(', ')]]),
      ...v.records.map(r => `signed profile record ${r.cid}${r.collective != null ? ` in collective ${r.collective}` : ' (this node only)'}`)
    ])
  }
}

export const profileShow: CliCommand = {
  name: 'profile show',
  summary: 'the profile that counts for a did (default: this node\'s creator)',
  description: 'Show the profile a did has on this node: the latest it signed (by time, then record CID) that it has\n' +
    'not revoked. --json prints { did, name, bio, avatar, links, cid, time, collective }. Exit 1 when it has none.',
  examples: ['atelier profile show', 'atelier profile show did:key:z6Mk… --json'],
  setup (cmd) { cmd.argument('[did]', 'whose profile (default: this node\'s creator)', parse.did) },
  async run (ctx, [did]) {
    const client = await ctx.client()
    const who = did ?? (await client.getJson<{ did: string }>('/v1/node')).did
    const profile = await client.getJson<ProfileView>(`/v1/profiles/${encodeURIComponent(who)}`)
    return single(profile, p => fields([
      ['name', p.name],
      ['did', p.did],
      ['bio', p.bio],
      ['avatar', p.avatar != null ? `${p.avatar} (atelier get ${p.avatar})` : undefined],
      ['links', p.links?.join(', ')],
      ['since', formatTime(p.time)],
      ['record', p.cid],
      ['collective', p.collective]
    ]))
  }
}
