/**
 * Governance across a crash and a restart (protocols/governance.md §5): a member's vote reaches A's daemon, which
 * signs its receipt up to governance.receiptDelayMs later. A is killed with SIGKILL inside that delay. After the
 * restart A still witnesses the vote (found again from the stored records), signs exactly one receipt for it (a clean
 * restart after that signs no second one), and still announces the proposal's outcome at its close over SSE.
 * On the code before this test each of the three failed: the pending votes and the outcome timers lived in memory.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { issueRecord } from '../../src/records/index.ts'
import type { ValidRecord } from '../../src/records/index.ts'
import { bob, crypto } from '../collectives/helpers.ts'
import { TestDaemon, waitFor } from './harness.ts'

const RECEIPT_DELAY_MS = 8_000
const CLOSES_IN_MS = 75_000

describe('governance: witnessing and outcomes survive a crash', { timeout: 240_000 }, () => {
  let a: TestDaemon
  let collective: string

  before(async () => {
    a = await TestDaemon.create('atelier-gov-restart-')
    await a.writeConfig({ governance: { receiptDelayMs: RECEIPT_DELAY_MS } })
    await a.start()
  })
  after(async () => { await a?.destroy() })

  const post = async (record: ValidRecord): Promise<void> => {
    const res = await a.api('/v1/records', { method: 'POST', json: JSON.parse(new TextDecoder().decode(record.bytes)) })
    assert.ok(res.status === 201 || res.status === 200, `${record.kind}: ${res.status} ${JSON.stringify(res.body)}`)
  }
  const receiptsOf = async (): Promise<Array<{ votes: string[], author: string }>> => {
    const res = await a.api(`/v1/records?kind=receipt&collective=${collective}&limit=100`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body.items.map((s: any) => ({ votes: s.record.credentialSubject.votes, author: s.author }))
  }

  it('re-witnesses after SIGKILL, once, and announces the outcome after a restart', async () => {
    const created = await a.cli(['collective', 'create', 'Harbour', '--json'])
    assert.equal(created.code, 0, created.stderr)
    collective = JSON.parse(created.stdout).id
    const aDid = (await a.api('/v1/node')).body.did as string
    const admitted = await a.cli(['admit', collective, bob.did, '--json'])
    assert.equal(admitted.code, 0, admitted.stderr)

    // bob has no node: his proposal and vote reach A as records, as from gossip
    const now = Date.now()
    const proposal = issueRecord('proposal', {
      title: 'Open the archive on Sundays',
      method: 'single',
      weighting: 'equal',
      turnout: { numerator: 0, denominator: 1 },
      threshold: { numerator: 1, denominator: 2 },
      closes: new Date(now + CLOSES_IN_MS).toISOString()
    }, { signer: bob, crypto, validFrom: new Date(now), collective })
    await post(proposal)
    const vote = issueRecord('vote', { proposal: proposal.cid, choice: 0 }, { signer: bob, crypto, validFrom: new Date(now + 1), collective })
    await post(vote)

    // killed before the receipt's delay ran out: nothing was signed yet
    assert.equal((await receiptsOf()).length, 0, 'no receipt before the delay')
    await a.stop('SIGKILL')
    await a.start()

    const witnessed = await waitFor(async () => { const r = await receiptsOf(); return r.length > 0 ? r : undefined }, RECEIPT_DELAY_MS + 30_000, 'A to witness the vote after the crash')
    assert.deepEqual(witnessed, [{ votes: [vote.cid], author: aDid }])

    // a clean restart finds the receipt it signed and signs no second one
    await a.stop()
    await a.start()
    await new Promise(resolve => setTimeout(resolve, RECEIPT_DELAY_MS + 2_000))
    assert.equal((await receiptsOf()).length, 1, 'one receipt for the vote, across restarts')

    // the outcome at the close, announced by the restarted daemon (its timer was armed from the stored proposal)
    const tally = (await a.api(`/v1/proposals/${proposal.cid}`)).body
    assert.equal(tally.status, 'open')
    const events2 = await fetch(`${a.url}/v1/events`, { signal: AbortSignal.timeout(CLOSES_IN_MS + 30_000) })
    const reader2 = (events2.body as ReadableStream<Uint8Array>).getReader()
    let streamed2 = ''
    const dec2 = new TextDecoder()
    await waitFor(async () => {
      const { value, done } = await reader2.read()
      if (done) throw new Error('the event stream ended')
      streamed2 += dec2.decode(value)
      return /"type":"outcome"/.test(streamed2) ? true : undefined
    }, CLOSES_IN_MS + 30_000, 'the outcome event at the close')
    const line = streamed2.split('\n').find(l => l.includes('"type":"outcome"')) as string
    const outcome = JSON.parse(line.replace(/^data: /, ''))
    assert.equal(outcome.proposal, proposal.cid)
    assert.equal(outcome.outcome, 'passed', line)
    await reader2.cancel()
  })
})
