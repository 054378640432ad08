/**
 * The fuzz suite (issue 10, "Checked by"): one real daemon, fed
 *   - records of every kind mutated member by member from the JSON Schemas (mutate.ts), over HTTP, gossip and sync;
 *   - malformed sync sessions on /atelier/sync/1.0.0 (frames.ts);
 *   - malformed HTTP requests on raw sockets: methods, paths, headers, /ipfs ranges, bodies (requests.ts).
 * After each: the process is alive, answers /healthz, its peak RSS is under RSS_BOUND_MIB, and its index holds what
 * it held before plus only records that are valid (and, from gossip and sync, in the collective's scope).
 *
 * Seeded: every run prints its seed, and a failure names it; ATELIER_FUZZ_SEED=<n> replays a run, and
 * ATELIER_FUZZ_SCALE=<k> multiplies every count (bench/fuzz.ts runs the long version).
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { fuzzGossipRecords, fuzzHttpRecords, fuzzSyncRecords } from './records.ts'
import { fuzzSyncFrames, honestCatchUp } from './frames.ts'
import { fuzzHttpRequests } from './requests.ts'
import { healthzMs, indexCids, ingestCounters, rssOf, settle, startTarget } from './target.ts'
import type { FuzzTarget } from './target.ts'

/** The daemon's peak resident memory must stay under this, MiB (it starts near 240 MiB; the suite ends near 300) */
export const RSS_BOUND_MIB = 512

const SEED = Number(process.env.ATELIER_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
const SCALE = Number(process.env.ATELIER_FUZZ_SCALE ?? 1)
const n = (count: number): number => Math.max(1, Math.round(count * SCALE))

describe(`fuzz (seed ${SEED}; replay with ATELIER_FUZZ_SEED=${SEED})`, { timeout: 600_000 }, () => {
  let t: FuzzTarget
  let held: Set<string>

  before(async () => {
    t = await startTarget()
    held = await indexCids(t.d)
  })
  after(async () => { await t?.d.destroy() })

  /** The invariants every phase ends with; `valid` are the records the node may have added */
  async function check (phase: string, valid: Set<string>): Promise<void> {
    assert.ok(t.d.running, `${phase}: the daemon exited\n${t.d.log.slice(-2000)}`)
    await healthzMs(t.d)
    const { peak } = rssOf(t.d)
    assert.ok(peak < RSS_BOUND_MIB, `${phase}: peak RSS ${Math.round(peak)} MiB over ${RSS_BOUND_MIB} MiB`)
    const now = await indexCids(t.d)
    const invalid = [...now].filter(c => !held.has(c) && !valid.has(c))
    assert.deepEqual(invalid, [], `${phase}: records in the index that were neither there before nor valid (seed ${SEED})`)
    assert.ok([...held].every(c => now.has(c)), `${phase}: records went missing`)
    held = now
  }

  it('records mutated member by member, over HTTP: no 5xx, 2xx only for valid records, nothing invalid stored', async (ctx) => {
    const tally = await fuzzHttpRecords(t, n(250), SEED)
    ctx.diagnostic(`seed ${SEED}: ${tally.sent} records, statuses ${JSON.stringify(tally.statuses)}, ${tally.valid.size} valid, ${tally.retried} sent again (${tally.retryCauses.join(', ')})`)
    await check('http records', tally.valid)
  })

  it('records mutated member by member, over gossip from raw peers: nothing invalid or out of scope stored', async (ctx) => {
    const before = await ingestCounters(t.d, 'gossip')
    const tally = await fuzzGossipRecords(t, n(250), SEED + 1)
    const after = await settle(async () => await ingestCounters(t.d, 'gossip'))
    ctx.diagnostic(`seed ${SEED + 1}: ${tally.sent} messages from ${tally.peers} peers, ${tally.valid.size} valid; the node ingested ${after.ingested - before.ingested} and rejected ${after.rejected - before.rejected}`)
    assert.ok(after.rejected - before.rejected > 0, 'the node judged some of the messages')
    await check('gossip records', tally.valid)
  })

  it('records mutated member by member, in sync sessions: nothing invalid or out of scope stored', async (ctx) => {
    const tally = await fuzzSyncRecords(t, n(250), SEED + 2)
    const counters = await settle(async () => await ingestCounters(t.d, 'sync'))
    ctx.diagnostic(`seed ${SEED + 2}: ${tally.sent} records in ${tally.sessions} sessions (${JSON.stringify(tally.errors)}), ${tally.valid.size} valid; the node ingested ${counters.ingested}, rejected ${counters.rejected}`)
    assert.ok(counters.rejected > 0, 'the records reached the node\'s ingest')
    await check('sync records', tally.valid)
  })

  it('malformed sync sessions: the node answers or times out each, stores nothing, and still serves an honest peer', async (ctx) => {
    const tally = await fuzzSyncFrames(t, n(120), SEED + 3)
    ctx.diagnostic(`seed ${SEED + 3}: ${tally.frames} chunks in ${tally.sessions} sessions: ${JSON.stringify(tally.outcomes)}`)
    await check('sync frames', new Set())
    const records = await honestCatchUp(t)
    const scope = [...held].length
    assert.ok(records > 0 && records <= scope, `an honest catch-up received ${records} records`)
  })

  it('malformed HTTP requests (method, path, headers, /ipfs ranges, bodies): no 5xx, errors in the documented body', async (ctx) => {
    const tally = await fuzzHttpRequests(t, n(400), SEED + 4)
    ctx.diagnostic(`seed ${SEED + 4}: ${tally.sent} requests, statuses ${JSON.stringify(tally.statuses)}, ${tally.bareParserErrors} bare parser errors`)
    await check('http requests', new Set())
    const { rss, peak } = rssOf(t.d)
    ctx.diagnostic(`daemon RSS now ${Math.round(rss)} MiB, peak ${Math.round(peak)} MiB (bound ${RSS_BOUND_MIB} MiB)`)
  })
})
