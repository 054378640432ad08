/**
 * `npm run lab [scenario…] [--nodes=N] [--write]`: build each scenario's namespaces, run it, print its figures, and
 * with --write append a dated section to docs/benchmarks.md. Everything the lab creates is removed on exit, on
 * Ctrl-C and on SIGTERM; a run also starts by removing what an earlier, killed run left (namespaces named PREFIX…).
 * Needs root, iproute2 and nftables; prints why and exits 0 when the machine cannot run it.
 * Scenarios: relay, relay-lossy, partition, churn, replication (lab/scenarios/, docs/networks.md).
 */
import { appendFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cleanup, unavailable } from './netns.ts'
import type { LabNode } from './node.ts'
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
}

const measured = (run: Scenario['run']): Scenario => ({ run, report: formatReport, ok: (m: Measurements) => m.missing === 0 })
const SCENARIOS: Record<string, Scenario> = {
  relay: measured(async (nodes, log) => await relayScenario(nodes, { log })),
  'relay-lossy': measured(async (nodes, log) => await relayScenario(nodes, { log, lossPercent: 1 })),
  partition: { run: async (nodes, log, o) => await partitionScenario(nodes, { log, size: o.size }), report: formatPartition, ok: r => r.healMs <= r.boundMs && r.splitHeld },
  churn: { run: async (nodes, log, o) => await churnScenario(nodes, { log, size: o.size }), report: formatChurn, ok: r => r.missing === 0 },
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
    Promise.all(nodes.map(async n => { await n.destroy() })).finally(() => { cleanup(); process.exit(130) }).catch(() => {})
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    return await scenario.run(nodes, log, options)
  } finally {
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
