/**
 * `atelier collective keys|rotate`: a private collective's epochs (who holds each, when and why it started) and an
 * admin's rotation (protocols/private-collectives.md §6).
 */
import type { CliCommand } from '../command.ts'
import { formatTime, single } from '../output.ts'
import * as parse from '../parse.ts'
import { namer } from '../names.ts'

interface Audit {
  collective: string
  private: boolean
  current?: number
  epochs: Array<{ epoch: number, reason: string, cause: string, at: string, issuedAt: string, issuer: string, holders: string[], records: string[], held: boolean }>
  ignored: Array<{ cid: string, issue: string }>
  names?: Record<string, string>
}

export const collectiveKeys: CliCommand = {
  name: 'collective keys',
  summary: 'a private collective\'s epochs: who holds each key, when and why it rotated',
  description: 'The epochs of a private collective, from its key records: each epoch\'s number, why it started (charter,\n' +
    'admission, removal, rotation) and when, who signed it, and the members its key was wrapped to (by name where\n' +
    'their profiles say). A removed member holds no epoch after its removal.',
  examples: ['atelier collective keys bagaaiera…', 'atelier collective keys bagaaiera… --json'],
  setup (cmd) { cmd.argument('<collective>', 'charter CID', parse.cid) },
  async run (ctx, [id]) {
    const client = await ctx.client()
    const audit = await client.getJson<Audit>(`/v1/collectives/${id}/keys`)
    return single(audit, a => {
      if (!a.private) return `${a.collective} is not private: it has no keys`
      const who = namer(a.names, ctx.dids)
      const lines = a.epochs.map(e => `epoch ${e.epoch}${e.epoch === a.current ? ' (current)' : ''}: ${e.reason} at ${formatTime(e.at)}, signed by ${who(e.issuer)}` +
        `${e.held ? '' : ' (not held here)'}\n  held by ${e.holders.length}: ${e.holders.map(h => who(h)).join(', ')}`)
      if (a.epochs.length === 0) lines.push('no epoch yet: an admin\'s node starts epoch 0 when it sees the charter')
      if (a.ignored.length > 0) lines.push(`${a.ignored.length} key records do not count (see --json)`)
      return lines
    })
  }
}

export const collectiveRotate: CliCommand = {
  name: 'collective rotate',
  summary: 'start a new epoch of a private collective (admins): a fresh key for the current members',
  examples: ['atelier collective rotate bagaaiera…', 'atelier collective rotate bagaaiera… --json'],
  setup (cmd) { cmd.argument('<collective>', 'charter CID', parse.cid) },
  async run (ctx, [id]) {
    const client = await ctx.client()
    const out = await client.postJson<{ epoch: number, records: string[] }>(`/v1/collectives/${id}/rotate`, {})
    return single(out, o => `epoch ${o.epoch} started (${o.records.length} key record${o.records.length === 1 ? '' : 's'})`)
  }
}
