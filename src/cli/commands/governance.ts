/**
 * Governance commands (protocols/governance.md): `propose`, `vote`, `proposals`, `proposal show`.
 */
import { InvalidArgumentError, Option } from 'commander'
import type { CliCommand } from '../command.ts'
import { UsageError } from '../errors.ts'
import { single } from '../output.ts'
import * as parse from '../parse.ts'
import type { TallyView } from '../../node/governance-service.ts'

const SECONDS_PER = { s: 1, m: 60, h: 3600, d: 86400 } as const

/** "7d", "12h", "30m" or seconds, as seconds */
function duration (value: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(value.trim())
  if (m == null) throw new InvalidArgumentError(`"${value}" is not a duration like 30m, 12h or 7d`)
  return Number(m[1]) * SECONDS_PER[(m[2] === '' ? 's' : m[2]) as keyof typeof SECONDS_PER]
}

/** "2/3", "1/2", "0" or a percentage "60%", as an exact fraction */
function fraction (value: string): { numerator: number, denominator: number } {
  const v = value.trim()
  let m = /^(\d{1,5})\/(\d{1,5})$/.exec(v)
  if (m != null) {
    const out = { numerator: Number(m[1]), denominator: Number(m[2]) }
    if (out.denominator < 1 || out.denominator > 10000 || out.numerator > out.denominator) throw new InvalidArgumentError(`"${value}" must be n/d with 0 ≤ n ≤ d ≤ 10000`)
    return out
  }
  m = /^(\d{1,3})%$/.exec(v)
  if (m != null && Number(m[1]) <= 100) return { numerator: Number(m[1]), denominator: 100 }
  if (v === '0') return { numerator: 0, denominator: 1 }
  throw new InvalidArgumentError(`"${value}" is not a fraction like 2/3 or 60%`)
}

interface ProposeOptions {
  title?: string
  description?: string
  addAdmin: string[]
  removeAdmin: string[]
  admit: string[]
  remove: string[]
  setQuorum?: number
  setPolicy?: 'quorum' | 'invite'
  defaultLicense?: string
  defaultAiTraining?: 'allowed' | 'notAllowed' | 'constrained'
  defaultDataMining?: 'allowed' | 'notAllowed' | 'constrained'
  choice: string[]
  method?: string
  weighting?: string
  credits?: number
  threshold?: { numerator: number, denominator: number }
  quorum?: { numerator: number, denominator: number }
  closesIn?: number
}

