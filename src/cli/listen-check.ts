/**
 * Before the daemon starts, try each address it is told to listen on, so a port in use is reported in one line
 * that names the port and the setting to change (flag, env, config.json), rather than as libp2p's error: a stack
 * squashed into one line that advises `transportManager.faultTolerance`, a libp2p setting no user can reach.
 * Another program may still take a port between this check and the start; `listenFailure` maps that case too.
 */
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { AtelierConfig } from '../config.ts'
import { ListenError } from './errors.ts'

interface Target { host: string, port: number, what: string, change: string }

const TCP_MULTIADDR = /^\/(ip4|ip6)\/([^/]+)\/tcp\/(\d+)(\/|$)/

/** The HTTP gateway's address and each libp2p TCP address (with port 0 only the address itself is checked) */
function targets (config: AtelierConfig): Target[] {
  const file = join(config.home, 'config.json')
  const out: Target[] = []
  out.push({
    host: config.http.host,
    port: config.http.port,
    what: 'the HTTP gateway',
    change: `--http <host>:<port> (or env ATELIER_HTTP, or http.host and http.port in ${file}; port 0 picks a free one)`
  })
  for (const ma of config.p2p.listen) {
    const m = TCP_MULTIADDR.exec(ma)
    // a relay address (`<relay>/p2p/<id>/p2p-circuit`) names the relay's port, which this node dials, not binds
    if (m == null || ma.includes('/p2p-circuit')) continue
    out.push({
      host: m[2],
      port: Number(m[3]),
      what: `libp2p, ${ma}`,
      change: `--p2p /${m[1]}/<address>/tcp/<port> (or env ATELIER_P2P, or p2p.listen in ${file}; tcp/0 picks a free one)`
    })
  }
  return out
}

/** The one-line error for a listen failure of `target`, by the error's code */
function explain (target: Target, code: string | undefined): ListenError {
  const where = `${target.host}:${target.port}`
  if (code === 'EADDRINUSE') return new ListenError(`port ${target.port} (${where}, ${target.what}) is in use by another program: choose another with ${target.change}`)
  if (code === 'EACCES') return new ListenError(`port ${target.port} (${where}, ${target.what}) needs privileges this process lacks: choose a port above 1023 with ${target.change}`)
  if (code === 'EADDRNOTAVAIL') return new ListenError(`${target.host} (${target.what}) is not an address of this machine: choose another with ${target.change}`)
  return new ListenError(`cannot listen on ${where} (${target.what}${code != null ? `: ${code}` : ''}): choose another address with ${target.change}`)
}

async function tryListen (host: string, port: number): Promise<string | undefined> {
  return await new Promise(resolve => {
    const server = createServer()
    server.once('error', (err: NodeJS.ErrnoException) => { resolve(err.code ?? 'unknown') })
    server.listen({ host, port, exclusive: true }, () => { server.close(() => { resolve(undefined) }) })
  })
}

/** Throws a ListenError naming the first address the daemon could not listen on */
export async function checkListenAddresses (config: AtelierConfig): Promise<void> {
  for (const target of targets(config)) {
    const code = await tryListen(target.host, target.port)
    if (code != null) throw explain(target, code)
  }
}

/**
 * The one-line error for a start that failed to listen after the check passed (a race), or undefined for any other
 * failure. Node's listen errors carry `code` and `port`; libp2p's carries only its name, so the line names the
 * configured addresses.
 */
export function listenFailure (config: AtelierConfig, err: unknown): ListenError | undefined {
  const e = err as { code?: unknown, port?: unknown, name?: unknown }
  const all = targets(config)
  if (typeof e?.code === 'string' && typeof e.port === 'number') {
    const target = all.find(t => t.port === e.port)
    if (target != null) return explain(target, e.code)
  }
  if (e?.code === 'EADDRNOTAVAIL' || e?.code === 'EACCES') {
    const target = all.find(t => t.host === (e as { address?: unknown }).address)
    if (target != null) return explain(target, e.code)
  }
  if (e?.name === 'UnsupportedListenAddressesError') {
    // ours (src/net/listen-check.ts) names the addresses that failed; libp2p's own names none we can read
    const failed = Array.isArray((e as { addresses?: unknown }).addresses) ? (e as { addresses: string[] }).addresses : config.p2p.listen
    return new ListenError(`libp2p could not listen on ${failed.join(', ')} (a port in use, or an address not on this machine): ` +
      `choose others with --p2p <multiaddr> (or env ATELIER_P2P, or p2p.listen in ${join(config.home, 'config.json')})`)
  }
  return undefined
}
