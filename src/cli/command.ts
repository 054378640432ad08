/**
 * The shape of one CLI command (one file each under `commands/`): its help text and flags, and a `run` that does
 * the work over HTTP and returns data for the shared printer. Commands never print results themselves.
 */
import type { Command } from 'commander'
import type { DaemonClient } from './client.ts'
import type { CommandResult, Printer } from './output.ts'

/** What a command gets from the program: global flags, the data dir, the printer, a lazily located client */
export interface Context {
  /** --json */
  json: boolean
  /** --dids: human output shows full dids (with names after them) rather than names */
  dids?: boolean
  /** the data dir ($ATELIER_HOME, default ~/.atelier) */
  home: string
  env: NodeJS.ProcessEnv
  /** --api, normalised */
  api?: string
  printer: Printer
  /** true when a progress bar may be drawn: stderr is a terminal and output is not --json */
  progress: boolean
  /** aborted by Ctrl-C (SIGINT) or SIGTERM; the client's requests already listen to it */
  signal: AbortSignal
  /** the daemon's client; throws NoDaemonError when none is known */
  client (): Promise<DaemonClient>
}

export interface CliCommand<Options = any> {
  /** the word typed after `atelier` */
  name: string
  /** one line for the command list */
  summary: string
  /** more help under the usage line (optional) */
  description?: string
  /** example invocations, shown by --help */
  examples: string[]
  /** declare arguments and options on the commander command */
  setup (cmd: Command): void
  /** do the work; `args` are the declared arguments in order, `opts` the parsed options */
  run (ctx: Context, args: any[], opts: Options): Promise<CommandResult | void>
}
