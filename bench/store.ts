/**
 * Storage benchmarks (issue 11): adding and serving content directly through the store and through a real
 * `atelier daemon` over its HTTP routes, each figure beside limits measured in the same run on the same bytes.
 *
 * Rows, all with the store settings of the config defaults (fsync included) unless the options say otherwise:
 * - add directly: `store.addContent` (import, write, pin) in a child process;
 * - add through the daemon: the route `atelier add` uses, POST /v1/content with the token, the body streamed from
 *   this process over a 127.0.0.1 socket (chunked, as the CLI's fetch sends it; never held whole);
 * - peak RSS adding the large file, directly (a child of its own) and through the daemon (the daemon process's
 *   VmHWM, read from /proc);
 * - serve directly: `store.read` of the whole file, bytes thrown away;
 * - serve through the daemon: GET /ipfs/<cid> over 127.0.0.1, read here and thrown away.
 *
 * Limits, measured in a child of their own over the same bytes (every file is generated from a seed written once,
 * so the direct add and the HTTP add must give the same CID, which is checked):
 * - sha256 (node:crypto) over the generated stream: an add hashes every byte;
 * - raw blockstore put: the same bytes cut into the same `chunkSize` blocks, CIDs computed beforehand, written with
 *   `NodeBlockstore.put` (the node's file blockstore) `readAhead` at a time, as the importer writes, then its
 *   `syncDirs()` (the directory fsyncs an add makes before its pin); no import, no Helia, no pin. An add must do
 *   both this and the hashing: they overlap (hashing on the main thread, writes on libuv's pool), so its floor is
 *   the slower of the two; both ratios are printed, the larger one is against the tighter limit;
 * - raw blockstore get: `getBytes` of every block, `readAhead` in flight (what the reader does), from the page cache
 *   as the served file is, second pass timed;
 * - loopback HTTP: a plain node:http server in that child answers GET with the same blocks, pre-made in memory,
 *   and reads a POST body and throws it away; this process is the client as for the daemon. That is the floor of
 *   moving the bytes over a 127.0.0.1 socket with HTTP/1.1 framing, on the same two processes' CPUs.
 *   A serve must read the blocks and send them, so its floor is the slower of raw get and loopback GET; an HTTP
 *   add is bounded by sha256, put and loopback POST. Raw get reads each block into a new buffer, as `getBytes` and
 *   a plain `store.read` do; the daemon's /ipfs route reads leaves into buffers it reuses (src/store/buffer-pool.ts),
 *   so it can beat raw get: its tighter limit is loopback GET.
 * For RSS the reference is the same process's RSS after start (a process cannot peak below what it holds idle).
 *
 * Each measured process is a child with the daemon's Node flags and malloc settings, so its RSS is its own. Temp
 * data goes under os.tmpdir() and is removed at the end, also on error.
 *
 *   node bench/store.ts [--quick] [--add <MiB>] [--big <MiB>] [--json]    (--quick: 64 and 128 MiB, as `npm run bench --quick`)
 * `benchStore()` returns the figures, `storeBenchTable()` makes the markdown table.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { defaults } from '../src/config.ts'
import { DAEMON_NODE_FLAGS, daemonEnv } from '../src/node/heap.ts'

const MiB = 1024 * 1024
const PIECE = 64 * 1024
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.ts')
/** How long the daemon may take to answer /healthz after its start */
const DAEMON_START_MS = 60_000

export interface StoreBenchOptions {
  /** Size of the file added and served, MiB. @default 256 */
  addMiB?: number
  /** Size of the file whose peak RSS is measured while adding, MiB. @default 1024 */
  bigMiB?: number
  /** Store settings, for every row and limit. @default the config defaults (readAhead 8, chunkSize 1 MiB, fsync on) */
  readAhead?: number
  chunkSize?: number
  fsync?: boolean
}

