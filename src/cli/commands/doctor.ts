/** `atelier doctor`: check a stopped node's data dir (in process, no daemon); `--fix` repairs what it can */
import { loadConfig } from '../../config.ts'
import type { CliCommand } from '../command.ts'
import { ProblemsFoundError } from '../errors.ts'
import { runDoctor } from '../node.ts'
import { single } from '../output.ts'
import { createProgress } from '../progress.ts'
import type { Progress } from '../progress.ts'

export const doctor: CliCommand<{ fix?: boolean }> = {
  name: 'doctor',
  summary: 'check a stopped node\'s data dir (index, held records, block files, pins); --fix repairs',
  description: 'Check the data dir of a stopped node ($ATELIER_HOME): the index against a rebuild from the stored\n' +
    'record bodies (entry by entry), bodies against index entries, held-record entries, temporary block files\n' +
    'a crash left, and the blocks under every pin. Prints what it found and, with --fix, what it repaired\n' +
    '(the index is rebuilt in place, temporary files and unreadable entries removed; missing blocks cannot be\n' +
    'fetched offline). Refuses to run while a daemon runs on the data dir.\n' +
    'Exit code: 0 when nothing is wrong (or everything found was fixed), 1 when problems are left.',
  examples: ['atelier doctor', 'atelier doctor --fix', 'ATELIER_HOME=/srv/atelier atelier doctor --json'],
  setup (cmd) {
    cmd.option('--fix', 'repair what can be repaired offline')
  },
  async run (ctx, _args, opts) {
    const config = loadConfig({}, ctx.env)
    let bar: Progress | undefined
    let phase = ''
    let shown = 0
    const report = await runDoctor({
      home: ctx.home,
      fix: opts.fix === true,
      maxRecordBytes: config.records.maxBytes,
      onProgress: (label, done) => {
        if (label !== phase) {
          bar?.stop()
          bar = createProgress({ enabled: ctx.progress, label, unit: 'items' })
          phase = label
          shown = 0
        }
        bar?.add(done - shown)
        shown = done
      }
    }).finally(() => { bar?.stop() })
    const left = report.checks.reduce((n, c) => n + c.problems - c.fixed, 0)
    return {
      ...single(report, r => [
        ...r.checks.map(c => `${c.problems === 0 ? 'ok     ' : c.problems === c.fixed ? 'fixed  ' : 'PROBLEM'} ${c.name}: ${c.detail}` +
          (c.fixed > 0 && c.fixed < c.problems ? ` (${c.fixed} fixed)` : '') +
          (c.problems > c.fixed && c.examples != null && c.examples.length > 0 ? `\n          e.g. ${c.examples.slice(0, 3).join(', ')}` : '')),
        ...r.notes.map(n => `note    ${n}`),
        r.clean ? `clean (${(r.ms / 1000).toFixed(1)} s)` : `${left} problems left (${(r.ms / 1000).toFixed(1)} s)${opts.fix === true ? '' : '; run `atelier doctor --fix` to repair what can be'}`
      ]),
      ...(report.clean ? {} : { failure: new ProblemsFoundError(`doctor found ${left} problems in ${ctx.home}`) })
    }
  }
}
