/**
 * `npm run bench` rewrites docs/benchmarks.md: the sections it does not measure (the fingerprint-record index of
 * issue 12 D2, the near-duplicate sweep, the larger fingerprint set, names, the network lab, discovery) must come through whole.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { KEPT_SECTIONS, keptSection, keptSections } from '../../bench/kept-sections.ts'

const DOC = await readFile(new URL('../../docs/benchmarks.md', import.meta.url), 'utf8')

describe('bench/run.ts keeps the sections it does not measure', () => {
  it('finds each kept section of docs/benchmarks.md whole, subsections included, up to the next section', () => {
    const kept = keptSections(DOC)
    for (const h of KEPT_SECTIONS) {
      const s = kept[h]
      assert.ok(s.startsWith(`## ${h}`), `section "${h}" found`)
      const headings = s.split('\n').filter(l => l.startsWith('## '))
      assert.ok(headings.length >= 1 && headings.every(l => l.startsWith(`## ${h}`)), `"${h}" stops at the next section`)
      for (const part of s.split(/\n(?=## )/)) assert.ok(DOC.includes(part.trimEnd()), `"${h}" is the file's own text`)
    }
    // the fingerprint-record index section, with its table, is among them
    assert.match(kept['Fingerprints in the index and at add time'], /\| index put, 20,000 asset records/)
    assert.match(kept['Near-duplicate lookup: choosing'], /^## Near-duplicate lookup: choosing/)
    // every network lab run is kept, the 50-member ones included
    assert.match(kept['Network lab'], /## Network lab: lossy mesh/)
    assert.match(kept['Network lab'], /### 50 members \(run 4\)/)
    // the discovery benches (issue 13) are run by their own scripts
    assert.match(kept['Discovery'], /^## Discovery: ranking/)
  })

  it('a section at the start or the end of a file, and one that is absent', () => {
    const doc = '## A first\none\n### A sub\ntwo\n## B second\nthree\n'
    assert.equal(keptSection(doc, 'A first'), '## A first\none\n### A sub\ntwo\n')
    assert.equal(keptSection(doc, 'B second'), '## B second\nthree\n')
    assert.equal(keptSection(doc, 'C'), '')
    // every section a prefix names, in order, with what lies between left out
    const runs = '## Lab one\na\n### sub\nb\n## Other\nc\n## Lab two\nd\n'
    assert.equal(keptSection(runs, 'Lab'), '## Lab one\na\n### sub\nb\n\n## Lab two\nd\n')
    // a heading is matched only at a line start, not inside a paragraph
    assert.equal(keptSection('text ## B second\n', 'B second'), '')
  })
})
