/**
 * `atelier daemon`: run a node in the foreground until SIGINT or SIGTERM, then shut it down gracefully.
 * A second signal while shutting down exits at once. Started by bin/atelier.js, it also stops when the wrapper dies.
 */
import type { AtelierConfig } from '../config.ts'
import { AtelierNode } from './atelier-node.ts'
import { createLogger } from './logger.ts'
import type { NodeInfo } from '../gateway/index.ts'

export interface RunDaemonOptions {
  /** print the banner as one JSON object instead of text */
  json?: boolean
  /** called once the node is started (tests, embedding) */
  onReady?: (info: NodeInfo) => void
}

/** The human banner printed once the node runs */
export function formatBanner (info: NodeInfo, home: string): string {
  return [
    'Atelier node is running',
    `  data dir:  ${home}`,
    `  peer id:   ${info.peerId}`,
    `  did:       ${info.did}`,
    ...info.addresses.map((a, i) => `  ${i === 0 ? 'libp2p:   ' : '          '} ${a}`),
    `  gateway:   ${info.gatewayUrl}`,
    `  records:   ${info.records}`,
    'Press Ctrl+C to stop.'
  ].join('\n')
}

/** Start a node and keep it running until a signal; resolves after a graceful shutdown */
export async function runDaemon (config: AtelierConfig, options: RunDaemonOptions = {}): Promise<void> {
  const logger = createLogger(config.logLevel)
  const node = new AtelierNode({ config, logger })
  const stopped = Promise.withResolvers<void>()
  let stopping = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now')
      process.exit(130)
    }
    stopping = true
    logger.info({ signal }, 'shutting down')
    node.stop().then(stopped.resolve, stopped.reject)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // started by bin/atelier.js: its IPC channel closes when the wrapper dies, however it died; stop with it
  const onParentGone = (): void => { if (!stopping) onSignal('SIGHUP') }
  if (process.channel != null) {
    process.channel.unref()
    process.once('disconnect', onParentGone)
  }
  try {
    await node.start()
    const info = await node.info()
    process.stdout.write((options.json === true ? JSON.stringify({ ...info, home: config.home }) : formatBanner(info, config.home)) + '\n')
    options.onReady?.(info)
    await stopped.promise
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('disconnect', onParentGone)
    logger.flush()
  }
}
