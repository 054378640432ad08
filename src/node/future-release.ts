/**
 * FutureRelease: judges again the records held because they were dated beyond the node's clock (rule `future`,
 * collective-admission.ts) once the clock reaches their time.
 *
 * One timer, for the earliest time any held record waits for (`ParkingLot.nextDue`, one key read). A timer waits at
 * most MAX_TIMER_MS and then looks again, so a clock that jumps (an NTP step, a laptop waking up, an injected clock
 * in tests) is noticed within that time, and no timer is ever set beyond what `setTimeout` can hold. Each round
 * re-judges at most RELEASE_BATCH due records, then looks again: what it releases is bounded by the lot's bounds,
 * and a large batch of records coming due is spread over rounds instead of one long await.
 */
import type { Logger } from 'pino'
import type { ParkedRecord, ParkingLot } from './parking.ts'

export interface FutureReleaseComponents {
  parking: Pick<ParkingLot, 'due' | 'nextDue'>
  /** judge a held record again (RecordService.rejudge): counted, held again, or dropped */
  rejudge: (entry: ParkedRecord) => Promise<void>
  /** the node's clock, epoch ms. @default Date.now */
  clock?: () => number
  logger: Logger
}

/** Longest a timer waits before looking at the clock again, ms */
export const MAX_TIMER_MS = 60_000
/** Due records judged again per round */
export const RELEASE_BATCH = 256
/** Least time between two rounds: a record that stays due (its re-judging failed) is not retried in a busy loop */
export const MIN_ROUND_GAP_MS = 1000

export class FutureRelease {
  private readonly c: FutureReleaseComponents
  private readonly clock: () => number
  private readonly log: Logger
  private timer?: NodeJS.Timeout
  /** when the timer set fires, in monotonic ms (performance.now): what `arm` compares against, since `clock` may jump */
  private timerDue = Number.POSITIVE_INFINITY
  private running?: Promise<void>
  /** when the last round ended, by `clock` */
  private lastRound = Number.NEGATIVE_INFINITY
  private stopped = true

  constructor (components: FutureReleaseComponents) {
    this.c = components
    this.clock = components.clock ?? Date.now
    this.log = components.logger.child({ component: 'future-release' })
  }

  /** Look at the lot and set the timer */
  start (): void {
    this.stopped = false
    this.poke()
  }

  /** Clear the timer and wait for a round in flight */
  async stop (): Promise<void> {
    this.stopped = true
    this.clear()
    await this.running
  }

  /** A record may have been held for a time: set the timer for the earliest, unless one is set for earlier */
  poke (): void {
    if (this.stopped || this.running != null) return
    this.c.parking.nextDue().then(at => { if (at != null) this.arm(at) }, (err: Error) => {
      this.log.warn({ err }, 'could not read the time held records wait for; looking again later')
      this.arm(this.clock() + MAX_TIMER_MS)
    })
  }

  /** Set the timer for `at` (by `clock`), unless the one set fires sooner */
  private arm (at: number): void {
    if (this.stopped) return
    const now = this.clock()
    const delay = Math.min(Math.max(at - now, this.lastRound + MIN_ROUND_GAP_MS - now, 0), MAX_TIMER_MS)
    const due = performance.now() + delay
    if (due >= this.timerDue) return
    this.clear()
    this.timerDue = due
    this.timer = setTimeout(() => { this.fire() }, delay)
    this.timer.unref()
  }

  private clear (): void {
    if (this.timer != null) clearTimeout(this.timer)
    this.timer = undefined
    this.timerDue = Number.POSITIVE_INFINITY
  }

  private fire (): void {
    this.clear()
    if (this.stopped || this.running != null) return
    this.running = this.round()
      .catch((err: Error) => { this.log.warn({ err }, 'releasing future-dated records failed; looking again later') })
      .finally(() => {
        this.running = undefined
        this.lastRound = this.clock()
        if (!this.stopped) this.poke()
      })
  }

  /** Judge again every record whose time has come, RELEASE_BATCH at a time */
  private async round (): Promise<void> {
    while (!this.stopped) {
      const due = await this.c.parking.due(this.clock(), RELEASE_BATCH)
      for (const entry of due) {
        if (this.stopped) return
        await this.c.rejudge(entry)
      }
      if (due.length > 0) this.log.debug({ records: due.length }, 'future-dated records judged again')
      if (due.length < RELEASE_BATCH) return
    }
  }
}
