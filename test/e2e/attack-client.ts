/**
 * The attacker of test/e2e/resource.spec.ts, run as a child process (so its sockets and its event loop are not the
 * test's): `node attack-client.ts <port> <token> <connections> <slow> <parallel> <maxMs>`.
 *   - <connections> unauthenticated requests with large declared bodies (OPTIONS with a body, POST without a token),
 *     each sending 64 KiB of its body, <parallel> at a time;
 *   - <slow> requests with the token whose body trickles (16 bytes every 250 ms, never finished).
 * Bounded: stops opening after <maxMs>, gives every socket at most <maxMs>. Prints one JSON line of what happened.
 */
import { connect } from 'node:net'

const [port, token, connections, slow, parallel, maxMs] = process.argv.slice(2).map((v, i) => (i === 1 ? v : Number(v))) as [number, string, number, number, number, number]
const started = Date.now()
const host = `Host: 127.0.0.1:${port}\r\n`
const chunk = Buffer.alloc(64 * 1024, 0x20)
const tally = { opened: 0, answered: 0, closedUnanswered: 0, refusedConnect: 0, statuses: {} as Record<string, number>, slowClosedMs: [] as number[] }

async function oneBody (i: number): Promise<void> {
  await new Promise<void>(resolve => {
    const s = connect(port, '127.0.0.1')
    let got = ''
    const timer = setTimeout(() => { s.destroy() }, maxMs)
    s.on('connect', () => {
      tally.opened++
      const head = i % 2 === 0
        ? `OPTIONS /v1/records HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`
        : `POST /v1/records HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`
      s.write(head)
      s.write(chunk)
    })
    s.on('data', d => { got += d.toString('latin1') })
    s.on('error', (err: NodeJS.ErrnoException) => { if (err.code === 'ECONNREFUSED') tally.refusedConnect++ })
    s.on('close', () => {
      clearTimeout(timer)
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got)
      if (m != null) { tally.answered++; tally.statuses[m[1]] = (tally.statuses[m[1]] ?? 0) + 1 } else tally.closedUnanswered++
      resolve()
    })
  })
}

async function oneSlow (): Promise<void> {
  await new Promise<void>(resolve => {
    const s = connect(port, '127.0.0.1')
    const opened = Date.now()
    let drip: NodeJS.Timeout | undefined
    const timer = setTimeout(() => { s.destroy() }, maxMs)
    s.on('connect', () => {
      s.write(`POST /v1/records HTTP/1.1\r\n${host}Authorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`)
      drip = setInterval(() => { if (!s.destroyed) s.write(' '.repeat(16)) }, 250)
    })
    s.on('error', () => {})
    s.on('close', () => {
      clearInterval(drip)
      clearTimeout(timer)
      tally.slowClosedMs.push(Date.now() - opened)
      resolve()
    })
  })
}

const slowDone = Promise.all(Array.from({ length: slow }, async () => { await oneSlow() }))
let next = 0
await Promise.all(Array.from({ length: parallel }, async () => {
  while (next < connections && Date.now() - started < maxMs) await oneBody(next++)
}))
await slowDone
tally.slowClosedMs.sort((a, b) => a - b)
process.stdout.write(JSON.stringify({ ...tally, attempted: next, ms: Date.now() - started, slowClosedMs: undefined, slowClosedMedianMs: tally.slowClosedMs[Math.floor(tally.slowClosedMs.length / 2)] ?? null, slowClosedMaxMs: tally.slowClosedMs[tally.slowClosedMs.length - 1] ?? null }) + '\n')
