/**
 * Structure-aware record mutations for the fuzz suite, driven by the JSON Schemas in protocols/schemas/: a valid
 * record of each kind, then one mutation chosen from what the schema says of one member (its type, range, length,
 * pattern, enum or const, required or not, extra members refused). Optionally signed again after the mutation, so
 * the signature is valid and the mutation alone decides (otherwise most cases would stop at the signature).
 *
 * `recordCase()` is a fast-check arbitrary of `{ bytes, label }`: the bytes a transport sends (HTTP body, gossip
 * message, sync RECORD frame) and a short description for failure reports.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { buildCredential, canonicalString, createProof, nobleCrypto, validateRecord, verificationMethodFor } from '../../src/records/index.ts'
import type { RecordKind, Signer, ValidRecord } from '../../src/records/index.ts'
import { ROOT } from '../e2e/harness.ts'
import { subjects } from '../records/helpers.ts'

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
type Path = Array<string | number>
interface Schema { [k: string]: any }

const SCHEMA_DIR = join(ROOT, 'protocols', 'schemas')
const docs = new Map<string, Schema>()
for (const f of readdirSync(SCHEMA_DIR)) {
  if (f.endsWith('.schema.json')) docs.set(f.replace('.schema.json', ''), JSON.parse(readFileSync(join(SCHEMA_DIR, f), 'utf8')))
}
const COMMON_ID = 'https://atelier.works/schemas/common/1.json'

export const KINDS: RecordKind[] = ['asset', 'license', 'grant', 'attestation', 'revocation', 'charter', 'membership', 'profile']

/** A schema node with its $ref followed (refs are local, or into common.schema.json) */
function deref (node: Schema | undefined, doc: Schema): { node: Schema | undefined, doc: Schema } {
  let n = node
  let d = doc
  for (let i = 0; i < 8 && n?.$ref != null; i++) {
    const ref: string = n.$ref
    const [base, pointer] = ref.split('#')
    if (base === COMMON_ID) d = docs.get('common')!
    else if (base !== '') return { node: undefined, doc: d }
    n = pointer.split('/').filter(Boolean).reduce<any>((x, key) => x?.[key], d)
  }
  return { node: n, doc: d }
}

/** The schema of the member at `path` in a record of `kind` (undefined where the schema says nothing) */
export function schemaAt (kind: RecordKind, path: Path): Schema | undefined {
  let { node, doc } = deref(docs.get(kind), docs.get(kind)!)
  for (const key of path) {
    if (node == null) return undefined
    const parts: Schema[] = [node, ...((node.allOf as Schema[] | undefined) ?? [])]
    let next: Schema | undefined
    for (const p of parts) next ??= typeof key === 'number' ? p.items : p.properties?.[key]
    ;({ node, doc } = deref(next, doc))
  }
  return node
}

/** Every member's path in `value` (objects' members and arrays' elements, depth first) */
export function pathsOf (value: Json, prefix: Path = []): Path[] {
  const out: Path[] = []
  if (Array.isArray(value)) value.forEach((v, i) => { out.push([...prefix, i], ...pathsOf(v, [...prefix, i])) })
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push([...prefix, k], ...pathsOf(v, [...prefix, k]))
  return out
}

function getAt (root: Json, path: Path): Json {
  return path.reduce<any>((x, k) => x?.[k], root)
}

function setAt (root: Json, path: Path, value: Json | undefined): void {
  const parent = getAt(root, path.slice(0, -1)) as any
  const key = path[path.length - 1]
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(key as number, 1)
    else delete parent[key]
  } else {
    parent[key] = value
  }
}

const ODD_STRINGS = ['\u0000', '\ud800', '\udfff', 'x\ud83dy', '\u202egnp.exe', '\ufeffBOM', 'e\u0301', '\u00e9', 'ﬁ', '\u{1F600}'.repeat(50),
  'a\u200db', '\u2028\u2029', '\\u0000', '"', '\\', '%00', '../../etc/passwd', '<script>alert(1)</script>', ' ', '']

/** A JSON value whose type differs from what `schema` allows */
function otherType (schema: Schema | undefined): fc.Arbitrary<Json> {
  const allowed = new Set<string>([schema?.type].flat().filter(Boolean))
  const choices: Array<[string, fc.Arbitrary<Json>]> = [
    ['null', fc.constant(null)], ['boolean', fc.boolean()], ['integer', fc.integer()], ['number', fc.double({ noNaN: true, noDefaultInfinity: true })],
    ['string', fc.string({ maxLength: 20 })], ['array', fc.array(fc.integer(), { maxLength: 3 })],
    ['object', fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 })]
  ]
  const left = choices.filter(([t]) => !allowed.has(t) && !(t === 'integer' && allowed.has('number')))
  return fc.oneof(...left.map(([, a]) => a))
}

