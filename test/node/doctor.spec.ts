/**
 * `atelier doctor` (src/node/doctor.ts) on a real node's data dir, and the start-up reconciliation after a crash
 * (src/node/reconcile.ts): each problem is made by hand in the stores, found by the check meant for it, and fixed
 * by `--fix` or by the next start where that is promised.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { AtelierNode } from '../../src/node/atelier-node.ts'
import { silentLogger } from '../../src/node/logger.ts'
import { resolveConfig } from '../../src/config.ts'
import { initHome } from '../../src/identity/index.ts'
import { runDoctor } from '../../src/node/doctor.ts'
import type { DoctorReport } from '../../src/node/doctor.ts'
import { RUNNING_FILE } from '../../src/node/reconcile.ts'
import { CID } from 'multiformats/cid'
import { FastFsBlockstore } from '../../src/store/fs-blockstore.ts'

const CONTENT = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

function config (home: string) {
  return resolveConfig(home, { http: { port: 0 }, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] } })
}

async function startNode (home: string): Promise<AtelierNode> {
  const node = new AtelierNode({ config: config(home), logger: silentLogger(), processMetrics: false })
  await node.start()
  return node
}

function problems (r: DoctorReport): Record<string, number> {
  return Object.fromEntries(r.checks.filter(c => c.problems > 0).map(c => [c.name, c.problems]))
}

async function doctor (home: string, fix = false): Promise<DoctorReport> {
  return await runDoctor({ home, fix, maxRecordBytes: 65536 })
}

/** Edit the (closed) index database directly */
async function withIndexDb (home: string, fn: (db: Level<string, string>) => Promise<void>): Promise<void> {
  const db = new Level<string, string>(join(home, 'index'), { valueEncoding: 'utf8' })
  try { await fn(db) } finally { await db.close() }
}

