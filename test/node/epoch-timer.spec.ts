/**
 * A removal dated ahead of the clock starts its epoch when it takes effect, on a real node with an injected clock
 * and nothing else arriving meanwhile (src/node/epoch-timers.ts): not before its effectiveFrom, and within the
 * timer's look-again time after the clock (here jumped ten minutes) reaches it.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { AtelierNode } from '../../src/node/atelier-node.ts'
import { silentLogger } from '../../src/node/logger.ts'
import { initHome } from '../../src/identity/index.ts'
import { resolveConfig } from '../../src/config.ts'
import { createSigner, nobleCrypto } from '../../src/records/index.ts'
import { EpochTimers, LOOK_AGAIN_MS, nextChangeAt } from '../../src/node/epoch-timers.ts'
import { waitFor } from '../e2e/harness.ts'

const TEN_MINUTES = 10 * 60_000

describe('epochs of changes dated ahead of the clock', { timeout: 120_000 }, () => {
  let node: AtelierNode
  let home: string
  let offset = 0
  const clock = (): number => Date.now() + offset

  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number, body: any }> => {
    const res = await fetch(`${node.gatewayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${node.identity.apiToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
    return { status: res.status, body: await res.json() }
  }
  const current = async (collective: string): Promise<any> => {
    const keys = (await call('GET', `/v1/collectives/${collective}/keys`)).body
    return keys.epochs.find((e: any) => e.epoch === keys.current)
  }

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'atelier-epoch-timer-'))
    await initHome(home)
    node = new AtelierNode({
      config: resolveConfig(home, { http: { port: 0 }, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] } }),
      logger: silentLogger(),
      processMetrics: false,
      clock
    })
    await node.start()
  })

  after(async () => {
    await node?.stop()
    if (home != null) await rm(home, { recursive: true, force: true })
  })

  it('starts the removal\'s epoch once the injected clock reaches its effectiveFrom, with no record arriving', async () => {
    const collective = (await call('POST', '/v1/collectives', { name: 'Timed', visibility: 'private' })).body.id
    const self = node.identity.did
    const member = createSigner(new Uint8Array(randomBytes(32)), nobleCrypto).did
    const admitted = await call('POST', `/v1/collectives/${collective}/members`, { action: 'admit', member })
    assert.equal(admitted.status, 201, JSON.stringify(admitted.body))
    const both = [self, member].sort()
    const admission = await waitFor(async () => { const e = await current(collective); return e?.reason === 'admission' && JSON.stringify(e.holders) === JSON.stringify(both) ? e : undefined }, 20_000, 'the admission epoch')

    const effective = clock() + TEN_MINUTES
    const removed = await call('POST', `/v1/collectives/${collective}/members`, { action: 'remove', member, effectiveFrom: new Date(effective).toISOString() })
    assert.equal(removed.status, 201, JSON.stringify(removed.body))
    // the removal is in the membership now, but it takes effect in ten minutes: no epoch yet
    await new Promise(resolve => setTimeout(resolve, 1500))
    assert.equal((await current(collective)).epoch, admission.epoch, 'no epoch before the removal takes effect')

    offset += TEN_MINUTES + 1000
    const started = Date.now()
    const removal = await waitFor(async () => { const e = await current(collective); return e?.reason === 'removal' ? e : undefined }, LOOK_AGAIN_MS + 10_000, 'the removal epoch')
    assert.deepEqual(removal.holders, [self], 'the removed member is not wrapped')
    assert.equal(removal.epoch, admission.epoch + 1)
    assert.equal(Date.parse(removal.at), effective, 'the epoch follows the removal at its effective time')
    assert.ok(Date.now() - started <= LOOK_AGAIN_MS + 10_000)
  })

  it('EpochTimers wakes at the time set, looks again after a clock jump, and forgets a time replaced', async () => {
    let now = 1_000_000
    const woken: string[] = []
    const timers = new EpochTimers({ clock: () => now, wake: (c) => { woken.push(c) }, lookAgainMs: 50 })
    try {
      timers.set('soon', now + 30)
      timers.set('later', now + 3_600_000)
      timers.set('replaced', now + 10)
      timers.set('replaced', undefined)
      await new Promise(resolve => setTimeout(resolve, 200))
      // `soon` waited 30 ms of real time, but the injected clock did not move: it was looked at again, not woken
      assert.equal(woken.length, 0)
      now += 31
      await waitFor(() => woken.includes('soon') ? true : undefined, 2000, 'soon to wake')
      now += 3_600_000
      await waitFor(() => woken.includes('later') ? true : undefined, 2000, 'later to wake after the jump')
      assert.deepEqual(woken, ['soon', 'later'], 'each once; the replaced time never')
      assert.equal(nextChangeAt({ changes: [{ at: 5, action: 'remove', member: 'x', records: [] }, { at: 3, action: 'admit', member: 'y', records: [] }] }, 2), 3)
      assert.equal(nextChangeAt({ changes: [{ at: 5, action: 'remove', member: 'x', records: [] }] }, 5), undefined)
    } finally {
      timers.stop()
    }
  })
})
