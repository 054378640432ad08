/** `atelier id`: who this node is (did, peer id, addresses); works offline from the data dir */
import type { CliCommand } from '../command.ts'
import { NoDaemonError } from '../errors.ts'
import { fields, formatBytes, single } from '../output.ts'
import { readIdentity } from '../node.ts'

/** GET /v1/node: the gateway's own type (type-only, so the CLI loads none of the gateway) */
export type { NodeInfo } from '../../gateway/types.ts'
import type { NodeInfo } from '../../gateway/types.ts'

export type IdResult =
  | (NodeInfo & { online: true })
  | { did: string, peerId: string, home: string, online: false }

export const id: CliCommand = {
  name: 'id',
  summary: 'show this node\'s name, did, peer id and addresses',
  description: 'Show the node\'s creator did (which signs its records), its libp2p peer id and addresses.\n' +
    'When no daemon runs, reads the did and peer id from the data dir and says the node is offline.\n' +
    'Never prints keys or the API token.',
  examples: ['atelier id', 'atelier id --json'],
  setup () {},
  async run (ctx) {
    let value: IdResult
    try {
      const client = await ctx.client()
      const n = await client.getJson<NodeInfo>('/v1/node')
      // pick the documented fields, so nothing else the daemon might add is echoed
      value = {
        online: true,
        did: n.did,
        ...(typeof n.name === 'string' ? { name: n.name } : {}),
        peerId: n.peerId,
        addresses: Array.isArray(n.addresses) ? n.addresses : [],
        ...(typeof n.reachability === 'string' ? { reachability: n.reachability } : {}),
        gatewayUrl: n.gatewayUrl,
        version: n.version,
        records: n.records,
        storage: { blocks: n.storage?.blocks, bytes: n.storage?.bytes }
      }
    } catch (err) {
      if (!(err instanceof NoDaemonError)) throw err
      let local
      try {
        local = await readIdentity(ctx.home)
      } catch (inner: any) {
        // not initialised either: say both in one line
        if (inner?.name === 'NotReadyError') throw new NoDaemonError(`${err.message}; ${ctx.home} is not initialised either (run: atelier init)`)
        throw inner
      }
      value = { online: false, did: local.did, peerId: local.peerId, home: local.home }
    }
    return single(value, render)
  }
}

/** AutoNAT's verdict in words (src/net/reachability.ts) */
const REACHABILITY: Record<NonNullable<NodeInfo['reachability']>, string> = {
  public: 'yes: a public address confirmed by peers (AutoNAT)',
  relayed: 'through a member relay only (DCUtR may upgrade to direct)',
  unconfirmed: 'not confirmed: public addresses no peer could dial back (yet)',
  private: 'on this network only: LAN or loopback addresses'
}

function render (v: IdResult): string[] {
  if (!v.online) {
    return [
      ...fields([['did', v.did], ['peer id', v.peerId], ['data dir', v.home]]),
      'the node is offline (start it with: atelier daemon)'
    ]
  }
  const storage = [
    v.storage.blocks != null ? `${v.storage.blocks} blocks` : undefined,
    v.storage.bytes != null ? formatBytes(v.storage.bytes) : undefined
  ].filter(s => s != null).join(', ')
  return [
    ...fields([
      ...(v.name != null ? [['name', v.name] as [string, string]] : []),
      ['did', v.did],
      ['peer id', v.peerId],
      ...(v.reachability != null ? [['reachable', REACHABILITY[v.reachability]] as [string, string]] : []),
      ['gateway', v.gatewayUrl],
      ['version', v.version],
      ['records', v.records],
      ['storage', storage]
    ]),
    ...(v.addresses.length > 0 ? ['addresses', ...v.addresses.map(a => `  ${a}`)] : ['addresses  (none)'])
  ]
}
