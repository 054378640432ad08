/**
 * The `atelier` program: global options, the command registry, and `run(argv)` which returns the exit code.
 * Exit codes: 0 success, 1 failure (`atelier: <message>` on stderr), 2 usage error (bad flag or argument).
 */
import { Command, CommanderError, Option } from 'commander'
import type { Writable } from 'node:stream'
import pkg from '../../package.json' with { type: 'json' }
import { resolveHome } from '../config.ts'
import { isAtelierError } from '../errors.ts'
import { DaemonClient } from './client.ts'
import type { CliCommand, Context } from './command.ts'
import { CliError, InterruptedError } from './errors.ts'
import { Printer } from './output.ts'
import { apiUrl } from './parse.ts'
import { init } from './commands/init.ts'
import { daemon } from './commands/daemon.ts'
import { id } from './commands/id.ts'
import { add } from './commands/add.ts'
import { get } from './commands/get.ts'
import { exportCar } from './commands/export.ts'
import { cat } from './commands/cat.ts'
import { importCarFile } from './commands/import.ts'
import { gc, pinAdd, pinLs, pinRm } from './commands/pin.ts'
import { record } from './commands/record.ts'
import { records } from './commands/records.ts'
import { license } from './commands/license.ts'
import { grant } from './commands/grant.ts'
import { attest } from './commands/attest.ts'
import { revoke } from './commands/revoke.ts'
import { lineage } from './commands/lineage.ts'
import { reindex } from './commands/reindex.ts'
import { doctor } from './commands/doctor.ts'
import { royalties } from './commands/royalties.ts'
import { verify } from './commands/verify.ts'
import { search } from './commands/search.ts'
import { similar, alerts } from './commands/similar.ts'
import { collectiveCreate, collectiveList, collectiveShow } from './commands/collective.ts'
import { collectiveHealth } from './commands/collective-health.ts'
import { collectiveKeys, collectiveRotate } from './commands/collective-keys.ts'
import { invite, join, members, admit, remove, peers, connect } from './commands/membership.ts'
import { propose, vote, proposals, proposalShow } from './commands/governance.ts'
import { profileSet, profileShow } from './commands/profile.ts'
import { discover, endorse, follow, unfollow } from './commands/discover.ts'

/** The command registry, in the order `atelier --help` lists them. A test pins this list. */
export const COMMANDS: ReadonlyArray<CliCommand> = [
  init, daemon, id,
  add, get, cat, exportCar, importCarFile,
  pinLs, pinAdd, pinRm, gc,
  record, records, search, lineage, verify, royalties, similar, alerts,
  license, grant, attest, revoke,
  collectiveCreate, collectiveList, collectiveShow, collectiveHealth, collectiveKeys, collectiveRotate,
  invite, join, members, admit, remove,
  propose, vote, proposals, proposalShow,
  profileSet, profileShow,
  follow, unfollow, endorse, discover,
  peers, connect,
  reindex, doctor
]

/** Groups of commands named `<group> <sub>`, with the line `atelier --help` shows for the group */
const GROUPS: Readonly<Record<string, string>> = {
  collective: 'create, list and show collectives; a private one\'s keys',
  proposal: 'show a proposal\'s count, explained line by line',
  pin: 'list, add and remove pins (what gc keeps)',
  profile: 'set and show creators\' profiles (the names shown instead of dids)'
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  stdout?: Writable & { isTTY?: boolean }
  stderr?: Writable & { isTTY?: boolean }
}

/**
 * A description as commander should wrap it: the source keeps lines under 120 columns, so a line break inside a
 * sentence becomes a space and commander wraps the text to the terminal's width (it left short ragged lines, cut
 * mid-sentence). Breaks after a sentence or a colon, blank lines and indented lines (lists) are kept.
 */
export function flow (text: string): string {
  return text.replace(/([^.:!?\n])\n(?=[^\s])/g, '$1 ')
}