export const propose: CliCommand<ProposeOptions> = {
  name: 'propose',
  summary: 'sign a proposal to a collective: charter amendments, admissions, defaults, or a resolution with choices',
  description: 'A proposal with changes is a for/against question; one without is a resolution with --choice options.\n' +
    'Defaults: --method single, --weighting equal, --quorum 1/2 of the electorate must vote, --threshold 1/2 of the\n' +
    'votes cast, --closes-in 7d. Prints the proposal\'s id (its record CID).',
  examples: [
    'atelier propose bagaaiera… --add-admin did:key:z6Mk… --threshold 2/3 --quorum 2/3 --closes-in 2d',
    'atelier propose bagaaiera… --title "Fair print" --choice Etching --choice Lino --choice Screen --method ranked',
    'atelier propose bagaaiera… --default-license CC-BY-4.0 --default-ai-training notAllowed --json'
  ],
  setup (cmd) {
    cmd
      .argument('<collective>', 'charter CID', parse.cid)
      .addOption(new Option('--title <text>', 'what is asked (default: a summary of the changes)'))
      .addOption(new Option('--description <text>', 'more words for the members'))
      .addOption(new Option('--add-admin <did>', 'make a member an admin (repeatable)').argParser(parse.collect(parse.did)).default([]))
      .addOption(new Option('--remove-admin <did>', 'end an admin\'s admin role (repeatable)').argParser(parse.collect(parse.did)).default([]))
      .addOption(new Option('--admit <did>', 'admit a member at the close (repeatable)').argParser(parse.collect(parse.did)).default([]))
      .addOption(new Option('--remove <did>', 'remove a member at the close (repeatable)').argParser(parse.collect(parse.did)).default([]))
      .addOption(new Option('--set-quorum <n>', 'admin signatures an admit or remove needs').argParser(parse.integer(1, 50)))
      .addOption(new Option('--set-policy <policy>', 'admission policy').choices(['quorum', 'invite']))
      .addOption(new Option('--default-license <spdx>', 'collective default license (SPDX id) for new works'))
      .addOption(new Option('--default-ai-training <use>', 'collective default cawg.ai_training').choices(parse.TRAINING_USES))
      .addOption(new Option('--default-data-mining <use>', 'collective default cawg.data_mining').choices(parse.TRAINING_USES))
      .addOption(new Option('--choice <label>', 'a choice of a resolution (repeatable, 2…32)').argParser(parse.collect()).default([]))
      .addOption(new Option('--method <method>', 'how ballots are counted').choices(['single', 'approval', 'ranked', 'quadratic']))
      .addOption(new Option('--weighting <weighting>', 'one member one vote, or by contribution to the works').choices(['equal', 'contribution']))
      .addOption(new Option('--credits <n>', 'quadratic: voice credits per unit of weight').argParser(parse.integer(1, 10000)))
      .addOption(new Option('--threshold <fraction>', 'share of the votes cast the winner needs, e.g. 2/3').argParser(fraction))
      .addOption(new Option('--quorum <fraction>', 'share of the electorate that must vote, e.g. 1/2').argParser(fraction))
      .addOption(new Option('--closes-in <duration>', 'window length from now, e.g. 30m, 2d (default 7d)').argParser(duration))
  },
  async run (ctx, [id], o) {
    const changes: Array<Record<string, unknown>> = [
      ...o.addAdmin.map(member => ({ action: 'addAdmin', member })),
      ...o.removeAdmin.map(member => ({ action: 'removeAdmin', member })),
      ...o.admit.map(member => ({ action: 'admit', member })),
      ...o.remove.map(member => ({ action: 'remove', member })),
      ...(o.setQuorum != null ? [{ action: 'setQuorum', quorum: o.setQuorum }] : []),
      ...(o.setPolicy != null ? [{ action: 'setPolicy', policy: o.setPolicy }] : [])
    ]
    const tm: Record<string, unknown> = {}
    if (o.defaultAiTraining != null) tm['cawg.ai_training'] = { use: o.defaultAiTraining }
    if (o.defaultDataMining != null) tm['cawg.data_mining'] = { use: o.defaultDataMining }
    if (o.defaultLicense != null || Object.keys(tm).length > 0) {
      changes.push({ action: 'setDefaults', ...(o.defaultLicense != null ? { spdx: o.defaultLicense } : {}), ...(Object.keys(tm).length > 0 ? { trainingMining: tm } : {}) })
    }
    if (changes.length > 0 && o.choice.length > 0) throw new UsageError('a proposal with changes is a for/against question: drop --choice')
    if (changes.length === 0 && o.choice.length < 2) throw new UsageError('give changes (--add-admin, --admit, --default-license, …) or at least two --choice for a resolution')
    if (changes.length === 0 && o.title == null) throw new UsageError('a resolution needs --title')
    const title = o.title ?? changes.map(c => `${c.action as string}${c.member != null ? ` ${c.member as string}` : ''}`).join(', ').slice(0, 200)
    const body: Record<string, unknown> = {
      title,
      ...(o.description != null ? { description: o.description } : {}),
      ...(changes.length > 0 ? { changes } : { choices: o.choice }),
      ...(o.method != null ? { method: o.method } : {}),
      ...(o.weighting != null ? { weighting: o.weighting } : {}),
      ...(o.credits != null ? { credits: o.credits } : {}),
      ...(o.threshold != null ? { threshold: o.threshold } : {}),
      ...(o.quorum != null ? { turnout: o.quorum } : {}),
      ...(o.closesIn != null ? { closesIn: o.closesIn } : {})
    }
    const client = await ctx.client()
    const out = await client.postJson<{ id: string, record: { credentialSubject: { closes: string } } }>(`/v1/collectives/${id}/proposals`, body)
    return single({ id: out.id, closes: out.record.credentialSubject.closes, record: out.record }, v => v.id)
  }
}

interface VoteOptions { approve?: boolean, rank?: boolean, allocate?: boolean, abstain?: boolean }

