/** SPDX expressions as the CLI and the create routes check them (src/records/spdx.ts) */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { checkSpdxExpression, SpdxProblem, spdxSuggestions } from '../../src/records/spdx.ts'

describe('SPDX expressions', () => {
  it('accepts list ids in any case and answers them in canonical case', () => {
    assert.equal(checkSpdxExpression('MIT'), 'MIT')
    assert.equal(checkSpdxExpression('cc-by-sa-4.0'), 'CC-BY-SA-4.0')
    assert.equal(checkSpdxExpression('apache-2.0+'), 'Apache-2.0+')
    assert.equal(checkSpdxExpression('LicenseRef-riverside-terms'), 'LicenseRef-riverside-terms')
  })

  it('accepts compound expressions (SPDX 2.3 Annex D)', () => {
    assert.equal(checkSpdxExpression('(MIT OR Apache-2.0) AND CC-BY-4.0'), '(MIT OR Apache-2.0) AND CC-BY-4.0')
    assert.equal(checkSpdxExpression('GPL-2.0-or-later WITH classpath-exception-2.0'), 'GPL-2.0-or-later WITH Classpath-exception-2.0')
    assert.equal(checkSpdxExpression('( MIT )'), '(MIT)')
  })

  it('refuses family names and made-up ids, suggesting list ids', () => {
    const gpl = checkSpdxExpression('gpl')
    assert.ok(gpl instanceof SpdxProblem)
    assert.ok(gpl.suggestions.includes('GPL-3.0-only'))
    const ish = checkSpdxExpression('MIT-ish')
    assert.ok(ish instanceof SpdxProblem)
    assert.deepEqual(ish.suggestions, ['MIT'])
    assert.deepEqual(spdxSuggestions('cc-by-nd'), ['CC-BY-ND-1.0', 'CC-BY-ND-2.0', 'CC-BY-ND-2.5', 'CC-BY-ND-3.0', 'CC-BY-ND-4.0'])
  })

  it('refuses what the grammar does not allow', () => {
    for (const bad of ['', 'MIT OR', '(MIT', 'MIT)', 'MIT and Apache-2.0', 'MIT WITH nothing-exception', 'AND MIT', 'MIT Apache-2.0', 'my license', 'x'.repeat(201)]) {
      assert.ok(checkSpdxExpression(bad) instanceof SpdxProblem, bad)
    }
  })

  it('never throws, and what it accepts it accepts again unchanged', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (s) => {
      const r = checkSpdxExpression(s)
      if (typeof r === 'string') assert.equal(checkSpdxExpression(r), r)
    }), { numRuns: 500 })
    const atoms = fc.constantFrom('MIT', 'cc-by-4.0', 'GPL-3.0-only', 'LicenseRef-x', 'Apache-2.0')
    const expr: fc.Arbitrary<string> = fc.letrec(tie => ({
      e: fc.oneof({ depthSize: 'small' }, atoms, fc.tuple(tie('e') as fc.Arbitrary<string>, fc.constantFrom('AND', 'OR'), tie('e') as fc.Arbitrary<string>).map(([a, op, b]) => `(${a} ${op} ${b})`))
    })).e
    fc.assert(fc.property(expr, (s) => { assert.equal(typeof checkSpdxExpression(s), 'string', s) }), { numRuns: 300 })
  })
})
