/**
 * The node's logger: pino, one JSON line per event on stderr (stdout is for command output).
 * Each part takes a child logger named after its component, so every line says who wrote it.
 */
import { pino } from 'pino'
import type { Logger } from 'pino'

export type { Logger } from 'pino'

/** A logger writing to stderr at `level` */
export function createLogger (level: string, name = 'atelier'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }))
}

/** A logger that drops everything (tests, benchmarks) */
export function silentLogger (): Logger {
  return pino({ level: 'silent' })
}
