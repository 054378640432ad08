/**
 * A quorum-2 collective on three real daemons: admins A and B each run `atelier admit <c> <did>` with the CLI's
 * defaults and the second signature joins the change the first started, so C becomes a member on every node;
 * `atelier members` shows the pending change and its signer between the two steps; `--cosign` signs a named change;
 * signing twice, or co-signing what is not a pending change, is refused.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { didsOf, startDaemons, waitFor } from './harness.ts'
import type { TestDaemon } from './harness.ts'

/** Test daemons reconcile history every 2 s (30 s by default) so convergence is quick */
const CONFIG = { sync: { intervalMs: 2000 } }

describe('quorum changes signed by two admins with the CLI defaults', { timeout: 300_000 }, () => {
  let nodes: TestDaemon[] = []
  let a: TestDaemon, b: TestDaemon, c: TestDaemon
  let aDid: string, bDid: string, cDid: string
  let collective: string
  let admission: string
  let admissionFrom: number

  const membersOf = async (n: TestDaemon): Promise<any> => (await n.api(`/v1/collectives/${collective}/members`)).body
  const holds = async (n: TestDaemon, cid: string, what: string): Promise<void> => {
    await waitFor(async () => (await n.api(`/v1/records/${cid}`)).status === 200 ? true : undefined, 30_000, what)
  }
  const everyNode = async (test: (m: any) => boolean, what: string): Promise<void> => {
    for (const n of nodes) await waitFor(async () => test(await membersOf(n)) ? true : undefined, 30_000, what)
  }

  before(async () => {
    nodes = await startDaemons(3, 'atelier-quorum-', CONFIG)
    ;[a, b, c] = nodes
    ;[aDid, bDid, cDid] = await didsOf(nodes)
  })

  after(async () => {
    for (const d of nodes) await d.destroy()
  })

  it('A founds a collective with admins A and B, quorum 2; B and C take part, C is not a member', async () => {
    const created = await a.cli(['collective', 'create', 'Two keys', '--policy', 'quorum', '--quorum', '2', '--admin', bDid, '--json'])
    assert.equal(created.code, 0, created.stderr)
    collective = JSON.parse(created.stdout).id
    for (const d of [b, c]) {
      const inv = await a.cli(['invite', collective])
      assert.equal(inv.code, 0, inv.stderr)
      const joined = await d.cli(['join', inv.stdout.trim(), '--json'])
      assert.equal(joined.code, 0, joined.stderr)
    }
    await everyNode(m => Array.isArray(m.members) && m.members.includes(aDid) && m.members.includes(bDid), 'every node to hold the charter')
    for (const n of nodes) assert.ok(!(await membersOf(n)).members.includes(cDid))
  })

  it('A admits C with the defaults: pending, 1 of 2, shown by atelier members with A\'s signature', async () => {
    const out = await a.cli(['admit', collective, cDid])
    assert.equal(out.code, 0, out.stderr)
    assert.match(out.stdout, /^signed the admit of did:key:\S+ from \d{4}-\d\d-\d\d \d\d:\d\d \(bagaaiera\w+\)$/m)
    assert.match(out.stdout, /still pending: 1 of 2 admin signatures; other admins co-sign with: atelier admit bagaaiera\w+ --cosign bagaaiera\w+/)

    const json = JSON.parse((await a.cli(['members', collective, '--json'])).stdout)
    assert.equal(json.pending.length, 1)
    const [p] = json.pending
    assert.equal(p.action, 'admit')
    assert.equal(p.member, cDid)
    assert.deepEqual(p.signers, [aDid])
    assert.equal(p.records.length, 1)
    assert.equal(p.needed, 1)
    assert.equal(typeof p.effectiveFrom, 'number')
    admission = p.records[0]
    admissionFrom = p.effectiveFrom

    const text = await a.cli(['members', collective])
    assert.equal(text.code, 0, text.stderr)
    const line = text.stdout.split('\n').find(l => l.startsWith('pending: '))
    assert.ok(line != null, text.stdout)
    assert.ok(line.startsWith(`pending: admit ${cDid} from `), line)
    assert.ok(line.includes(`— signed by ${aDid} (1 of 2); co-sign with: atelier admit ${collective} --cosign ${admission}`), line)
  })

  it('A signing the same change again is refused, with the defaults and with --cosign', async () => {
    const again = await a.cli(['admit', collective, cDid])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /already signed the admit of/)
    const cosign = await a.cli(['admit', collective, '--cosign', admission])
    assert.equal(cosign.code, 1)
    assert.match(cosign.stderr, /already signed/)
    assert.equal((await membersOf(a)).pending[0].records.length, 1, 'no second record')
  })

  it('B admits C with the defaults: it co-signs A\'s change and C becomes a member on all three nodes', async () => {
    await holds(b, admission, 'B to receive A\'s admit')
    await waitFor(async () => (await membersOf(b)).pending?.length === 1 ? true : undefined, 10_000, 'B to count A\'s admit as pending')
    const out = await b.cli(['admit', collective, cDid, '--json'])
    assert.equal(out.code, 0, out.stderr)
    const result = JSON.parse(out.stdout)
    assert.equal(result.cosigned, true)
    assert.equal(result.effective, true)
    assert.deepEqual(result.signers, [aDid, bDid].sort())
    assert.deepEqual(result.records, [admission, result.cid].sort())
    assert.equal(Date.parse(result.effectiveFrom), admissionFrom, 'A\'s effectiveFrom')
    await everyNode(m => m.members.includes(cDid) && m.pending.length === 0, 'C to be a member on every node')
  })

  it('--cosign: B starts a removal; A co-signs it by its record; C is no longer a member anywhere', async () => {
    const started = await b.cli(['remove', collective, cDid, '--reason', 'moved away'])
    assert.equal(started.code, 0, started.stderr)
    assert.match(started.stdout, /still pending: 1 of 2/)
    const removal = /--cosign (\S+)/.exec(started.stdout)?.[1] as string
    await holds(a, removal, 'A to receive B\'s remove')

    const wrongAction = await a.cli(['admit', collective, '--cosign', removal])
    assert.equal(wrongAction.code, 1)
    assert.match(wrongAction.stderr, /is a pending remove, not an admit: co-sign it with remove/)
    const noTarget = await a.cli(['remove', collective])
    assert.equal(noTarget.code, 2)
    const both = await a.cli(['remove', collective, '--cosign', removal, '--from', '2030-01-01'])
    assert.equal(both.code, 2)

    const out = await a.cli(['remove', collective, '--cosign', removal])
    assert.equal(out.code, 0, out.stderr)
    assert.match(out.stdout, /^co-signed the pending remove of /m)
    assert.match(out.stdout, /in effect: 2 of 2 admin signatures; not a member from /)
    await everyNode(m => !m.members.includes(cDid) && m.pending.length === 0, 'C to be removed on every node')

    const late = await b.cli(['remove', collective, '--cosign', removal])
    assert.equal(late.code, 1)
    assert.match(late.stderr, /already in effect/)
  })

  it('HTTP: cosign is a field of POST /v1/collectives/<id>/members; bad ones are refused by code', async () => {
    const spec = await a.api('/openapi.json')
    assert.equal(spec.status, 200)
    const body = JSON.stringify(spec.body.paths['/v1/collectives/{id}/members'].post)
    assert.match(body, /"cosign"/, 'the route schema documents cosign')
    assert.match(body, /ERR_ALREADY_SIGNED/)
    const notPending = await a.api(`/v1/collectives/${collective}/members`, { method: 'POST', json: { action: 'admit', cosign: collective } })
    assert.equal(notPending.status, 409, JSON.stringify(notPending.body))
    assert.equal(notPending.body.error.code, 'ERR_NOT_PENDING')
    assert.equal(notPending.body.error.details.reason, 'unknown')
    const neither = await a.api(`/v1/collectives/${collective}/members`, { method: 'POST', json: { action: 'admit' } })
    assert.equal(neither.status, 400)
    const notCid = await a.api(`/v1/collectives/${collective}/members`, { method: 'POST', json: { action: 'admit', cosign: 'not-a-cid' } })
    assert.equal(notCid.status, 400)
    assert.equal(notCid.body.error.code, 'ERR_INVALID_CID')
    // a new admit by HTTP, then the other admin co-signs it by HTTP
    const started = await a.api(`/v1/collectives/${collective}/members`, { method: 'POST', json: { action: 'admit', member: cDid } })
    assert.equal(started.status, 201, JSON.stringify(started.body))
    assert.equal(started.body.effective, false)
    await holds(b, started.body.cid, 'B to receive A\'s second admit')
    const twice = await a.api(`/v1/collectives/${collective}/members`, { method: 'POST', json: { action: 'admit', cosign: started.body.cid } })
    assert.equal(twice.status, 409)
    assert.equal(twice.body.error.code, 'ERR_ALREADY_SIGNED')
    const cosigned = await b.api(`/v1/collectives/${collective}/members`, { method: 'POST', json: { action: 'admit', cosign: started.body.cid } })
    assert.equal(cosigned.status, 201, JSON.stringify(cosigned.body))
    assert.equal(cosigned.body.effective, true)
    assert.equal(cosigned.body.effectiveFrom, started.body.effectiveFrom)
    await everyNode(m => m.members.includes(cDid), 'C to be a member again on every node')
  })
})