/** Values just outside what `schema` allows: bounds, lengths, items, enums, consts, patterns */
function outOfRange (schema: Schema | undefined, current: Json): fc.Arbitrary<Json> {
  const s = schema ?? {}
  const options: Array<fc.Arbitrary<Json>> = []
  if (typeof s.minimum === 'number') options.push(fc.constantFrom(s.minimum - 1, -1e308, s.minimum - 0.5))
  if (typeof s.maximum === 'number') options.push(fc.constantFrom(s.maximum + 1, 1e308, Number.MAX_SAFE_INTEGER + 2))
  if (s.type === 'integer') options.push(fc.constantFrom(0.5, -0, 1e21, 2 ** 53))
  if (typeof s.maxLength === 'number') options.push(fc.constant('x'.repeat(s.maxLength + 1)))
  if (typeof s.minLength === 'number' && s.minLength > 0) options.push(fc.constant('x'.repeat(s.minLength - 1)))
  if (typeof s.maxItems === 'number' && Array.isArray(current) && current.length > 0) options.push(fc.constant(Array.from({ length: s.maxItems + 1 }, () => current[0])))
  if (typeof s.minItems === 'number' && s.minItems > 0) options.push(fc.constant([]))
  if (Array.isArray(s.enum)) options.push(fc.string({ maxLength: 12 }).filter(v => !s.enum.includes(v)), fc.constant(String(s.enum[0]).toUpperCase()))
  if (s.const !== undefined) options.push(fc.constant(Array.isArray(s.const) ? [...s.const].reverse() : `${String(s.const)} `))
  if (typeof s.pattern === 'string' || s.format != null) options.push(fc.constantFrom(...ODD_STRINGS), fc.string({ maxLength: 30 }))
  if (s.uniqueItems === true && Array.isArray(current) && current.length > 0) options.push(fc.constant([current[0], current[0]]))
  return options.length > 0 ? fc.oneof(...options) : otherType(schema)
}

/** A CID string that is wrong for where it stands, in one of the ways a CID can be wrong */
function badCid (current: string): fc.Arbitrary<Json> {
  return fc.oneof(
    fc.nat({ max: Math.max(0, current.length - 1) }).map(i => current.slice(0, i) + (current[i] === 'a' ? 'b' : 'a') + current.slice(i + 1)),
    fc.nat({ max: current.length }).map(i => current.slice(0, i)),
    fc.constant(current.toUpperCase()),
    fc.constant('QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'),
    fc.constant('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'),
    fc.constant(`ipfs://${current}`),
    fc.stringMatching(/^b[a-z2-7]{0,70}$/)
  )
}

export type MutationKind = 'none' | 'drop' | 'duplicate' | 'retype' | 'range' | 'cid' | 'unicode' | 'huge' | 'extra' | 'sigflip' | 'bitflip' | 'truncate'

export interface RecordCase {
  bytes: Uint8Array
  label: string
}

export interface CaseOptions {
  signer: Signer
  /** the collective every record names (membership records need one) */
  collective?: string
  /** largest string the 'huge' mutation writes. @default 60000 */
  hugeMax?: number
  /** epoch ms from which the author counts as a member: half the records are dated in [since, since + 2 s], the
   * rest in 2025 (before it: held, not counted). @default none (all in 2025) */
  since?: number
}

/** The base record of `kind` (valid before any mutation): the helpers' subject, issued by `signer` */
export function baseRecord (kind: RecordKind, options: CaseOptions, validFrom: string): { unsigned: Json, signed: Json } {
  // a charter names no collective: it is one
  const collective = kind === 'charter' ? undefined : options.collective
  const subject: any = subjects()[kind]
  // an attestation of the collective's charter depends on nothing the node lacks: some valid cases are stored
  if (kind === 'attestation' && collective != null) subject.record = collective
  // a profile is about its issuer only
  if (kind === 'profile') subject.id = options.signer.did
  const unsigned = buildCredential(kind, subject, { issuer: options.signer.did, validFrom, collective }) as unknown as Json
  return { unsigned, signed: sign(unsigned, options.signer, validFrom) }
}

function sign (unsigned: Json, signer: Signer, created: string): Json {
  const proof = createProof(unsigned as any, { verificationMethod: verificationMethodFor(signer.did), created }, signer.sign, nobleCrypto)
  return { ...(unsigned as object), proof } as unknown as Json
}

