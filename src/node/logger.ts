/**
 * The node's logger: pino, one JSON line per event on stderr (stdout is for command output).
 * Each part takes a child logger named after its component, so every line says who wrote it.
 */
import { pino } from 'pino'
import type { Logger } from 'pino'
import pretty from 'pino-pretty'

export type { Logger } from 'pino'

/**
 * A logger writing to stderr at `level`: readable lines on a terminal, one JSON object per line otherwise (for log
 * collectors); ATELIER_LOG_FORMAT=json or =pretty chooses explicitly.
 */
export function createLogger (level: string, name = 'atelier', env: NodeJS.ProcessEnv = process.env): Logger {
  const format = env.ATELIER_LOG_FORMAT ?? (process.stderr.isTTY ? 'pretty' : 'json')
  if (format === 'pretty') {
    return pino({ name, level }, pretty({ destination: 2, colorize: process.stderr.isTTY, singleLine: true, ignore: 'pid,hostname,name,component', messageFormat: '{if component}{component}: {end}{msg}', translateTime: 'HH:MM:ss.l' }))
  }
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }))
}

/** A logger that drops everything (tests, benchmarks) */
export function silentLogger (): Logger {
  return pino({ level: 'silent' })
}
