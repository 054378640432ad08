/** `atelier cat <cid>[/path]`: a file's bytes to stdout (GET /ipfs/<cid>[/path]); binary is not sent to a terminal */
import { Option } from 'commander'
import type { CliCommand } from '../command.ts'
import { download, ipfsPath } from '../download.ts'

export const cat: CliCommand<{ force?: boolean }> = {
  name: 'cat',
  summary: 'print a file\'s bytes to stdout',
  description: 'Write the bytes of a file (a CID, or a path inside a directory) to stdout. The node asks its peers for content it does not hold. Content that is not text is refused when stdout is a terminal, unless --force.',
  examples: ['atelier cat bafkrei…', 'atelier cat bafybeib…/notes/readme.md | less', 'atelier cat bafybeib…/cover.png --force > cover.png'],
  setup (cmd) {
    cmd
      .argument('<cid>', 'content CID, optionally followed by /path', ipfsPath)
      .addOption(new Option('--force', 'write to a terminal even when the content is not text'))
  },
  async run (ctx, [path], opts) {
    const client = await ctx.client()
    await download(ctx, client, { path, label: 'cat', terminal: 'text', sniffBinary: true, ...(opts.force === true ? { force: true } : {}) })
  }
}
