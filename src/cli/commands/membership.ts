/**
 * Membership commands: `invite`, `join`, `members`, `admit`, `remove`.
 */
import { InvalidArgumentError, Option } from 'commander'
import type { CliCommand } from '../command.ts'
import { UsageError } from '../errors.ts'
import { formatTime, single } from '../output.ts'
import * as parse from '../parse.ts'
import { namer } from '../names.ts'
import type { Who } from '../names.ts'
import type { MemberChangeResult } from '../../node/member-change.ts'
import type { SyncProgressView } from '../../node/sync-progress.ts'
import type { CatchUp } from '../../node/collective-service.ts'
import { createProgress } from '../progress.ts'
import type { MemberStanding } from '../../node/member-standing.ts'
import { standingText } from './collective.ts'

/** How often `join` asks the daemon how its catch-up is going */
const PROGRESS_POLL_MS = 250

const SECONDS_PER = { s: 1, m: 60, h: 3600, d: 86400 } as const

/** "7d", "12h", "30m" or seconds, as seconds */
function duration (value: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(value.trim())
  if (m == null) throw new InvalidArgumentError(`"${value}" is not a duration like 30m, 12h or 7d`)
  return Number(m[1]) * SECONDS_PER[(m[2] === '' ? 's' : m[2]) as keyof typeof SECONDS_PER]
}

export const invite: CliCommand<{ expires?: number, maxUses?: number }> = {
  name: 'invite',
  summary: 'print an invite string for a collective (charter, this node\'s addresses, an admission token where allowed)',
  description: 'Print an invite to a collective, alone on stdout, for another node to pass to atelier join.\n' +
    'Under the invitation policy it carries a fresh invite record signed by this node (an admin).',
  examples: ['atelier invite bagaaiera…', 'atelier invite bagaaiera… --expires 2d --max-uses 5'],
  setup (cmd) {
    cmd
      .argument('<collective>', 'charter CID', parse.cid)
      .addOption(new Option('--expires <duration>', 'lifetime of the invite, e.g. 12h or 7d (default 7d)').argParser(duration))
      .addOption(new Option('--max-uses <n>', 'how many nodes may join with it').argParser(parse.integer(1, 100000)))
  },
  async run (ctx, [id], opts) {
    const body: Record<string, unknown> = {}
    if (opts.expires != null) body.expiresIn = opts.expires
    if (opts.maxUses != null) body.maxUses = opts.maxUses
    const client = await ctx.client()
    const out = await client.postJson<{ invite: string, record?: string }>(`/v1/collectives/${id}/invites`, body)
    return single(out, v => v.invite)
  }
}

export const join: CliCommand = {
  name: 'join',
  summary: 'join a collective with an invite: subscribe, catch up its history, sign a join',
  examples: ['atelier join atelier-invite:1:eyJj…', 'atelier join "$(cat invite.txt)" --json'],
  setup (cmd) { cmd.argument('<invite>', 'the string printed by atelier invite') },
  async run (ctx, [text]) {
    const client = await ctx.client()
    // the history's catch-up, polled while the join runs: records and bytes received so far
    let collective: string | undefined
    // loaded here only: the invite codec brings multiformats and multiaddr (some fifty modules) into every command
    const { decodeInvite } = await import('../../node/invite.ts')
    try { collective = decodeInvite(text).collective } catch {}
    const progress = createProgress({ enabled: ctx.progress && collective != null, label: 'catching up' })
    let seenBytes = 0
    const poll = collective == null
      ? undefined
      : setInterval(() => {
        client.getJson<SyncProgressView>(`/v1/collectives/${collective}/sync`).then(p => {
          progress.setLabel(`catching up: ${p.recordsReceived.toLocaleString('en')} records`)
          progress.add(Math.max(0, p.bytesReceived - seenBytes))
          seenBytes = p.bytesReceived
        }).catch(() => {})
      }, PROGRESS_POLL_MS)
    let out: { id: string, peers: string[], synced: boolean, member: boolean, standing?: MemberStanding, joinRecord?: string, catchUp?: CatchUp }
    try {
      out = await client.postJson('/v1/collectives/join', { invite: text })
    } finally {
      clearInterval(poll)
      progress.stop()
    }
    const caught = out.catchUp
    return single(out, v => [
      `joined collective ${v.id}`,
      v.synced
        ? `history caught up from the inviter${caught != null ? `: ${caught.recordsReceived.toLocaleString('en')} records received, ${caught.recordsAdded.toLocaleString('en')} new` : ''}`
        : 'could not reach the inviter yet; history will sync when a peer connects',
      v.member
        ? 'this node is a member'
        : v.standing?.status === 'removed'
          ? `this node was ${standingText(v.standing, false)}`
          : 'this node is not a member yet (an admin must admit it, or its join must reach the others)'
    ])
  }
}