describe('atelier doctor and the reconciliation after a crash', { timeout: 120_000 }, () => {
  let home: string
  const records: string[] = []
  let content = ''

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'atelier-doctor-'))
    await initHome(home)
    const node = await startNode(home)
    try {
      for (let i = 0; i < 30; i++) {
        const parent = records.length > 0 && i % 3 === 0 ? records[records.length - 1] : undefined
        const out = await node.records.issue('asset', {
          id: `ipfs://${CONTENT}`,
          mediaType: 'image/png',
          byteSize: 1000 + i,
          title: `Work ${i}`,
          creators: [{ id: node.identity.did, role: 'author', share: 10000 }],
          ...(parent != null ? { ingredients: [{ relationship: 'parentOf' as const, record: parent, kind: 'asset' as const }] } : {})
        })
        records.push(out.cid)
      }
      const bytes = new Uint8Array(2_200_000).map((_, i) => (i * 31) % 251)
      content = (await node.store.store.addContent((async function * () { yield bytes })())).cid
    } finally {
      await node.stop()
    }
  })

  after(async () => { await rm(home, { recursive: true, force: true }) })

  it('a cleanly stopped node is clean, and leaves no running marker', async () => {
    assert.ok(!(await readdir(home)).includes(RUNNING_FILE))
    const r = await doctor(home)
    assert.deepEqual(problems(r), {})
    assert.equal(r.clean, true)
    assert.equal(r.notes.length, 0)
  })

  it('finds an index entry missing, an extra entry, a body without entries, a temp file and a broken lot entry; --fix repairs them', async () => {
    const victim = records[5]
    await withIndexDb(home, async db => {
      await db.sublevel<string, string>('time', { valueEncoding: 'utf8' }).clear({ limit: 1 })
      await db.sublevel<string, string>('kind', { valueEncoding: 'utf8' }).put('asset\x00999\x00bogus', '')
      await db.sublevel<string, string>('summary', { valueEncoding: 'utf8' }).del(victim)
    })
    const state = new Level<string, string>(join(home, 'state'), { valueEncoding: 'utf8' })
    await state.sublevel<string, string>('parked', { valueEncoding: 'utf8' }).put('bagaaierabroken', '{not json')
    await state.close()
    const blocks = new FastFsBlockstore(join(home, 'blocks'))
    const shard = (await readdir(join(home, 'blocks'))).find(n => !n.startsWith('.')) as string
    await writeFile(join(home, 'blocks', shard, '.CIQFAKE.data.0123456789ab.tmp'), 'half a block')

    const found = await doctor(home)
    assert.equal(found.clean, false)
    const p = problems(found)
    assert.equal(p.bodies, 2, JSON.stringify(found.checks)) // one body without entries, and the stored count is off by it
    assert.ok(p.rebuild >= 3, JSON.stringify(found.checks)) // the time entry, the bogus kind entry, the victim's entries
    assert.equal(p.lot, 1)
    assert.equal(p['temporary-files'], 1)
    assert.equal(p.pins, undefined)

    const fixed = await doctor(home, true)
    assert.equal(fixed.clean, true, JSON.stringify(fixed.checks))
    const after = await doctor(home)
    assert.deepEqual(problems(after), {})
    assert.equal((await blocks.scan()).temporary.length, 0)

    // the victim is counted again, with its lineage
    const node = await startNode(home)
    try {
      assert.equal(await node.index.count(), records.length)
      assert.ok(await node.index.has(victim))
    } finally {
      await node.stop()
    }
  })

  it('finds a pin whose blocks are gone (not fixable offline)', async () => {
    const blocks = new FastFsBlockstore(join(home, 'blocks'))
    // the root is a dag-pb node over raw leaves: remove one leaf
    const root = CID.parse(content)
    const { decode } = await import('@ipld/dag-pb')
    const leaf = decode(await blocks.getBytes(root)).Links[0].Hash
    const leafBytes = await blocks.getBytes(leaf)
    await rm(blocks.pathOf(leaf))
    try {
      const r = await doctor(home, true)
      assert.deepEqual(problems(r), { pins: 1 })
      assert.equal(r.clean, false)
      assert.match(r.checks.find(c => c.name === 'pins')?.examples?.[0] ?? '', new RegExp(`${content} lacks 1`))
    } finally {
      await writeFile(blocks.pathOf(leaf), leafBytes)
    }
  })

  it('after a crash the next start removes temp files and takes in a body whose entries were lost', async () => {
    const victim = records[7]
    await withIndexDb(home, async db => {
      await db.sublevel<string, string>('summary', { valueEncoding: 'utf8' }).del(victim)
      await db.sublevel<string, string>('meta', { valueEncoding: 'utf8' }).put('count', String(records.length - 1))
    })
    const shard = (await readdir(join(home, 'blocks'))).find(n => !n.startsWith('.')) as string
    await writeFile(join(home, 'blocks', shard, '.CIQCRASH.data.0123456789ab.tmp'), 'cut')

    // without the marker, a start trusts the stores (no walk): the temp file stays
    let node = await startNode(home)
    await node.stop()
    assert.equal((await new FastFsBlockstore(join(home, 'blocks')).scan()).temporary.length, 1)

    // with it (a run that never stopped), the start walks them
    await writeFile(join(home, RUNNING_FILE), '12345 2026-01-01T00:00:00.000Z\n')
    node = await startNode(home)
    try {
      assert.ok(await node.index.has(victim))
    } finally {
      await node.stop()
    }
    assert.equal((await new FastFsBlockstore(join(home, 'blocks')).scan()).temporary.length, 0)
    const r = await doctor(home)
    // the entries the summary's loss left behind are rewritten by the put (entries are pure): clean again
    assert.deepEqual(problems(r), {}, JSON.stringify(r.checks))
  })

  it('refuses while a daemon holds the data dir', async () => {
    const node = await startNode(home)
    try {
      await assert.rejects(doctor(home), { name: 'DaemonRunningError', code: 'ERR_DAEMON_RUNNING' })
    } finally {
      await node.stop()
    }
  })
})
