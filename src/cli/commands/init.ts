/** `atelier init`: create the data dir with the creator key, peer key, API token and config file */
import type { CliCommand } from '../command.ts'
import { fields, single } from '../output.ts'
import { initHome } from '../node.ts'

export interface InitResult {
  did: string
  peerId: string
  home: string
  /** false when the data dir was already complete */
  created: boolean
}

export const init: CliCommand = {
  name: 'init',
  summary: 'create the data dir: keys, API token and config file (safe to run again)',
  description: 'Create the data dir ($ATELIER_HOME, default ~/.atelier) with a creator key (did:key) that signs your\n' +
    'records, a libp2p peer key, an API token for writes, and a config file. Secrets are written with mode 0600.\n' +
    'Running it again only adds what is missing; it never replaces a key.',
  examples: ['atelier init', 'ATELIER_HOME=/srv/atelier atelier init --json'],
  setup () {},
  async run (ctx) {
    const r = await initHome(ctx.home)
    const value: InitResult = { did: r.did, peerId: r.peerId, home: r.home, created: r.created }
    return single(value, v => [
      v.created ? `initialised ${v.home}` : `${v.home} was already initialised`,
      ...fields([['did', v.did], ['peer id', v.peerId], ['data dir', v.home]]),
      ...(v.created ? ['', 'start the node with: atelier daemon'] : [])
    ])
  }
}
