/**
 * The shared printer. Commands return data; the printer renders it either as text for people or, with `--json`,
 * as JSON on stdout: one object per command, or one object per line (NDJSON) for streamed results.
 *
 * Record fields come from other people's signed records, so text output strips control characters (ANSI escapes,
 * C0/C1 controls, bidi overrides) from every line before it reaches a terminal; JSON output escapes them instead,
 * so the data stays intact while the bytes stay safe to show.
 */
import type { Writable } from 'node:stream'
import { once } from 'node:events'

/** Lines of human output; each is sanitised before printing */
export type Lines = string | string[]

/** A single result: `value` for `--json`, `text(value)` for people */
export interface SingleResult<T = unknown> {
  type: 'single'
  value: T
  text: (value: T) => Lines
  /** the command ends with this error (its exit code, its one line on stderr) once the result is printed: a
   * report whose findings are a failure (`atelier doctor` with problems left) */
  failure?: Error
}

/** A streamed result: each item is one NDJSON line, or `text(item)` for people */
export interface StreamResult<T = unknown> {
  type: 'stream'
  items: AsyncIterable<T>
  text: (item: T) => Lines
  /** printed once before the first item, text mode only */
  header?: Lines
  /** printed after the last item, text mode only */
  footer?: (count: number) => Lines
}

export type CommandResult = SingleResult<any> | StreamResult<any>

export function single<T> (value: T, text: (value: T) => Lines): SingleResult<T> {
  return { type: 'single', value, text }
}

export function stream<T> (items: AsyncIterable<T>, text: (item: T) => Lines, extra: { header?: Lines, footer?: (count: number) => Lines } = {}): StreamResult<T> {
  return { type: 'stream', items, text, ...extra }
}

// CSI / OSC escape sequences first (so no "[31m" residue is left), then single control characters.
// eslint-disable-next-line no-control-regex
const ANSI_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g
// C0 (but tab, handled below), DEL, C1, line/paragraph separators, bidi embeddings/overrides/isolates, BOM
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g

/** Remove every control character from `text` (tabs become spaces); safe to print on a terminal */
export function stripControl (text: string): string {
  return text.replace(ANSI_SEQUENCE, '').replace(/\t/g, ' ').replace(CONTROL, '')
}

// characters JSON.stringify leaves raw that a terminal may still interpret
const JSON_UNSAFE = /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g

/** JSON text on one line, with terminal-active characters escaped (the parsed value is unchanged) */
export function safeJson (value: unknown): string {
  return JSON.stringify(value).replace(JSON_UNSAFE, c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
}

export interface PrinterOptions {
  json: boolean
  stdout?: Writable
  stderr?: Writable
}

/** Renders command results; one per CLI run */
export class Printer {
  readonly json: boolean
  readonly stdout: Writable
  readonly stderr: Writable

  constructor (options: PrinterOptions) {
    this.json = options.json
    this.stdout = options.stdout ?? process.stdout
    this.stderr = options.stderr ?? process.stderr
  }

  /** Print a command's result in the chosen format */
  async print (result: CommandResult): Promise<void> {
    if (result.type === 'single') {
      if (this.json) await this.write(this.stdout, safeJson(result.value) + '\n')
      else await this.lines(this.stdout, result.text(result.value))
      return
    }
    let count = 0
    if (!this.json && result.header != null) await this.lines(this.stdout, result.header)
    for await (const item of result.items) {
      count++
      if (this.json) await this.write(this.stdout, safeJson(item) + '\n')
      else await this.lines(this.stdout, result.text(item))
    }
    if (!this.json && result.footer != null) await this.lines(this.stdout, result.footer(count))
  }

  /** A note for people on stderr (progress, hints); never shown with --json */
  async note (lines: Lines): Promise<void> {
    if (!this.json) await this.lines(this.stderr, lines)
  }

  /** The one-line error report: `atelier: <message>` on stderr */
  error (message: string): void {
    const oneLine = message.split(/\r?\n/).map(stripControl).filter(l => l.trim() !== '').join(' ')
    this.stderr.write(`atelier: ${oneLine}\n`)
  }

  private async lines (out: Writable, lines: Lines): Promise<void> {
    const list = typeof lines === 'string' ? lines.split('\n') : lines.flatMap(l => l.split('\n'))
    if (list.length === 0) return
    await this.write(out, list.map(stripControl).join('\n') + '\n')
  }

  /** Write, waiting for the stream to drain so long streams keep memory flat */
  private async write (out: Writable, text: string): Promise<void> {
    if (!out.write(text)) await once(out, 'drain')
  }
}

/** Render rows as aligned columns; the last column is not padded */
export function table (headers: string[], rows: string[][]): string[] {
  const all = [headers, ...rows].map(r => r.map(stripControl))
  const widths = headers.map((_, i) => Math.max(...all.map(r => (r[i] ?? '').length)))
  return all.map(r => r.map((cell, i) => i === r.length - 1 ? cell : (cell ?? '').padEnd(widths[i])).join('  ').trimEnd())
}

/** Key/value lines aligned on the key; entries with undefined values are left out */
export function fields (entries: Array<[string, string | number | boolean | undefined | null]>): string[] {
  const shown = entries.filter(([, v]) => v != null && v !== '') as Array<[string, string | number | boolean]>
  const width = Math.max(0, ...shown.map(([k]) => k.length))
  return shown.map(([k, v]) => `${k.padEnd(width)}  ${String(v)}`)
}

/** Bytes for people: 1.5 MiB */
export function formatBytes (n: number): string {
  if (!Number.isFinite(n)) return '?'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  let v = n
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`
}

/** A record time (epoch ms or RFC 3339) as RFC 3339 to the second */
export function formatTime (time: unknown): string {
  const ms = typeof time === 'number' ? time : typeof time === 'string' ? Date.parse(time) : NaN
  if (!Number.isFinite(ms)) return String(time ?? '')
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** `did:key:z6MkhaXg…4Lx9` — enough to recognise, too short to copy; --json has the full value */
export function shortId (id: unknown, keep = 8): string {
  const s = String(id ?? '')
  const m = /^(did:[a-z0-9]+:)(.*)$/.exec(s)
  const [prefix, rest] = m != null ? [m[1], m[2]] : ['', s]
  return rest.length <= keep * 2 + 1 ? s : `${prefix}${rest.slice(0, keep)}…${rest.slice(-4)}`
}
