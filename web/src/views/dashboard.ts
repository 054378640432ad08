/**
 * Dashboard: this node (peer id, did, addresses, storage), its peers, its collectives and their members, and
 * records arriving live over server-sent events, each checked in the browser as it comes.
 */
import { getJson } from '../api.ts'
import type { ViewContext } from '../context.ts'
import { h, replace } from '../dom.ts'
import type { Child } from '../dom.ts'
import { formatBytes, formatTime, shortCid } from '../format.ts'
import type { VerifyResult } from '../verify.ts'
import type { Collective, CollectiveMembers, NodeInfo, Page, Peer, ProposalTally, RecordEvent } from '../types.ts'
import { badge, didText, errorBox, loading, nodeWord, nodeWordMark, verifyBadge } from '../ui.ts'

/** Record kinds in words, for the live rows */
const KIND_WORDS: Record<string, string> = {
  asset: 'work', license: 'license', grant: 'license grant', attestation: 'endorsement', revocation: 'revocation',
  charter: 'collective charter', membership: 'membership', profile: 'profile', proposal: 'proposal', vote: 'vote'
}
/** Where a record came from, in words */
const SOURCE_WORDS: Record<string, string> = { local: 'this node', http: 'this node', gossip: 'a peer (live)', sync: 'a peer (catch-up)', import: 'an import', parked: 'a parent that arrived' }

/** What a checked record is called in the live feed: a work's title, else what it is about */
function liveTitle (r: Extract<VerifyResult, { status: 'verified' }>): string {
  const s = r.record.credential.credentialSubject as { title?: unknown, name?: unknown }
  if (typeof s.title === 'string' && s.title !== '') return s.title
  if (typeof s.name === 'string' && s.name !== '') return `${KIND_WORDS[r.kind] ?? r.kind}: ${s.name}`
  return `a ${KIND_WORDS[r.kind] ?? r.kind}`
}

/** Live records kept on screen */
const LIVE_ROWS = 50
/** How often the node's figures are asked again (the node measures its disk use at most every 30 s) */
const REFRESH_MS = 30_000

function card (title: string, id: string, ...body: HTMLElement[]): HTMLElement {
  return h('section', { class: 'card', id }, h('h2', null, title), ...body)
}

/** A card whose every value is the node's own report about itself, its peers and its collectives */
function reportCard (title: string, id: string, ...body: HTMLElement[]): HTMLElement {
  return h('section', { class: 'card', id, 'data-trust': 'node' }, h('h2', null, title, ' ', nodeWordMark()), ...body)
}

function nodeCard (info: NodeInfo): HTMLElement {
  return h('dl', { class: 'facts' },
    h('dt', null, 'Peer id'), h('dd', null, h('code', { id: 'node-peer-id' }, info.peerId)),
    h('dt', null, 'Creator'), h('dd', { id: 'node-creator' }, didText(info.did)),
    h('dt', null, 'Creator did'), h('dd', null, h('code', { id: 'node-did' }, info.did)),
    h('dt', null, 'Addresses'), h('dd', null, info.addresses.length === 0
      ? h('span', { class: 'muted' }, 'not listening for peers')
      : h('ul', { class: 'plain' }, info.addresses.map(a => h('li', null, h('code', null, a))))),
    h('dt', null, 'Gateway'), h('dd', null, h('code', null, info.gatewayUrl)),
    h('dt', null, 'Version'), h('dd', null, info.version))
}

function storageCard (info: NodeInfo, count: HTMLElement): HTMLElement {
  return h('div', { class: 'stats' },
    h('div', { class: 'stat' }, count, h('span', null, 'records')),
    h('div', { class: 'stat' }, h('strong', { id: 'storage-bytes' }, formatBytes(info.storage.bytes)), h('span', null, 'stored')),
    h('div', { class: 'stat' }, h('strong', null, info.storage.blocks != null ? info.storage.blocks.toLocaleString() : '—'), h('span', null, 'blocks')))
}

