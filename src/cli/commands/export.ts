/** `atelier export <cid> --car`: a CAR file of the content's whole DAG (GET /ipfs/<cid>?format=car) */
import { Option } from 'commander'
import type { CliCommand } from '../command.ts'
import { download, ipfsPath } from '../download.ts'
import { UsageError } from '../errors.ts'
import { fields, formatBytes, single } from '../output.ts'
import { addLineageExportOptions, runLineageExport, wantsLineageExport } from './export-lineage.ts'
import type { LineageExportOptions } from './export-lineage.ts'

export interface ExportResult {
  cid: string
  file: string
  format: 'car'
  size: number
}

export const exportCar: CliCommand<{ car?: boolean, output?: string, force?: boolean } & LineageExportOptions> = {
  name: 'export',
  summary: 'export content as a CAR file, or an asset\'s lineage as W3C PROV-JSON or a C2PA-style manifest',
  description: 'Export the blocks of a CID\'s DAG as a CARv1 file, to import into another IPFS node\n' +
    '(e.g. ipfs dag import). Writes to -o <file>, or to stdout when it is not a terminal (-o - or --force: even\n' +
    'then).',
  examples: [
    'atelier export bafybeigdyrzt… --car -o sunset.car',
    'atelier export bafybeigdyrzt… --car | ipfs dag import',
    'atelier export bagaaiera… --prov -o lineage.prov.json',
    'atelier export bagaaiera… --c2pa --depth 5'
  ],
  setup (cmd) {
    cmd
      .argument('<cid>', 'the root CID', ipfsPath)
      .addOption(new Option('--car', 'CARv1 of the content\'s DAG'))
      .addOption(new Option('-o, --output <file>', 'write to this file instead of stdout (- is stdout, even a terminal)'))
      .addOption(new Option('--force', 'write the CAR to a terminal all the same'))
    addLineageExportOptions(cmd)
  },
  async run (ctx, [path], opts) {
    if (wantsLineageExport(opts)) return await runLineageExport(ctx, path, opts)
    if (opts.car !== true) throw new UsageError('say which format: --car, --prov or --c2pa')
    const client = await ctx.client()
    const size = await download(ctx, client, {
      path,
      query: { format: 'car' },
      headers: { accept: 'application/vnd.ipld.car' },
      output: opts.output,
      label: 'export',
      terminal: 'never',
      force: opts.force
    })
    if (opts.output == null || opts.output === '-') return
    const value: ExportResult = { cid: decodeURIComponent(path.replace(/^\/ipfs\//, '')), file: opts.output, format: 'car', size }
    return single(value, v => fields([['saved', v.file], ['root', v.cid], ['format', 'CARv1'], ['size', formatBytes(v.size)]]))
  }
}
