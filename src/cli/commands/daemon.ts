/** `atelier daemon`: run the node in the foreground until SIGINT/SIGTERM */
import { InvalidArgumentError, Option } from 'commander'
import { loadConfig, parseHostPort } from '../../config.ts'
import type { ConfigOverrides } from '../../config.ts'
import type { CliCommand } from '../command.ts'
import { DaemonClient } from '../client.ts'
import { LocalError } from '../errors.ts'
import { checkListenAddresses, listenFailure } from '../listen-check.ts'
import { initHome, runDaemon } from '../node.ts'
import { collect } from '../parse.ts'

interface DaemonOptions {
  http?: { host: string, port: number }
  p2p?: string[]
  bootstrap?: string[]
  logLevel?: string
  allowRemote?: boolean
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function hostPort (value: string): { host: string, port: number } {
  try {
    return parseHostPort(value)
  } catch (err: any) {
    throw new InvalidArgumentError(err.message)
  }
}

function multiaddr (value: string): string {
  const v = value.trim()
  // `/p2p-circuit` alone: listen through (reserve a slot on) any connected member relay
  if (v !== '/p2p-circuit' && !/^\/[a-z0-9]+\/\S*$/i.test(v)) throw new InvalidArgumentError(`"${value}" is not a multiaddr (e.g. /ip4/0.0.0.0/tcp/5181)`)
  return v
}

/** The config overrides the flags stand for (only the flags given) */
export function daemonOverrides (opts: DaemonOptions): ConfigOverrides {
  const out: ConfigOverrides = {}
  if (opts.http != null) out.http = { host: opts.http.host, port: opts.http.port }
  if (opts.allowRemote === true) out.http = { ...out.http, allowRemote: true }
  if (opts.p2p != null) out.p2p = { listen: opts.p2p }
  if (opts.bootstrap != null) out.p2p = { ...out.p2p, bootstrap: opts.bootstrap }
  if (opts.logLevel != null) out.logLevel = opts.logLevel
  return out
}

export const daemon: CliCommand<DaemonOptions> = {
  name: 'daemon',
  summary: 'run the node (libp2p, IPFS store, index, HTTP gateway) in the foreground',
  description: 'Run the node in the foreground until Ctrl-C (SIGINT) or SIGTERM. Creates the data dir first if needed.\n' +
    'Settings layer as: built-in defaults < $ATELIER_HOME/config.json < env (ATELIER_HTTP, ATELIER_P2P,\n' +
    'ATELIER_BOOTSTRAP, ATELIER_LOG_LEVEL) < these flags. The daemon writes its URL to $ATELIER_HOME/api once it\n' +
    'accepts connections; the other commands find it there.',
  examples: [
    'atelier daemon',
    'atelier daemon --http 127.0.0.1:0 --p2p /ip4/0.0.0.0/tcp/5181',
    'atelier daemon --bootstrap /ip4/192.168.1.20/tcp/5181/p2p/12D3KooW… --log-level debug'
  ],
  setup (cmd) {
    cmd
      .addOption(new Option('--http <host:port>', 'HTTP gateway address (port 0 picks a free one); loopback unless --allow-remote').argParser(hostPort))
      .addOption(new Option('--allow-remote', 'let the gateway listen on an address other machines can reach (writes still need the token)'))
      .addOption(new Option('--p2p <multiaddr>', 'libp2p listen address (repeatable)').argParser(collect(multiaddr)))
      .addOption(new Option('--bootstrap <multiaddr>', 'peer to dial at start, with /p2p/<peer id> (repeatable)').argParser(collect(multiaddr)))
      .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS))
  },
  async run (ctx, _args, opts) {
    const config = loadConfig(daemonOverrides(opts), ctx.env)
    // refuse to start a second daemon on the same data dir (the first would lose its api file)
    const running = await answeringDaemon(config.home, ctx.env)
    if (running != null) throw new LocalError(`a daemon is already running for ${config.home} at ${running}`)
    await initHome(config.home)
    await checkListenAddresses(config)
    try {
      await runDaemon(config, { json: ctx.json })
    } catch (err) {
      throw listenFailure(config, err) ?? err
    }
  }
}

/** The URL of a daemon that answers for this data dir, if one does */
async function answeringDaemon (home: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  let client: DaemonClient
  try {
    // only the api file counts here: --api / ATELIER_API name some other daemon
    client = await DaemonClient.create({ home, env: { ...env, ATELIER_API: undefined } })
  } catch {
    return undefined
  }
  try {
    await client.request('GET', '/healthz', { signal: AbortSignal.timeout(2000) })
    return client.url
  } catch {
    return undefined
  }
}
