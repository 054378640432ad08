/**
 * `npm run lab [scenario] [--write]`: build the scenario's namespaces, run it, print the figures, and with --write
 * append a dated section to docs/benchmarks.md. Everything the lab creates is removed on exit, on Ctrl-C and on
 * SIGTERM; a run also starts by removing what an earlier, killed run left (namespaces named PREFIX…).
 * Needs root, iproute2 and nftables; prints why and exits 0 when the machine cannot run it.
 */
import { appendFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cleanup, unavailable } from './netns.ts'
import type { LabNode } from './node.ts'
import type { Measurements } from './measure.ts'
import { relayScenario } from './scenarios/relay.ts'

const SCENARIOS: Record<string, (nodes: LabNode[], log: (l: string) => void) => Promise<Measurements & { meetMs?: number }>> = {
  relay: async (nodes, log) => await relayScenario(nodes, { log }),
  'relay-lossy': async (nodes, log) => await relayScenario(nodes, { log, lossPercent: 1 })
}

export async function runScenario (name: string, log: (l: string) => void): Promise<Measurements & { meetMs?: number }> {
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
    return await scenario(nodes, log)
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
  const names = args.filter(a => !a.startsWith('--'))
  const why = unavailable()
  if (why != null) {
    console.log(`lab skipped: ${why}`)
  } else {
    const lines: string[] = []
    for (const name of names.length > 0 ? names : ['relay']) {
      const m = await runScenario(name, l => { console.log(`# ${name}: ${l}`) })
      const line = formatReport(name, m)
      console.log(line)
      lines.push(line)
    }
    if (write) {
      await appendFile(join(import.meta.dirname, '..', 'docs', 'benchmarks.md'),
        `\n## Network lab (npm run lab), ${new Date().toISOString().slice(0, 16)} UTC\n\n${lines.join('\n')}\n`)
    }
  }
}
