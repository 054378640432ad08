/**
 * Words for text search. Index and query normalise text the same way, so a query word matches an indexed word
 * exactly when both normalise to the same token:
 *
 * 1. Unicode compatibility decomposition (NFKD), so "ﬁ" is "fi", full-width "Ａ" is "A", "é" is "e" + accent;
 * 2. lower case (locale-independent `toLowerCase`, so the same on every node);
 * 3. words are runs of letters, marks and digits (`\p{L}\p{M}\p{N}`), anything else separates them;
 * 4. combining marks are dropped from each word, so accents never decide a match ("Café" finds "cafe");
 * 5. the result is recomposed (NFKC) and cut to `MAX_TOKEN_LENGTH` code points.
 *
 * Dropping marks also affects scripts whose vowel signs are marks (Devanagari, Thai): words there match a little
 * more broadly, never less, since both sides fold alike.
 */
import type { AssetSubject } from '../records/types.ts'
import { MAX_TOKEN_LENGTH, MAX_TOKENS_PER_RECORD } from './constants.ts'

const WORD = /[\p{L}\p{N}][\p{L}\p{M}\p{N}]*/gu
const MARKS = /\p{M}+/gu

/** One word, folded (no marks, lower case, NFKC) and cut to MAX_TOKEN_LENGTH code points */
function fold (word: string): string {
  const folded = word.replace(MARKS, '').normalize('NFKC')
  if (folded.length <= MAX_TOKEN_LENGTH) return folded
  return Array.from(folded).slice(0, MAX_TOKEN_LENGTH).join('')
}

const ASCII = /^[\x00-\x7f]*$/
const ASCII_WORD = /[a-z0-9]+/g

/** The tokens of `text`, in order of first appearance, without repeats */
export function tokenize (text: string): string[] {
  const out: string[] = []
  const seen = new Set<string>()
  if (ASCII.test(text)) {
    // the common case, same result without the Unicode passes: ASCII has no marks and is its own NFKD/NFKC
    for (const word of text.toLowerCase().match(ASCII_WORD) ?? []) {
      const token = word.length <= MAX_TOKEN_LENGTH ? word : word.slice(0, MAX_TOKEN_LENGTH)
      if (seen.has(token)) continue
      seen.add(token)
      out.push(token)
    }
    return out
  }
  for (const m of text.normalize('NFKD').toLowerCase().matchAll(WORD)) {
    const token = fold(m[0])
    if (token === '' || seen.has(token)) continue
    seen.add(token)
    out.push(token)
  }
  return out
}

/** The searchable tokens of an asset: title, then tags, then description, without repeats, at most
 * MAX_TOKENS_PER_RECORD (so the words a person chose most deliberately are the ones kept) */
export function assetTokens (subject: AssetSubject): string[] {
  if (subject.tags == null && subject.description == null) {
    const title = tokenize(subject.title)
    return title.length <= MAX_TOKENS_PER_RECORD ? title : title.slice(0, MAX_TOKENS_PER_RECORD)
  }
  const parts = [subject.title, ...(subject.tags ?? []), subject.description ?? '']
  const out: string[] = []
  const seen = new Set<string>()
  for (const part of parts) {
    for (const token of tokenize(part)) {
      if (seen.has(token)) continue
      seen.add(token)
      out.push(token)
      if (out.length === MAX_TOKENS_PER_RECORD) return out
    }
  }
  return out
}