function peersTable (peers: Peer[]): HTMLElement {
  if (peers.length === 0) return h('p', { class: 'muted empty' }, 'No peers yet. Join a collective with an invite, or connect to a peer with ', h('code', null, 'atelier connect'), '.')
  return h('div', { class: 'table-scroll' }, h('table', { class: 'table' },
    h('thead', null, h('tr', null, h('th', null, 'Peer'), h('th', null, 'State'), h('th', null, 'Address'), h('th', null, 'Last seen'), h('th', null, 'Score'))),
    h('tbody', null, peers.map(p => h('tr', null,
      h('td', null, h('code', { title: p.peerId }, shortCid(p.peerId))),
      h('td', null, p.connected ? badge('connected', 'ok') : badge(p.failures > 0 ? `retrying (${p.failures})` : 'disconnected', 'muted')),
      h('td', null, h('code', null, p.addresses[0] ?? '')),
      h('td', null, p.lastSeen != null ? formatTime(p.lastSeen) : '—'),
      h('td', null, p.score != null ? p.score.toFixed(1) : '—'))))))
}

function collectiveBlock (c: Collective, signal: AbortSignal): HTMLElement {
  const members = h('ul', { class: 'members' }, h('li', { class: 'muted' }, 'loading members…'))
  void getJson<CollectiveMembers>(`/v1/collectives/${c.id}/members`, signal).then(m => {
    const admins = new Set(m.admins)
    replace(members, m.members.map(did => h('li', null, didText(did), admins.has(did) ? [' ', badge('admin', 'info')] : null)))
    if (m.members.length === 0) replace(members, h('li', { class: 'muted' }, 'no members'))
  }).catch(err => { if (!signal.aborted) replace(members, h('li', null, errorBox(err))) })
  const proposals = h('ul', { class: 'proposals plain' })
  void getJson<Page<ProposalTally>>(`/v1/collectives/${c.id}/proposals`, signal).then(p => {
    replace(proposals, p.items.map(proposalItem))
  }).catch(() => {})
  return h('div', { class: 'collective' },
    h('h3', null, c.name, ' ', c.member === true ? badge('member', 'ok') : badge('not a member', 'muted')),
    h('p', { class: 'muted small' }, h('code', { title: c.id }, shortCid(c.id)), ` · admission by ${c.policy} (quorum ${c.quorum})`,
      c.replication === 'full' ? ' · full replication' : typeof c.replication === 'object' ? ` · ${c.replication.copies} copies of each work` : '', ' · ', h('a', { href: `#/browse?collective=${c.id}&kind=asset` }, 'browse its assets')),
    members,
    proposals)
}

/** What a proposal would change, in words */
function changeText (ch: ProposalTally['changes'][number]): Child {
  const who = (): HTMLElement => didText(ch.member ?? '')
  switch (ch.action) {
    case 'addAdmin': return ['make ', who(), ' an admin']
    case 'removeAdmin': return ['end the admin role of ', who()]
    case 'admit': return ['admit ', who()]
    case 'remove': return ['remove ', who()]
    case 'setQuorum': return `admin quorum ${ch.quorum ?? ''}`
    case 'setPolicy': return `admission by ${ch.policy ?? ''}`
    default: return `collective defaults${ch.spdx != null ? ` (license ${ch.spdx})` : ''}`
  }
}

/** One proposal: its question, the count so far or the outcome, and what it changes (the node's count) */
function proposalItem (t: ProposalTally): HTMLElement {
  const state = t.status === 'open'
    ? badge(`open until ${formatTime(t.closes)}`, 'info')
    : badge(t.outcome, t.outcome === 'passed' ? 'ok' : 'muted')
  const count = t.choices.map((choice, i) => `${choice} ${t.count.support[i] ?? 0}`).join(' · ')
  return h('li', { class: 'proposal', 'data-proposal': t.proposal },
    h('strong', null, t.title), ' ', state,
    h('div', { class: 'muted small' }, `${t.method}: ${count} · turnout ${t.turnoutWeight} of ${t.totalWeight}`,
      t.changes.length > 0 ? [` · ${t.status === 'closed' && t.outcome === 'passed' ? 'changed' : 'would change'}: `, t.changes.map((c, i) => [i > 0 ? ', ' : '', changeText(c)])] : ''))
}

