/**
 * `npm run lab [scenario…] [--nodes=N] [--write]`: build each scenario's namespaces, run it, print its figures, and
 * with --write append a dated section to docs/benchmarks.md. Everything the lab creates is removed on exit, on
 * Ctrl-C and on SIGTERM; a run also starts by removing what an earlier, killed run left (namespaces named PREFIX…).
 * Needs root, iproute2 and nftables; prints why and exits 0 when the machine cannot run it.
 * Scenarios: relay, relay-lossy, partition, churn, lossy-mesh, replication (lab/scenarios/, docs/networks.md).
 * lossy-mesh also needs python3 and /dev/net/tun (its delay line); it prints why and is skipped without them.
 */
import { appendFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cleanup, delayUnavailable, unavailable } from './netns.ts'
import { stopDelayLines } from './delay.ts'
import type { LabNode } from './node.ts'
import { removeScratches } from './node.ts'
import type { Measurements } from './measure.ts'
import { relayScenario } from './scenarios/relay.ts'
import { partitionScenario, formatPartition } from './scenarios/partition.ts'
import { churnScenario, formatChurn } from './scenarios/churn.ts'
import { replicationScenario, formatReplication } from './scenarios/replication.ts'

export interface ScenarioOptions {
  /** nodes, for the scenarios whose size is a choice */
  size?: number
}

interface Scenario {
  run: (nodes: LabNode[], log: (l: string) => void, options: ScenarioOptions) => Promise<any>
  report: (name: string, result: any) => string
  /** whether the result met the scenario's own bound */
  ok: (result: any) => boolean
  /** why this scenario cannot run here (beyond the lab's own needs) */
  unavailable?: () => string | undefined
  /** the whole run's time bound: past it the run fails with LabTimeoutError and tears down */
  boundMs?: (options: ScenarioOptions) => number
}

export class LabTimeoutError extends Error {
  readonly code = 'LAB_TIMEOUT'
  constructor (scenario: string, ms: number) { super(`${scenario} exceeded its bound of ${Math.round(ms / 1000)} s`); this.name = 'LabTimeoutError' }
}

/** The lossy mesh: 50–200 ms RTT per pair, 1 % loss each way, fixed seed so every run has the same network */
export const LOSSY_MESH_LATENCY = { minRttMs: 50, maxRttMs: 200, lossPercent: 1, seed: 17 }
const LOSSY_MESH_DEFAULT_SIZE = 50

const measured = (run: Scenario['run']): Scenario => ({ run, report: formatReport, ok: (m: Measurements) => m.missing === 0 })
const SCENARIOS: Record<string, Scenario> = {
  relay: measured(async (nodes, log) => await relayScenario(nodes, { log })),
  'relay-lossy': measured(async (nodes, log) => await relayScenario(nodes, { log, lossPercent: 1 })),
  partition: { run: async (nodes, log, o) => await partitionScenario(nodes, { log, size: o.size }), report: formatPartition, ok: r => r.healMs <= r.boundMs && r.splitHeld },
  churn: { run: async (nodes, log, o) => await churnScenario(nodes, { log, size: o.size }), report: formatChurn, ok: r => r.missing === 0 },
  'lossy-mesh': {
    run: async (nodes, log, o) => await churnScenario(nodes, { log, size: o.size ?? LOSSY_MESH_DEFAULT_SIZE, latency: LOSSY_MESH_LATENCY }),
    report: formatChurn,
    ok: r => r.missing === 0,
    unavailable: delayUnavailable,
    // building costs about a minute of a loaded machine per member (three at a time), the 20 writes with churn and
    // the wait for every record are bounded by the probes' 20 minutes: 10 min + 1 min per member + 20 min
    boundMs: o => (30 + (o.size ?? LOSSY_MESH_DEFAULT_SIZE)) * 60_000
  },
  replication: { run: async (nodes, log, o) => await replicationScenario(nodes, { log, size: o.size }), report: formatReplication, ok: r => r.exactBefore && r.repinMs <= r.boundMs }
}

