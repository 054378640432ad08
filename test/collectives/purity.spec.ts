/**
 * src/collectives/ stays pure and browser-safe: it imports only the record format and the shared errors, never a
 * Node built-in, a package, or a folder below it in the house plan (net, node, gateway, cli, index, store).
 */
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'

const dir = new URL('../../src/collectives/', import.meta.url)
const ALLOWED = /^(\.\/[a-z-]+\.ts|\.\.\/errors\.ts|\.\.\/records\/[a-z0-9-]+\.ts)$/

it('src/collectives imports only ./, ../records/ and ../errors.ts', () => {
  const files = readdirSync(dir).filter(name => name.endsWith('.ts'))
  assert.ok(files.length >= 5)
  for (const file of files) {
    const source = readFileSync(new URL(file, dir), 'utf8')
    const specifiers = [...source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map(m => m[1])
    for (const specifier of specifiers) assert.match(specifier, ALLOWED, `${file} imports ${specifier}`)
    assert.equal(/\b(Date\.now|new Date\(\)|Math\.random|process\.)/.test(source), false, `${file} reads a clock, randomness or the process`)
  }
})