/** Build the commander program with every command of the registry; tests build it without running it */
export function createProgram (options: RunOptions = {}): Command {
  const env = options.env ?? process.env
  const stdout = options.stdout ?? process.stdout
  const stderr = options.stderr ?? process.stderr

  const program = new Command('atelier')
    .description('Atelier: a peer-to-peer node for creator collectives.\nThe commands below talk to a running daemon (atelier daemon) over its HTTP API.')
    .version(pkg.version, '-v, --version', 'print the version')
    .addOption(new Option('--json', 'print machine-readable JSON on stdout (NDJSON for lists that stream)'))
    .addOption(new Option('--dids', 'show people by their full did (then their name) rather than by name'))
    .addOption(new Option('--api <url>', 'the daemon\'s URL (default: env ATELIER_API, else $ATELIER_HOME/api)').argParser(apiUrl))
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      writeOut: (s) => { stdout.write(s) },
      writeErr: (s) => { stderr.write(s) },
      outputError: (s, write) => { write(`atelier: ${s.replace(/^error: /, '')}`) }
    })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .addHelpText('after', `
Data dir: $ATELIER_HOME (default ~/.atelier). Writes use the token in $ATELIER_HOME/api-token.
Run 'atelier <command> --help' for a command's flags and examples.`)

  const groups = new Map<string, Command>()
  for (const def of COMMANDS) {
    const [first, sub] = def.name.split(' ')
    let parent = program
    if (sub != null) {
      parent = groups.get(first) ?? program.command(first).summary(GROUPS[first]).description(GROUPS[first])
      groups.set(first, parent)
    }
    // `command()` (not addCommand) so each sub command inherits the output, help and exit settings
    const cmd = parent.command(sub ?? first).summary(def.summary).description(flow(def.description ?? def.summary))
    def.setup(cmd)
    cmd.addHelpText('after', '\nExamples:\n' + def.examples.map(e => `  $ ${e}`).join('\n'))
    cmd.action(async (...received: unknown[]) => {
      const self = received[received.length - 1] as Command
      const globals = self.optsWithGlobals<{ json?: boolean, api?: string, dids?: boolean }>()
      const json = globals.json === true
      const printer = new Printer({ json, stdout, stderr })
      const home = resolveHome(env)
      let client: DaemonClient | undefined
      // the daemon handles its own signals; every other command stops cleanly on the first Ctrl-C
      const signal = def.name === 'daemon' ? new AbortController().signal : interruptSignal()
      const ctx: Context = {
        json,
        dids: globals.dids === true,
        home,
        env,
        api: globals.api,
        printer,
        progress: !json && stderr.isTTY === true,
        signal,
        client: async () => (client ??= await DaemonClient.create({ home, api: globals.api, env, signal }))
      }
      const result = await def.run(ctx, self.processedArgs, self.opts())
      if (result != null) await printer.print(result)
      if (result?.type === 'single' && result.failure != null) throw result.failure
    })
  }
  return program
}

/**
 * A signal aborted by the first SIGINT/SIGTERM, so downloads remove their partial file and uploads stop; a second
 * signal exits at once.
 */
function interruptSignal (): AbortSignal {
  const controller = new AbortController()
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130)
    controller.abort(new InterruptedError(`interrupted (${name})`))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return controller.signal
}

/** Run the CLI with `argv` (without node and script); resolves with the exit code */
export async function run (argv: string[], options: RunOptions = {}): Promise<number> {
  const stderr = options.stderr ?? process.stderr
  const program = createProgram(options)
  try {
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (err: any) {
    return report(err, stderr)
  }
}

function report (err: any, stderr: Writable): number {
  const printer = new Printer({ json: false, stderr })
  if (err instanceof CommanderError) {
    // help and version end with exit 0; commander has already printed any error message
    // (`atelier` alone prints help as an error: exitCode 1 there, a usage error for us)
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return err.exitCode === 0 ? 0 : 2
    }
    return 2
  }
  if (err instanceof InterruptedError || err?.cause instanceof InterruptedError) {
    printer.error('interrupted')
    return 130
  }
  if (err instanceof CliError) {
    printer.error(err.message)
    return err.exitCode
  }
  if (isAtelierError(err)) {
    // thrown by the in-process parts `init` and `daemon` use (config, identity)
    printer.error(err.message)
    return 1
  }
  if (err?.code === 'EPIPE') return 0
  printer.error(err?.message ?? String(err))
  if (process.env.ATELIER_DEBUG != null && err?.stack != null) stderr.write(String(err.stack) + '\n')
  return 1
}
