/**
 * Worker thread of the VerifyPool: verifies batches of Ed25519 signatures with native crypto.
 * Message in: { id, items: Array<[signature, data, publicKey]> }; out: { id, results: Uint8Array (1 = valid) }.
 */
import { parentPort } from 'node:worker_threads'
import { nativeCrypto } from './ed25519-native.ts'

type Item = [Uint8Array, Uint8Array, Uint8Array]

parentPort?.on('message', (msg: { id: number, items: Item[] }) => {
  const results = new Uint8Array(msg.items.length)
  for (let i = 0; i < msg.items.length; i++) {
    const [signature, data, publicKey] = msg.items[i]
    try {
      results[i] = nativeCrypto.ed25519.verify(signature, data, publicKey) ? 1 : 0
    } catch {
      results[i] = 0
    }
  }
  parentPort?.postMessage({ id: msg.id, results }, [results.buffer])
})
