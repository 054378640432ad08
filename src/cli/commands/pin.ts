/**
 * `atelier pin ls|add|rm` and `atelier gc`: the node's pins (recursive, by root) and garbage collection, over
 * GET/POST /v1/pins, DELETE /v1/pins/<cid> and POST /v1/gc.
 */
import { Option } from 'commander'
import type { CliCommand } from '../command.ts'
import { fields, formatBytes, single, stream } from '../output.ts'
import * as parse from '../parse.ts'
import { ipfsPath } from '../download.ts'

export interface PinItem {
  cid: string
  source?: string
  at?: string
  /** asset records this node counts that name the pinned content */
  records: string[]
}

/** What a pin is for, in words */
export function pinPurpose (p: PinItem): string {
  const why: Record<string, string> = {
    add: 'added here',
    user: 'pinned by hand',
    import: 'imported from a CAR',
    replication: 'collective replication',
    record: 'record block (older release)',
    part: 'part of an unfinished add -r'
  }
  const base = p.source != null ? (why[p.source] ?? p.source) : 'origin not recorded'
  if (p.records.length === 0) return base
  return `${base}; content of ${p.records.length === 1 ? 'asset record' : `${p.records.length}${p.records.length >= 5 ? '+' : ''} asset records`} ${p.records[0]}${p.records.length > 1 ? ', …' : ''}`
}

export const pinLs: CliCommand = {
  name: 'pin ls',
  summary: 'list the pins (recursive, by root) and what each is for',
  description: 'List the node\'s pins: each a root CID whose whole DAG is kept, why it was pinned (added here, pinned by hand, imported, collective replication) and the asset records that name it as their content.',
  examples: ['atelier pin ls', 'atelier pin ls --json | jq -r .cid'],
  setup () {},
  async run (ctx) {
    const client = await ctx.client()
    async function * all (): AsyncGenerator<PinItem> {
      let cursor: string | null = null
      do {
        const page: { items: PinItem[], cursor: string | null } = await client.getJson('/v1/pins', { cursor })
        yield * page.items
        cursor = page.cursor
      } while (cursor != null)
    }
    return stream(all(), p => `${p.cid}  ${pinPurpose(p)}`, { footer: n => n === 0 ? 'no pins' : `${n} pin${n === 1 ? '' : 's'}` })
  }
}

export const pinAdd: CliCommand = {
  name: 'pin add',
  summary: 'pin content held here (its whole DAG), so gc keeps it',
  description: 'Pin a CID (optionally /path inside a directory) recursively. Every block under it must be held here (fetch it first with atelier get); nothing is pinned otherwise.',
  examples: ['atelier pin add bafybeigdyrzt…', 'atelier pin add bafybeib…/img/cover.png --json'],
  setup (cmd) {
    cmd.argument('<cid>', 'the root CID, optionally followed by /path', ipfsPath)
  },
  async run (ctx, [path]) {
    const client = await ctx.client()
    const res = await client.request('POST', '/v1/pins', { json: { cid: decodeURIComponent(path.replace(/^\/ipfs\//, '')) }, headers: { accept: 'application/json' } })
    const value = await res.json() as { cid: string, added: boolean }
    return single(value, v => v.added ? `pinned ${v.cid}` : `${v.cid} was pinned already`)
  }
}

export const pinRm: CliCommand = {
  name: 'pin rm',
  summary: 'remove a pin (gc may then free its blocks, unless a record still needs them)',
  description: 'Remove the pin whose root is <cid>. Its blocks stay until atelier gc, and gc keeps them anyway while an asset record held here names them as its content (the answer lists those records).',
  examples: ['atelier pin rm bafybeigdyrzt…', 'atelier pin rm bafybeigdyrzt… && atelier gc'],
  setup (cmd) {
    cmd.argument('<cid>', 'the pinned root CID', parse.cid)
  },
  async run (ctx, [cid]) {
    const client = await ctx.client()
    const res = await client.request('DELETE', `/v1/pins/${encodeURIComponent(cid)}`, { headers: { accept: 'application/json' } })
    const value = await res.json() as { cid: string, removed: boolean, keptBy: string[] }
    return single(value, v => [
      `unpinned ${v.cid}`,
      ...(v.keptBy.length > 0 ? [`gc still keeps it: asset record${v.keptBy.length > 1 ? 's' : ''} ${v.keptBy.join(', ')} name${v.keptBy.length > 1 ? '' : 's'} it as content`] : [])
    ])
  }
}

export interface GcResultView { blocks: number, bytes: number, kept: number, dryRun: boolean, ms: number }

export const gc: CliCommand<{ dryRun?: boolean }> = {
  name: 'gc',
  summary: 'delete the blocks no pin and no record held here needs, and say what was freed',
  description: 'Garbage-collect the block store: every block that no pin reaches and no asset record held here names (counted or held) is deleted. Adds, imports and pins in progress are waited for (then: busy, retry). With --dry-run nothing is deleted; the figures are what a gc would free now.',
  examples: ['atelier gc --dry-run', 'atelier gc', 'atelier gc --json'],
  setup (cmd) {
    cmd.addOption(new Option('--dry-run', 'count what would be freed, delete nothing'))
  },
  async run (ctx, _args, opts) {
    const client = await ctx.client()
    const value = await client.postJson<GcResultView>('/v1/gc', { dryRun: opts.dryRun === true })
    return single(value, v => fields([
      [v.dryRun ? 'would free' : 'freed', `${formatBytes(v.bytes)} in ${v.blocks.toLocaleString('en')} block${v.blocks === 1 ? '' : 's'}`],
      ['kept', `${v.kept.toLocaleString('en')} block${v.kept === 1 ? '' : 's'} (pinned or a record's content)`],
      ['took', `${v.ms} ms`]
    ]))
  }
}

