/**
 * A private collective on four real daemons (issue 14): A founds it, B and C are admitted, D asks to join but is never
 * admitted, so D subscribes to the topic and opens sync sessions like any peer. D's data dir holds no byte of a work
 * record's marker; B's does (the grep can find one). A removes C: the new epoch is wrapped to A and B only, and
 * nothing C's node holds opens it; a record added after the removal reaches B and not C, while C still reads the
 * plaintext of the work added before.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestDaemon, waitFor } from './harness.ts'
import { readIdentity } from '../../src/identity/index.ts'
import { unwrapEpochKeyWith } from '../../src/private/epoch-keys.ts'
import { fromKeyWrap } from '../../src/private/key-wraps.ts'
import { decryptWork } from '../../web/src/private-content.ts'

const CONFIG = { sync: { intervalMs: 2000 }, p2p: { memberExchangeMs: 1000 } }

/** Whether any file under `dir` holds `needle` */
async function holds (dir: string, needle: string): Promise<boolean> {
  const bytes = Buffer.from(needle)
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const data = await readFile(join(entry.parentPath, entry.name)).catch(() => undefined)
    if (data?.includes(bytes) === true) return true
  }
  return false
}

describe('a private collective of real daemons', { timeout: 300_000 }, () => {
  const nodes: TestDaemon[] = []
  let a: TestDaemon, b: TestDaemon, c: TestDaemon, d: TestDaemon
  let dids: string[]
  let collective: string
  let scratch: string
  const marker = `MARKER-${randomBytes(12).toString('hex')}`
  const marker2 = `MARKER-${randomBytes(12).toString('hex')}`
  const contentMarker = `CONTENT-${randomBytes(12).toString('hex')}`

  const audit = async (n: TestDaemon): Promise<any> => (await n.api(`/v1/collectives/${collective}/keys`)).body
  const hasRecord = async (n: TestDaemon, cid: string): Promise<boolean> => (await n.api(`/v1/records/${cid}`)).status === 200

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'atelier-private-files-'))
    for (let i = 0; i < 4; i++) {
      const n = await TestDaemon.create(`atelier-private-${i}-`)
      await n.writeConfig(CONFIG)
      await n.start()
      nodes.push(n)
    }
    ;[a, b, c, d] = nodes
    dids = await Promise.all(nodes.map(async n => (await n.api('/v1/node')).body.did as string))
  })

  after(async () => {
    for (const n of nodes) await n.destroy()
    if (scratch != null) await rm(scratch, { recursive: true, force: true })
  })

  it('A founds a private collective; B and C are admitted; D is not', async () => {
    const created = await a.cli(['collective', 'create', 'Drafts', '--private', '--policy', 'quorum', '--json'])
    assert.equal(created.code, 0, created.stderr)
    const out = JSON.parse(created.stdout)
    collective = out.id
    assert.equal(out.record.credentialSchema.id, 'https://atelier.works/schemas/charter/2.json')
    assert.equal(out.record.credentialSubject.visibility, 'private')
    const invite = (await a.cli(['invite', collective])).stdout.trim()
    for (const n of [b, c, d]) assert.equal((await n.cli(['join', invite, '--json'])).code, 0)
    for (const did of [dids[1]!, dids[2]!]) {
      const admitted = await a.cli(['admit', collective, did])
      assert.equal(admitted.code, 0, admitted.stderr)
    }
    // an epoch wrapped to exactly A, B and C, and B and C open it
    const members = [dids[0]!, dids[1]!, dids[2]!].sort()
    await waitFor(async () => {
      const keys = await audit(a)
      const current = keys.epochs.find((e: any) => e.epoch === keys.current)
      return current != null && JSON.stringify(current.holders) === JSON.stringify(members) ? current : undefined
    }, 60_000, 'an epoch wrapped to A, B and C')
    for (const n of [b, c]) {
      await waitFor(async () => {
        const keys = await audit(n)
        return keys.epochs.find((e: any) => e.epoch === keys.current)?.held === true && JSON.stringify(keys.epochs.at(-1).holders) === JSON.stringify(members) ? true : undefined
      }, 60_000, 'the member to hold the current epoch key')
    }
    const dKeys = await audit(d)
    assert.ok(dKeys.epochs.every((e: any) => e.held === false && !e.holders.includes(dids[3])), 'D holds no epoch')
    const shown = await a.cli(['collective', 'keys', collective])
    assert.equal(shown.code, 0, shown.stderr)
    assert.match(shown.stdout, /epoch 0: charter at /)
    assert.match(shown.stdout, /\(current\)/)
  })

  let work: string
  /** the first work's content CID and plaintext, read again by C after its removal */
  let firstContent: string
  let firstBody: string
  it('a work\'s record reaches B and C, and D\'s data dir holds no byte of its marker after gossip and sync', async () => {
    const file = join(scratch, 'draft.txt')
    const body = `${contentMarker}:${randomBytes(64).toString('hex')}`
    await writeFile(file, body)
    const added = await a.cli(['add', file, '--title', marker, '--collective', collective, '--json'])
    assert.equal(added.code, 0, added.stderr)
    work = JSON.parse(added.stdout).record ?? JSON.parse(added.stdout).cid
    const assetCid = (await a.api(`/v1/records?kind=asset&collective=${collective}`)).body.items[0].cid
    work = assetCid
    for (const n of [b, c]) await waitFor(async () => await hasRecord(n, work) ? true : undefined, 60_000, 'the member to receive the work record')
    // D has had several sync rounds and the gossip: it holds the open records at most
    await waitFor(async () => (await d.api(`/v1/records?kind=key&collective=${collective}`)).body.items.length > 0 ? true : undefined, 60_000, 'D to receive the key records, which travel in the clear')
    await new Promise(resolve => setTimeout(resolve, 5000))
    assert.equal(await hasRecord(d, work), false, 'D never gets the work record')
    assert.equal(await holds(b.home, marker), true, 'the grep finds the marker where it is (B)')
    assert.equal(await holds(d.home, marker), false, 'no byte of the marker in D\'s data dir')

    // the work itself was encrypted with the collective's real epoch key before it was addressed (§9): its record
    // names ciphertext, A's blocks hold no byte of the file, /ipfs serves ciphertext, and a member's node (B, whose
    // key came from a key record) answers the plaintext while a non-member's (D) cannot
    const subject = (await a.api(`/v1/records/${work}`)).body.record.credentialSubject
    assert.equal(subject.mediaType, 'application/vnd.atelier.encrypted')
    assert.equal(subject.encryption.plaintextSize, Buffer.byteLength(body))
    const content = String(subject.id).replace('ipfs://', '')
    firstContent = content
    firstBody = body
    assert.equal(await holds(a.home, contentMarker), false, 'no byte of the file\'s plaintext in A\'s data dir')
    const raw = await a.api(`/ipfs/${content}`)
    assert.equal(raw.status, 200)
    assert.ok(!String(raw.body).includes(contentMarker), '/ipfs serves ciphertext')
    let lastAnswer = ''
    const plain = await waitFor(async () => {
      const res = await b.api(`/v1/content/${content}/plaintext`, { headers: { authorization: `Bearer ${b.token}` } })
      lastAnswer = `${res.status} ${JSON.stringify(res.body)}`
      return res.status === 200 ? res : undefined
    }, 60_000, 'B to read the work\'s plaintext').catch(err => { throw new Error(`${err.message}; B answered ${lastAnswer}`) })
    assert.equal(plain.body, body)
    const denied = await d.api(`/v1/content/${content}/plaintext`, { headers: { authorization: `Bearer ${d.token}` } })
    assert.ok(denied.status >= 400 && denied.status < 500, `D is refused the plaintext (${denied.status})`)
    assert.equal(typeof denied.body.error?.code, 'string')
  })

  it('A removes C: the new epoch is wrapped to A and B only, nothing C holds opens it, and later records skip C', async () => {
    const removed = await a.cli(['remove', collective, dids[2]!])
    assert.equal(removed.code, 0, removed.stderr)
    const epoch = await waitFor(async () => {
      const keys = await audit(a)
      const current = keys.epochs.find((e: any) => e.epoch === keys.current)
      return current?.reason === 'removal' ? current : undefined
    }, 60_000, 'a removal epoch')
    assert.deepEqual(epoch.holders, [dids[0]!, dids[1]!].sort())
    await waitFor(async () => (await audit(b)).current === epoch.epoch && (await audit(b)).epochs.at(-1).held === true ? true : undefined, 60_000, 'B to hold the new epoch')
    // every key record C's node holds of that epoch, tried with C's own secret: none opens
    await waitFor(async () => (await audit(c)).current === epoch.epoch ? true : undefined, 60_000, 'C to see the new epoch (key records travel in the clear)')
    const cAudit = await audit(c)
    assert.equal(cAudit.epochs.at(-1).held, false)
    const cSecret = (await readIdentity(c.home)).encryptionSecret
    const keyRecords = (await c.api(`/v1/records?kind=key&collective=${collective}&limit=100`)).body.items
    let tried = 0
    for (const item of keyRecords) {
      const s = item.record.credentialSubject
      if (s.epoch !== epoch.epoch) continue
      for (const w of s.wraps) {
        tried++
        assert.throws(() => unwrapEpochKeyWith(collective, s.epoch, fromKeyWrap(w), cSecret), { code: 'ERR_DECRYPTION' })
      }
    }
    assert.ok(tried >= 2, 'C holds the new epoch\'s wraps, and opens none')

    const file = join(scratch, 'draft2.txt')
    await writeFile(file, randomBytes(64).toString('hex'))
    assert.equal((await a.cli(['add', file, '--title', marker2, '--collective', collective])).code, 0)
    const second = await waitFor(async () => (await b.api(`/v1/records?kind=asset&collective=${collective}`)).body.items.find((i: any) => i.record.credentialSubject.title === marker2), 60_000, 'B to receive the second work')
    await new Promise(resolve => setTimeout(resolve, 5000))
    assert.equal(await hasRecord(c, second.cid), false, 'the removed member gets no record added after its removal')
    assert.equal(await holds(c.home, marker2), false)
    assert.equal(await holds(d.home, marker2), false)
    assert.equal(await hasRecord(c, work), true, 'C keeps what it had')

    // C still reads the first work (its epoch key was wrapped to C before the removal) ...
    const cAuth = { headers: { authorization: `Bearer ${c.token}` } }
    const first = await c.api(`/v1/content/${firstContent}/plaintext`, cAuth)
    assert.equal(first.status, 200, JSON.stringify(first.body))
    assert.equal(first.body, firstBody)
    // ... and not the second: its node refuses, and no epoch key C holds opens the second's ciphertext, which any
    // peer may fetch (A's /ipfs serves it as bitswap does)
    const secondSubject = (await a.api(`/v1/records/${second.cid}`)).body.record.credentialSubject
    const secondContent = String(secondSubject.id).replace('ipfs://', '')
    const refused = await c.api(`/v1/content/${secondContent}/plaintext`, cAuth)
    assert.ok(refused.status >= 400 && refused.status < 500, `C is refused the second work's plaintext (${refused.status})`)
    assert.equal(typeof refused.body.error?.code, 'string')
    const ciphertext = new Uint8Array(await (await fetch(`${a.url}/ipfs/${secondContent}`)).arrayBuffer())
    assert.equal(ciphertext.length, secondSubject.byteSize)
    const mine = (await audit(c)).epochs.filter((e: any) => e.held === true)
    assert.ok(mine.length >= 1 && !mine.some((e: any) => e.epoch === secondSubject.encryption.epoch), 'C holds older epochs only')
    assert.equal((await c.api(`/v1/collectives/${collective}/epochs/${secondSubject.encryption.epoch}/key`, cAuth)).status, 404)
    for (const e of mine) {
      const got = await c.api(`/v1/collectives/${collective}/epochs/${e.epoch}/key`, cAuth)
      assert.equal(got.status, 200)
      const key = new Uint8Array(Buffer.from(got.body.key, 'base64url'))
      assert.throws(() => decryptWork(ciphertext, key, collective, secondSubject.encryption), `C's key of epoch ${e.epoch} does not open the second work`)
    }
  })

  it('every member computes the same epochs, whatever order its records came in, and again after a restart', async () => {
    const strip = (x: any): string => JSON.stringify(x.epochs?.map(({ held: _, ...e }: any) => e))
    // both read afresh each time: A's own view may still move (a removal's epoch starts on a timer), and a failure
    // shows the two views
    let views = ['', '']
    await waitFor(async () => {
      views = (await Promise.all([audit(a), audit(b)])).map(strip)
      return views[0] === views[1] ? true : undefined
    }, 60_000, 'B to agree with A').catch((err: Error) => { throw new Error(`${err.message}\nA: ${views[0]}\nB: ${views[1]}`) })
    const before = await audit(b)
    await b.stop()
    await b.start()
    const after = await waitFor(async () => { const x = await audit(b); return x.current === before.current ? x : undefined }, 60_000, 'B to load its epochs again')
    assert.deepEqual(after.epochs, before.epochs, 'the same epochs, and the same ones held, after a restart')
    assert.equal(after.epochs.at(-1).held, true)
  })
})
