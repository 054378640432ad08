/**
 * Discovery (issue 13): `atelier follow`, `atelier unfollow`, `atelier endorse`, `atelier discover`.
 * A follow is a record (protocols/records.md §3.12) or, with --private, a local setting that never leaves the node;
 * an endorsement is an attestation with claim `endorsement`; discover asks the node's own ranking.
 */
import { Option } from 'commander'
import type { CliCommand } from '../command.ts'
import { single } from '../output.ts'
import * as parse from '../parse.ts'
import { createdDetail, createdValue } from '../render.ts'
import type { Created } from '../render.ts'

/** A did:key or a collective's charter CID */
function target (value: string): string {
  return value.trim().startsWith('did:') ? parse.did(value) : parse.recordCid(value)
}

export const follow: CliCommand<{ collective?: string, private?: boolean }> = {
  name: 'follow',
  summary: 'follow a creator (did) or a collective (charter CID): ranks their works and endorsements higher',
  description: 'Signs a follow record, public within the collective given by --collective (without one it stays on\n' +
    'this node). With --private nothing is signed: the follow is a setting of this node and never leaves it.\n' +
    'Undo with atelier unfollow.',
  examples: ['atelier follow did:key:z6Mk… --collective bagaaiera…', 'atelier follow bagaaiera… (a collective)', 'atelier follow did:key:z6Mk… --private'],
  setup (cmd) {
    cmd
      .argument('<did|collective>', 'a creator\'s did:key or a collective\'s charter CID', target)
      .addOption(new Option('--collective <cid>', 'charter CID: the follow is public within that collective').argParser(parse.cid).conflicts('private'))
      .option('--private', 'keep the follow on this node only (a local setting, not a record)')
  },
  async run (ctx, [who], opts) {
    const client = await ctx.client()
    const body: Record<string, unknown> = { target: who }
    if (opts.collective != null) body.collective = opts.collective
    if (opts.private === true) {
      body.private = true
      const r = await client.postJson<{ status: string }>('/v1/follows', body)
      return single({ target: who, private: true, status: r.status }, (v) => `${v.status === 'added' ? 'following' : 'already following'} ${who} privately (kept on this node only)`)
    }
    const created = await client.postJson<Created>('/v1/follows', body)
    return single(createdValue(created), createdDetail('follow'))
  }
}

export const unfollow: CliCommand = {
  name: 'unfollow',
  summary: 'stop following a creator or collective (revokes your follow records, drops a private follow)',
  description: 'Signs a revocation of each of your follow records naming the target (it travels where the follow went),\n' +
    'and drops the private follow if there is one.',
  examples: ['atelier unfollow did:key:z6Mk…'],
  setup (cmd) { cmd.argument('<did|collective>', 'a creator\'s did:key or a collective\'s charter CID', target) },
  async run (ctx, [who]) {
    const client = await ctx.client()
    const res = await client.request('DELETE', `/v1/follows/${encodeURIComponent(who as string)}`, { headers: { accept: 'application/json' } })
    const r = await res.json() as { revoked: string[], private: boolean }
    return single({ target: who, ...r }, (v) => v.revoked.length === 0 && !v.private
      ? `you did not follow ${who}`
      : [`unfollowed ${who}`, ...v.revoked.map(c => `  revocation ${c}`), ...(v.private ? ['  private follow dropped'] : [])])
  }
}

export const endorse: CliCommand<{ collective?: string, comment?: string }> = {
  name: 'endorse',
  summary: 'endorse a work (an attestation with claim endorsement): it counts in the discovery of those who trust you',
  description: 'Withdraw an endorsement with atelier revoke <attestation-cid>.',
  examples: ['atelier endorse bagaaiera…', 'atelier endorse bagaaiera… --comment "the best harbour print this year"'],
  setup (cmd) {
    cmd
      .argument('<record>', 'the endorsed record (an asset record CID)', parse.recordCid)
      .option('--comment <text>', 'a comment kept in the endorsement')
      .addOption(new Option('--collective <cid>', 'charter CID of the collective (default: the record\'s collective, when you are a member)').argParser(parse.cid))
  },
  async run (ctx, [record], opts) {
    const body: Record<string, unknown> = { record, claim: 'endorsement' }
    if (opts.comment != null) body.comment = opts.comment
    if (opts.collective != null) body.collective = opts.collective
    const client = await ctx.client()
    return single(createdValue(await client.postJson<Created>('/v1/attestations', body)), createdDetail('attestation'))
  }
}

interface DiscoverAnswer {
  items: Array<{ record: string, title?: string, author?: string, authorName?: string, score: number, reasons: Array<{ code: string, via: string[], text: string }> }>
}

export const discover: CliCommand<{ limit?: number, kind?: string, collective?: string }> = {
  name: 'discover',
  summary: 'works for you, ranked on this node from what it holds (nothing is sent anywhere), with the reasons',
  examples: ['atelier discover', 'atelier discover --kind image --limit 10', 'atelier discover --collective bagaaiera… --json'],
  setup (cmd) {
    cmd
      .option('--limit <n>', 'how many works (1…200, default 20)', parse.integer(1, 200))
      .option('--kind <class>', 'media class: image, audio, text, video…')
      .addOption(new Option('--collective <cid>', 'only works published in this collective').argParser(parse.cid))
  },
  async run (ctx, _args, opts) {
    const client = await ctx.client()
    const query: Record<string, string> = {}
    if (opts.limit != null) query.limit = String(opts.limit)
    if (opts.kind != null) query.kind = opts.kind
    if (opts.collective != null) query.collective = opts.collective
    // the ranking says what this creator likes: its read needs the token too
    const res = await client.request('GET', '/v1/discover', { query, headers: { accept: 'application/json', authorization: `Bearer ${await client.readToken()}` } })
    const answer = await res.json() as DiscoverAnswer
    return single(answer, (v) => v.items.length === 0
      ? 'nothing to show yet: follow creators or collectives (atelier follow) and endorse works you like (atelier endorse)'
      : v.items.flatMap((it, i) => [
        `${i + 1}. ${it.title != null ? `"${it.title}"` : it.record}${it.authorName != null ? ` by ${it.authorName}` : ''}  (${it.record})`,
        ...it.reasons.map(r => `   · ${r.text}`)
      ]))
  }
}