/** Run one scenario with the lab's teardown around it; resolves to its result (its report formats it) */
export async function runScenario (name: string, log: (l: string) => void, options: ScenarioOptions = {}): Promise<any> {
  const scenario = SCENARIOS[name]
  if (scenario == null) throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`)
  const nodes: LabNode[] = []
  const leftovers = cleanup()
  if (leftovers > 0) log(`removed ${leftovers} namespaces an earlier run left`)
  let stopping = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return
    stopping = true
    log(`${signal}: tearing down`)
    // bounded: whatever a stuck teardown leaves, cleanup() kills inside the lab's namespaces and deletes them
    setTimeout(() => { cleanup(); removeScratches(); process.exit(130) }, 30_000).unref()
    Promise.all([stopDelayLines(), ...nodes.map(async n => { await n.destroy() })]).finally(() => { cleanup(); removeScratches(); process.exit(130) }).catch(() => {})
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  let timer: NodeJS.Timeout | undefined
  try {
    const bound = scenario.boundMs?.(options)
    if (bound == null) return await scenario.run(nodes, log, options)
    return await Promise.race([
      scenario.run(nodes, log, options),
      new Promise<never>((resolve, reject) => { timer = setTimeout(() => { reject(new LabTimeoutError(name, bound)) }, bound) })
    ])
  } finally {
    clearTimeout(timer)
    await stopDelayLines()
    await Promise.all(nodes.map(async n => { await n.destroy().catch(() => {}) }))
    cleanup()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

export function formatReport (name: string, m: Measurements & { meetMs?: number }): string {
  const f = (v: number, d = 0): string => Number.isFinite(v) ? v.toFixed(d) : 'n/a'
  return [
    `- \`${name}\`: ${m.nodes} nodes, ${m.records} records; convergence ${f(m.convergenceMs)} ms` +
      (m.meetMs != null ? ` (members met through the relay ${f(m.meetMs)} ms after the first join began)` : '') +
      `; gossip latency p50 ${f(m.latencyP50Ms)} ms, p99 ${f(m.latencyP99Ms)} ms; deliveries by gossip ${m.byGossip}, repaired by sync ${m.bySync}` +
      `, missing ${m.missing}; ${f(m.bytesPerNodePerRecord)} bytes per node per record against ${f(m.recordBytes)} bytes of record` +
      ` (ratio ${f(m.bytesPerNodePerRecord / m.recordBytes, 1)}x); peers per node mean ${f(m.peersMean, 1)}, max ${m.peersMax}`
  ].join('\n')
}

if (import.meta.main) {
  const args = process.argv.slice(2)
  const write = args.includes('--write')
  const sizeArg = args.find(a => a.startsWith('--nodes='))
  const size = sizeArg != null ? Number(sizeArg.slice('--nodes='.length)) : undefined
  const names = args.filter(a => !a.startsWith('--'))
  const why = unavailable()
  if (why != null) {
    console.log(`lab skipped: ${why}`)
  } else {
    const lines: string[] = []
    for (const name of names.length > 0 ? names : ['relay']) {
      const scenario = SCENARIOS[name]
      if (scenario == null) { console.error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`); process.exit(2) }
      const skip = scenario.unavailable?.()
      if (skip != null) { console.log(`# ${name} skipped: ${skip}`); continue }
      const result = await runScenario(name, l => { console.log(`# ${name} ${new Date().toISOString().slice(11, 19)}: ${l}`) }, { size })
      const line = scenario.report(name, result)
      console.log(line)
      lines.push(line)
      if (!scenario.ok(result)) { console.log(`# ${name}: FAILED its bound`); process.exitCode = 1 }
    }
    if (write) {
      await appendFile(join(import.meta.dirname, '..', 'docs', 'benchmarks.md'),
        `\n## Network lab (npm run lab), ${new Date().toISOString().slice(0, 16)} UTC\n\n${lines.join('\n')}\n`)
    }
  }
}
