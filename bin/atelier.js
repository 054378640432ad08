#!/usr/bin/env node
// The `atelier` binary. The CLI is TypeScript run by Node >= 22.18 type stripping; on an older
// Node, re-run it with the project's own Node 24 (devDependency `node`) when present.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const here = dirname(fileURLToPath(import.meta.url))
const main = join(here, '..', 'src', 'cli', 'main.ts')
const [major, minor] = process.versions.node.split('.').map(Number)
if (major > 22 || (major === 22 && minor >= 18)) {
  await import(main)
} else {
  const local = join(here, '..', 'node_modules', '.bin', 'node')
  if (!existsSync(local)) {
    console.error(`atelier: needs Node >= 22.18 (this is ${process.version}); run npm install to get the project's Node 24`)
    process.exit(1)
  }
  const r = spawnSync(local, [main, ...process.argv.slice(2)], { stdio: 'inherit' })
  process.exit(r.status ?? 1)
}
