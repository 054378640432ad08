/**
 * A node with a relay listen address starts when the relay refuses or is down, and still fails when a TCP address
 * cannot be bound (src/net/listen-check.ts): real libp2p nodes on loopback.
 */
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:net'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createLibp2p, type Libp2p } from 'libp2p'
import { buildLibp2pOptions, withReachability, type BaseLibp2pServices } from '../../src/net/libp2p-config.ts'
import { checkListening, listensOn } from '../../src/net/listen-check.ts'

describe('listen check', () => {
  const started: Array<Libp2p<BaseLibp2pServices>> = []
  const servers: Server[] = []
  after(async () => {
    await Promise.all(started.map(async n => { await n.stop() }))
    await Promise.all(servers.map(async s => { await new Promise(resolve => s.close(resolve)) }))
  })

  it('matches a listening address to the configured one, wildcards and port 0 included', () => {
    assert.equal(listensOn('/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/40123'), true)
    assert.equal(listensOn('/ip4/127.0.0.1/tcp/4001', '/ip4/127.0.0.1/tcp/4001'), true)
    assert.equal(listensOn('/ip4/127.0.0.1/tcp/4001', '/ip4/127.0.0.1/tcp/4002'), false)
    assert.equal(listensOn('/ip4/0.0.0.0/tcp/4001', '/ip4/10.0.0.5/tcp/4001'), true)
    assert.equal(listensOn('/ip4/0.0.0.0/tcp/0', '/ip6/::1/tcp/4001'), false)
    assert.equal(listensOn('/ip6/::/tcp/0', '/ip6/::1/tcp/5555'), true)
    assert.equal(listensOn('/ip4/127.0.0.2/tcp/0', '/ip4/127.0.0.1/tcp/5555'), false)
  })

  async function node (listen: string[]): Promise<Libp2p<BaseLibp2pServices>> {
    const privateKey = await generateKeyPair('Ed25519')
    const n = await createLibp2p(withReachability(buildLibp2pOptions({ privateKey, listen }), { isMemberPeer: async () => false }) as any) as unknown as Libp2p<BaseLibp2pServices>
    started.push(n)
    return n
  }

  async function busyPort (): Promise<number> {
    // a port something else holds; what connects to it is dropped, so it closes at the end
    const server = createServer(socket => { socket.destroy() })
    servers.push(server)
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    return (server.address() as { port: number }).port
  }

  it('starts when the configured relay is down, and says so', async () => {
    const relayId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const downRelay = `/ip4/127.0.0.1/tcp/${await busyPort()}/p2p/${relayId}/p2p-circuit`
    const listen = ['/ip4/127.0.0.1/tcp/0', downRelay]
    const n = await node(listen)
    const check = n.services.listenCheck!
    assert.deepEqual(check.unbound(listen), [])
    assert.deepEqual(check.unreserved(listen), [downRelay])
    const warned: object[] = []
    checkListening(check, listen, { warn: (obj) => { warned.push(obj) } })
    assert.deepEqual(warned, [{ relays: [downRelay] }])
    assert.ok(n.getMultiaddrs().some(ma => ma.toString().startsWith('/ip4/127.0.0.1/tcp/')))
  })

  it('fails as before when a TCP address cannot be bound, relay address or not', async () => {
    const port = await busyPort()
    const relayId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const listen = [`/ip4/127.0.0.1/tcp/${port}`, `/ip4/127.0.0.1/tcp/${port}/p2p/${relayId}/p2p-circuit`]
    const n = await node(listen)
    assert.throws(() => { checkListening(n.services.listenCheck!, listen) }, (err: any) => err.name === 'UnsupportedListenAddressesError' && err.message.includes(`/tcp/${port}`) && !err.message.includes('p2p-circuit'))
    // without a relay address libp2p itself refuses, as it always did
    await assert.rejects(node([`/ip4/127.0.0.1/tcp/${port}`]), { name: 'UnsupportedListenAddressesError' })
  })
})
