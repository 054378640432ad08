/**
 * What an `atelier` call costs before the command runs (issue 16: every `npx atelier` took seconds and printed
 * EBADENGINE warnings on Node 20). Module counts, not timings: docs/install.md has the measured figures.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { MAIN } from './helpers.ts'

const HOOK = `import { registerHooks } from 'node:module'
const urls = []
registerHooks({ load (url, ctx, next) { urls.push(url); return next(url, ctx) } })
process.on('exit', () => { process.stderr.write('LOADED ' + JSON.stringify(urls) + '\\n') })
`

describe('startup', () => {
  it('--help loads neither the invite codec (multiformats) nor the progress bar', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atelier-startup-'))
    try {
      const hook = join(dir, 'hook.mjs')
      await writeFile(hook, HOOK)
      const stderr = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['--import', pathToFileURL(hook).href, MAIN, '--help'], { timeout: 30_000, env: { ...process.env, ATELIER_HOME: dir } }, (err, _out, errOut) => {
          if (err != null) reject(err); else resolve(errOut)
        })
      })
      const line = stderr.split('\n').find(l => l.startsWith('LOADED '))
      assert.ok(line != null, stderr)
      const urls = JSON.parse(line.slice('LOADED '.length)) as string[]
      for (const heavy of ['/multiformats/', '/@multiformats/multiaddr/', '/cli-progress/']) {
        assert.ok(!urls.some(u => u.includes(heavy)), `${heavy} loaded by --help`)
      }
      assert.ok(urls.length < 90, `${urls.length} modules for --help`)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('engines admits every Node that npm 11 runs on (bin/atelier.js re-runs older ones on the project\'s Node 24)', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'))
    // npm 11's own range: a stricter one (it was >=22) made npm warn on every install and npx call on Node 20
    assert.equal(pkg.engines.node, '^20.17.0 || >=22.9.0')
    const lock = JSON.parse(await readFile(new URL('../../package-lock.json', import.meta.url), 'utf8'))
    assert.equal(lock.packages[''].engines.node, pkg.engines.node, 'the lock file says the same')
  })
})
