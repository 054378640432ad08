/** An EpochKeySource held in memory, for tests and the benchmark: what the node's key records will give */
import { randomBytes } from 'node:crypto'
import type { EpochKeySource } from '../../src/private/epoch-source.ts'

export class MemoryEpochKeys implements EpochKeySource {
  private readonly epochs = new Map<string, Uint8Array[]>()

  /** Make `collective` private with a fresh key at epoch 0, or start its next epoch; returns the new epoch */
  rotate (collective: string, key: Uint8Array = new Uint8Array(randomBytes(32))): number {
    const list = this.epochs.get(collective) ?? []
    list.push(key)
    this.epochs.set(collective, list)
    return list.length - 1
  }

  current (collective: string): { epoch: number, key: Uint8Array } | undefined {
    const list = this.epochs.get(collective)
    if (list == null || list.length === 0) return undefined
    return { epoch: list.length - 1, key: list[list.length - 1] }
  }

  key (collective: string, epoch: number): Uint8Array | undefined {
    return this.epochs.get(collective)?.[epoch]
  }

  isPrivate (collective: string): boolean {
    return this.epochs.has(collective)
  }
}
