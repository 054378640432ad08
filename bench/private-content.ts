/**
 * Encrypted works (issue 14 D3, protocols/private-collectives.md §9) against plain ones, in the same run:
 * - add throughput: a file streamed into the content store plainly, and sealed on the way (the node's upload path:
 *   encryptUpload, which seals past the first MiB on a worker thread, then addContent), median of three rounds each,
 *   taken alternately, each on a node that has added a small work of the same kind before (a running node: its
 *   sealing thread, started on first use and kept, is up, and the add path is compiled);
 * - serve throughput: one client reading the whole file over 127.0.0.1 from GET /ipfs/<cid> (plain) and from the real
 *   GET /v1/content/<cid>/plaintext route (encrypted: read the ciphertext, open each chunk, stream);
 * - peak RSS of a child process adding a 1 GiB file, plain and encrypted, as the first add after the node's start
 *   (so that encrypted add pays the sealing thread's start).
 * Each store runs in a child process (bench/store.ts's pattern), so its RSS is its own. Target: encrypted ≥ 0.8× plain
 * throughput, and the encrypted add's peak RSS within the plain add's bound. Each add's CPU time (all of the child's
 * threads) is reported too, and the load average before and after: on the shared 2-core machine other work takes
 * cores, and then an add's wall time follows its CPU time rather than its critical path.
 *
 *   node bench/private-content.ts [addMiB] [bigMiB]      (defaults 256 and 1024)
 */
import { execSync, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { DAEMON_NODE_FLAGS, daemonEnv } from '../src/node/heap.ts'
import { download, generate, peakRss } from './store.ts'

const MiB = 1024 * 1024
const TOKEN = 'bench-token'
const COLLECTIVE = 'bagaaieraxbk5shnqdpbe6gdp4ddkwnfufxllsyd3zjlisimhkqnivkl7yvoq'
const EPOCH_KEY = new Uint8Array(32).fill(9)
/** Bytes a running node has added before the timed add (more than one sealing batch, so the sealing thread is up) */
const WARM_UP = 4 * MiB

export interface PrivateContentResults {
  addMiB: number
  bigMiB: number
  plainAddMiBps: number
  encAddMiBps: number
  plainServeMiBps: number
  encServeMiBps: number
  plainBigPeakRssMB: number
  encBigPeakRssMB: number
  plainBigMiBps: number
  encBigMiBps: number
  /** every add's MiB/s, in round order */
  plainAdds: number[]
  encAdds: number[]
  /** MiB/s of sealing alone (one piece sealed over and over on one thread) */
  sealMiBps: number
  /** CPU ms of each add (the child's threads together), in round order */
  plainAddCpuMs: number[]
  encAddCpuMs: number[]
  /** 1-minute load average before and after the run */
  loadBefore: number
  loadAfter: number
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

type Message = Record<string, unknown>
const mb = (bytes: number): number => Math.round(bytes / 1e6)
const rate = (bytes: number, ms: number): number => Math.round(bytes / MiB / (ms / 1000))
const ratio = (a: number, b: number): string => (a / b).toFixed(2)

async function withChild<T> (args: string[], fn: (ready: Message, stop: () => Promise<Message>) => Promise<T>): Promise<T> {
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, fileURLToPath(import.meta.url), 'child', ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: daemonEnv(process.env) })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const next = async (): Promise<Message> => {
    const { value, done } = await lines.next()
    if (done === true) throw new Error(`bench child ${args.join(' ')} exited early`)
    return JSON.parse(value)
  }
  const exited = new Promise<number | null>(resolve => child.on('exit', resolve))
  try {
    const ready = await next()
    return await fn(ready, async () => {
      child.stdin.end('stop\n')
      const last = await next()
      await exited
      return last
    })
  } finally {
    if (child.exitCode == null) child.kill()
  }
}

const runChild = async (args: string[]): Promise<Message> => await withChild(args, async (_r, stop) => await stop())

/** GET with the token, discard the body, return its length */
async function downloadPlaintext (url: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    request(url, { headers: { authorization: `Bearer ${TOKEN}` } }, res => {
      if (res.statusCode !== 200) reject(new Error(`GET ${url} answered ${res.statusCode}`))
      let n = 0
      res.on('data', (chunk: Buffer) => { n += chunk.byteLength })
      res.on('end', () => { resolve(n) })
      res.on('error', reject)
    }).on('error', reject).end()
  })
}

