/**
 * What the many-node scenarios share: N hosts on the lab bridge (public addresses, no NAT), one daemon each, a
 * collective founded by the first and joined by the rest through invites. Starting a daemon costs a Node process
 * and a few seconds of CPU on this 2-core machine, so starts and joins run a few at a time (`parallel`).
 */
import { bytes, createInternet, loss, publicHost } from '../netns.ts'
import type { LabHost } from '../netns.ts'
import { LabNode } from '../node.ts'
import { DelayLine, pairRttMs } from '../delay.ts'
import type { Latency } from '../delay.ts'
import { checkLink } from '../linkcheck.ts'
import type { LinkCheck } from '../linkcheck.ts'

/** Each daemon's gateway inside its own namespace: the same fixed port everywhere keeps probe URLs across restarts */
export const LAB_HTTP = '127.0.0.1:5080'
export const listenOn = (h: LabHost): string[] => [`/ip4/${h.ip}/tcp/4001`]

export interface MeshOptions {
  size: number
  /** extra `atelier collective create` flags (e.g. --replication 3) */
  createFlags?: string[]
  /** each node's config.json */
  config?: Record<string, unknown>
  /** packets each host's output loses (nftables); ignored with `latency`, whose delay line does the dropping */
  lossPercent?: number
  /** per-pair latency and loss by the userspace delay line (a routed lab internet instead of the bridge) */
  latency?: Latency
  /** starts and joins at a time. @default 3 */
  parallel?: number
  log: (line: string) => void
}

export interface Mesh {
  collective: string
  hosts: LabHost[]
  members: LabNode[]
  bytes: typeof bytes
  /** with `latency`: the delay line, and what the self-check measured through it before the daemons started */
  delayLine?: DelayLine
  linkChecks?: Array<LinkCheck & { from: string, to: string, configuredRttMs: number }>
}

/**
 * Self-check of the delay line on a few pairs before any daemon runs (the lab spec test/lab/delay.spec.ts checks it
 * against the same run's undelayed path): TCP echo round trips against each pair's configured RTT, UDP loss and order
 */
async function selfCheck (hosts: LabHost[], latency: Latency, log: (l: string) => void): Promise<NonNullable<Mesh['linkChecks']>> {
  const out: NonNullable<Mesh['linkChecks']> = []
  for (const [a, b] of [[0, 1], [1, hosts.length - 1]]) {
    if (a === b) continue
    const c = await checkLink(hosts[a], hosts[b], 10, 500)
    const configuredRttMs = pairRttMs(hosts[a].ip, hosts[b].ip, latency)
    out.push({ ...c, from: hosts[a].ip, to: hosts[b].ip, configuredRttMs })
    log(`delay line self-check ${hosts[a].ip} → ${hosts[b].ip}: configured RTT ${configuredRttMs} ms, TCP echo median ${c.rttMedianMs.toFixed(1)} ms; ` +
      `UDP ${c.sent - c.received} of ${c.sent} lost (configured ${latency.lossPercent} %), ${c.outOfOrder} out of order`)
  }
  return out
}

/** Run `fn` over `items`, at most `limit` at a time */
export async function pool<T, R> (items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) { const i = next++; out[i] = await fn(items[i], i) }
  }))
  return out
}

/** Build the mesh; every node is pushed onto `nodes` as soon as it exists, so the caller's teardown finds it */
export async function buildMesh (nodes: LabNode[], options: MeshOptions): Promise<Mesh> {
  const { size, log } = options
  const parallel = options.parallel ?? 3
  const began = Date.now()
  createInternet({ routed: options.latency != null })
  const hosts = Array.from({ length: size }, (_, i) => publicHost(`n${i}`, i))
  let delayLine: DelayLine | undefined
  let linkChecks: Mesh['linkChecks']
  if (options.latency != null) {
    delayLine = await DelayLine.start(hosts.map(h => h.ip), options.latency)
    linkChecks = await selfCheck(hosts, options.latency, log)
  } else {
    for (const h of hosts) loss(h, options.lossPercent ?? 0)
  }
  const members = await pool(hosts, parallel, async h => await LabNode.create(h, options.config ?? {}, nodes))
  const founder = members[0]
  await founder.start(listenOn(hosts[0]), LAB_HTTP)
  const collective = (await founder.cli(['collective', 'create', 'Lab Mesh', ...(options.createFlags ?? [])])).id as string
  log(`${size} namespaces and data dirs ready, ${hosts[0].ip} founded ${collective} after ${Date.now() - began} ms`)
  await pool(members.slice(1), parallel, async (m, i) => {
    await m.start(listenOn(m.host), LAB_HTTP)
    // one retry: on a loaded machine a join (which syncs the history) can outlast the CLI's wait
    for (let attempt = 1; ; attempt++) {
      try {
        await m.cli(['join', await founder.cliText(['invite', collective])])
        break
      } catch (err) {
        if (attempt >= 2) throw err
        log(`join of ${m.host.ip} failed, trying again: ${(err as Error).message.slice(0, 160)}`)
      }
    }
    if ((i + 1) % 10 === 0) log(`${i + 2} of ${size} members joined after ${Date.now() - began} ms`)
  })
  log(`all ${size} joined after ${Date.now() - began} ms`)
  return { collective, hosts, members, bytes, delayLine, linkChecks }
}

export type DigestWatch = ReturnType<LabNode['digests']>

/** Follow every node's digest of the collective (start before the event whose effect is timed) */
export function followDigests (members: LabNode[], collective: string, deadlineMs: number): DigestWatch[] {
  return members.map(m => m.digests(collective, deadlineMs + 10_000))
}

/**
 * Wait until every watched node reports the same digest over at least `minCount` records; resolves to the time of
 * the last change (epoch ms) and the common digest, or undefined at the deadline
 */
export async function sameDigests (watches: DigestWatch[], deadlineMs: number, minCount = 0): Promise<{ at: number, count: number, digest: string } | undefined> {
  const deadline = Date.now() + deadlineMs
  while (Date.now() < deadline) {
    const latest = watches.map(w => w.latest())
    const first = latest[0]
    if (first != null && first.count >= minCount && latest.every(l => l != null && l.digest === first.digest)) {
      return { at: Math.max(...latest.map(l => l!.at)), count: first.count, digest: first.digest }
    }
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  return undefined
}
