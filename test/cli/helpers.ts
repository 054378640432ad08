/**
 * Helpers for the CLI specs: run the real CLI (`node src/cli/main.ts …`) as a child process in a temp data dir,
 * and a tiny fake gateway on 127.0.0.1:0 for client-side checks.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Run the CLI; never rejects on a non-zero exit. Every run has a deadline. */
export async function cli (args: string[], options: { home: string, env?: Record<string, string | undefined>, stdin?: string, timeoutMs?: number }): Promise<CliRun> {
  const env: Record<string, string | undefined> = { ...process.env, ATELIER_API: undefined, ATELIER_HOME: options.home, NO_COLOR: '1', ...options.env }
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k]
  const child = spawn(process.execPath, [MAIN, ...args], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  child.stdin.end(options.stdin ?? '')
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000)
  const code = await new Promise<number | null>((resolve) => child.on('close', c => resolve(c)))
  clearTimeout(timer)
  return { code, stdout, stderr }
}

/** A temp data dir, removed by the returned cleanup */
export async function tempHome (): Promise<{ home: string, cleanup: () => Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'atelier-cli-'))
  return { home, cleanup: async () => await rm(home, { recursive: true, force: true }) }
}

export interface SeenRequest {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: Buffer
}

export type Handler = (req: SeenRequest, res: ServerResponse) => void | Promise<void>

/** A fake gateway: every request is recorded, then answered by `handler`; writes `<home>/api` and a token */
export async function fakeDaemon (home: string, handler: Handler): Promise<{ url: string, token: string, seen: SeenRequest[], server: Server, close: () => Promise<void> }> {
  const seen: SeenRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const r: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) }
      seen.push(r)
      Promise.resolve(handler(r, res)).catch((err) => { res.statusCode = 500; res.end(String(err)) })
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  const token = 'test-token-' + Math.random().toString(36).slice(2)
  await writeFile(join(home, 'api'), url + '\n')
  await writeFile(join(home, 'api-token'), token + '\n', { mode: 0o600 })
  return {
    url,
    token,
    seen,
    server,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

/** Answer JSON */
export function json (res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
  res.end(JSON.stringify(body))
}

/** A port nothing listens on (bound, then released) */
export async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}

/** Some CIDs of the right shape */
export const CIDS = {
  content: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
  asset: 'bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea',
  parent: 'bagaaieraxqf2jvd3x4ccyzpxhj6l5ewbznbfk6qq7mgnyjtmmagfqvyzrcma',
  license: 'bagaaierawb2ipo5ar3lgiwepqhr3iv6mcqlwbjy7xckqcjkqyvzm3hwcbuda'
}

export async function writeTempFile (dir: string, name: string, data: string | Uint8Array): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, data)
  return path
}
