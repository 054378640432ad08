/**
 * Creators by name (protocols/records.md §3.11). The node says which profile counts for a did
 * (`GET /v1/profiles/<did>`: its word, as the choice needs every profile it holds); the page then fetches that
 * record's bytes and checks them like any record, and shows the name only when the profile is signed by that very
 * did. A did without a checked profile stays a did.
 */
import { ApiError, getJson } from './api.ts'
import type { ProfileSubject } from '../../src/records/index.ts'
import type { Verifier } from './verify.ts'

let verifier: Verifier | undefined
/** did → its checked display name (undefined: none); one question per did and page load */
const names = new Map<string, Promise<string | undefined>>()

/** The page's verifier, set once at start (main.ts) */
export function useVerifier (v: Verifier): void {
  verifier = v
}

/** The display name of `did`, from its profile as checked in this browser; undefined when it has none */
export async function nameOf (did: string): Promise<string | undefined> {
  let pending = names.get(did)
  if (pending == null) {
    pending = (async () => {
      let cid: string
      try {
        cid = (await getJson<{ cid: string }>(`/v1/profiles/${encodeURIComponent(did)}`)).cid
      } catch (err) {
        // 404: no profile. Anything else is not an answer: ask again next time
        if (!(err instanceof ApiError && err.status === 404)) names.delete(did)
        return undefined
      }
      if (verifier == null) return undefined
      const r = await verifier.verify(cid)
      if (r.status !== 'verified' || r.kind !== 'profile' || r.author !== did) return undefined
      return (r.record.credential.credentialSubject as ProfileSubject).name
    })()
    names.set(did, pending)
  }
  return await pending
}