export interface StoreBenchResults {
  addMiB: number
  bigMiB: number
  /** the store settings every row ran with */
  readAhead: number
  chunkSize: number
  fsync: boolean
  // ---- limits, same run, over the `addMiB` bytes (MiB/s) ----
  /** node:crypto sha256 over the generated stream */
  sha256MiBps: number
  /** NodeBlockstore.put of the precomputed blocks, `readAhead` at a time, then syncDirs() */
  blockPutMiBps: number
  /** NodeBlockstore.getBytes of every block, `readAhead` in flight */
  blockGetMiBps: number
  /** GET of the same bytes from a plain node:http server writing pre-made blocks, over 127.0.0.1 */
  loopbackGetMiBps: number
  /** POST of the same generated stream to a plain node:http server that discards it, over 127.0.0.1 */
  loopbackPostMiBps: number
  // ---- adds (MiB/s) ----
  /** store.addContent in a child (import, write, pin) */
  addMiBps: number
  /** POST /v1/content to the daemon over 127.0.0.1 */
  httpAddMiBps: number
  bigAddMiBps: number
  httpBigAddMiBps: number
  // ---- RSS (MB) ----
  /** RSS of the direct child once its store had started, before adding */
  bigBaselineRssMB: number
  /** peak RSS of that child over its life (start + add of `bigMiB` + stop) */
  bigPeakRssMB: number
  /** RSS of the daemon once it answered /healthz, before any request */
  daemonBaselineRssMB: number
  /** peak RSS of the daemon over its life up to the end of the `bigMiB` add through HTTP (its first request) */
  daemonBigPeakRssMB: number
  // ---- serving (MiB/s) ----
  /** store.read of the `addMiB` file in the child that added it (second pass) */
  readMiBps: number
  /** GET /ipfs/<cid> of the `addMiB` file from the daemon over 127.0.0.1 (second request) */
  serveMiBps: number
  /** RSS of the daemon just before the GETs, MB */
  daemonServeRssMB: number
  /** peak RSS of the daemon during the GETs (its peak reset before them); null where /proc/<pid>/clear_refs is not writable */
  daemonServePeakRssMB: number | null
}

/** Fresh 64 KiB pieces of pseudo-random data, each piece distinct (so no chunk dedupes); the same seed gives the same bytes */
export async function * generate (bytes: number, seed: Uint8Array = randomBytes(MiB)): AsyncGenerator<Uint8Array> {
  let n = 0
  for (let pos = 0; pos < bytes; pos += PIECE) {
    const len = Math.min(PIECE, bytes - pos)
    const off = pos % seed.byteLength
    const piece = Buffer.allocUnsafe(len)
    piece.set(seed.subarray(off, Math.min(off + len, seed.byteLength)))
    piece.writeUInt32LE(n++ >>> 0, 0)
    yield piece
  }
}

/**
 * Peak RSS of this process, bytes. Linux's VmHWM belongs to the process's own memory map; getrusage's maxrss is
 * carried across exec and so includes the parent's RSS at the moment it forked this child, which is not ours.
 */
export function peakRss (): number {
  return procMemory('self').peak ?? process.resourceUsage().maxRSS * 1024
}

/** VmRSS and VmHWM of a process from /proc (Linux), bytes; undefined where /proc cannot tell */
function procMemory (pid: number | 'self'): { rss?: number, peak?: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const field = (name: string): number | undefined => {
      const m = new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)
      return m != null ? Number(m[1]) * 1024 : undefined
    }
    return { rss: field('VmRSS'), peak: field('VmHWM') }
  } catch {
    return {}
  }
}