/** The dashboard view */
export function dashboardView (root: HTMLElement, ctx: ViewContext): () => void {
  const count = h('strong', { id: 'record-count' }, '—')
  const nodeBody = h('div', null, loading('this node'))
  const storageBody = h('div', null, loading('storage'))
  const peersBody = h('div', null, loading('peers'))
  const collectivesBody = h('div', null, loading('collectives'))
  const live = h('ul', { class: 'live', id: 'live-records' })
  const liveState = badge('connecting…', 'muted')
  liveState.id = 'live-state'

  replace(root,
    h('h1', null, 'This node'),
    h('div', { class: 'grid' },
      reportCard('Identity', 'node-card', nodeBody),
      reportCard('Storage', 'storage-card', storageBody)),
    h('div', { class: 'grid' },
      reportCard('Collectives', 'collectives-card', collectivesBody),
      reportCard('Peers', 'peers-card', peersBody)),
    card('Records arriving', 'live-card',
      h('p', { class: 'muted small' }, 'Live from this node (server-sent events); each signature is checked in this browser. ', liveState),
      live))

  const { signal } = ctx
  const fail = (el: HTMLElement) => (err: unknown): void => { if (!signal.aborted) replace(el, errorBox(err)) }
  const loadNode = async (): Promise<void> => {
    const info = await getJson<NodeInfo>('/v1/node', signal)
    replace(nodeBody, nodeCard(info))
    count.textContent = info.records.toLocaleString()
    delete count.dataset.n
    replace(storageBody, storageCard(info, count), h('p', { class: 'muted small' }, 'Disk use as the node last measured it; records count live.'))
  }
  void loadNode().catch(fail(nodeBody))
  const refresh = setInterval(() => { void loadNode().catch(() => {}) }, REFRESH_MS)
  void getJson<Page<Peer>>('/v1/peers', signal).then(p => replace(peersBody, peersTable(p.items))).catch(fail(peersBody))
  void getJson<Page<Collective>>('/v1/collectives', signal).then(p => {
    replace(collectivesBody, p.items.length === 0
      ? h('p', { class: 'muted empty' }, 'This node is in no collective yet. ', h('code', null, 'atelier collective create <name>'), ' founds one.')
      : p.items.map(c => collectiveBlock(c, signal)))
  }).catch(fail(collectivesBody))

  const events = new EventSource('/v1/events')
  events.onopen = () => { liveState.textContent = 'live'; liveState.className = 'badge badge-ok' }
  events.onerror = () => { liveState.textContent = 'reconnecting…'; liveState.className = 'badge badge-warn' }
  events.addEventListener('record', (e) => {
    let ev: RecordEvent
    try { ev = JSON.parse((e as MessageEvent<string>).data) } catch { return }
    const n = Number(count.dataset.n ?? count.textContent?.replace(/\D/g, '') ?? '0') + 1
    count.dataset.n = String(n)
    count.textContent = n.toLocaleString()
    const target = ev.kind === 'asset' ? `#/asset/${ev.cid}` : `#/record/${ev.cid}`
    // the event's time, kind and author are the node's word until the record's own bytes pass the check; the
    // link reads as the record's title (or its kind in words) once checked, never as a bare CID
    const facts = h('span', { class: 'live-facts' }, nodeWord(h('time', null, formatTime(ev.time)), ' ', badge(KIND_WORDS[ev.kind] ?? ev.kind, 'info'), ' ', didText(ev.author)))
    const link = h('a', { href: target, title: ev.cid, class: 'live-title', 'data-trust': 'node' }, `a new ${KIND_WORDS[ev.kind] ?? ev.kind}`)
    live.prepend(h('li', { class: 'live-row', 'data-cid': ev.cid },
      link,
      facts,
      h('span', { class: 'muted small' }, `via ${SOURCE_WORDS[ev.source] ?? ev.source}`),
      verifyBadge(ctx.verifier, ev.cid, r => {
        if (r.status !== 'verified') return
        facts.dataset.trust = 'verified'
        replace(facts, h('time', null, formatTime(r.record.time)), ' ', badge(KIND_WORDS[r.kind] ?? r.kind, 'info'), ' by ', didText(r.author))
        link.textContent = liveTitle(r)
        link.dataset.trust = 'verified'
      })))
    while (live.children.length > LIVE_ROWS) live.lastElementChild?.remove()
  })
  return () => {
    events.close()
    clearInterval(refresh)
  }
}

