/**
 * Runs inside a lab namespace (the daemon's HTTP gateway listens on that namespace's loopback):
 *   probe.ts <home> watch <ms>   reads CIDs from stdin; prints {"<cid>": <epoch ms first seen>} once stdin closed and all arrived, or at <ms>
 *   probe.ts <home> stats                prints {gossip, sync, peers}: records ingested by gossip and by sync, peers connected
 *   probe.ts <home> digests <id> <ms>    prints a line `{"at","count","digest"}` each time the collective's digest changes, until <ms> or stdin closes
 *   probe.ts <home> pins                 prints [{cid, source}]: this node's pins
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

const [home, cmd, ...rest] = process.argv.slice(2)
// a daemon being restarted (the churn scenario) has no api file for a while: wait for it, bounded
let url = ''
for (let i = 0; i < 1200 && url === ''; i++) {
  url = (await readFile(join(home, 'api'), 'utf8').catch(() => '')).trim()
  if (url === '') await new Promise(resolve => setTimeout(resolve, 250))
}
if (url === '') throw new Error(`no daemon api file in ${home} after 300 s`)

if (cmd === 'watch') {
  // CIDs arrive on stdin, one a line, while they are written; the watch ends when stdin has closed and every CID
  // was seen, or at the deadline
  const deadline = Date.now() + Number(rest[0])
  const pending = new Set<string>()
  const seen: Record<string, number> = {}
  let closed = false
  let buffered = ''
  process.stdin.setEncoding('utf8')
  process.stdin.on('data', (chunk: string) => {
    buffered += chunk
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    for (const l of lines) if (l.trim() !== '') pending.add(l.trim())
  })
  process.stdin.on('end', () => { closed = true })
  while ((!closed || pending.size > 0) && Date.now() < deadline) {
    for (const cid of [...pending]) {
      const res = await fetch(`${url}/v1/records/${cid}`).catch(() => undefined)
      await res?.body?.cancel()
      if (res?.status === 200) { seen[cid] = Date.now(); pending.delete(cid) }
    }
    await new Promise(resolve => setTimeout(resolve, 25))
  }
  process.stdout.write(JSON.stringify(seen))
  process.exit(0)
} else if (cmd === 'stats') {
  // a daemon the churn scenario is restarting answers nothing for a while: retry, bounded (300 s)
  let text: string | undefined
  for (let i = 0; i < 600 && text == null; i++) {
    text = await fetch(`${url}/metrics`).then(async r => await r.text(), () => undefined)
    if (text == null) await new Promise(resolve => setTimeout(resolve, 500))
  }
  if (text == null) throw new Error(`no metrics from ${url} within 300 s`)
  const sum = (source: string): number => text.split('\n')
    .filter(l => l.startsWith('atelier_records_ingested_total{') && l.includes(`source="${source}"`))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0)
  const peers = Number(/^atelier_peers_connected (\S+)/m.exec(text)?.[1] ?? 0)
  process.stdout.write(JSON.stringify({ gossip: sum('gossip'), sync: sum('sync'), peers }))
} else if (cmd === 'digests') {
  // polled every 100 ms; a daemon being restarted answers nothing, which is not a change
  const deadline = Date.now() + Number(rest[1])
  let stop = false
  process.stdin.on('end', () => { stop = true })
  process.stdin.resume()
  let last = ''
  while (!stop && Date.now() < deadline) {
    const res = await fetch(`${url}/v1/collectives/${rest[0]}/digest`).catch(() => undefined)
    if (res?.status === 200) {
      const { count, digest } = await res.json() as { count: number, digest: string }
      if (digest !== last) { last = digest; process.stdout.write(`${JSON.stringify({ at: Date.now(), count, digest })}\n`) }
    } else await res?.body?.cancel()
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  process.exit(0)
} else if (cmd === 'pins') {
  const items: Array<{ cid: string, source?: string }> = []
  let cursor: string | undefined
  for (let page = 0; page < 100; page++) {
    const body = await (await fetch(`${url}/v1/pins?limit=500${cursor != null ? `&cursor=${cursor}` : ''}`)).json() as { items: Array<{ cid: string, source?: string }>, cursor?: string }
    items.push(...body.items.map(i => ({ cid: i.cid, source: i.source })))
    if (body.cursor == null || body.items.length === 0) break
    cursor = body.cursor
  }
  process.stdout.write(JSON.stringify(items))
} else {
  process.stderr.write('usage: probe.ts <home> watch <ms> (CIDs on stdin) | stats | digests <collective> <ms> | pins\n')
  process.exitCode = 2
}
