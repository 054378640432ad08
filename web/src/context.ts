/**
 * What every view receives: its route and the page's shared verifier.
 */
import type { Verifier } from './verify.ts'

export interface ViewContext {
  /** path segments after the view name: `#/asset/<cid>/lineage` → ['<cid>', 'lineage'] */
  path: string[]
  /** the query part of the fragment: `#/browse?q=sunrise` */
  params: URLSearchParams
  /** one verifier per page load, so each record is fetched and checked once */
  verifier: Verifier
  /** aborted when the view is left: fetches, event streams and timers stop with it */
  signal: AbortSignal
}

/** A view draws itself into `root`; it may return a function to run when it is left */
export type View = (root: HTMLElement, ctx: ViewContext) => void | (() => void)
