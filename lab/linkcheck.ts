/**
 * Checks a lab link end to end, as traffic sees it: TCP round trips (connect and 1-byte echoes) and the share of UDP
 * datagrams lost one way, with their order. `checkLink(a, b)` runs the server in b's namespace and the client in a's.
 * As a script (inside a namespace):
 *   linkcheck.ts serve <ip> <port>                       TCP echo ("count" answers the UDP tally), UDP counter
 *   linkcheck.ts probe <ip> <port> <echoes> <datagrams>  prints {connectMs, rttMs[], sent, received, outOfOrder}
 */
import { spawn, execFile } from 'node:child_process'
import { createServer, connect } from 'node:net'
import type { Socket } from 'node:net'
import { createSocket } from 'node:dgram'
import type { LabHost } from './netns.ts'

export interface LinkCheck {
  /** TCP handshake time */
  connectMs: number
  /** median of the 1-byte echo round trips (a retransmitted echo is an outlier the median ignores) */
  rttMedianMs: number
  sent: number
  received: number
  /** datagrams that arrived after a later-sent one */
  outOfOrder: number
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }

/** Round trips and one-way UDP loss from a to b */
export async function checkLink (a: LabHost, b: LabHost, echoes = 20, datagrams = 2000, port = 4999): Promise<LinkCheck> {
  const server = spawn('ip', ['netns', 'exec', b.ns, process.execPath, import.meta.filename, 'serve', b.ip, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] })
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout.once('data', () => { resolve() })
      server.once('exit', code => { reject(new Error(`linkcheck server exited ${code}`)) })
    })
    const out = await new Promise<string>((resolve, reject) => {
      execFile('ip', ['netns', 'exec', a.ns, process.execPath, import.meta.filename, 'probe', b.ip, String(port), String(echoes), String(datagrams)],
        { timeout: 120_000 }, (err, stdout, stderr) => { err != null ? reject(new Error(`linkcheck probe: ${stderr || err.message}`)) : resolve(stdout) })
    })
    const r = JSON.parse(out) as { connectMs: number, rttMs: number[], sent: number, received: number, outOfOrder: number }
    return { connectMs: r.connectMs, rttMedianMs: median(r.rttMs), sent: r.sent, received: r.received, outOfOrder: r.outOfOrder }
  } finally {
    server.stdin.end()
    server.kill()
  }
}

/** Resolves to the next chunk of data on a socket */
const nextData = async (s: Socket): Promise<string> => await new Promise(resolve => s.once('data', d => { resolve(String(d)) }))

if (import.meta.main) {
  const [cmd, ip, portText, ...rest] = process.argv.slice(2)
  const port = Number(portText)
  if (cmd === 'serve') {
    let received = 0
    let outOfOrder = 0
    let highest = -1
    // a large receive buffer: a loaded machine can stall this process for a while, and its drops would read as the line's
    const udp = createSocket({ type: 'udp4', recvBufferSize: 8 << 20 })
    udp.on('message', m => {
      received++
      const seq = m.readUInt32BE(0)
      if (seq < highest) outOfOrder++
      highest = Math.max(highest, seq)
    })
    udp.bind(port, ip)
    const tcp = createServer(s => {
      s.setNoDelay(true)
      s.on('data', d => { String(d).startsWith('count') ? s.write(JSON.stringify({ received, outOfOrder })) : s.write(d) })
    })
    tcp.listen(port, ip, () => { process.stdout.write('listening\n') })
    // ends with the caller (stdin closed)
    process.stdin.on('end', () => { process.exit(0) })
    process.stdin.resume()
  } else if (cmd === 'probe') {
    const [echoes, datagrams] = rest.map(Number)
    const began = performance.now()
    const s = connect({ host: ip, port, noDelay: true })
    await new Promise(resolve => s.once('connect', resolve))
    const connectMs = performance.now() - began
    const rttMs: number[] = []
    for (let i = 0; i < echoes; i++) {
      const t = performance.now()
      s.write('x')
      await nextData(s)
      rttMs.push(performance.now() - t)
    }
    const udp = createSocket('udp4')
    for (let i = 0; i < datagrams; i++) {
      const m = Buffer.alloc(64)
      m.writeUInt32BE(i, 0)
      await new Promise<void>(resolve => { udp.send(m, port, ip, () => { resolve() }) })
      // about 1 ms apart: the test is of the line's loss, not of a queue overflowing
      if (i % 4 === 3) await new Promise(resolve => setTimeout(resolve, 4))
    }
    // every datagram still in flight arrives within the pair's one-way delay
    await new Promise(resolve => setTimeout(resolve, 1_500))
    s.write('count')
    const { received, outOfOrder } = JSON.parse(await nextData(s))
    udp.close()
    s.destroy()
    process.stdout.write(JSON.stringify({ connectMs, rttMs, sent: datagrams, received, outOfOrder }))
  } else {
    process.stderr.write('usage: linkcheck.ts serve <ip> <port> | probe <ip> <port> <echoes> <datagrams>\n')
    process.exitCode = 2
  }
}
