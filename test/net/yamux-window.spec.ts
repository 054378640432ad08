/**
 * Yamux window updates go out once half the receive window is used, not after every data frame
 * (src/net/yamux-window.ts), on real libp2p nodes over TCP + Noise + Yamux on loopback; flow control still works.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createLibp2p, type Libp2p } from 'libp2p'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Stream } from '@libp2p/interface'
import { buildLibp2pOptions } from '../../src/net/libp2p-config.ts'
import { installHalfWindowUpdates } from '../../src/net/yamux-window.ts'

const PROTOCOL = '/atelier-test/window/1.0.0'
/** yamux frame types (the yamux spec): 0 data, 1 window update */
const WINDOW_UPDATE = 1

describe('yamux window updates', () => {
  let a: Libp2p
  let b: Libp2p
  /** what B's side of the latest stream read, and the window updates it wrote */
  let read = 0
  let updates = 0
  let wake: (() => void) | undefined

  before(async () => {
    const options = async (): Promise<any> => buildLibp2pOptions({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
    a = await createLibp2p(await options())
    b = await createLibp2p(await options())
    await b.handle(PROTOCOL, (stream: Stream) => {
      read = 0
      updates = 0
      const s = stream as unknown as { sendFrame: (header: { type: number }, data?: unknown) => unknown }
      const send = s.sendFrame
      s.sendFrame = (header, data) => {
        if (header.type === WINDOW_UPDATE) updates++
        return send.call(stream, header, data)
      }
      stream.addEventListener('message', (evt) => {
        read += evt.data.byteLength
        wake?.()
      })
    })
    await a.dial(b.getMultiaddrs()[0])
  })

  after(async () => {
    await a?.stop()
    await b?.stop()
  })

  /** Send `total` bytes in `size`-byte messages from A to B; resolve once B has read them all */
  async function transfer (total: number, size: number): Promise<void> {
    const stream = await a.dialProtocol(b.peerId, PROTOCOL)
    const chunk = randomBytes(size)
    const all = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`B read ${read} of ${total} bytes in 20 s`)) }, 20_000)
      wake = () => { if (read >= total) { clearTimeout(timer); resolve() } }
    })
    for (let sent = 0; sent < total; sent += size) {
      if (!stream.send(chunk)) await new Promise<void>(resolve => { stream.addEventListener('drain', () => { resolve() }, { once: true }) })
      // one data frame per message, as gossip sends them: let each go out before the next
      if (size <= 1024) await new Promise(resolve => setImmediate(resolve))
    }
    await all
    await stream.close()
  }

  it('is in place', () => {
    assert.equal(installHalfWindowUpdates(), true)
  })

  it('300 messages of 1 KiB cost a few window updates, not one each', async () => {
    await transfer(300 * 1024, 1024)
    assert.equal(read, 300 * 1024)
    // 300 KiB through a 256 KiB window: an update once 128 KiB is used, then again (and one for the stream's opening)
    assert.ok(updates >= 1 && updates <= 4, `${updates} window updates for 300 data frames`)
  })

  it('a bulk transfer far larger than the window still flows: every update needed is sent', async () => {
    const total = 32 * 1024 * 1024
    await transfer(total, 64 * 1024)
    assert.equal(read, total)
    assert.ok(updates >= 2, `${updates} window updates for ${total / 1024 / 1024} MiB`)
    assert.ok(updates <= total / (64 * 1024) / 2, `${updates} window updates: at most one per two frames`)
  })
})
