/**
 * The provenance and search routes over a real index, and the `verify` / `search` CLI commands against them
 * (Fastify on 127.0.0.1:0; the commands are driven through commander as the program drives them).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { Command } from 'commander'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { installErrorHandlers } from '../../src/gateway/errors.ts'
import { provenanceRoutes } from '../../src/gateway/routes/provenance.ts'
import type { GatewayComponents } from '../../src/gateway/types.ts'
import { DaemonClient } from '../../src/cli/client.ts'
import type { CliCommand, Context } from '../../src/cli/command.ts'
import { Printer } from '../../src/cli/output.ts'
import { badge, verify } from '../../src/cli/commands/verify.ts'
import { search } from '../../src/cli/commands/search.ts'
import { NotFoundError } from '../../src/errors.ts'
import { strayContentCid, World } from './verify-fixtures.ts'

class Capture extends Writable {
  text = ''
  override _write (chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString()
    done()
  }
}

/** Run one command as the program would: parse argv with its setup, run, print; returns output and exit code */
async function runCommand (def: CliCommand, argv: string[], api: string, json = false): Promise<{ code: number, stdout: string, stderr: string }> {
  const stdout = new Capture()
  const stderr = new Capture()
  const printer = new Printer({ json, stdout, stderr })
  const cmd = new Command(def.name).exitOverride()
  def.setup(cmd)
  let parsed: { args: unknown[], opts: unknown } | undefined
  cmd.action((...received: unknown[]) => {
    const self = received[received.length - 1] as Command
    parsed = { args: self.processedArgs, opts: self.opts() }
  })
  await cmd.parseAsync(argv, { from: 'user' })
  const signal = new AbortController().signal
  const ctx: Context = {
    json, home: '/nonexistent', env: {}, api, printer, progress: false, signal,
    client: async () => await DaemonClient.create({ home: '/nonexistent', api, env: {}, signal })
  }
  try {
    const result = await def.run(ctx, parsed?.args ?? [], parsed?.opts)
    if (result != null) await printer.print(result)
    return { code: 0, stdout: stdout.text, stderr: stderr.text }
  } catch (err: any) {
    printer.error(err.message)
    return { code: err.exitCode ?? 1, stdout: stdout.text, stderr: stderr.text }
  }
}

