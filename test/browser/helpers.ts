/**
 * Browser test helpers: Debian's Chromium driven by playwright-core (never a downloaded browser), the page built
 * when its sources are newer than web/dist, and sample works (PNG, WAV, text) made here, so nothing is fetched.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32, deflateSync } from 'node:zlib'
import { chromium } from 'playwright-core'
import type { BrowserContext } from 'playwright-core'
import { ROOT } from '../e2e/harness.ts'
import type { TestDaemon } from '../e2e/harness.ts'

/** Debian's Chromium (package `chromium`) */
export const CHROMIUM = process.env.ATELIER_CHROMIUM ?? '/usr/bin/chromium'

/** Flags that keep Chromium off the network: no background fetches, updates or sync (only loopback is allowed) */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']

const WEB = join(ROOT, 'web')
const DIST_INDEX = join(WEB, 'dist', 'index.html')
/** What the built page is made of: its own sources and the record format it bundles */
const SOURCES = [join(WEB, 'src'), join(WEB, 'index.html'), join(WEB, 'vite.config.ts'), join(ROOT, 'src', 'records'), join(ROOT, 'protocols', 'schemas')]

function newestMtime (path: string): number {
  const st = statSync(path)
  if (!st.isDirectory()) return st.mtimeMs
  let newest = st.mtimeMs
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)))
  return newest
}

/** Build the page (vite build) when web/dist is missing or older than its sources */
export async function ensureWebBuilt (): Promise<void> {
  if (existsSync(DIST_INDEX) && statSync(DIST_INDEX).mtimeMs >= Math.max(...SOURCES.map(newestMtime))) return
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js')
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [vite, 'build', WEB, '--logLevel', 'warn'], { cwd: ROOT, timeout: 120_000 }, (err, _stdout, stderr) => {
      if (err != null) reject(new Error(`vite build failed: ${stderr}`))
      else resolve()
    })
  })
}

export interface Browser {
  context: BrowserContext
  close(): Promise<void>
}

/** Headless Chromium with a fresh profile in a temp dir */
export async function launchBrowser (): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`)
  const profile = await mkdtemp(join(tmpdir(), 'atelier-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    timeout: 60_000
  })
  return {
    context,
    async close () {
      await context.close().catch(() => {})
      await rm(profile, { recursive: true, force: true })
    }
  }
}

/** A PNG of `width`×`height` filled by `pixel(x, y)` → [r, g, b] */
export function makePng (width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const out = Buffer.alloc(body.length + 8)
    out.writeUInt32BE(data.length, 0)
    body.copy(out, 4)
    out.writeUInt32BE(crc32(body), body.length + 4)
    return out
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB
  const rows = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y++) {
    const at = y * (width * 3 + 1)
    for (let x = 0; x < width; x++) rows.set(pixel(x, y), at + 1 + x * 3)
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))])
}

/** A mono 16-bit WAV of a few tones */
export function makeWav (seconds: number, rate = 8000): Buffer {
  const n = Math.round(seconds * rate)
  const buf = Buffer.alloc(44 + n * 2)
  buf.write('RIFF', 0, 'latin1'); buf.writeUInt32LE(36 + n * 2, 4); buf.write('WAVE', 8, 'latin1')
  buf.write('fmt ', 12, 'latin1'); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(1, 22)
  buf.writeUInt32LE(rate, 24); buf.writeUInt32LE(rate * 2, 28); buf.writeUInt16LE(2, 32); buf.writeUInt16LE(16, 34)
  buf.write('data', 36, 'latin1'); buf.writeUInt32LE(n * 2, 40)
  const notes = [262, 330, 392, 523]
  for (let i = 0; i < n; i++) {
    const f = notes[Math.floor(i / rate * 2) % notes.length]
    buf.writeInt16LE(Math.round(Math.sin(2 * Math.PI * f * i / rate) * 8000), 44 + i * 2)
  }
  return buf
}

/** A sunrise: sky gradient, a sun, a river band; `hue` shifts it so remixes look different */
export function sunrisePng (shift = 0): Buffer {
  return makePng(240, 160, (x, y) => {
    const sun = Math.hypot(x - 120 - shift, y - 90) < 28
    if (y > 110) return [30, 80 + (x % 20), 140 + shift]
    if (sun) return [255, 210 - shift, 80]
    return [Math.min(255, 120 + y + shift), 90 + y / 2, 160 - y / 2 + shift / 2]
  })
}

export interface Seeded {
  collective: string
  sunrise: string
  remix: string
  song: string
  notes: string
}

async function addContent (d: TestDaemon, bytes: Buffer): Promise<string> {
  const res = await fetch(`${d.url}/v1/content`, { method: 'POST', headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes) })
  if (res.status !== 201) throw new Error(`content upload failed: ${res.status} ${await res.text()}`)
  return (await res.json() as { cid: string }).cid
}

async function addAsset (d: TestDaemon, body: Record<string, unknown>): Promise<string> {
  const res = await d.api('/v1/assets', { method: 'POST', json: body })
  if (res.status !== 201) throw new Error(`asset failed: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.cid
}

/** A collective and a few works with a lineage, licenses and AI-training choices */
export async function seed (d: TestDaemon): Promise<Seeded> {
  const col = await d.api('/v1/collectives', { method: 'POST', json: { name: 'Riverside Printmakers', description: 'Prints and sounds of the river' } })
  if (col.status !== 201) throw new Error(`collective failed: ${col.status} ${JSON.stringify(col.body)}`)
  const collective = col.body.id as string
  const sunrise = await addAsset(d, {
    content: await addContent(d, sunrisePng()), title: 'Sunrise over the river', mediaType: 'image/png', collective,
    description: 'Morning light on the water, printed in three layers.', tags: ['river', 'morning'],
    digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture', aiTraining: 'notAllowed',
    license: { preset: 'commercial-remix' }
  })
  const remix = await addAsset(d, {
    content: await addContent(d, sunrisePng(40)), title: 'Sunrise remix', mediaType: 'image/png', collective,
    parents: [{ record: sunrise, relationship: 'parentOf' }], tools: [{ name: 'Krita', version: '5.2', kind: 'software' }],
    tags: ['river', 'remix'], aiTraining: 'notAllowed', license: { preset: 'cc-by-sa' }
  })
  const song = await addAsset(d, { content: await addContent(d, makeWav(2)), title: 'River song', mediaType: 'audio/wav', collective, tags: ['river', 'sound'], license: { preset: 'cc-by' } })
  const notes = await addAsset(d, {
    content: await addContent(d, Buffer.from('Field notes\n\nThe river rose two hand-widths overnight.\nInk: Prussian blue, burnt sienna.\n')),
    title: 'Field notes', mediaType: 'text/plain', collective, tags: ['river', 'notes'], aiTraining: 'allowed', license: { preset: 'cc0' }
  })
  return { collective, sunrise, remix, song, notes }
}
