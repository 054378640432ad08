/**
 * Lineage reports over HTTP: the royalty split of an amount an asset earned, and the exports of its ancestry as
 * W3C PROV-JSON or a C2PA-style manifest store view. Everything is computed by src/lineage/ over the view the node
 * hands in; this file only parses parameters and picks the report.
 */
import type { FastifyInstance } from 'fastify'
import pkg from '../../../package.json' with { type: 'json' }
import { InvalidRequestError } from '../../errors.ts'
import { toC2paManifestStore } from '../../lineage/c2pa.ts'
import { MAX_AMOUNT, MAX_EXPORT_DEPTH } from '../../lineage/constants.ts'
import { toProvJson } from '../../lineage/prov.ts'
import { splitRoyalties } from '../../lineage/royalties.ts'
import type { LineageView } from '../../lineage/view.ts'
import { parseCid, parseEnumParam, parseIntParam, parseTimeParam } from '../params.ts'
import { withDidNames } from '../names.ts'
import type { GatewayComponents } from '../types.ts'

export interface LineageReportComponents {
  /** read-only records, summaries and lineage edges (the node builds it from its index and store) */
  view: LineageView
  /** payees' display names */
  names?: GatewayComponents['names']
}

/** Export formats, by `?format=` */
export const EXPORT_FORMATS = ['prov', 'c2pa'] as const
export type ExportFormat = typeof EXPORT_FORMATS[number]

/** The claim generator the C2PA view names: this software */
const CLAIM_GENERATOR = { name: 'Atelier', version: pkg.version }

const stringProps = (...names: string[]): object => ({
  type: 'object',
  properties: Object.fromEntries(names.map(n => [n, { type: 'string' }]))
})

/** GET /v1/assets/:cid/royalties, GET /v1/assets/:cid/export */
export async function lineageReportRoutes (app: FastifyInstance, components: LineageReportComponents): Promise<void> {
  const { view } = components

  app.get<{ Params: { cid: string }, Querystring: Record<string, string | undefined> }>('/v1/assets/:cid/royalties', {
    schema: {
      tags: ['lineage'],
      summary: 'Split an amount the asset earned among its creators and up its lineage (LAP / LRP royalty policies)',
      description: 'amount is in integer minor units (cents for EUR); the payees\' amounts add up to it exactly. ' +
        'at (RFC 3339 or epoch ms, default now) is the time of the revenue: licenses revoked by then do not count.',
      params: stringProps('cid'),
      querystring: stringProps('amount', 'currency', 'at')
    }
  }, async (request) => {
    const asset = parseCid(request.params.cid)
    const q = request.query
    const amount = parseIntParam(q.amount, 'amount', 0, MAX_AMOUNT)
    if (amount == null) throw new InvalidRequestError('amount is required: a whole number of minor units (cents for EUR)', { details: { field: 'amount' } })
    if (q.currency == null || q.currency === '') throw new InvalidRequestError('currency is required (e.g. EUR)', { details: { field: 'currency' } })
    const report = await splitRoyalties(view, asset, { amount, currency: q.currency }, { at: parseTimeParam(q.at, 'at') })
    // `name` beside each payee's and line's did (additive; the split itself never depends on names)
    return { ...report, payees: await withDidNames(components.names, report.payees), lines: await withDidNames(components.names, report.lines) }
  })

  app.get<{ Params: { cid: string }, Querystring: Record<string, string | undefined> }>('/v1/assets/:cid/export', {
    schema: {
      tags: ['lineage'],
      summary: 'The asset\'s ancestry as W3C PROV-JSON (format=prov) or a C2PA-style manifest store view (format=c2pa)',
      params: stringProps('cid'),
      querystring: stringProps('format', 'depth')
    }
  }, async (request, res) => {
    const asset = parseCid(request.params.cid)
    const format = parseEnumParam(request.query.format, 'format', EXPORT_FORMATS)
    if (format == null) throw new InvalidRequestError('format is required: prov or c2pa', { details: { field: 'format' } })
    const depth = parseIntParam(request.query.depth, 'depth', 0, MAX_EXPORT_DEPTH)
    const doc = format === 'prov'
      ? await toProvJson(view, asset, { depth })
      : await toC2paManifestStore(view, asset, { depth, claimGenerator: CLAIM_GENERATOR })
    return await res.header('content-type', 'application/json; charset=utf-8').send(doc)
  })
}
