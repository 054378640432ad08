/**
 * A byte-count progress bar on stderr (cli-progress). It appears only when stderr is a terminal, output is not
 * --json, and the transfer is still running after a short delay, so quick transfers and pipes print nothing.
 */
import { createRequire } from 'node:module'
import type cliProgressModule from 'cli-progress'
import { formatBytes } from './output.ts'

/**
 * cli-progress and its dependencies (some twenty modules) are loaded when a bar is first shown, not with every
 * command: most commands never show one, and each module read is paid on every `atelier` call
 */
const load = createRequire(import.meta.url)
let cliProgress: typeof cliProgressModule | undefined

/** A transfer shorter than this shows no bar */
const SHOW_AFTER_MS = 400

export interface Progress {
  /** count `bytes` more transferred */
  add (bytes: number): void
  /** change the words before the figures (e.g. a count of records so far) */
  setLabel (label: string): void
  /** remove the bar (when shown) */
  stop (): void
}

export interface ProgressOptions {
  enabled: boolean
  label: string
  /** total bytes, when known */
  total?: number
  /** what is counted: bytes (the default) or items (records, blocks), shown as plain numbers */
  unit?: 'bytes' | 'items'
}

const NONE: Progress = { add () {}, setLabel () {}, stop () {} }

export function createProgress (options: ProgressOptions): Progress {
  if (!options.enabled) return NONE
  const started = Date.now()
  const total = options.total != null && options.total > 0 ? options.total : undefined
  let done = 0
  let label = options.label
  let bar: cliProgressModule.SingleBar | undefined
  const format = options.unit === 'items' ? (n: number) => Math.round(n).toLocaleString('en') : formatBytes
  const payload = (): Record<string, string> => {
    const seconds = Math.max((Date.now() - started) / 1000, 0.001)
    return { label, done: format(done), size: total != null ? format(total) : '?', speed: `${format(done / seconds)}/s` }
  }
  return {
    add (bytes) {
      done += bytes
      if (bar == null) {
        if (Date.now() - started < SHOW_AFTER_MS) return
        cliProgress ??= load('cli-progress') as typeof cliProgressModule
        bar = new cliProgress.SingleBar({
          stream: process.stderr,
          format: total != null
            ? '{label} [{bar}] {percentage}% | {done} / {size} | {speed}'
            : '{label} {done} | {speed}',
          hideCursor: true,
          clearOnComplete: true,
          barsize: 30,
          fps: 10
        }, cliProgress.Presets.shades_classic)
        bar.start(total ?? 1, Math.min(done, total ?? 1), payload())
        return
      }
      bar.update(total != null ? Math.min(done, total) : 0, payload())
    },
    setLabel (text) {
      label = text
    },
    stop () {
      bar?.stop()
      bar = undefined
    }
  }
}

/** Pass chunks through, counting their bytes into `progress` */
export async function * counted (source: AsyncIterable<Uint8Array>, progress: Progress): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    progress.add(chunk.byteLength)
    yield chunk
  }
}
