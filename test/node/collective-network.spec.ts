/**
 * CollectiveNetwork's reconciliations with one peer: a session already running for the pair is joined, whichever
 * side started it (a session moves records both ways: a second one beside the peer's would move every record twice).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CollectiveNetwork } from '../../src/node/collective-network.ts'
import type { CollectiveNetworkComponents, SyncPort } from '../../src/node/collective-network.ts'
import { silentLogger } from '../../src/node/logger.ts'

/** A sync port that counts the sessions it starts; `served` stands for sessions peers are running with us */
function port (served: Map<string, Promise<unknown>>): SyncPort & { started: string[], finish: () => void } {
  const started: string[] = []
  let finish: () => void = () => {}
  const ours = new Promise<void>(resolve => { finish = resolve })
  return {
    started,
    finish: () => { finish() },
    syncWith: async (peer, scope) => { started.push(`${peer} ${scope}`); await ours; return { role: 'initiator' } },
    serving: (peer, scope) => served.get(`${peer} ${scope}`)
  }
}

function network (sync: SyncPort): CollectiveNetwork {
  return new CollectiveNetwork({ logger: silentLogger(), sync } as unknown as CollectiveNetworkComponents)
}

describe('CollectiveNetwork.syncOnce', () => {
  it('joins the session the peer is running with this node for the collective instead of starting a second', async () => {
    let end: (stats: unknown) => void = () => {}
    const theirs = new Promise(resolve => { end = resolve })
    const sync = port(new Map([['peerB c1', theirs]]))
    const net = network(sync)
    const a = net.syncOnce('peerB', 'c1')
    const b = net.syncOnce('peerB', 'c1')
    end({ role: 'responder', recordsSent: 7 })
    assert.deepEqual(await a, { role: 'responder', recordsSent: 7 })
    assert.deepEqual(await b, { role: 'responder', recordsSent: 7 })
    assert.deepEqual(sync.started, [], 'no session of our own')
  })

  it('starts its own session when the peer runs none for that collective, and shares it between callers', async () => {
    const sync = port(new Map([['peerB c2', new Promise(() => {})]]))
    const net = network(sync)
    const a = net.syncOnce('peerB', 'c1')
    const b = net.syncOnce('peerB', 'c1')
    const c = net.syncOnce('peerC', 'c1')
    sync.finish()
    await Promise.all([a, b, c])
    assert.deepEqual(sync.started, ['peerB c1', 'peerC c1'])
  })

  it('after the joined session ended, the next call starts its own', async () => {
    const served = new Map<string, Promise<unknown>>([['peerB c1', Promise.resolve(undefined)]])
    const sync = port(served)
    const net = network(sync)
    assert.equal(await net.syncOnce('peerB', 'c1'), undefined, 'the peer\'s session failed: nothing to report')
    served.clear()
    sync.finish()
    await net.syncOnce('peerB', 'c1')
    assert.deepEqual(sync.started, ['peerB c1'])
  })
})
