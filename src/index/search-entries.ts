/**
 * What an asset record adds for search, beside its `entriesOf` entries (written in the same batch): one `tokens`
 * key per distinct word of its title, tags and description. (The media type rides on the `content` entry's value,
 * so filtering on it costs no key of its own.) Kept apart from
 * `entriesOf` so the core layout (summary, time-ordered indexes, lineage) reads on its own.
 */
import type { AssetSubject, ValidRecord } from '../records/types.ts'
import type { IndexEntry } from './entries.ts'
import { part, position, SEP } from './keys.ts'
import { assetTokens } from './tokens.ts'

/** Search entries of a record (none unless it is an asset); `pos` is its position when the caller has it */
export function searchEntriesOf (record: ValidRecord, pos = position(record.time, part(record.cid, 'cid'))): IndexEntry[] {
  if (record.kind !== 'asset') return []
  const subject = record.credential.credentialSubject as AssetSubject
  const out: IndexEntry[] = []
  // tokens hold letters, marks and digits only, so never the separator
  for (const token of assetTokens(subject)) out.push({ sublevel: 'tokens', key: token + SEP + pos, value: '' })
  return out
}
