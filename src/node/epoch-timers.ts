/**
 * EpochTimers: wake a private collective's epoch computation when a membership change dated ahead of the clock (an
 * admit or remove whose effectiveFrom lies in the future) takes effect, so its epoch starts then and not whenever a
 * record next happens to arrive (protocols/private-collectives.md §8). Until then the removed member still holds
 * the current key, so the delay is a window of reading it would otherwise keep open.
 *
 * One timer per collective, for its earliest future change. A timer waits at most LOOK_AGAIN_MS and then looks at
 * the clock again, as FutureRelease does for held records: a clock that jumps (an NTP step, a laptop waking up, an
 * injected clock in tests) is noticed within that time, and no delay ever exceeds what `setTimeout` holds. Looking
 * again is one comparison; the computation runs only once the change's time has come.
 */
import type { Membership } from '../collectives/types.ts'

/** Longest a timer waits before looking at the clock again, ms */
export const LOOK_AGAIN_MS = 5_000

/** The earliest effective time of a change of `membership` after `nowMs`, or undefined when none is ahead */
export function nextChangeAt (membership: Pick<Membership, 'changes'>, nowMs: number): number | undefined {
  let next: number | undefined
  for (const change of membership.changes) {
    if (change.at > nowMs && (next === undefined || change.at < next)) next = change.at
  }
  return next
}

export interface EpochTimersComponents {
  /** epoch ms */
  clock: () => number
  /** the time of `collective`'s change has come: compute its epochs again */
  wake: (collective: string) => void
  /** @default LOOK_AGAIN_MS */
  lookAgainMs?: number
}

export class EpochTimers {
  private readonly c: EpochTimersComponents
  private readonly timers = new Map<string, { at: number, timer: NodeJS.Timeout }>()
  private stopped = false

  constructor (components: EpochTimersComponents) { this.c = components }

  /** Wake `collective` at `at` (by the clock), or never when undefined; replaces the time set before */
  set (collective: string, at: number | undefined): void {
    const have = this.timers.get(collective)
    if (have?.at === at) return
    if (have != null) clearTimeout(have.timer)
    this.timers.delete(collective)
    if (at === undefined || this.stopped) return
    this.arm(collective, at)
  }

  /** The time `collective` is woken at, if any (tests, audit) */
  due (collective: string): number | undefined { return this.timers.get(collective)?.at }

  stop (): void {
    this.stopped = true
    for (const { timer } of this.timers.values()) clearTimeout(timer)
    this.timers.clear()
  }

  private arm (collective: string, at: number): void {
    const delay = Math.min(Math.max(at - this.c.clock(), 0), this.c.lookAgainMs ?? LOOK_AGAIN_MS)
    const timer = setTimeout(() => {
      this.timers.delete(collective)
      if (this.stopped) return
      if (this.c.clock() >= at) this.c.wake(collective)
      else this.arm(collective, at)
    }, delay)
    timer.unref()
    this.timers.set(collective, { at, timer })
  }
}
