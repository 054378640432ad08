/**
 * No promise in src/ is left to reject unhandled (an unhandled rejection ends a Node 24 process): every statement
 * that drops a promise, bare or with `void`, must end its chain in `.catch(…)` or `.then(onFulfilled, onRejected)`.
 * Read with the TypeScript checker, so a helper returning a promise is found whatever its name. The few statements
 * that are safe for a reason the types cannot show are listed below with that reason.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Dropped promises that cannot reject, each with why (file, start of the statement) */
const SAFE: Array<{ file: string, text: string, why: string }> = [
  { file: 'src/node/collective-view.ts', text: 'void this.run(', why: 'run() ends its chain in a catch that logs' },
  { file: 'src/node/record-commit.ts', text: 'void releasing.finally(', why: 'releasing ends in a catch that logs; the finally callback only deletes from a Set' }
]

/** Fastify's reply is thenable (it resolves when sent) but never rejects: dropping it is the documented use */
const THENABLE_NOT_PROMISE = new Set(['FastifyReply'])

function handled (expr: ts.Expression): boolean {
  if (ts.isCallExpression(expr) && ts.isPropertyAccessExpression(expr.expression)) {
    const name = expr.expression.name.text
    if (name === 'catch') return true
    if (name === 'then' && expr.arguments.length >= 2) return true
  }
  return false
}

function droppedPromises (): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(`${ROOT}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })
  assert.ok(parsed != null)
  const program = ts.createProgram(parsed.fileNames.filter(f => f.startsWith(`${ROOT}src/`)), parsed.options)
  const checker = program.getTypeChecker()
  const isPromise = (t: ts.Type): boolean => {
    if (THENABLE_NOT_PROMISE.has(t.aliasSymbol?.name ?? t.symbol?.name ?? '')) return false
    if (t.isUnion()) return t.types.some(isPromise)
    return t.getProperty('then') != null
  }
  const found: string[] = []
  for (const sf of program.getSourceFiles()) {
    if (!sf.fileName.startsWith(`${ROOT}src/`)) continue
    const file = sf.fileName.slice(ROOT.length)
    const visit = (node: ts.Node): void => {
      if (ts.isExpressionStatement(node)) {
        const e = ts.isVoidExpression(node.expression) ? node.expression.expression : node.expression
        if (!ts.isAwaitExpression(e) && !ts.isBinaryExpression(e) && isPromise(checker.getTypeAtLocation(e)) && !handled(e)) {
          const text = node.getText()
          if (!SAFE.some(s => s.file === file && text.startsWith(s.text))) {
            found.push(`${file}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${text.slice(0, 100)}`)
          }
        }
      }
      ts.forEachChild(node, visit)
    }
    visit(sf)
  }
  return found
}

describe('promises in src/', () => {
  it('none is dropped without a catch', { timeout: 120_000 }, () => {
    const found = droppedPromises()
    assert.deepEqual(found, [], `dropped promises with no catch:\n${found.join('\n')}`)
  })
})
