/**
 * The HTTP routes (GET /v1/assets/:cid/royalties, GET /v1/assets/:cid/export) on a Fastify app with the gateway's
 * error handler, and the CLI commands (`royalties`, the lineage half of `export`) against it on 127.0.0.1:0.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { Command } from 'commander'
import { installErrorHandlers } from '../../src/gateway/errors.ts'
import { lineageReportRoutes } from '../../src/gateway/routes/lineage-reports.ts'
import { DaemonClient } from '../../src/cli/client.ts'
import type { Context } from '../../src/cli/command.ts'
import { Printer } from '../../src/cli/output.ts'
import { royalties } from '../../src/cli/commands/royalties.ts'
import type { RoyaltyReport } from '../../src/cli/commands/royalties.ts'
import { addLineageExportOptions, runLineageExport, wantsLineageExport } from '../../src/cli/commands/export-lineage.ts'
import { exportLineage } from './prov-fixtures.ts'

const lineage = exportLineage()
let app: FastifyInstance
let url: string

before(async () => {
  app = Fastify()
  installErrorHandlers(app)
  await app.register(async (scope) => { await lineageReportRoutes(scope, { view: lineage.g.view }) })
  url = await app.listen({ host: '127.0.0.1', port: 0 })
})

after(async () => {
  await app.close()
})

describe('GET /v1/assets/:cid/royalties', () => {
  it('answers the split, the payees adding up to the amount', async () => {
    const res = await app.inject({ url: `/v1/assets/${lineage.remix}/royalties?amount=1000&currency=EUR` })
    assert.equal(res.statusCode, 200)
    const body = res.json() as RoyaltyReport
    assert.equal(body.amount, 1000)
    assert.equal(body.currency, 'EUR')
    assert.equal(body.payees.reduce((s, p) => s + p.amount, 0), 1000)
    // the photo's LAP 5 % goes to alice, who also holds 30 % of the remix's own part
    assert.ok(body.payees.every(p => Number.isSafeInteger(p.amount) && typeof p.did === 'string'))
  })

  it('refuses a missing or bad amount or currency with ERR_INVALID_REQUEST, an unknown asset with ERR_NOT_FOUND', async () => {
    for (const q of ['currency=EUR', 'amount=1.5&currency=EUR', 'amount=-1&currency=EUR', 'amount=10', 'amount=10&currency=eur']) {
      const res = await app.inject({ url: `/v1/assets/${lineage.remix}/royalties?${q}` })
      assert.equal(res.statusCode, 400, q)
      assert.equal(res.json().error.code, 'ERR_INVALID_REQUEST', q)
    }
    const bad = await app.inject({ url: '/v1/assets/not-a-cid/royalties?amount=1&currency=EUR' })
    assert.equal(bad.json().error.code, 'ERR_INVALID_CID')
    const missing = await app.inject({ url: `/v1/assets/${'bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea'}/royalties?amount=1&currency=EUR` })
    assert.equal(missing.statusCode, 404)
    assert.equal(missing.json().error.code, 'ERR_NOT_FOUND')
  })
})

describe('GET /v1/assets/:cid/export', () => {
  it('answers PROV-JSON and the C2PA view', async () => {
    const prov = await app.inject({ url: `/v1/assets/${lineage.remix}/export?format=prov` })
    assert.equal(prov.statusCode, 200)
    assert.match(String(prov.headers['content-type']), /^application\/json/)
    assert.ok(prov.json().wasDerivedFrom != null)
    const c2pa = await app.inject({ url: `/v1/assets/${lineage.remix}/export?format=c2pa&depth=0` })
    assert.equal(c2pa.statusCode, 200)
    const store = c2pa.json()
    assert.equal(store.active_manifest, `urn:atelier:${lineage.remix}`)
    assert.equal(Object.keys(store.manifests).length, 1)
    assert.match(store.manifests[store.active_manifest].claim_generator, /^Atelier\/\d+\.\d+\.\d+/)
  })

  it('refuses a missing or unknown format and a bad depth', async () => {
    for (const q of ['', 'format=xml', 'format=prov&depth=101', 'format=prov&depth=x']) {
      const res = await app.inject({ url: `/v1/assets/${lineage.remix}/export?${q}` })
      assert.equal(res.statusCode, 400, q)
      assert.equal(res.json().error.code, 'ERR_INVALID_REQUEST', q)
    }
  })
})

/** A CLI context talking to the test server, printing into buffers */
function context (json: boolean): { ctx: Context, stdout: () => string } {
  const out = new PassThrough()
  let text = ''
  out.on('data', (c: Buffer) => { text += c.toString() })
  const printer = new Printer({ json, stdout: out, stderr: new PassThrough() })
  // every request of a test has a deadline
  const signal = AbortSignal.timeout(10_000)
  const ctx: Context = {
    json,
    home: tmpdir(),
    env: {},
    api: url,
    printer,
    progress: false,
    signal,
    client: async () => new DaemonClient({ url, source: 'flag' }, tmpdir(), signal)
  }
  return { ctx, stdout: () => text }
}

