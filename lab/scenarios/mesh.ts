/**
 * What the many-node scenarios share: N hosts on the lab bridge (public addresses, no NAT), one daemon each, a
 * collective founded by the first and joined by the rest through invites. Starting a daemon costs a Node process
 * and a few seconds of CPU on this 2-core machine, so starts and joins run a few at a time (`parallel`).
 */
import { bytes, createInternet, loss, publicHost } from '../netns.ts'
import type { LabHost } from '../netns.ts'
import { LabNode } from '../node.ts'

/** Each daemon's gateway inside its own namespace: the same fixed port everywhere keeps probe URLs across restarts */
export const LAB_HTTP = '127.0.0.1:5080'
export const listenOn = (h: LabHost): string[] => [`/ip4/${h.ip}/tcp/4001`]

export interface MeshOptions {
  size: number
  /** extra `atelier collective create` flags (e.g. --replication 3) */
  createFlags?: string[]
  /** each node's config.json */
  config?: Record<string, unknown>
  lossPercent?: number
  /** starts and joins at a time. @default 3 */
  parallel?: number
  log: (line: string) => void
}

export interface Mesh {
  collective: string
  hosts: LabHost[]
  members: LabNode[]
  bytes: typeof bytes
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
  createInternet()
  const hosts = Array.from({ length: size }, (_, i) => publicHost(`n${i}`, i))
  for (const h of hosts) loss(h, options.lossPercent ?? 0)
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
  return { collective, hosts, members, bytes }
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