interface Pending { action: 'admit' | 'remove', member: string, effectiveFrom: number, signers: string[], records: string[], needed: number }

interface Members {
  id: string
  members: string[]
  admins: string[]
  pending: Pending[]
  intervals: Record<string, Array<[number, number | null]>>
  /** display names of the dids above that have a profile */
  names?: Record<string, string>
}

/** An instant to the minute, as admins talk about a change: `2026-12-02 09:14` (UTC); --json has the exact value */
function minute (ms: number | string): string {
  return formatTime(ms).replace('T', ' ').replace(/(:\d\d):\d\dZ$/, '$1')
}

/** ` (Ada)` after a did written in full, when it has a name */
function named (did: string, who: Who): string {
  const w = who(did)
  return w.startsWith('did:') ? '' : ` (${w})`
}

/** One pending change: what, from when, who signed, and the command that co-signs it */
function pendingLine (collective: string, p: Pending, who: Who = namer(undefined, false, true)): string {
  const quorum = p.signers.length + p.needed
  // the member's did stays in full: it is what admit and remove take
  return `pending: ${p.action} ${p.member}${named(p.member, who)} from ${minute(p.effectiveFrom)} — signed by ${p.signers.map(s => who(s)).join(', ')} (${p.signers.length} of ${quorum}); ` +
    `co-sign with: atelier ${p.action} ${collective} --cosign ${p.records[0]}`
}

export const members: CliCommand = {
  name: 'members',
  summary: 'members of a collective now, its admins and pending changes (who signed, how to co-sign)',
  examples: ['atelier members bagaaiera…', 'atelier members bagaaiera… --dids   # full dids, as admit and remove take them', 'atelier members bagaaiera… --json'],
  setup (cmd) { cmd.argument('<collective>', 'charter CID', parse.cid) },
  async run (ctx, [id]) {
    const client = await ctx.client()
    const m = await client.getJson<Members>(`/v1/collectives/${id}/members`)
    // a member without a profile keeps its full did, as before: it is what admit and remove take
    const who = namer(m.names, ctx.dids, true)
    return single(m, v => [
      ...v.members.map(d => `${who(d)}${v.admins.includes(d) ? '  (admin)' : ''}  since ${formatTime(v.intervals[d]?.at(-1)?.[0] ?? 0)}`),
      ...v.pending.map(p => pendingLine(v.id, p, who))
    ])
  }
}



function changeLines (collective: string, v: MemberChangeResult): string[] {
  const what = `${v.action} of ${v.member} from ${minute(v.effectiveFrom)}`
  const lines = [v.cosigned ? `co-signed the pending ${what} (${v.cid})` : `signed the ${what} (${v.cid})`]
  if (v.others.length > 0) {
    lines.push(`note: ${v.others.length} other pending ${v.action}${v.others.length > 1 ? 's' : ''} of this member (from ${v.others.map(o => minute(o.effectiveFrom)).join(', ')}); signed the earliest`)
  }
  lines.push(v.effective
    ? `in effect: ${v.signers.length} of ${v.quorum} admin signatures; ${v.action === 'admit' ? 'a member' : 'not a member'} from ${minute(v.effectiveFrom)}`
    : `still pending: ${v.signers.length} of ${v.quorum} admin signatures; other admins co-sign with: atelier ${v.action} ${collective} --cosign ${v.cid}`)
  return lines
}

