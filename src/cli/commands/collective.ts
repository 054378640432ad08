/**
 * `atelier collective create|list|show`: found a collective, list the ones this node takes part in, show one.
 */
import { Option } from 'commander'
import type { CliCommand } from '../command.ts'
import { fields, formatTime, single } from '../output.ts'
import * as parse from '../parse.ts'
import { namer } from '../names.ts'
import type { Who } from '../names.ts'
import type { MemberStanding } from '../../node/member-standing.ts'

interface Summary {
  id: string
  name: string
  description?: string
  admins: string[]
  policy: string
  quorum: number
  replication: string | { copies: number }
  members: string[]
  joined: boolean
  member: boolean
  /** display names of the dids listed (did → name) */
  names?: Record<string, string>
  /** absent from daemons older than this CLI */
  standing?: MemberStanding
}

/** Where this node's creator stands, in words: "member since …", "removed on … by …", "waiting for admin signatures" */
export function standingText (standing: MemberStanding | undefined, member: boolean): string {
  switch (standing?.status) {
    case 'member': return `member since ${formatTime(standing.since)}`
    case 'removed': return `removed ${formatTime(standing.at)}${standing.by.length > 0 ? ` by ${standing.by.join(', ')}` : ''}${standing.reason != null ? ` (${standing.reason})` : ''}`
    case 'pending': return 'not a member yet: admission waits for admin signatures (atelier members shows them)'
    case 'not-member': return 'not a member'
    default: return member ? 'member' : 'not a member'
  }
}

/** A charter's replication, in words */
export function replicationText (replication: Summary['replication'] | undefined): string {
  if (typeof replication === 'object' && replication != null) return `${replication.copies} copies: each work pinned by ${replication.copies} members (atelier collective health)`
  return replication === 'full' ? 'full: every member pins every asset' : 'none'
}

/** `--replication`: full, none, or a number of copies 1…64 */
function replicationArg (value: string): 'full' | 'none' | { copies: number } {
  const v = value.trim()
  if (v === 'full' || v === 'none') return v
  return { copies: parse.integer(1, 64)(v) }
}

function summaryLines (c: Summary, who: Who = namer(c.names)): string[] {
  return fields([
    ['id', c.id],
    ['name', c.name],
    ['description', c.description],
    ['admission', c.policy === 'invite' ? 'by invitation (atelier invite)' : `by ${c.quorum} admin signature${c.quorum > 1 ? 's' : ''} (atelier admit)`],
    ['replication', replicationText(c.replication)],
    ['admins', c.admins.map(a => who(a)).join(', ')],
    ['members', `${c.members.length}`],
    ['this node', standingText(c.standing, c.member)]
  ])
}

export interface CreateOptions {
  description?: string
  policy: 'invite' | 'quorum'
  quorum?: number
  admin?: string[]
  replication?: 'full' | 'none' | { copies: number }
  private?: boolean
}

export const collectiveCreate: CliCommand<CreateOptions> = {
  name: 'collective create',
  summary: 'found a collective: sign its charter, become its first admin',
  description: 'Found a collective. Its id is the CID of its charter record, signed by this node\'s creator key.\n' +
    'Admission is by invitation (atelier invite) or by a quorum of admin signatures (atelier admit).',
  examples: [
    'atelier collective create "Riverside Printmakers"',
    'atelier collective create "Label" --policy quorum --quorum 2 --admin did:key:z6Mk… --admin did:key:z6Mk…',
    'atelier collective create "Archive" --replication full --json',
    'atelier collective create "Big archive" --replication 3',
    'atelier collective create "Drafts" --private'
  ],
  setup (cmd) {
    cmd
      .argument('<name>', 'the collective\'s name')
      .option('--description <text>', 'what the collective is for')
      .addOption(new Option('--policy <policy>', 'how members are admitted').choices(['invite', 'quorum']).default('invite'))
      .addOption(new Option('--quorum <n>', 'admin signatures an admit or remove needs').argParser(parse.integer(1, 50)))
      .addOption(new Option('--admin <did>', 'another admin (repeatable); this node\'s did is always one').argParser(parse.collect(parse.did)))
      .addOption(new Option('--replication <k|full|none>', 'k (1-64): each work pinned by k members chosen by rendezvous hashing; full: every member pins every asset; none').argParser(replicationArg))
      .option('--private', 'readable by members only: records travel sealed to an epoch key (protocols/private-collectives.md)')
  },
  async run (ctx, [name], opts) {
    const body: Record<string, unknown> = { name, policy: opts.policy }
    if (opts.description != null) body.description = opts.description
    if (opts.quorum != null) body.quorum = opts.quorum
    if (opts.admin != null) body.admins = opts.admin
    if (opts.replication != null) body.replication = opts.replication
    if (opts.private === true) body.visibility = 'private'
    const client = await ctx.client()
    const created = await client.postJson<{ id: string, record: unknown }>('/v1/collectives', body)
    return single(created, c => [`collective created: ${c.id}`, 'invite others with: atelier invite ' + c.id])
  }
}

export const collectiveList: CliCommand = {
  name: 'collective list',
  summary: 'the collectives this node takes part in',
  examples: ['atelier collective list', 'atelier collective list --json'],
  setup () {},
  async run (ctx) {
    const client = await ctx.client()
    const { items } = await client.getJson<{ items: Summary[] }>('/v1/collectives')
    return single({ items }, v => v.items.length === 0
      ? 'this node takes part in no collective (atelier collective create, or atelier join <invite>)'
      : v.items.map(c => `${c.id}  ${c.name}  ${c.members.length} members  (this node: ${standingText(c.standing, c.member)})`))
  }
}

export const collectiveShow: CliCommand = {
  name: 'collective show',
  summary: 'one collective: charter, admission, admins, members',
  examples: ['atelier collective show bagaaiera…'],
  setup (cmd) { cmd.argument('<collective>', 'charter CID', parse.cid) },
  async run (ctx, [id]) {
    const client = await ctx.client()
    const c = await client.getJson<Summary>(`/v1/collectives/${id}`)
    return single(c, v => summaryLines(v, namer(v.names, ctx.dids)))
  }
}
