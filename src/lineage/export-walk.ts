/**
 * The options the two lineage exports (PROV-JSON, C2PA manifest view) share, resolved in one place, and the walk
 * they both start from.
 */
import { InvalidRequestError } from '../errors.ts'
import { DEFAULT_EXPORT_DEPTH, DEFAULT_EXPORT_MAX_ASSETS, MAX_EXPORT_DEPTH } from './constants.ts'
import type { LineageView } from './view.ts'
import { walkAncestors } from './walk.ts'
import type { LineageWalk } from './walk.ts'

export interface ExportOptions {
  /**
   * Hops of ancestry to include (0: the asset alone)
   * @default 100 (DEFAULT_EXPORT_DEPTH), at most 100
   */
  depth?: number
  /**
   * Most asset records to include, the asset itself counted; past it the export is cut and says so (PROV:
   * `atelier:truncated` on the asset's record entity; C2PA view: a `lineage.truncated` validation status)
   * @default 5000 (DEFAULT_EXPORT_MAX_ASSETS)
   */
  maxAssets?: number
  signal?: AbortSignal
}

/** The ancestor walk of an export, with its options checked and defaulted */
export async function exportWalk (view: LineageView, asset: string, options: ExportOptions = {}): Promise<LineageWalk> {
  const depth = options.depth ?? DEFAULT_EXPORT_DEPTH
  if (!Number.isSafeInteger(depth) || depth < 0 || depth > MAX_EXPORT_DEPTH) {
    throw new InvalidRequestError(`depth must be an integer from 0 to ${MAX_EXPORT_DEPTH}`, { details: { field: 'depth' } })
  }
  const maxAssets = options.maxAssets ?? DEFAULT_EXPORT_MAX_ASSETS
  if (!Number.isSafeInteger(maxAssets) || maxAssets < 1) {
    throw new InvalidRequestError('maxAssets must be a positive integer', { details: { field: 'maxAssets' } })
  }
  return await walkAncestors(view, asset, { depth, maxAssets, signal: options.signal })
}