export const vote: CliCommand<VoteOptions> = {
  name: 'vote',
  summary: 'sign a vote on a proposal: a choice (by label or index), approvals, a ranking, credits, or abstain',
  description: 'The last vote before the close counts. Single choice: one <choice>. --approve: the choices approved.\n' +
    '--rank: choices in order of preference. --allocate: voice credits per choice, by index (quadratic).',
  examples: ['atelier vote bagaaiera… for', 'atelier vote bagaaiera… --rank Lino Etching', 'atelier vote bagaaiera… --allocate 64 36', 'atelier vote bagaaiera… --abstain --json'],
  setup (cmd) {
    cmd
      .argument('<proposal>', 'proposal CID', parse.cid)
      .argument('[choices...]', 'choice labels or indices')
      .addOption(new Option('--approve', 'approval: every choice given is approved'))
      .addOption(new Option('--rank', 'ranked: the choices given in order of preference'))
      .addOption(new Option('--allocate', 'quadratic: the numbers given are credits per choice, by index'))
      .addOption(new Option('--abstain', 'count toward turnout, for no choice'))
  },
  async run (ctx, [proposal, choices], o) {
    const given: string[] = choices ?? []
    const modes = [o.approve, o.rank, o.allocate, o.abstain].filter(Boolean).length
    if (modes > 1) throw new UsageError('give at most one of --approve, --rank, --allocate, --abstain')
    const asRef = (v: string): string | number => (/^\d+$/.test(v) ? Number(v) : v)
    let body: Record<string, unknown>
    if (o.abstain === true) {
      if (given.length > 0) throw new UsageError('--abstain takes no choices')
      body = { abstain: true }
    } else if (o.approve === true) body = { approve: given.map(asRef) }
    else if (o.rank === true) {
      if (given.length === 0) throw new UsageError('--rank needs at least one choice')
      body = { ranking: given.map(asRef) }
    } else if (o.allocate === true) {
      if (given.length === 0 || !given.every(v => /^\d+$/.test(v))) throw new UsageError('--allocate needs credits as whole numbers, one per choice')
      body = { allocation: given.map(Number) }
    } else {
      if (given.length !== 1) throw new UsageError('give exactly one choice (or --approve, --rank, --allocate, --abstain)')
      body = { choice: asRef(given[0]) }
    }
    const client = await ctx.client()
    const out = await client.postJson<{ id: string, tally: TallyView }>(`/v1/proposals/${proposal}/votes`, body)
    return single(out, v => [`voted (${v.id}); counts once another member's node witnesses it before the close`, ...countLines(v.tally)])
  }
}

export const proposals: CliCommand = {
  name: 'proposals',
  summary: 'proposals of a collective: open ones with the count so far, closed ones with their outcome',
  examples: ['atelier proposals bagaaiera…', 'atelier proposals bagaaiera… --json'],
  setup (cmd) { cmd.argument('<collective>', 'charter CID', parse.cid) },
  async run (ctx, [id]) {
    const client = await ctx.client()
    const out = await client.getJson<{ items: TallyView[] }>(`/v1/collectives/${id}/proposals`)
    return single(out, v => v.items.length === 0
      ? ['no proposals']
      : v.items.map(t => `${t.proposal}  ${t.status === 'open' ? `open until ${new Date(t.closes).toISOString()}` : `closed: ${t.outcome}`}  "${t.title}"  ${t.choices.map((c, i) => `${c} ${t.count.support[i]}`).join(', ')}  (turnout ${t.turnoutWeight}/${t.totalWeight})`))
  }
}

export const proposalShow: CliCommand = {
  name: 'proposal show',
  summary: 'one proposal: its count explained line by line (electorate, each vote, rounds, turnout, threshold, outcome)',
  examples: ['atelier proposal show bagaaiera…', 'atelier proposal show bagaaiera… --json'],
  setup (cmd) { cmd.argument('<proposal>', 'proposal CID', parse.cid) },
  async run (ctx, [cid]) {
    const client = await ctx.client()
    const t = await client.getJson<TallyView>(`/v1/proposals/${cid}`)
    return single(t, v => [`status: ${v.status}${v.status === 'open' ? ' (the count so far; the outcome is final at the close)' : ''}`, ...v.explanation])
  }
}

function countLines (t: TallyView): string[] {
  return [`count so far: ${t.choices.map((c, i) => `${c} ${t.count.support[i]}`).join(', ')}; turnout ${t.turnoutWeight} of ${t.totalWeight}; ${t.status === 'open' ? `provisional outcome ${t.outcome}` : `outcome ${t.outcome}`}`]
}
