/**
 * Pins the command tree (as Kubo's commands_test does): adding or removing a command must change this list.
 * Every command answers --help with exit 0 and a usage line.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { COMMANDS, createProgram } from '../../src/cli/program.ts'
import { cli, tempHome } from './helpers.ts'

const PINNED = [
  'init', 'daemon', 'id',
  'add', 'get', 'cat', 'export', 'import',
  'pin ls', 'pin add', 'pin rm', 'gc',
  'record', 'records', 'search', 'lineage', 'verify', 'royalties', 'similar', 'alerts',
  'license', 'grant', 'attest', 'revoke',
  'collective create', 'collective list', 'collective show', 'collective health', 'collective keys', 'collective rotate',
  'invite', 'join', 'members', 'admit', 'remove',
  'propose', 'vote', 'proposals', 'proposal show',
  'profile set', 'profile show',
  'follow', 'unfollow', 'endorse', 'discover',
  'peers', 'connect',
  'reindex', 'doctor'
]
/** the top level of the tree: `collective` and `profile` group their sub commands */
const TOP = [...new Set(PINNED.map(n => n.split(' ')[0]))]

describe('command list', () => {
  let home: string
  let cleanup: () => Promise<void>
  before(async () => { ({ home, cleanup } = await tempHome()) })
  after(async () => { await cleanup() })

  it('the registry holds exactly the pinned commands, in order', () => {
    assert.deepEqual(COMMANDS.map(c => c.name), PINNED)
    assert.deepEqual(createProgram().commands.map(c => c.name()), TOP)
    const group = createProgram().commands.find(c => c.name() === 'collective')
    assert.deepEqual(group?.commands.map(c => c.name()), ['create', 'list', 'show', 'health', 'keys', 'rotate'])
    const pin = createProgram().commands.find(c => c.name() === 'pin')
    assert.deepEqual(pin?.commands.map(c => c.name()), ['ls', 'add', 'rm'])
    assert.deepEqual(createProgram().commands.find(c => c.name() === 'profile')?.commands.map(c => c.name()), ['set', 'show'])
  })

  it('every command has a summary and at least one example', () => {
    for (const c of COMMANDS) {
      assert.ok(c.summary.length > 10, `${c.name} summary`)
      assert.ok(c.examples.length > 0, `${c.name} examples`)
      assert.ok(c.examples.every(e => e.startsWith(`atelier ${c.name}`) || e.includes(`atelier ${c.name}`)), `${c.name} examples use the command`)
    }
  })

  it('help names record CIDs as records (bagaaiera…), never as content CIDs (bafy…); no sentence is hard-wrapped (issue 16)', () => {
    const all = (cmd: ReturnType<typeof createProgram>): Array<ReturnType<typeof createProgram>> => [cmd, ...cmd.commands.flatMap(all)]
    for (const c of COMMANDS) {
      for (const e of c.examples) assert.doesNotMatch(e, /bafyrei/, `${c.name} example names a record by a content CID: ${e}`)
    }
    for (const cmd of all(createProgram())) {
      for (const o of cmd.options) {
        assert.ok(!o.description.includes('\n'), `atelier ${cmd.name()} ${o.flags}: a line break inside the description`)
        if (/record/i.test(o.flags)) assert.doesNotMatch(o.description, /bafy/, `atelier ${cmd.name()} ${o.flags}`)
      }
      // each paragraph is one line (the terminal wraps it): a line break must end a sentence, not cut one
      const cut = /[^.!?:\n]\n/.exec(cmd.description())
      assert.equal(cut, null, `atelier ${cmd.name()}: its description is wrapped by hand at "${cut?.input.slice(Math.max(0, cut.index - 30), cut.index + 2) ?? ''}"`)
    }
    const parent = createProgram().commands.find(c => c.name() === 'add')?.options.find(o => o.long === '--parent')
    assert.match(parent?.description ?? '', /record CID/i)
    assert.match(parent?.description ?? '', /not the content CID/)
  })

  it('every command offers --json (a global option shown in its help)', () => {
    const program = createProgram()
    assert.ok(program.options.some(o => o.long === '--json'))
    assert.ok(program.options.some(o => o.long === '--api'))
  })

  it('atelier --help lists every command and exits 0', async () => {
    const r = await cli(['--help'], { home })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^Usage: atelier/)
    for (const name of TOP) assert.match(r.stdout, new RegExp(`^  ${name}\\b`, 'm'), name)
  })

  for (const name of PINNED) {
    it(`atelier ${name} --help exits 0 and prints usage and an example`, async () => {
      const r = await cli([...name.split(' '), '--help'], { home })
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, new RegExp(`^Usage: atelier ${name}\\b`))
      assert.match(r.stdout, /Examples:\n {2}\$ atelier /)
      assert.match(r.stdout, /--json/)
      assert.equal(r.stderr, '')
    })
  }

  it('atelier help <command> is the same as <command> --help', async () => {
    const r = await cli(['help', 'add'], { home })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^Usage: atelier add/)
  })

  it('--version prints the package version and exits 0', async () => {
    const r = await cli(['--version'], { home })
    assert.equal(r.code, 0)
    assert.match(r.stdout, /^\d+\.\d+\.\d+/)
  })
})

describe('usage errors exit 2', () => {
  let home: string
  let cleanup: () => Promise<void>
  before(async () => { ({ home, cleanup } = await tempHome()) })
  after(async () => { await cleanup() })

  const cases: Array<[string, string[], RegExp]> = [
    ['an unknown flag', ['records', '--bogus'], /unknown option '--bogus'/],
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['a missing argument', ['record'], /missing required argument 'cid'/],
    ['a bad choice', ['records', '--kind', 'poem'], /--kind/],
    ['a value that is not a CID', ['record', 'not-a-cid'], /is not a CID/],
    ['a missing mandatory option', ['attest', 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'], /--claim/],
    ['a bad percentage', ['license', 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', '--rev-share', '150'], /100 %/],
    ['a bad --http', ['daemon', '--http', 'nowhere'], /host:port/],
    ['conflicting flags', ['lineage', 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', '--ancestors', '--both'], /cannot be used with/],
    ['a bad --api', ['records', '--api', 'ftp://x'], /http/],
    ['no command at all', [], /Usage: atelier/]
  ]
  for (const [what, args, message] of cases) {
    it(`${what} → exit 2`, async () => {
      const r = await cli(args, { home })
      assert.equal(r.code, 2, `stdout: ${r.stdout}\nstderr: ${r.stderr}`)
      assert.match(r.stderr, message)
      assert.equal(r.stdout, '')
    })
  }

  it('a flag check the command does itself (--prompt without --ai-model) → exit 2, nothing sent', async () => {
    const r = await cli(['add', 'x.png', '--prompt', 'a cat'], { home })
    assert.equal(r.code, 2, r.stderr)
    assert.equal(r.stderr, 'atelier: --prompt needs --ai-model (the prompt hash is recorded on the model that used it)\n')
  })
})
