/**
 * Which of an author's profiles counts (protocols/records.md §3.11), as a pure function so the node, the page and
 * the tests choose alike: the greatest by (validFrom, then record CID as a string), skipping profiles the author
 * revoked from a time at or before the question's. Browser-safe: no I/O, no clock.
 */

/** What the choice needs of a profile record */
export interface ProfileCandidate {
  cid: string
  /** validFrom, epoch ms */
  time: number
}

/**
 * Order of profiles, latest first: later validFrom first; at the same instant the CID that sorts last first. CIDs
 * are base32 lower case ASCII, so comparing the strings by UTF-16 code units is their byte order, the index's too.
 */
export function latestFirst (a: ProfileCandidate, b: ProfileCandidate): number {
  if (a.time !== b.time) return b.time - a.time
  return a.cid < b.cid ? 1 : a.cid > b.cid ? -1 : 0
}

/**
 * The profile that counts at `atMs` among `candidates` (any order, one author's), or undefined when none does.
 * `revokedFrom(cid)` gives the earliest `effectiveFrom` (epoch ms) of the author's revocations of that profile, or
 * undefined when it has none; a profile revoked at or before `atMs` is skipped and the next one counts.
 */
export function chooseProfile<T extends ProfileCandidate> (candidates: readonly T[], revokedFrom: (cid: string) => number | undefined,
  atMs: number): T | undefined {
  for (const candidate of [...candidates].sort(latestFirst)) {
    const from = revokedFrom(candidate.cid)
    if (from === undefined || from > atMs) return candidate
  }
  return undefined
}

/** chooseProfile with an asynchronous `revokedFrom`, asked only for the candidates it gets to (latest first) */
export async function chooseProfileAsync<T extends ProfileCandidate> (candidates: readonly T[],
  revokedFrom: (cid: string) => Promise<number | undefined>, atMs: number): Promise<{ chosen?: T, until?: number }> {
  // `until`: the earliest future revocation seen on the way; the answer holds until then
  let until: number | undefined
  for (const candidate of [...candidates].sort(latestFirst)) {
    const from = await revokedFrom(candidate.cid)
    if (from === undefined || from > atMs) {
      if (from !== undefined) until = Math.min(until ?? from, from)
      return { chosen: candidate, until }
    }
  }
  return { until }
}