/** JSON text of `value`, with the member at `dup` written twice (the second time as `dupValue`) */
function serialize (value: Json, dup?: { path: Path, value: Json }): string {
  const write = (v: Json, at: Path): string => {
    if (Array.isArray(v)) return `[${v.map((x, i) => write(x, [...at, i])).join(',')}]`
    if (v !== null && typeof v === 'object') {
      const parts = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${write(x, [...at, k])}`)
      if (dup != null && dup.path.length === at.length + 1 && at.every((k, i) => dup.path[i] === k) && typeof dup.path[at.length] === 'string') {
        parts.push(`${JSON.stringify(dup.path[at.length])}:${JSON.stringify(dup.value)}`)
      }
      return `{${parts.join(',')}}`
    }
    return JSON.stringify(v)
  }
  return write(value, [])
}

/** One fuzz case: a record of some kind with at most one mutation */
export function recordCase (options: CaseOptions): fc.Arbitrary<RecordCase> {
  const hugeMax = options.hugeMax ?? 60_000
  const old = fc.integer({ min: 0, max: 10_000_000 }).map(s => new Date(Date.UTC(2025, 0, 1) + s * 1000).toISOString().replace('.000Z', 'Z'))
  const since = options.since
  const recent = since == null ? old : fc.integer({ min: since, max: since + 2_000 }).map(ms => new Date(ms).toISOString())
  return fc.tuple(fc.constantFrom(...KINDS), fc.oneof(old, recent), fc.boolean()).chain(([kind, validFrom, resign]) => {
    const { unsigned, signed } = baseRecord(kind, options, validFrom)
    const paths = pathsOf(signed)
    const mutation = fc.constantFrom<MutationKind>('none', 'drop', 'duplicate', 'retype', 'range', 'range', 'cid', 'unicode', 'huge', 'extra', 'sigflip', 'bitflip', 'truncate')
    return fc.tuple(mutation, fc.constantFrom(...paths), fc.nat(), fc.integer({ min: 0, max: 7 })).chain(([m, path, n, bit]) => {
      const current = getAt(signed, path)
      const schema = schemaAt(kind, path)
      const value: fc.Arbitrary<Json | undefined> =
        m === 'retype' ? otherType(schema)
          : m === 'range' ? outOfRange(schema, current)
            : m === 'cid' ? badCid(typeof current === 'string' && /^b[a-z2-7]+$/.test(current) ? current : 'bagaaiera')
              : m === 'unicode' ? fc.oneof(fc.constantFrom(...ODD_STRINGS), fc.string({ unit: 'binary', maxLength: 40 }))
                : m === 'huge' ? fc.integer({ min: 1_000, max: hugeMax }).map(k => 'h'.repeat(k))
                  : m === 'duplicate' ? fc.oneof(fc.constant(current), otherType(schema))
                    : m === 'extra' ? fc.oneof(fc.constant('unknown member'), fc.integer())
                      : fc.constant(undefined)
      return value.map((v): RecordCase => {
        const label = `${kind} ${m} ${path.join('.')}${resign ? ' (signed again)' : ''}`
        // the mutation applies to the unsigned credential when it is signed again (never to the proof itself)
        const onProof = path[0] === 'proof'
        const target: Json = structuredClone(resign && !onProof ? unsigned : signed)
        let dup: { path: Path, value: Json } | undefined
        switch (m) {
          case 'none': case 'sigflip': case 'bitflip': case 'truncate': break
          case 'drop': setAt(target, path, undefined); break
          case 'duplicate': if (typeof path[path.length - 1] === 'string') dup = { path, value: v as Json }; break
          case 'extra': {
            const parent = getAt(target, path.slice(0, -1))
            if (parent !== null && typeof parent === 'object' && !Array.isArray(parent)) (parent as any)[`x${n % 7}`] = v
            else setAt(target, path, v as Json)
            break
          }
          default: setAt(target, path, v as Json)
        }
        let doc = target
        if (resign && !onProof) {
          try { doc = sign(target, options.signer, validFrom) } catch { doc = { ...(target as object), proof: (signed as any).proof } }
        }
        if (m === 'sigflip') {
          const pv: string = (doc as any).proof.proofValue
          const i = 1 + (n % (pv.length - 1))
          const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
          ;(doc as any).proof.proofValue = pv.slice(0, i) + alphabet[(alphabet.indexOf(pv[i]) + 1 + bit) % alphabet.length] + pv.slice(i + 1)
        }
        // the canonical spelling when nothing asks otherwise, so an unmutated record is exactly the valid bytes
        let text: string
        try { text = dup != null ? serialize(doc, dup) : canonicalString(doc as any) } catch { text = serialize(doc, dup) }
        let bytes: Uint8Array = new TextEncoder().encode(text)
        if (m === 'bitflip') { bytes = bytes.slice(); bytes[n % bytes.length] ^= 1 << bit }
        if (m === 'truncate') bytes = bytes.subarray(0, n % bytes.length)
        return caseOf(bytes, label)
      })
    })
  })
}

/** A case that fast-check prints as its label, size and first bytes (not a million-number array) */
function caseOf (bytes: Uint8Array, label: string): RecordCase {
  return {
    bytes,
    label,
    [fc.toStringMethod]: () => `${label} (${bytes.length} bytes: ${JSON.stringify(new TextDecoder().decode(bytes.subarray(0, 160)))}…)`
  } as RecordCase
}

/** What the node must make of `bytes` received as bytes (gossip, sync): the record when valid, else undefined */
export function judgeBytes (bytes: Uint8Array): ValidRecord | undefined {
  try { return validateRecord(bytes, { crypto: nobleCrypto }) } catch { return undefined }
}

/** What the node must make of `bytes` as an HTTP JSON body (parsed, then canonicalised): the record when valid */
export function judgeBody (bytes: Uint8Array): ValidRecord | undefined {
  try { return validateRecord(JSON.parse(new TextDecoder().decode(bytes)), { crypto: nobleCrypto }) } catch { return undefined }
}
