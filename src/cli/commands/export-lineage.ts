/**
 * The lineage half of `atelier export <asset> --prov | --c2pa`: the asset's ancestry as W3C PROV-JSON or as a
 * C2PA-style manifest store view (GET /v1/assets/<cid>/export?format=…), printed as JSON or written to -o <file>.
 *
 * `export.ts` owns the command; it wires this in with two calls:
 * - in `setup`: `addLineageExportOptions(cmd)` (adds `--prov`, `--c2pa`, `--depth`; `-o` is shared with `--car`);
 * - in `run`: `if (wantsLineageExport(opts)) return await runLineageExport(ctx, path, opts)`, before the CAR path.
 */
import { rename, rm, writeFile } from 'node:fs/promises'
import { Option } from 'commander'
import type { Command } from 'commander'
import type { Context } from '../command.ts'
import { UsageError } from '../errors.ts'
import { fields, formatBytes, single } from '../output.ts'
import type { CommandResult } from '../output.ts'
import * as parse from '../parse.ts'

export interface LineageExportOptions {
  prov?: boolean
  c2pa?: boolean
  car?: boolean
  depth?: number
  output?: string
}

export interface LineageExportResult {
  asset: string
  format: 'prov' | 'c2pa'
  file: string
  size: number
}

/** Add `--prov`, `--c2pa` and `--depth` to the export command (each format flag excludes the others) */
export function addLineageExportOptions (cmd: Command): Command {
  return cmd
    .addOption(new Option('--prov', 'the asset\'s ancestry as W3C PROV-JSON').conflicts(['c2pa', 'car']))
    .addOption(new Option('--c2pa', 'the asset\'s ancestry as a C2PA-style manifest store view (JSON)').conflicts(['prov', 'car']))
    .addOption(new Option('--depth <n>', 'with --prov or --c2pa: hops of ancestry to include (default: the daemon\'s, 100)').argParser(parse.integer(0, 100)))
}

/** True when the options ask for a lineage export rather than a CAR */
export function wantsLineageExport (opts: LineageExportOptions): boolean {
  return opts.prov === true || opts.c2pa === true
}

/** The record CID of `value`: a bare CID, or the `/ipfs/<cid>` path export's argument parser makes of it */
function assetCid (value: string): string {
  const v = decodeURIComponent(value.trim().replace(/^\/?ipfs\//, '').replace(/^ipfs:\/\//, ''))
  if (v.includes('/')) throw new UsageError('--prov and --c2pa export an asset record: give its CID without a path')
  try {
    return parse.cid(v)
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

/**
 * Fetch the export and print it (pretty JSON for people, one line with --json), or write it to `opts.output`
 * (under a temporary name first, so an interrupted run never leaves a file that looks complete)
 */
export async function runLineageExport (ctx: Context, asset: string, opts: LineageExportOptions): Promise<CommandResult> {
  if (opts.prov === true && opts.c2pa === true) throw new UsageError('choose one format: --prov or --c2pa')
  const format = opts.prov === true ? 'prov' : 'c2pa'
  const cid = assetCid(asset)
  const client = await ctx.client()
  const doc = await client.getJson<unknown>(`/v1/assets/${encodeURIComponent(cid)}/export`, { format, depth: opts.depth })
  if (opts.output == null || opts.output === '-') return single(doc, d => JSON.stringify(d, null, 2))
  const text = JSON.stringify(doc, null, 2) + '\n'
  const tmp = `${opts.output}.${process.pid}.part`
  try {
    await writeFile(tmp, text, { signal: ctx.signal })
    await rename(tmp, opts.output)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  const result: LineageExportResult = { asset: cid, format, file: opts.output, size: Buffer.byteLength(text) }
  return single(result, r => fields([
    ['saved', r.file],
    ['asset', r.asset],
    ['format', r.format === 'prov' ? 'W3C PROV-JSON' : 'C2PA manifest store view'],
    ['size', formatBytes(r.size)]
  ]))
}
