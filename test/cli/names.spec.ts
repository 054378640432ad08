/**
 * How the CLI writes people (src/cli/names.ts): the name where the daemon gave one, the short did otherwise, the
 * short did after a name two dids share, and the full did first with --dids.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { authorNames, didNames, namer } from '../../src/cli/names.ts'

const ada = 'did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw'
const bo = 'did:key:z6MkiaMbhXHNA4eJVCCj8dbzKzTgYDKf6crKgHVHid1F1WCT'
const cy = 'did:key:z6Mkh7U7jBwoMro3UeHmXes4tKtFbZhMRWejbtunbU4hhvjP'

describe('CLI names', () => {
  it('writes the name, or the short did when there is none', () => {
    const who = namer({ [ada]: 'Ada' })
    assert.equal(who(ada), 'Ada')
    assert.equal(who(bo), 'did:key:z6MkiaMb…1WCT')
    assert.equal(who(bo, 'Bo'), 'Bo', 'a name given with the did')
    assert.equal(who(undefined), '?')
    assert.equal(namer({ [ada]: 'Ada' }, false, true)(bo), bo, 'in full where the did is what the next command takes')
  })

  it('follows a name two dids share with each one\'s short did, so nobody passes for someone else', () => {
    const who = namer([[ada, 'Ada'], [bo, 'Ada'], [cy, 'Cy']])
    assert.equal(who(ada), 'Ada (did:key:z6Mktwup…MMsw)')
    assert.equal(who(bo), 'Ada (did:key:z6MkiaMb…1WCT)')
    assert.equal(who(cy), 'Cy')
  })

  it('--dids: the full did first, the name after it', () => {
    const who = namer({ [ada]: 'Ada' }, true)
    assert.equal(who(ada), `${ada} (Ada)`)
    assert.equal(who(bo), bo)
  })

  it('collects pairs from answers', () => {
    assert.deepEqual(authorNames([{ author: ada, authorName: 'Ada' }, { author: bo }]), [[ada, 'Ada']])
    assert.deepEqual(didNames([{ did: ada }, { did: bo, name: 'Bo' }]), [[bo, 'Bo']])
  })
})
