/**
 * The smallest scenario: a relay R on the bridge, members A and B each behind its own NAT router (masquerade, no
 * inbound). A and B cannot dial each other; both listen on `/p2p-circuit` (a reservation on any connected member
 * relay), join R's collective by invite, and must then meet through R. Each writes records; every node must hold
 * every record. Returns the measurements (lab/report.ts formats them).
 */
import { writeFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { bytes, createInternet, loss, natHost, publicHost } from '../netns.ts'
import { LabNode, labScratch } from '../node.ts'
import { measure, waitUntil } from '../measure.ts'
import type { Measurements } from '../measure.ts'

export interface RelayScenarioOptions {
  /** records each member writes. @default 10 */
  recordsEach?: number
  /** packet loss on every host, percent. @default 0 */
  lossPercent?: number
  log?: (line: string) => void
}

export async function relayScenario (nodes: LabNode[], options: RelayScenarioOptions = {}): Promise<Measurements & { meetMs: number }> {
  const log = options.log ?? (() => {})
  createInternet()
  const hosts = [publicHost('relay', 0), natHost('a', 1), natHost('b', 2)]
  for (const h of hosts) loss(h, options.lossPercent ?? 0)
  const r = await LabNode.create(hosts[0], { p2p: { relayServer: true } })
  nodes.push(r)
  await r.start([`/ip4/${hosts[0].ip}/tcp/4001`])
  const collective = (await r.cli(['collective', 'create', 'Lab Relay'])).id as string
  log(`relay ${hosts[0].ip} founded ${collective}`)

  const members: LabNode[] = []
  const started = Date.now()
  for (const h of hosts.slice(1)) {
    const m = await LabNode.create(h)
    nodes.push(m)
    members.push(m)
    await m.start([`/ip4/${h.ip}/tcp/4001`, '/p2p-circuit'])
    const invite = await r.cliText(['invite', collective])
    await m.cli(['join', invite])
    log(`${h.ns} (${h.ip}, behind NAT) joined after ${Date.now() - started} ms`)
  }
  const [a, b] = members
  const bId = (await b.cli(['id'])).peerId as string
  let reserved = 0
  await waitUntil(async () => {
    for (const m of members) if (!((await m.cli(['id'])).addresses as string[]).some(x => x.includes('/p2p-circuit'))) return false
    if (reserved === 0) log(`both members hold a reservation on R after ${(reserved = Date.now()) - started} ms`)
    return ((await a.cli(['peers'])).items as any[]).some(p => p.peerId === bId && p.connected)
  }, 90_000, 'A and B to hold reservations on R and connect to each other')
  const meetMs = Date.now() - started
  log(`A and B met through R ${meetMs} ms after the first join began`)

  const scratch = await labScratch()
  try {
    const result = await measure([r, a, b], async (i) => {
      const writer = members[i % 2]
      const file = join(scratch, `work-${i}.txt`)
      await writeFile(file, `lab work ${i} ${Date.now()}\n`)
      return { cid: (await writer.cli(['add', file, '--title', `work ${i}`, '--collective', collective])).record as string, writer: 1 + (i % 2) }
    }, (options.recordsEach ?? 10) * 2, bytes)
    return { ...result, meetMs }
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}