/** Reset a process's VmHWM to its current RSS (Linux ≥ 4.0, a process of ours); false when it cannot be done */
async function resetPeak (pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

const mb = (bytes: number): number => Math.round(bytes / 1e6)
const rate = (bytes: number, ms: number): number => Math.round(bytes / MiB / (ms / 1000))

export async function benchStore (options: StoreBenchOptions = {}): Promise<StoreBenchResults> {
  const addMiB = options.addMiB ?? 256
  const bigMiB = options.bigMiB ?? 1024
  const store = {
    readAhead: options.readAhead ?? defaults.store.readAhead,
    chunkSize: options.chunkSize ?? defaults.store.chunkSize,
    fsync: options.fsync ?? defaults.store.fsync
  }
  const addBytes = addMiB * MiB
  const bigBytes = bigMiB * MiB
  const root = await mkdtemp(join(tmpdir(), 'atelier-bench-store-'))
  try {
    // one seed per file, so every process generates the same bytes; two seeds, so the big file shares no block
    // with the other (in the daemon both are added to one store)
    const seedAdd = join(root, 'seed-add')
    const seedBig = join(root, 'seed-big')
    await writeFile(seedAdd, randomBytes(MiB))
    await writeFile(seedBig, randomBytes(MiB))
    const addSeed = await readFile(seedAdd)
    const storeJson = JSON.stringify(store)

    // ---- limits ----
    const limits = await withChild(['limits', join(root, 'limits'), String(addBytes), storeJson, seedAdd], async (ready, stop) => {
      const url = String(ready.url)
      await download(url) // warm up both ends
      let t = performance.now()
      const got = await download(url)
      const getMs = performance.now() - t
      if (got !== addBytes) throw new Error(`loopback GET gave ${got} bytes, expected ${addBytes}`)
      t = performance.now()
      const posted = await upload(url, generate(addBytes, addSeed))
      const postMs = performance.now() - t
      if (posted.status !== 200 || JSON.parse(posted.body).bytes !== addBytes) throw new Error(`loopback POST answered ${posted.status} ${posted.body}`)
      await stop()
      return {
        sha256MiBps: rate(addBytes, Number(ready.sha256Ms)),
        blockPutMiBps: rate(addBytes, Number(ready.putMs)),
        blockGetMiBps: rate(addBytes, Number(ready.getMs)),
        loopbackGetMiBps: rate(addBytes, getMs),
        loopbackPostMiBps: rate(addBytes, postMs)
      }
    })
    await rm(join(root, 'limits'), { recursive: true, force: true })

    // ---- direct: add (and read back) the file, then the big file in a child of its own for its RSS ----
    const add = await runChild(['add', join(root, 'a'), String(addBytes), storeJson, seedAdd, 'read'])
    await rm(join(root, 'a'), { recursive: true, force: true })
    const big = await runChild(['add', join(root, 'b'), String(bigBytes), storeJson, seedBig, ''])
    await rm(join(root, 'b'), { recursive: true, force: true })

    // ---- through a real daemon over its HTTP routes ----
    const viaDaemon = await withDaemon(join(root, 'daemon'), store, async (daemon) => {
      const bigAdd = await postContent(daemon, bigBytes, await readFile(seedBig))
      if (bigAdd.cid !== big.cid) throw new Error(`the daemon added the big file as ${bigAdd.cid}, the store directly as ${String(big.cid)}`)
      const daemonBigPeak = procMemory(daemon.pid).peak ?? NaN
      const added = await postContent(daemon, addBytes, addSeed)
      if (added.cid !== add.cid) throw new Error(`the daemon added the file as ${added.cid}, the store directly as ${String(add.cid)}`)

      const reset = await resetPeak(daemon.pid)
      const serveRss = procMemory(daemon.pid).rss ?? NaN
      const url = `${daemon.url}/ipfs/${added.cid}`
      await download(url) // warm up the route and the JIT, as the direct read and loopback GET are
      const t = performance.now()
      const served = await download(url)
      const serveMs = performance.now() - t
      if (served !== addBytes) throw new Error(`served ${served} bytes, expected ${addBytes}`)
      const servePeak = reset ? procMemory(daemon.pid).peak : undefined
      return {
        httpAddMiBps: rate(addBytes, added.ms),
        httpBigAddMiBps: rate(bigBytes, bigAdd.ms),
        daemonBigPeakRssMB: mb(daemonBigPeak),
        serveMiBps: rate(served, serveMs),
        daemonServeRssMB: mb(serveRss),
        daemonServePeakRssMB: servePeak != null ? mb(servePeak) : null
      }
    })

    return {
      addMiB,
      bigMiB,
      ...store,
      ...limits,
      addMiBps: rate(addBytes, Number(add.ms)),
      bigAddMiBps: rate(bigBytes, Number(big.ms)),
      bigBaselineRssMB: mb(Number(big.baselineRss)),
      bigPeakRssMB: mb(Number(big.maxRss)),
      readMiBps: rate(addBytes, Number(add.readMs)),
      daemonBaselineRssMB: mb(viaDaemon.baselineRss),
      ...viaDaemon.result
    }
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

/** GET `url`, discard the body, return its length */
export async function download (url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, res => {
      if (res.statusCode !== 200) reject(new Error(`GET ${url} answered ${res.statusCode}`))
      let n = 0
      res.on('data', (chunk: Buffer) => { n += chunk.byteLength })
      res.on('end', () => { resolve(n) })
      res.on('error', reject)
    }).on('error', reject).end()
  })
}

