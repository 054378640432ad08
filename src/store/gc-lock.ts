/**
 * The lock between garbage collection and everything that makes blocks live.
 *
 * Adding content, importing a CAR, pinning and building a directory first write blocks and only then pin the root:
 * between the two the new blocks are unreferenced, and a gc running then would delete them. So each of those holds
 * this lock shared for its whole length, and gc holds it alone. A waiting gc stops new holders from entering (else
 * a steady stream of adds would starve it), and gives up after `waitMs` with `BusyError`, letting them in again:
 * an upload may take minutes, and a gc that cannot start soon is better retried than left blocking every add.
 */
import { BusyError } from '../errors.ts'

export class GcLock {
  #shared = 0
  #exclusive = false
  /** a gc waiting: new shared holders queue behind it */
  #gcWaiting = 0
  #wake: Array<() => void> = []

  /** Run `fn` holding the lock shared (many at once, never beside a gc) */
  async shared<T> (fn: () => Promise<T>): Promise<T> {
    while (this.#exclusive || this.#gcWaiting > 0) await this.#wait()
    this.#shared++
    try {
      return await fn()
    } finally {
      this.#shared--
      this.#notify()
    }
  }

  /** Run `fn` alone; BusyError when the shared holders have not all left within `waitMs` */
  async exclusive<T> (waitMs: number, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + waitMs
    this.#gcWaiting++
    let acquired = false
    try {
      while (this.#exclusive || this.#shared > 0) {
        const left = deadline - Date.now()
        if (left <= 0) {
          throw new BusyError(`garbage collection waited ${waitMs} ms for ${this.#shared} add(s), import(s) or pin(s) in progress; retry when they finish`)
        }
        await this.#wait(left)
      }
      acquired = true
      this.#exclusive = true
    } finally {
      this.#gcWaiting--
      // a gc that gave up lets the adds queued behind it in
      if (!acquired) this.#notify()
    }
    try {
      return await fn()
    } finally {
      this.#exclusive = false
      this.#notify()
    }
  }

  /** True while a gc holds the lock */
  get collecting (): boolean { return this.#exclusive }

  async #wait (ms?: number): Promise<void> {
    await new Promise<void>(resolve => {
      let timer: NodeJS.Timeout | undefined
      const wake = (): void => { if (timer != null) clearTimeout(timer); resolve() }
      this.#wake.push(wake)
      if (ms != null) {
        timer = setTimeout(() => {
          this.#wake = this.#wake.filter(w => w !== wake)
          resolve()
        }, ms)
      }
    })
  }

  #notify (): void {
    const waiting = this.#wake
    this.#wake = []
    for (const wake of waiting) wake()
  }
}
