/** `atelier get <cid>`: fetch content from the node (GET /ipfs/<cid>) to stdout or a file */
import { Option } from 'commander'
import type { CliCommand } from '../command.ts'
import { download, ipfsPath } from '../download.ts'
import { fields, formatBytes, single } from '../output.ts'
import { UsageError } from '../errors.ts'

export interface GetResult {
  cid: string
  file: string
  size: number
}

export const get: CliCommand<{ output?: string, force?: boolean, decrypt?: boolean }> = {
  name: 'get',
  summary: 'fetch content by CID to stdout or a file',
  description: 'Fetch content by CID (optionally with a path inside a directory) from the node, which fetches it from\n' +
    'its peers when it does not hold it. Writes to stdout unless -o is given; --json then describes the file.\n' +
    'On a terminal, only text is written: binary content needs -o <file>, a redirect, or -o - / --force (as export).\n' +
    'With --decrypt, a work of a private collective this node is a member of is written as its plaintext (the node opens it).',
  examples: ['atelier get bafybeigdyrzt… > sunset.jpg', 'atelier get bafybeigdyrzt… --decrypt -o draft.png', 'atelier get bafybeigdyrzt… -o sunset.jpg', 'atelier get bafybeigdyrzt…/cover.png -o cover.png'],
  setup (cmd) {
    cmd
      .argument('<cid>', 'content CID, optionally followed by /path', ipfsPath)
      .addOption(new Option('-o, --output <file>', 'write to this file instead of stdout (- is stdout, even a terminal)'))
      .addOption(new Option('--force', 'write binary content to a terminal all the same'))
      .addOption(new Option('--decrypt', 'the plaintext of a private collective\'s work (GET /v1/content/<cid>/plaintext)'))
  },
  async run (ctx, [path], opts) {
    const client = await ctx.client()
    let source = path
    let headers: Record<string, string> | undefined
    if (opts.decrypt === true) {
      const root = path.replace(/^\/ipfs\//, '')
      if (root.includes('/')) throw new UsageError('--decrypt takes the CID of a work, without a path')
      source = `/v1/content/${root}/plaintext`
      headers = { authorization: `Bearer ${await client.readToken()}` }
    }
    const size = await download(ctx, client, { path: source, headers, output: opts.output, label: 'get', terminal: 'text', force: opts.force })
    if (opts.output == null || opts.output === '-') return
    const value: GetResult = { cid: decodeURIComponent(path.replace(/^\/ipfs\//, '')), file: opts.output, size }
    return single(value, v => fields([['saved', v.file], ['content', v.cid], ['size', formatBytes(v.size)]]))
  }
}