function changeCommand (action: 'admit' | 'remove'): CliCommand<{ from?: string, reason?: string, cosign?: string }> {
  return {
    name: action,
    summary: action === 'admit'
      ? 'sign the admission of a member, or co-sign a pending one (effective once a quorum of admins signed it)'
      : 'sign the removal of a member, or co-sign a pending one; its records from then on are refused, earlier ones stay valid',
    description: `Sign the ${action} of a member. Admins' signatures count together only for the same change (member and\n` +
      `effective time). Without --from this joins the earliest pending ${action} of that member this admin has not\n` +
      `signed (atelier members lists them), else starts a new one from now. --cosign <record> signs the change that\n` +
      'record belongs to. Signing a change twice is refused.',
    examples: [
      `atelier ${action} bagaaiera… did:key:z6Mk…`,
      `atelier ${action} bagaaiera… --cosign bagaaiera…`,
      `atelier ${action} bagaaiera… did:key:z6Mk… --from 2026-12-01T00:00:00Z`
    ],
    setup (cmd) {
      cmd
        .argument('<collective>', 'charter CID', parse.cid)
        .argument('[did]', 'the member (may be left out with --cosign)', parse.did)
        .addOption(new Option('--from <time>', 'effective from (RFC 3339; default: the pending change\'s time, else now)').argParser(parse.time('future')))
        .addOption(new Option('--cosign <record>', `CID of a pending ${action} record: sign the same change`).argParser(parse.cid).conflicts('from'))
      if (action === 'remove') cmd.option('--reason <text>', 'why')
    },
    async run (ctx, [id, did], opts) {
      if (did == null && opts.cosign == null) throw new UsageError(`atelier ${action} needs a member's did, or --cosign <record>`)
      const body: Record<string, unknown> = { action }
      if (did != null) body.member = did
      if (opts.from != null) body.effectiveFrom = opts.from
      if (opts.cosign != null) body.cosign = opts.cosign
      if (opts.reason != null) body.reason = opts.reason
      const client = await ctx.client()
      const out = await client.postJson<MemberChangeResult>(`/v1/collectives/${id}/members`, body)
      return single(out, v => changeLines(id, v))
    }
  }
}

export const admit = changeCommand('admit')
export const remove = changeCommand('remove')

interface Peer { peerId: string, addresses: string[], connected: boolean, source: string, failures: number, lastSeen?: number, memberOf?: string[] }

export const peers: CliCommand = {
  name: 'peers',
  summary: 'peers this node knows, whether they are connected, and in how many shared collectives they are members',
  examples: ['atelier peers', 'atelier peers --json'],
  setup () {},
  async run (ctx) {
    const client = await ctx.client()
    const out = await client.getJson<{ items: Peer[] }>('/v1/peers')
    return single(out, v => v.items.length === 0
      ? 'no peers (join a collective, or: atelier connect <multiaddr>)'
      : v.items.map(p => `${p.connected ? 'connected   ' : 'disconnected'}  ${p.peerId}  ${p.addresses[0] ?? ''}  (${p.source}${(p.memberOf?.length ?? 0) > 0 ? `, member of ${p.memberOf?.length} shared collective${p.memberOf?.length === 1 ? '' : 's'}` : ''}${p.failures > 0 ? `, ${p.failures} failed dials` : ''})`))
  }
}

export const connect: CliCommand = {
  name: 'connect',
  summary: 'remember a peer by its multiaddr (ending in /p2p/<id>) and keep it connected',
  examples: ['atelier connect /ip4/192.168.1.20/tcp/5181/p2p/12D3KooW…'],
  setup (cmd) { cmd.argument('<multiaddr>', 'the peer\'s address') },
  async run (ctx, [address]) {
    const client = await ctx.client()
    const out = await client.postJson<{ peerId: string }>('/v1/peers', { address })
    return single(out, v => `peer ${v.peerId} remembered; dialling`)
  }
}