describe('provenance and search over HTTP and the CLI', () => {
  let w: World
  let app: FastifyInstance
  let api: string

  before(async () => {
    w = await World.create()
    const { records, blocks } = w
    const components = {
      index: w.index,
      store: {
        async getRecord (cid: string) {
          const b = records.get(cid)
          if (b == null) throw new NotFoundError(`record ${cid} is not stored here`)
          return b
        },
        async getBlock (cid: string) {
          const b = blocks.get(cid)
          if (b == null) throw new NotFoundError(`block ${cid} is not stored here`)
          return b
        }
      }
    } as unknown as GatewayComponents
    app = Fastify()
    installErrorHandlers(app)
    await app.register(async (scope) => { await provenanceRoutes(scope, components) })
    api = await app.listen({ host: '127.0.0.1', port: 0 })
  })
  after(async () => {
    await app.close()
    await w.close()
  })

  it('GET /v1/assets/:cid/provenance answers the report; 404 and 400 as typed errors', async () => {
    const p = await w.asset({ by: 'ann', title: 'Harbour' })
    await w.license(p, 'ann', { derivativesAllowed: false })
    const c = await w.asset({ by: 'bob', title: 'Harbour at dusk', ingredients: [{ relationship: 'parentOf', record: p.cid }] })
    const res = await fetch(`${api}/v1/assets/${c.cid}/provenance?depth=3`)
    assert.equal(res.status, 200)
    const report = await res.json() as any
    assert.equal(report.verdict, 'failed')
    assert.equal(report.depth, 3)
    assert.ok(report.findings.some((f: any) => f.code === 'license.derivativesNotAllowed' && f.record === c.cid && f.severity === 'error'))
    assert.deepEqual(report.records.map((r: any) => r.title), ['Harbour at dusk', 'Harbour'])

    const missing = await fetch(`${api}/v1/assets/${strayContentCid()}/provenance`)
    assert.equal(missing.status, 404)
    assert.equal(((await missing.json()) as any).error.code, 'ERR_NOT_FOUND')
    const bad = await fetch(`${api}/v1/assets/${c.cid}/provenance?depth=101`)
    assert.equal(bad.status, 400)
    assert.equal(((await bad.json()) as any).error.code, 'ERR_INVALID_REQUEST')
  })

  it('GET /v1/search answers hits with scores and a cursor; bad parameters are 400', async () => {
    for (const title of ['Lighthouse at night', 'Lighthouse keeper', 'Night market']) await w.asset({ by: 'cid', title })
    const res = await fetch(`${api}/v1/search?q=lighthouse%20night&limit=2&author=${encodeURIComponent(w.did('cid'))}`)
    assert.equal(res.status, 200)
    const page = await res.json() as any
    assert.deepEqual(page.items.map((h: any) => [h.title, h.score]), [['Lighthouse at night', 2], ['Night market', 1]])
    assert.match(page.items[0].time, /^\d{4}-\d{2}-\d{2}T/)
    assert.equal(typeof page.cursor, 'string')
    const next = await (await fetch(`${api}/v1/search?q=lighthouse%20night&limit=2&author=${encodeURIComponent(w.did('cid'))}&cursor=${page.cursor}`)).json() as any
    assert.deepEqual(next.items.map((h: any) => h.title), ['Lighthouse keeper'])
    assert.equal(next.cursor, null)
    for (const q of ['sort=best', 'kind=thing', 'limit=0', 'collective=nope', 'prefix=maybe', 'since=yesterday']) {
      const r = await fetch(`${api}/v1/search?q=x&${q}`)
      assert.equal(r.status, 400, q)
    }
  })

  it('atelier verify prints a badge per finding, exits 0 unless the verdict is failed, and --json carries the codes', async () => {
    const ok = await w.asset({ by: 'ann', title: 'Clean work' })
    const good = await runCommand(verify, [ok.cid], api)
    assert.equal(good.code, 0)
    assert.match(good.stdout, /^VERIFIED: provenance of "Clean work"/)
    assert.match(good.stdout, /\[ ok \] signature\.valid/)
    assert.match(good.stdout, /\[info\] content\.notHeld/)

    const p = await w.asset({ by: 'ann', title: 'Closed work' })
    await w.license(p, 'ann', { derivativesAllowed: false })
    const c = await w.asset({ by: 'bob', title: 'Adaptation', ingredients: [{ relationship: 'parentOf', record: p.cid }] })
    const failed = await runCommand(verify, [c.cid, '--depth', '2'], api)
    assert.equal(failed.code, 1)
    assert.match(failed.stdout, /^FAILED/)
    assert.match(failed.stdout, /\[FAIL\] license\.derivativesNotAllowed/)
    assert.match(failed.stderr, /provenance verification failed: 1 error/)

    const json = await runCommand(verify, [c.cid], api, true)
    assert.equal(json.code, 1)
    const report = JSON.parse(json.stdout)
    assert.equal(report.verdict, 'failed')
    assert.ok(report.findings.every((f: any) => typeof f.code === 'string' && typeof f.record === 'string'))
    assert.ok(report.findings.some((f: any) => f.code === 'license.derivativesNotAllowed'))

    const warned = await w.asset({ by: 'bob', title: 'Loose end', ingredients: [{ relationship: 'parentOf', record: strayContentCid(0x0200) }] })
    const warnings = await runCommand(verify, [warned.cid], api, true)
    assert.equal(warnings.code, 0)
    assert.equal(JSON.parse(warnings.stdout).verdict, 'warnings')

    assert.equal(badge({ code: 'license.permitted', severity: 'info' }), '[ ok ]')
    assert.equal(badge({ code: 'claim.conflict', severity: 'warning' }), '[warn]')
  })

  it('atelier search prints a page of hits, or every hit with --all', async () => {
    for (const title of ['Tide pool', 'Tidal wave', 'Low tide']) await w.asset({ by: 'dee', title })
    const page = await runCommand(search, ['tid', '--author', w.did('dee'), '--limit', '2'], api)
    assert.equal(page.code, 0)
    assert.match(page.stdout, /^TIME +KIND +CID/)
    assert.match(page.stdout, /more: add --cursor /)
    const all = await runCommand(search, ['tid', '--author', w.did('dee'), '--limit', '1', '--all'], api, true)
    const hits = all.stdout.trim().split('\n').map(l => JSON.parse(l))
    assert.deepEqual(hits.map(h => h.title).sort(), ['Low tide', 'Tidal wave', 'Tide pool'])
    const none = await runCommand(search, ['zzzz'], api)
    assert.match(none.stdout, /\(nothing found\)/)
    const media = await runCommand(search, ['--media-type', 'image/png', '--author', w.did('dee'), '--sort', 'time'], api, true)
    assert.equal(JSON.parse(media.stdout).items.length, 3)
  })
})
