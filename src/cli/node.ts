/**
 * The only in-process parts of the node the CLI uses: the data dir's identity (for `init` and an offline `id`)
 * and the daemon itself (for `daemon`). Loaded on demand, so commands that only talk HTTP start fast and never
 * load libp2p or Helia.
 */
import type { AtelierConfig } from '../config.ts'

/** Public identity facts: never the keys or the token */
export interface PublicIdentity {
  did: string
  peerId: string
  home: string
}

/** Create the data dir, keys and API token (idempotent) */
export async function initHome (home: string): Promise<PublicIdentity & { created: boolean }> {
  const identity = await import('../identity/index.ts')
  const r = await identity.initHome(home)
  return { did: r.did, peerId: r.peerId, home: r.home, created: r.created }
}

/** Read the public identity of an initialised data dir; throws NotReadyError when `init` has not run */
export async function readIdentity (home: string): Promise<PublicIdentity> {
  const identity = await import('../identity/index.ts')
  const r = await identity.readIdentity(home)
  // the full identity holds the signer, the peer key and the API token: copy out only what may be shown
  return { did: r.did, peerId: r.peerId, home: r.home }
}

/** Start the node with `config`; it prints its banner (one JSON object with `json`); resolves after a graceful shutdown (SIGINT/SIGTERM) */
export async function runDaemon (config: AtelierConfig, options: { json?: boolean } = {}): Promise<void> {
  const daemon = await import('../node/daemon.ts')
  await daemon.runDaemon(config, { json: options.json })
}

/** Check a stopped node's data dir (`atelier doctor`); see src/node/doctor.ts */
export async function runDoctor (options: import('../node/doctor.ts').DoctorOptions): Promise<import('../node/doctor.ts').DoctorReport> {
  const doctor = await import('../node/doctor.ts')
  return await doctor.runDoctor(options)
}