export async function benchPrivateContent (addMiB = 256, bigMiB = 1024): Promise<PrivateContentResults> {
  const root = await mkdtemp(join(tmpdir(), 'atelier-bench-private-'))
  const loadBefore = loadavg()[0]
  try {
    const adds: Record<'plain' | 'enc', number[]> = { plain: [], enc: [] }
    const cpu: Record<'plain' | 'enc', number[]> = { plain: [], enc: [] }
    const cids: Record<string, string> = {}
    // the disk, not the cipher, sets the pace here, and a run that follows another pays for its dirty pages: the order
    // alternates between rounds, the kernel writes back before each run, and the median of three is reported
    for (let round = 0; round < 3; round++) {
      for (const mode of round % 2 === 0 ? ['enc', 'plain'] as const : ['plain', 'enc'] as const) {
        const dir = join(root, `${mode}-${round}`)
        execSync('sync')
        const r = await runChild(['add', mode, dir, String(addMiB * MiB), String(WARM_UP)])
        adds[mode].push(rate(addMiB * MiB, Number(r.ms)))
        cpu[mode].push(Math.round(Number(r.cpuMs)))
        if (round === 0) cids[mode] = String(r.cid)
        else await rm(dir, { recursive: true, force: true })
      }
    }
    const serve = async (mode: 'plain' | 'enc'): Promise<number> => await withChild(['serve', mode, join(root, `${mode}-0`), cids[mode]], async (ready, stop) => {
      const url = mode === 'plain' ? `${String(ready.url)}/ipfs/${cids[mode]}` : `${String(ready.url)}/v1/content/${cids[mode]}/plaintext`
      const get = mode === 'plain' ? download : downloadPlaintext
      await get(url) // warm up the route and the JIT
      let best = 0
      for (let i = 0; i < 2; i++) {
        const t = performance.now()
        const bytes = await get(url)
        if (bytes !== addMiB * MiB) throw new Error(`${mode}: served ${bytes} bytes, expected ${addMiB * MiB}`)
        best = Math.max(best, rate(bytes, performance.now() - t))
      }
      await stop()
      return best
    })
    const plainServeMiBps = await serve('plain')
    const encServeMiBps = await serve('enc')
    execSync('sync')
    const bigEnc = await runChild(['add', 'enc', join(root, 'big-enc'), String(bigMiB * MiB)])
    await rm(join(root, 'big-enc'), { recursive: true, force: true })
    execSync('sync')
    const bigPlain = await runChild(['add', 'plain', join(root, 'big-plain'), String(bigMiB * MiB)])
    // for scale: the cipher alone, on this thread (encryptStream; the upload path's worker start would be counted
    // otherwise), over one 64 KiB piece given again and again, so nothing but sealing is timed
    const { encryptStream } = await import('../src/private/content-cipher.ts')
    const { newWork } = await import('../src/private/content-header.ts')
    const work = newWork(EPOCH_KEY, COLLECTIVE, 0)
    const piece = new Uint8Array(64 * 1024).fill(7)
    const same = function * (): Generator<Uint8Array> { for (let n = 0; n < addMiB * 16; n++) yield piece }
    const t = performance.now()
    for await (const p of encryptStream(same(), work.workKey, work.header)) if (p.length < 0) throw new Error('unreachable')
    const sealMs = performance.now() - t
    return {
      addMiB,
      bigMiB,
      plainAddMiBps: median(adds.plain),
      encAddMiBps: median(adds.enc),
      plainAdds: adds.plain,
      encAdds: adds.enc,
      plainServeMiBps,
      encServeMiBps,
      plainBigPeakRssMB: mb(Number(bigPlain.maxRss)),
      encBigPeakRssMB: mb(Number(bigEnc.maxRss)),
      plainBigMiBps: rate(bigMiB * MiB, Number(bigPlain.ms)),
      encBigMiBps: rate(bigMiB * MiB, Number(bigEnc.ms)),
      sealMiBps: rate(addMiB * MiB, Math.max(1, sealMs)),
      plainAddCpuMs: cpu.plain,
      encAddCpuMs: cpu.enc,
      loadBefore,
      loadAfter: loadavg()[0]
    }
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

// ---- child side ----

async function child (action: string, mode: string, home: string, arg: string, warmUp = 0): Promise<void> {
  const { generateKeyPair } = await import('@libp2p/crypto/keys')
  const { createContentStore } = await import('../src/store/index.ts')
  const { encryptUpload, encryptionMember, readHeader } = await import('../src/gateway/private-works.ts')
  const { plaintextSize } = await import('../src/private/content-header.ts')
  const keys = { current: () => ({ epoch: 0, key: EPOCH_KEY }), key: () => EPOCH_KEY, isPrivate: () => true }
  const say = (m: Message): void => { process.stdout.write(JSON.stringify(m) + '\n') }
  const stopRequested = new Promise<void>(resolve => {
    process.stdin.on('data', () => { resolve() })
    process.stdin.on('end', () => { resolve() })
  })
  const node = createContentStore({ home, config: { readAhead: 8, chunkSize: MiB } as any, privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  await node.start()

  if (action === 'add') {
    const upload = (bytes: number): AsyncIterable<Uint8Array> => mode === 'enc' ? encryptUpload(keys, COLLECTIVE, generate(bytes)).ciphertext : generate(bytes)
    if (warmUp > 0) {
      await node.store.addContent(upload(warmUp))
      // that add started the sealing thread; a running node's has long finished loading
      if (mode === 'enc') await (await import('../src/private/seal-offload.ts')).startSealer()
    }
    const t = performance.now()
    const c = process.cpuUsage()
    const added = await node.store.addContent(upload(Number(arg)))
    const ms = performance.now() - t
    const used = process.cpuUsage(c)
    const cpuMs = (used.user + used.system) / 1000
    say({ cid: added.cid, ms, cpuMs })
    await stopRequested
    await node.stop()
    say({ cid: added.cid, ms, cpuMs, maxRss: peakRss() })
    return
  }

  const { default: Fastify } = await import('fastify')
  const app = Fastify({ forceCloseConnections: true })
  if (mode === 'plain') {
    const { ipfsRoutes } = await import('../src/gateway/ipfs-routes.ts')
    await app.register(async (scope) => { await ipfsRoutes(scope, { store: node.store }) })
  } else {
    // the real plaintext route; the index and the record it finds are the one asset record such a work has
    const { privateContentRoutes } = await import('../src/gateway/routes/private-content.ts')
    const stat = await node.store.stat(arg)
    const header = await readHeader(node.store, arg)
    const credential = { collective: COLLECTIVE, credentialSubject: { encryption: encryptionMember(header, plaintextSize(stat.size, header.chunkBytes) ?? 0, 'application/octet-stream') } }
    const store = {
      read: (cid: string, o: any) => node.store.read(cid, o),
      stat: async (cid: string) => await node.store.stat(cid),
      getRecord: async () => new TextEncoder().encode(JSON.stringify(credential))
    }
    const index = { query: async () => ({ items: [{ cid: 'bagaaierabench' }] }) }
    await app.register(async (scope) => { await privateContentRoutes(scope, { store, index, epochKeys: keys, apiToken: TOKEN } as any) })
  }
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  say({ url })
  await stopRequested
  await app.close()
  await node.stop()
  say({ maxRss: peakRss() })
}

export function privateContentSection (r: PrivateContentResults): string {
  return `### Encrypted works (issue 14 D3)

\`node bench/private-content.ts ${r.addMiB} ${r.bigMiB}\`: a private collective's work sealed on its way into the store
(STREAM over ChaCha20-Poly1305, 64 KiB chunks, protocols/private-collectives.md §9) against the same bytes added plainly,
and the plaintext route against \`/ipfs\`, in the same run. Limit: the plain figure of the same run; target ≥ 0.8×
throughput and the same RSS bound.

| Measure | Plain | Encrypted | Ratio (encrypted / plain) |
| --- | --- | --- | --- |
| Add a ${r.addMiB} MiB file on a running node (median of 3; runs ${r.plainAdds.join(', ')} / ${r.encAdds.join(', ')}) | ${r.plainAddMiBps} MiB/s | ${r.encAddMiBps} MiB/s | ${ratio(r.encAddMiBps, r.plainAddMiBps)}× |
| Per-round ratio of that add (rounds 1–3) | | | ${r.encAdds.map((e, i) => ratio(e, r.plainAdds[i]) + '×').join(', ')} |
| CPU time of that add, all threads (median of 3; runs ${r.plainAddCpuMs.join(', ')} / ${r.encAddCpuMs.join(', ')} ms) | ${median(r.plainAddCpuMs)} ms | ${median(r.encAddCpuMs)} ms | ${ratio(median(r.plainAddCpuMs), median(r.encAddCpuMs))}× (plain / encrypted) |
| Serve it over 127.0.0.1 (\`/ipfs\` vs \`/v1/content/<cid>/plaintext\`, best of 2) | ${r.plainServeMiBps} MiB/s | ${r.encServeMiBps} MiB/s | ${ratio(r.encServeMiBps, r.plainServeMiBps)}× |
| Add a ${r.bigMiB} MiB file, the node's first add since its start | ${r.plainBigMiBps} MiB/s | ${r.encBigMiBps} MiB/s | ${ratio(r.encBigMiBps, r.plainBigMiBps)}× |
| Peak RSS adding the ${r.bigMiB} MiB file (child process) | ${r.plainBigPeakRssMB} MB | ${r.encBigPeakRssMB} MB | ${ratio(r.encBigPeakRssMB, r.plainBigPeakRssMB)}× |

Sealing alone (native ChaCha20-Poly1305, one thread, a 64 KiB piece sealed over and over, no store): ${r.sealMiBps} MiB/s.
Load average (1 min) before / after the run: ${r.loadBefore.toFixed(2)} / ${r.loadAfter.toFixed(2)} (2 cores).`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === 'child') {
    const [, , , action, mode, home, arg, warmUp] = process.argv
    await child(action, mode, home, arg, Number(warmUp ?? 0))
  } else {
    const r = await benchPrivateContent(Number(process.argv[2] ?? 256), Number(process.argv[3] ?? 1024))
    console.log(privateContentSection(r))
  }
}
