/**
 * Unattributed copies across real daemons (issue 12 "Checked by"): A adds a picture; B adds a recompressed,
 * cropped and mirrored copy with no parent. B's provenance report carries possible.unattributed_derivative naming
 * A's work, A's alerts list B's copy (and A's event stream announced it), and a copy that names A's work as its
 * parent is not flagged. A copy turned 3° inside its frame (black corners) is flagged too: B holds its bytes and
 * meets A's work through the straightened codes.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestDaemon, waitFor } from './harness.ts'
import sharp from 'sharp'
import { jpeg, structuredImage, toSharp } from '../fingerprints/generated.ts'

describe('unattributed copies between two daemons', { timeout: 240_000 }, () => {
  let a: TestDaemon, b: TestDaemon
  let scratch: string
  let collective: string

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'atelier-similar-files-'))
    a = await TestDaemon.create('atelier-similar-a-')
    b = await TestDaemon.create('atelier-similar-b-')
    for (const d of [a, b]) {
      await d.writeConfig({ sync: { intervalMs: 2000 } })
      await d.start(['--log-level', 'info'])
    }
    const created = await a.cli(['collective', 'create', 'Studio', '--json'])
    assert.equal(created.code, 0, created.stderr)
    collective = JSON.parse(created.stdout).id
    const invite = (await a.cli(['invite', collective])).stdout.trim()
    const joined = await b.cli(['join', invite])
    assert.equal(joined.code, 0, joined.stderr)
  })

  after(async () => {
    await a?.destroy()
    await b?.destroy()
    if (scratch != null) await rm(scratch, { recursive: true, force: true })
  })

  async function add (d: TestDaemon, name: string, bytes: Uint8Array, extra: string[] = []): Promise<string> {
    const file = join(scratch, name)
    await writeFile(file, bytes)
    const r = await d.cli(['add', file, '--title', name, '--collective', collective, '--json', ...extra])
    assert.equal(r.code, 0, r.stderr)
    return JSON.parse(r.stdout).record
  }

  const holds = (d: TestDaemon, cid: string) => async () => (await d.api(`/v1/records/${cid}`)).status === 200 ? true : undefined

  it('flags the copy in its report, alerts the original author, and leaves an attributed derivative alone', async () => {
    const original = structuredImage(4242, 800, 600)
    const mine = await add(a, 'harbour.jpg', await jpeg(original, 90))
    await waitFor(holds(b, mine), 60_000, 'B to hold A\'s picture')

    // A listens for alerts before the copy exists
    const events = await fetch(`${a.url}/v1/events`)
    const reader = (events.body as ReadableStream<Uint8Array>).getReader()
    let streamed = ''
    const alertSeen = (async () => {
      const dec = new TextDecoder()
      while (!streamed.includes('event: alert')) {
        const { value, done } = await reader.read()
        if (done) return
        streamed += dec.decode(value)
      }
    })()

    // cropped by 5 % of each side (a tenth of the area), mirrored, recompressed at quality 30
    const copyBytes = new Uint8Array(await toSharp(original).extract({ left: 20, top: 15, width: 760, height: 570 }).flop().jpeg({ quality: 30 }).toBuffer())
    const copy = await add(b, 'my-harbour.jpg', copyBytes)
    const report = await b.cli(['verify', copy, '--json'])
    const findings = JSON.parse(report.stdout).findings as Array<{ code: string, related?: string[], message: string }>
    const flagged = findings.find(f => f.code === 'possible.unattributed_derivative')
    assert.ok(flagged != null, `B's report flags the copy: ${findings.map(f => f.code).join(', ')}`)
    assert.deepEqual(flagged.related, [mine])
    assert.match(flagged.message, /mirrored/, flagged.message)

    await waitFor(holds(a, copy), 60_000, 'A to hold B\'s copy')
    const listed = await waitFor(async () => {
      const r = await a.cli(['alerts', '--json'])
      assert.equal(r.code, 0, r.stderr)
      const items = JSON.parse(r.stdout).items as Array<{ later: string, earlier: string, code: string }>
      return items.length > 0 ? items : undefined
    }, 30_000, 'A\'s alerts')
    assert.deepEqual(listed.map(i => [i.later, i.earlier, i.code]), [[copy, mine, 'possible.unattributed_derivative']])
    await Promise.race([alertSeen, new Promise((_resolve, reject) => setTimeout(() => reject(new Error(`no alert event: ${streamed}`)), 20_000))])
    assert.match(streamed, new RegExp(`"later":"${copy}"`))
    await reader.cancel()

    // the same file found by `similar`, from A's side, without being stored
    const file = join(scratch, 'query.jpg')
    await writeFile(file, copyBytes)
    const similar = await a.cli(['similar', file, '--json'])
    assert.equal(similar.code, 0, similar.stderr)
    assert.deepEqual((JSON.parse(similar.stdout).items as Array<{ cid: string }>).map(i => i.cid).sort(), [mine, copy].sort())

    // a derivative that names A's work as its parent is attributed: no finding
    const credited = await add(b, 'harbour-remix.jpg', await jpeg(structuredImage(4242, 800, 600), 40), ['--parent', mine])
    const fair = JSON.parse((await b.cli(['verify', credited, '--json'])).stdout).findings as Array<{ code: string }>
    assert.equal(fair.some(f => f.code === 'possible.unattributed_derivative'), false)

    // turned by 3° in its own frame, the corners left black, recompressed: flagged through the straightened codes
    const turned = await toSharp(original).rotate(3, { background: '#000000' }).raw().toBuffer({ resolveWithObject: true })
    const tiltedBytes = new Uint8Array(await sharp(turned.data, { raw: { width: turned.info.width, height: turned.info.height, channels: turned.info.channels } })
      .extract({ left: Math.floor((turned.info.width - 800) / 2), top: Math.floor((turned.info.height - 600) / 2), width: 800, height: 600 }).jpeg({ quality: 80 }).toBuffer())
    const tilted = await add(b, 'harbour-tilted.jpg', tiltedBytes)
    const tiltedFindings = JSON.parse((await b.cli(['verify', tilted, '--json'])).stdout).findings as Array<{ code: string, related?: string[], message: string }>
    const tiltFlag = tiltedFindings.find(f => f.code === 'possible.unattributed_derivative')
    assert.ok(tiltFlag != null, `B's report flags the tilted copy: ${tiltedFindings.map(f => f.code).join(', ')}`)
    assert.deepEqual(tiltFlag.related, [mine])
    assert.match(tiltFlag.message, /turned a few degrees/, tiltFlag.message)
  })
})
