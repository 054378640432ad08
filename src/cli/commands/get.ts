/** `atelier get <cid>`: fetch content from the node (GET /ipfs/<cid>) to stdout or a file */
import { Option } from 'commander'
import type { CliCommand } from '../command.ts'
import { download, ipfsPath } from '../download.ts'
import { fields, formatBytes, single } from '../output.ts'

export interface GetResult {
  cid: string
  file: string
  size: number
}

export const get: CliCommand<{ output?: string, force?: boolean }> = {
  name: 'get',
  summary: 'fetch content by CID to stdout or a file',
  description: 'Fetch content by CID (optionally with a path inside a directory) from the node, which fetches it from\n' +
    'its peers when it does not hold it. Writes to stdout unless -o is given; --json then describes the file.\n' +
    'On a terminal, only text is written: binary content needs -o <file>, a redirect, or -o - / --force (as export).',
  examples: ['atelier get bafybeigdyrzt… > sunset.jpg', 'atelier get bafybeigdyrzt… -o sunset.jpg', 'atelier get bafybeigdyrzt…/cover.png -o cover.png'],
  setup (cmd) {
    cmd
      .argument('<cid>', 'content CID, optionally followed by /path', ipfsPath)
      .addOption(new Option('-o, --output <file>', 'write to this file instead of stdout (- is stdout, even a terminal)'))
      .addOption(new Option('--force', 'write binary content to a terminal all the same'))
  },
  async run (ctx, [path], opts) {
    const client = await ctx.client()
    const size = await download(ctx, client, { path, output: opts.output, label: 'get', terminal: 'text', force: opts.force })
    if (opts.output == null || opts.output === '-') return
    const value: GetResult = { cid: decodeURIComponent(path.replace(/^\/ipfs\//, '')), file: opts.output, size }
    return single(value, v => fields([['saved', v.file], ['content', v.cid], ['size', formatBytes(v.size)]]))
  }
}
