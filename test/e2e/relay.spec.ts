/**
 * Members behind NAT meet through a fellow member's relay (issue 17, docs/networks.md): three real daemons on
 * loopback. R founds the collective and runs the members-only circuit relay v2 server. B joins, then restarts
 * listening ONLY on R's relay (`<R>/p2p/<R>/p2p-circuit`): nobody can dial it directly. A joins and reaches B through
 * B's relay address, which B's member card carries; records flow both ways over the relayed connection. A fourth
 * node that is no member asks R for a reservation and is refused.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestDaemon, waitFor } from './harness.ts'

describe('members meet through a members-only relay', { timeout: 240_000 }, () => {
  const nodes: TestDaemon[] = []
  let r: TestDaemon, a: TestDaemon, b: TestDaemon, outsider: TestDaemon
  let scratch: string
  let collective: string
  const ids = new Map<TestDaemon, string>()

  const node = async (d: TestDaemon): Promise<{ peerId: string, addresses: string[], reachability?: string }> => (await d.api('/v1/node')).body
  const peersOf = async (d: TestDaemon): Promise<any[]> => {
    const out = await d.cli(['peers', '--json'])
    assert.equal(out.code, 0, out.stderr)
    return JSON.parse(out.stdout).items
  }
  const addOn = async (from: TestDaemon, to: TestDaemon, name: string): Promise<number> => {
    const file = join(scratch, name)
    await writeFile(file, `${name}: ${Date.now()}\n`)
    const added = await from.cli(['add', file, '--title', name, '--collective', collective, '--json'])
    assert.equal(added.code, 0, added.stderr)
    const record = JSON.parse(added.stdout).record
    const started = Date.now()
    await waitFor(async () => (await to.api(`/v1/records/${record}`)).status === 200 ? true : undefined, 30_000, `${name} to arrive`)
    return Date.now() - started
  }

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'atelier-relay-files-'))
    for (let i = 0; i < 4; i++) {
      const d = await TestDaemon.create(`atelier-relay-${i}-`)
      nodes.push(d)
    }
    ;[r, a, b, outsider] = nodes
    await r.writeConfig({ p2p: { relayServer: true } })
    for (const d of nodes) {
      await d.start()
      ids.set(d, (await node(d)).peerId)
    }
  })

  after(async () => {
    for (const d of nodes) await d.destroy()
    if (scratch != null) await rm(scratch, { recursive: true, force: true })
  })

  it('B, listening only through R, is reached by A over its relay address and records flow both ways', async () => {
    const created = await r.cli(['collective', 'create', 'Night Printers', '--json'])
    assert.equal(created.code, 0, created.stderr)
    collective = JSON.parse(created.stdout).id
    const join = async (d: TestDaemon): Promise<void> => {
      const inv = await r.cli(['invite', collective])
      assert.equal(inv.code, 0, inv.stderr)
      const joined = await d.cli(['join', inv.stdout.trim(), '--json'])
      assert.equal(joined.code, 0, joined.stderr)
    }
    await join(b)
    // R grants a reservation on the member card it holds: wait for B's card to reach R (its first exchange)
    await waitFor(async () => (await peersOf(r)).find(p => p.peerId === ids.get(b))?.memberOf?.includes(collective) === true ? true : undefined, 30_000, 'R to hold B\'s member card')
    // B now listens only through R's relay: its one address is a circuit address on R. It dials no member peers
    // itself (memberPeers 0), so the connection between A and B must be A's dial of B's relay address.
    assert.equal(await b.stop(), 0)
    await b.writeConfig({ p2p: { memberPeers: 0 } })
    const rAddr = (await node(r)).addresses.find(x => x.startsWith('/ip4/127.0.0.1/tcp/')) as string
    await b.start([], { listen: [`${rAddr}/p2p-circuit`] })
    const started = Date.now()
    const circuit = await waitFor(async () => (await node(b)).addresses.find(x => x.includes('/p2p-circuit/')), 20_000, 'B to hold a reservation on R')
    console.log(`# B held a reservation on R ${Date.now() - started} ms after its daemon answered: ${circuit}`)
    assert.ok(circuit.startsWith(`${rAddr}/p2p-circuit/p2p/${ids.get(b) as string}`), circuit)
    assert.ok((await node(b)).addresses.every(x => x.includes('/p2p-circuit/')), 'B has no direct address')
    // AutoNAT's verdict as the node reports it: B only through the relay, R on loopback (not judged: private)
    assert.equal((await node(b)).reachability, 'relayed')
    assert.equal((await node(r)).reachability, 'private')
    await join(a)
    const dids = await Promise.all([r, a, b].map(async n => (await n.api('/v1/node')).body.did))
    for (const n of [r, a, b]) {
      await waitFor(async () => {
        const m = (await n.api(`/v1/collectives/${collective}/members`)).body
        return dids.every((d: string) => m.members?.includes(d)) ? true : undefined
      }, 30_000, 'every node to count all three members')
    }

    // A learns B's relay address from B's member card (through R) and dials it
    await waitFor(async () => {
      const bOnA = (await peersOf(a)).find(p => p.peerId === ids.get(b))
      return bOnA?.connected === true ? true : undefined
    }, 60_000, 'A to connect to B')
    const bOnA = (await peersOf(a)).find(p => p.peerId === ids.get(b))
    assert.ok(bOnA.addresses.length > 0 && bOnA.addresses.every((x: string) => x.includes('/p2p-circuit')), `A reached B through the relay: ${JSON.stringify(bOnA.addresses)}`)

    const toA = await addOn(b, a, 'etching.txt')
    const toB = await addOn(a, b, 'woodcut.txt')
    console.log(`# through the relay: B's record on A after ${toA} ms, A's on B after ${toB} ms`)
  })

  it('a node that is no member is refused a reservation', async () => {
    assert.equal(await outsider.stop(), 0)
    const rAddr = (await node(r)).addresses.find(x => x.startsWith('/ip4/127.0.0.1/tcp/')) as string
    // a refused reservation does not stop the start (src/net/listen-check.ts): the outsider runs, reachable directly
    await outsider.start([], { listen: ['/ip4/127.0.0.1/tcp/0', `${rAddr}/p2p-circuit`] })
    // R waits up to 8 s for a member card before it refuses; look well past that
    await new Promise(resolve => setTimeout(resolve, 12_000))
    assert.equal(outsider.running, true)
    const addrs = (await node(outsider)).addresses
    assert.ok(addrs.length > 0 && addrs.every(x => !x.includes('/p2p-circuit')), `no relay address: ${JSON.stringify(addrs)}`)
    assert.match(outsider.log, /no reservation on these relays/)
    // and B still holds its reservation
    assert.ok((await node(b)).addresses.some(x => x.includes('/p2p-circuit/')))
  })
})
