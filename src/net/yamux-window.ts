/**
 * Yamux window updates once half the receive window is used, as go-yamux and rust-yamux send them, instead of after
 * every data frame.
 *
 * @chainsafe/libp2p-yamux 8 answers each data frame a stream receives with a WindowUpdate frame: its own Noise
 * encryption and its own socket write. Gossip is one small frame per message per peer, so a node that receives a
 * record from five mesh peers wrote five window updates for it, besides the copies it forwards. On this project's
 * machines a loopback socket write costs more than a record's validation (a 10-process gossip profile at 50 records/s:
 * 8.2 % of a relay's wall time in socket writes, 3.3 % in validating the records); bench/gossip.ts measured 2,450–2,500 µs of
 * CPU per node per record with this change against 2,710–2,780 without it, same machine, runs interleaved.
 *
 * The sender's credit is what the receiver has not yet granted back; skipping an update while more than half of the
 * window is still granted never leaves the sender without credit (it still has over half a window), and the update
 * that does go out grants everything consumed so far, as before. The library's own path still runs for every other
 * case: a stream opening (SYN/ACK flags), a paused reader, and the window growth it decides when it sends.
 *
 * The library keeps this in an overridable method of its exported stream class; `installHalfWindowUpdates` replaces
 * it once per process and checks first that the fields it reads exist, so an upgrade that renames them leaves the
 * library's behaviour in place (and the test in test/net/yamux-window.spec.ts fails) rather than breaking streams.
 */
import { YamuxStream, StreamState } from '@chainsafe/libp2p-yamux/stream'

/** The members of a yamux stream this reads; private in the library's types, public at run time */
interface WindowState {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
}

let installed: boolean | undefined

/**
 * Make yamux streams send a window update only once the receive window is half used (idempotent). Returns whether
 * the change is in place: false when the library no longer has the shape this relies on.
 */
export function installHalfWindowUpdates (): boolean {
  if (installed != null) return installed
  const proto = YamuxStream.prototype as unknown as { sendWindowUpdate?: (this: WindowState) => void }
  const original = proto.sendWindowUpdate
  if (typeof original !== 'function' || typeof StreamState?.Established !== 'number') {
    installed = false
    return installed
  }
  proto.sendWindowUpdate = function (this: WindowState): void {
    if (this.state === StreamState.Established &&
      typeof this.recvWindow === 'number' && typeof this.recvWindowCapacity === 'number' &&
      this.recvWindowCapacity > this.recvWindow / 2) return
    original.call(this)
  }
  installed = true
  return installed
}