/** POST `body` to `url` as it is generated (chunked, waiting on the socket's backpressure); the answer's status and text */
async function upload (url: string, body: AsyncIterable<Uint8Array>, headers: Record<string, string> = {}): Promise<{ status: number, body: string }> {
  const req = request(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream', ...headers } })
  const answered = new Promise<{ status: number, body: string }>((resolve, reject) => {
    req.on('response', res => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (s: string) => { text += s })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: text }) })
      res.on('error', reject)
    })
    req.on('error', reject)
  })
  answered.catch(() => {}) // awaited below; a refusal mid-body must not be unhandled meanwhile
  for await (const piece of body) {
    if (!req.write(piece)) await Promise.race([once(req, 'drain'), answered])
  }
  req.end()
  return await answered
}

interface Daemon { url: string, token: string, pid: number }

/** Add through the daemon as `atelier add` uploads: POST /v1/content with the token, the body streamed */
async function postContent (daemon: Daemon, bytes: number, seed: Uint8Array): Promise<{ cid: string, ms: number }> {
  const t = performance.now()
  const res = await upload(`${daemon.url}/v1/content`, generate(bytes, seed), { authorization: `Bearer ${daemon.token}`, accept: 'application/json' })
  const ms = performance.now() - t
  if (res.status !== 201) throw new Error(`POST /v1/content answered ${res.status}: ${res.body}`)
  const added = JSON.parse(res.body) as { cid: string, size: number }
  if (added.size !== bytes) throw new Error(`the daemon added ${added.size} bytes, expected ${bytes}`)
  return { cid: added.cid, ms }
}

/**
 * Start `atelier daemon` (the CLI, with the daemon's Node flags and malloc settings) in a fresh data dir with these
 * store settings, HTTP and libp2p on free loopback ports; run `fn` once it answers /healthz, then SIGTERM it.
 */
async function withDaemon<T> (home: string, store: Record<string, unknown>, fn: (daemon: Daemon) => Promise<T>): Promise<{ baselineRss: number, result: T }> {
  await mkdir(home, { recursive: true })
  // written before the daemon's first start, so its init keeps it
  await writeFile(join(home, 'config.json'), JSON.stringify({ store }))
  const proc = spawn(process.execPath, [...DAEMON_NODE_FLAGS, CLI, 'daemon', '--http', '127.0.0.1:0', '--p2p', '/ip4/127.0.0.1/tcp/0'], {
    env: daemonEnv({ ...process.env, ATELIER_HOME: home, ATELIER_LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  proc.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr = (stderr + s).slice(-4000) })
  const exited = new Promise<never>((_resolve, reject) => proc.once('exit', code => { reject(new Error(`the daemon exited with ${code}: ${stderr}`)) }))
  exited.catch(() => {})
  try {
    const url = await Promise.race([exited, answering(home)])
    const token = (await readFile(join(home, 'api-token'), 'utf8')).trim()
    const pid = proc.pid ?? NaN
    const baselineRss = procMemory(pid).rss ?? NaN
    const result = await Promise.race([exited, fn({ url, token, pid })])
    return { baselineRss, result }
  } finally {
    await stopProcess(proc)
  }
}

/** The daemon's URL once its api file names a gateway that answers /healthz */
async function answering (home: string): Promise<string> {
  const deadline = Date.now() + DAEMON_START_MS
  while (Date.now() < deadline) {
    const url = (await readFile(join(home, 'api'), 'utf8').catch(() => '')).trim()
    if (url !== '' && (await fetch(`${url}/healthz`).catch(() => undefined))?.ok === true) return url
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`the daemon did not answer within ${DAEMON_START_MS} ms`)
}

/** SIGTERM (a graceful stop), SIGKILL after 15 s */
async function stopProcess (proc: ChildProcess): Promise<void> {
  if (proc.exitCode != null || proc.signalCode != null) return
  const gone = once(proc, 'exit')
  proc.kill('SIGTERM')
  const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000)
  await gone
  clearTimeout(timer)
}

type Message = Record<string, unknown>

/** Run a child to completion and return its last message */
async function runChild (args: string[]): Promise<Message> {
  return withChild(args, async (_ready, stop) => stop())
}

/**
 * Start this file as a child with `args`; `fn` gets its first JSON line (ready) and a `stop` that asks it to finish
 * (a line on stdin) and resolves with its last JSON line.
 */
async function withChild<T> (args: string[], fn: (ready: Message, stop: () => Promise<Message>) => Promise<T>): Promise<T> {
  // the child runs with the daemon's node flags, so its figures are the daemon's
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, fileURLToPath(import.meta.url), 'child', ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: daemonEnv(process.env) })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const nextMessage = async (): Promise<Message> => {
    const { value, done } = await lines.next()
    if (done === true) throw new Error(`bench child ${args[0]} exited early`)
    return JSON.parse(value)
  }
  const exited = new Promise<number | null>(resolve => child.on('exit', resolve))
  try {
    const ready = await nextMessage()
    return await fn(ready, async () => {
      child.stdin.end('stop\n')
      const last = await nextMessage()
      await exited
      return last
    })
  } finally {
    if (child.exitCode == null) child.kill()
  }
}

