/**
 * The lab's delay line (lab/delay.ts, lab/delayline.py): hosts in network namespaces behind the routed lab internet
 * see, end to end, the round-trip time configured for their pair (± a few ms) and about the configured loss over
 * 2,000 datagrams, in order; and nothing is left when the lab tears down (no namespace, no delay-line process).
 * Skipped, with the reason printed, where there is no root, no `ip netns`/nft, no /dev/net/tun or no python3.
 */
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import type { Latency } from '../../lab/delay.ts'

// its own namespace prefix: the test runner runs spec files at once, and the relay spec's cleanup() removes every
// namespace of its prefix (set before the lab modules load, which read it once)
process.env.ATELIER_LAB_PREFIX = 'dl-'
const { cleanup, createInternet, delayUnavailable, publicHost, sh, PREFIX } = await import('../../lab/netns.ts')
const { DelayLine, pairRttMs, stopDelayLines } = await import('../../lab/delay.ts')
const { checkLink } = await import('../../lab/linkcheck.ts')

const why = delayUnavailable()
if (why != null) console.log(`# delay line skipped: ${why}`)

describe('network lab: the userspace delay line', { timeout: 180_000, skip: why }, () => {
  after(async () => { await stopDelayLines(); cleanup() })

  it('gives each pair its configured RTT and the configured loss, in order, and leaves nothing behind', async () => {
    cleanup()
    const latency: Latency = { minRttMs: 50, maxRttMs: 200, lossPercent: 1, seed: 17 }
    createInternet({ routed: true })
    const hosts = [0, 1, 2].map(i => publicHost(`d${i}`, i))
    // the same run's limit: the path through the router and the line with no delay (two Node processes, Python, the
    // kernel: on a loaded machine a few ms)
    const direct = await DelayLine.start(hosts.map(h => h.ip), { ...latency, minRttMs: 0, maxRttMs: 0, lossPercent: 0 })
    const base = await checkLink(hosts[0], hosts[1], 20, 10)
    await direct.stop()
    console.log(`# no delay, no loss: TCP connect ${base.connectMs.toFixed(1)} ms, echo median ${base.rttMedianMs.toFixed(1)} ms`)
    const line = await DelayLine.start(hosts.map(h => h.ip), latency)
    let lost = 0
    let sent = 0
    for (const [a, b] of [[0, 1], [1, 2], [2, 0]]) {
      const rtt = pairRttMs(hosts[a].ip, hosts[b].ip, latency)
      const c = await checkLink(hosts[a], hosts[b], 20, 1000)
      console.log(`# ${hosts[a].ip} → ${hosts[b].ip}: configured RTT ${rtt} ms; TCP connect ${c.connectMs.toFixed(1)} ms, echo median ${c.rttMedianMs.toFixed(1)} ms; ` +
        `UDP ${c.sent - c.received} of ${c.sent} lost, ${c.outOfOrder} out of order`)
      // a pair's RTT is the line's doing: 50–200 ms with these settings, measured within 8 ms of it plus the path's own
      assert.ok(rtt >= 50 && rtt <= 200)
      assert.ok(Math.abs(c.rttMedianMs - base.rttMedianMs - rtt) <= 8, `echo RTT ${c.rttMedianMs} ms vs configured ${rtt} ms + ${base.rttMedianMs} ms without delay`)
      assert.ok(c.connectMs >= rtt - 1, `a TCP handshake takes at least one RTT (${c.connectMs} ms vs ${rtt} ms)`)
      assert.equal(c.outOfOrder, 0, 'a delay line keeps order within a pair')
      lost += c.sent - c.received
      sent += c.sent
    }
    // 1 % of 3,000: mean 30, standard deviation 5.4; [12, 52] is beyond 3 deviations on each side
    console.log(`# loss over ${sent} datagrams: ${lost} (${(100 * lost / sent).toFixed(2)} %, configured 1 %)`)
    assert.ok(lost >= 12 && lost <= 52, `lost ${lost} of ${sent}`)
    const stats = await line.stats()
    console.log(`# delay line: ${JSON.stringify(stats)}`)
    assert.ok(stats.forwarded >= sent - lost)

    await stopDelayLines()
    cleanup()
    assert.ok(!sh('ip', ['netns', 'list']).split('\n').some(l => l.startsWith(PREFIX)), 'no lab namespace left')
  })

  it('a killed lab cannot leave the delay line running: it exits when its stdin closes, and cleanup() kills leftovers', async () => {
    cleanup()
    createInternet({ routed: true })
    const hosts = [0, 1].map(i => publicHost(`e${i}`, i))
    await DelayLine.start(hosts.map(h => h.ip), { minRttMs: 50, maxRttMs: 50, lossPercent: 0, seed: 1 })
    const pids = sh('ip', ['netns', 'pids', `${PREFIX}inet`]).trim().split('\n').filter(p => p !== '')
    assert.equal(pids.length, 1, 'the delay line runs inside the router namespace')
    cleanup()
    await new Promise(resolve => setTimeout(resolve, 200))
    assert.throws(() => process.kill(Number(pids[0]), 0), 'the delay line process is gone')
  })
})