describe('atelier royalties', () => {
  it('parses its flags: --amount in minor units, --currency raised to upper case, both required', async () => {
    const cmd = new Command('royalties').exitOverride()
    royalties.setup(cmd)
    cmd.action(() => {})
    await cmd.parseAsync([lineage.remix, '--amount', '1000', '--currency', 'eur'], { from: 'user' })
    assert.deepEqual(cmd.opts(), { amount: 1000, currency: 'EUR' })
    const strict = new Command('royalties').exitOverride().configureOutput({ writeErr: () => {} })
    royalties.setup(strict)
    strict.action(() => {})
    await assert.rejects(strict.parseAsync([lineage.remix, '--currency', 'EUR'], { from: 'user' }), { code: 'commander.missingMandatoryOptionValue' })
  })

  it('--json carries payees, each with did and an integer amount, adding up to the amount', async () => {
    const { ctx, stdout } = context(true)
    const result = await royalties.run(ctx, [lineage.remix], { amount: 999, currency: 'EUR' })
    assert.ok(result != null)
    await ctx.printer.print(result)
    const report = JSON.parse(stdout()) as RoyaltyReport
    assert.ok(report.payees.length >= 2)
    for (const p of report.payees) {
      assert.match(p.did, /^did:key:z6Mk/)
      assert.ok(Number.isSafeInteger(p.amount))
    }
    assert.equal(report.payees.reduce((s, p) => s + p.amount, 0), 999)
  })

  it('prints a table for people', async () => {
    const { ctx, stdout } = context(false)
    const result = await royalties.run(ctx, [lineage.remix], { amount: 999, currency: 'EUR' })
    assert.ok(result != null)
    await ctx.printer.print(result)
    assert.match(stdout(), /9\.99 EUR earned by Harbour, reimagined/)
    assert.match(stdout(), /Harbour, reimagined → Harbour at dawn \(LAP 5 %/)
  })
})

describe('atelier export --prov / --c2pa', () => {
  it('adds its flags to the export command and tells a lineage export from a CAR', async () => {
    const cmd = addLineageExportOptions(new Command('export').exitOverride().argument('<cid>'))
    cmd.action(() => {})
    await cmd.parseAsync([lineage.remix, '--c2pa', '--depth', '2'], { from: 'user' })
    assert.deepEqual(cmd.opts(), { c2pa: true, depth: 2 })
    assert.equal(wantsLineageExport(cmd.opts()), true)
    assert.equal(wantsLineageExport({ car: true }), false)
  })

  it('prints the document, or writes it to a file', async () => {
    const { ctx, stdout } = context(true)
    const printed = await runLineageExport(ctx, `/ipfs/${lineage.remix}`, { prov: true })
    await ctx.printer.print(printed)
    assert.ok(JSON.parse(stdout()).entity != null)

    const dir = await mkdtemp(join(tmpdir(), 'atelier-export-'))
    try {
      const file = join(dir, 'lineage.c2pa.json')
      const saved = await runLineageExport(ctx, lineage.remix, { c2pa: true, output: file })
      assert.equal((saved as any).value.format, 'c2pa')
      const doc = JSON.parse(await readFile(file, 'utf8'))
      assert.equal(doc.active_manifest, `urn:atelier:${lineage.remix}`)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    await assert.rejects(runLineageExport(ctx, `${lineage.remix}/x`, { prov: true }), { name: 'UsageError' })
  })
})