// ---- child side ----

interface ChildStore { readAhead: number, chunkSize: number, fsync: boolean }

/** Run `fn` on every item, `concurrency` at a time */
async function eachLimited<I> (items: I[], concurrency: number, fn: (item: I) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++])
  }))
}

async function child (mode: string, dir: string, bytesArg: string, storeJson: string, seedPath: string, extra: string): Promise<void> {
  const say = (m: Message): void => { process.stdout.write(JSON.stringify(m) + '\n') }
  const stopRequested = new Promise<void>(resolve => {
    process.stdin.on('data', () => { resolve() })
    process.stdin.on('end', () => { resolve() })
  })
  const bytes = Number(bytesArg)
  const store = JSON.parse(storeJson) as ChildStore
  const seed = readFileSync(seedPath)

  if (mode === 'limits') {
    const { CID } = await import('multiformats/cid')
    const raw = await import('multiformats/codecs/raw')
    const Digest = await import('multiformats/hashes/digest')
    const { sha256 } = await import('multiformats/hashes/sha2')
    const { NodeBlockstore } = await import('../src/store/record-blockstore.ts')

    let t = performance.now()
    const hash = createHash('sha256')
    for await (const piece of generate(bytes, seed)) hash.update(piece)
    hash.digest()
    const sha256Ms = performance.now() - t

    // the same leaves the importer makes (chunkSize blocks, raw codec, sha2-256), built and addressed untimed
    const blocks: Array<{ cid: InstanceType<typeof CID>, bytes: Buffer }> = []
    let pending: Buffer[] = []
    let pendingBytes = 0
    const cut = (): void => {
      const block = Buffer.concat(pending, pendingBytes)
      blocks.push({ cid: CID.createV1(raw.code, Digest.create(sha256.code, createHash('sha256').update(block).digest())), bytes: block })
      pending = []
      pendingBytes = 0
    }
    for await (const piece of generate(bytes, seed)) {
      let rest = piece as Buffer
      while (rest.byteLength > 0) {
        const take = Math.min(rest.byteLength, store.chunkSize - pendingBytes)
        pending.push(rest.subarray(0, take))
        pendingBytes += take
        rest = rest.subarray(take)
        if (pendingBytes === store.chunkSize) cut()
      }
    }
    if (pendingBytes > 0) cut()

    const blockstore = new NodeBlockstore(join(dir, 'blocks'), { fsync: store.fsync })
    await blockstore.open()
    t = performance.now()
    await eachLimited(blocks, store.readAhead, async b => await blockstore.put(b.cid, b.bytes))
    await blockstore.syncDirs()
    const putMs = performance.now() - t
    let getMs = 0
    for (let pass = 0; pass < 2; pass++) {
      t = performance.now()
      await eachLimited(blocks, store.readAhead, async b => {
        if ((await blockstore.getBytes(b.cid)).byteLength !== b.bytes.byteLength) throw new Error(`block ${b.cid} came back short`)
      })
      getMs = performance.now() - t
    }

    // the loopback HTTP floor: the same blocks from memory on GET; a POST body read and dropped
    const server = createServer((req, res) => {
      void (async () => {
        if (req.method === 'POST') {
          let n = 0
          for await (const chunk of req) n += (chunk as Buffer).byteLength
          res.end(JSON.stringify({ bytes: n }))
          return
        }
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes })
        for (const b of blocks) {
          if (!res.write(b.bytes)) await once(res, 'drain')
        }
        res.end()
      })().catch(err => { res.destroy(err) })
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    say({ sha256Ms, putMs, getMs, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
    await stopRequested
    server.closeAllConnections()
    server.close()
    await blockstore.close()
    say({})
    return
  }

  // add: import, write, pin from a generated stream; then (extra 'read') read the file back twice
  const { generateKeyPair } = await import('@libp2p/crypto/keys')
  const { createContentStore } = await import('../src/store/index.ts')
  const node = createContentStore({ home: dir, config: { ...defaults.store, ...store }, privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  await node.start()
  const baselineRss = process.memoryUsage().rss
  let t = performance.now()
  const added = await node.store.addContent(generate(bytes, seed))
  const ms = performance.now() - t
  let readMs: number | undefined
  if (extra === 'read') {
    // first pass warms the reader and the JIT, as the first GET does for the served figure
    for (let pass = 0; pass < 2; pass++) {
      t = performance.now()
      let n = 0
      for await (const chunk of node.store.read(added.cid)) n += chunk.byteLength
      readMs = performance.now() - t
      if (n !== bytes) throw new Error(`read ${n} bytes, expected ${bytes}`)
    }
  }
  say({ cid: added.cid, ms, readMs, baselineRss })
  await stopRequested
  await node.stop()
  say({ cid: added.cid, ms, readMs, baselineRss, maxRss: peakRss() })
}

const ratio = (figure: number, limit: number): string => (figure / limit).toFixed(2)

function table (r: StoreBenchResults): string {
  const put = `put ${r.blockPutMiBps} MiB/s`
  const sha = `sha256 ${r.sha256MiBps} MiB/s`
  const addLimits = `${put}; ${sha}`
  const addRatios = (v: number): string => `${ratio(v, r.blockPutMiBps)} of put; ${ratio(v, r.sha256MiBps)} of sha256`
  const rss = (peak: number, base: number): string => `×${ratio(peak, base)} (+${peak - base} MB)`
  const servePeak = r.daemonServePeakRssMB
  return [
    `Store settings: chunkSize ${r.chunkSize / MiB} MiB, readAhead ${r.readAhead}, fsync ${r.fsync ? 'on' : 'off'}. ` +
      `Limits over the ${r.addMiB} MiB of the add and serve rows: put/get = the node's file blockstore alone, ` +
      'loopback = a plain node:http server and this client moving the same bytes over 127.0.0.1.',
    '',
    '| Storage benchmark | Result | Limit, same run | Ratio |',
    '| --- | --- | --- | --- |',
    `| Add a ${r.addMiB} MiB file directly (store.addContent: import, write, pin) | ${r.addMiBps} MiB/s | ${addLimits} | ${addRatios(r.addMiBps)} |`,
    `| Add the same ${r.addMiB} MiB through the daemon, POST /v1/content over 127.0.0.1 (as \`atelier add\`) | ${r.httpAddMiBps} MiB/s | ${addLimits}; loopback POST ${r.loopbackPostMiBps} MiB/s; direct add ${r.addMiBps} MiB/s | ${addRatios(r.httpAddMiBps)}; ${ratio(r.httpAddMiBps, r.loopbackPostMiBps)} of loopback; ${ratio(r.httpAddMiBps, r.addMiBps)} of direct |`,
    `| Add a ${r.bigMiB} MiB file directly | ${r.bigAddMiBps} MiB/s | ${addLimits} | ${addRatios(r.bigAddMiBps)} |`,
    `| Add the same ${r.bigMiB} MiB through the daemon | ${r.httpBigAddMiBps} MiB/s | ${addLimits}; direct ${r.bigAddMiBps} MiB/s | ${addRatios(r.httpBigAddMiBps)}; ${ratio(r.httpBigAddMiBps, r.bigAddMiBps)} of direct |`,
    `| Peak RSS adding the ${r.bigMiB} MiB file directly (child: start, add, stop) | ${r.bigPeakRssMB} MB | after start ${r.bigBaselineRssMB} MB | ${rss(r.bigPeakRssMB, r.bigBaselineRssMB)} |`,
    `| Peak RSS of the daemon adding the ${r.bigMiB} MiB file through HTTP (start, add) | ${r.daemonBigPeakRssMB} MB | after start ${r.daemonBaselineRssMB} MB | ${rss(r.daemonBigPeakRssMB, r.daemonBaselineRssMB)} |`,
    `| Serve the ${r.addMiB} MiB file directly (store.read) | ${r.readMiBps} MiB/s | get ${r.blockGetMiBps} MiB/s | ${ratio(r.readMiBps, r.blockGetMiBps)} of get |`,
    `| Serve it through the daemon, GET /ipfs/<cid> over 127.0.0.1 | ${r.serveMiBps} MiB/s | get ${r.blockGetMiBps} MiB/s; loopback GET ${r.loopbackGetMiBps} MiB/s; direct ${r.readMiBps} MiB/s | ${ratio(r.serveMiBps, r.blockGetMiBps)} of get; ${ratio(r.serveMiBps, r.loopbackGetMiBps)} of loopback; ${ratio(r.serveMiBps, r.readMiBps)} of direct |`,
    `| Peak RSS of the daemon while serving (peak reset before the GETs) | ${servePeak != null ? `${servePeak} MB` : 'n/a (/proc clear_refs not writable)'} | before the GETs ${r.daemonServeRssMB} MB | ${servePeak != null ? rss(servePeak, r.daemonServeRssMB) : ''} |`
  ].join('\n')
}

export { table as storeBenchTable }

/**
 * The whole benchmark with its client (the process that uploads and downloads) in a fresh process of its own, as
 * `npm run bench` runs it: in the benchmark's own process, after the ingest section, the same client downloaded at
 * half the speed (loopback GET 348 MiB/s against 705-800 standalone), so the absolute serve figure was the client's
 */
export async function benchStoreInChild (options: StoreBenchOptions = {}): Promise<StoreBenchResults> {
  const args = [fileURLToPath(import.meta.url), '--json']
  if (options.addMiB != null) args.push('--add', String(options.addMiB))
  if (options.bigMiB != null) args.push('--big', String(options.bigMiB))
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
  const [code] = await once(proc, 'exit') as [number | null]
  if (code !== 0) throw new Error(`store benchmark child exited with ${code}`)
  return JSON.parse(out.trim().split('\n').pop() ?? '') as StoreBenchResults
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === 'child') {
    const [, , , mode, dir, bytes, storeJson, seedPath, extra] = process.argv
    await child(mode, dir, bytes, storeJson, seedPath, extra ?? '')
  } else {
    const { values } = parseArgs({ options: { quick: { type: 'boolean' }, add: { type: 'string' }, big: { type: 'string' }, json: { type: 'boolean' } } })
    const quick = values.quick === true
    const t = performance.now()
    const results = await benchStore({
      addMiB: values.add != null ? Number(values.add) : quick ? 64 : undefined,
      bigMiB: values.big != null ? Number(values.big) : quick ? 128 : undefined
    })
    // --json: the figures on one line, for benchStoreInChild
    console.log(values.json === true ? JSON.stringify(results) : table(results))
    process.stderr.write(`(${Math.round((performance.now() - t) / 1000)} s)\n`)
  }
}
