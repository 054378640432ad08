/**
 * What a record adds to the discovery graph: pure, one record at a time, in any order (an edge to a record not yet
 * seen creates its node; the node's details fill in when the record comes). Edges are remembered under the record
 * that made them, so its revocation or retirement takes them away again.
 */
import type {
  AssetSubject, AttestationSubject, CharterSubject, FollowSubject, GrantSubject, MembershipSubject, RevocationSubject, ValidRecord
} from '../records/types.ts'
import {
  DiscoveryGraph, E_AUTHOR, E_DERIVED_BY, E_DERIVES, E_ENDORSE, E_ENDORSED_BY, E_FOLLOW, E_IN, E_LICENSED, E_LICENSED_BY, E_MEMBER,
  NODE_COLLECTIVE, NODE_CREATOR, NODE_WORK
} from './graph.ts'

/** What ingest reads of a record: the validated record's fields (index summaries do not carry subjects) */
export type IngestRecord = Pick<ValidRecord, 'cid' | 'kind' | 'author' | 'time' | 'collective' | 'credential'>

/** The key membership edges are kept under, so a removal (another record) can take them away */
const memberKey = (collective: string, did: string): string => `member:${collective}:${did}`


/** Add a record's edges; returns whether it changed the graph */
export function ingest (g: DiscoveryGraph, r: IngestRecord): boolean {
  const subject = r.credential.credentialSubject as unknown
  switch (r.kind) {
    case 'asset': {
      const a = subject as AssetSubject
      const w = g.node(r.cid, NODE_WORK)
      const coll = r.collective != null ? g.node(r.collective, NODE_COLLECTIVE) : undefined
      g.setWork(w, r.time, a.mediaType, coll)
      if (coll !== undefined) g.addEdge(w, coll, E_IN, undefined, r.cid)
      const authors = new Set([r.author, ...a.creators.map(c => c.id).filter(id => id.startsWith('did:key:'))])
      for (const did of authors) g.link(g.node(did, NODE_CREATOR), w, E_AUTHOR, E_AUTHOR, r.cid)
      for (const ing of a.ingredients ?? []) {
        if (ing.record != null) g.link(w, g.node(ing.record, NODE_WORK), E_DERIVES, E_DERIVED_BY, r.cid)
      }
      return true
    }
    case 'attestation': {
      const s = subject as AttestationSubject
      if (s.claim !== 'endorsement') return false
      g.link(g.node(r.author, NODE_CREATOR), g.node(s.record, NODE_WORK), E_ENDORSE, E_ENDORSED_BY, r.cid)
      return true
    }
    case 'follow': {
      const s = subject as FollowSubject
      const target = s.target.startsWith('did:') ? g.node(s.target, NODE_CREATOR) : g.node(s.target, NODE_COLLECTIVE)
      g.addEdge(g.node(r.author, NODE_CREATOR), target, E_FOLLOW, undefined, r.cid)
      return true
    }
    case 'grant': {
      const s = subject as GrantSubject
      if (!s.id.startsWith('did:key:')) return false
      g.link(g.node(s.id, NODE_CREATOR), g.node(s.asset, NODE_WORK), E_LICENSED, E_LICENSED_BY, r.cid)
      return true
    }
    case 'charter': {
      const s = subject as CharterSubject
      const c = g.node(r.cid, NODE_COLLECTIVE)
      for (const admin of s.admins) g.link(g.node(admin, NODE_CREATOR), c, E_MEMBER, E_MEMBER, memberKey(r.cid, admin))
      return true
    }
    case 'membership': {
      if (r.collective == null) return false
      const s = subject as MembershipSubject
      const c = g.node(r.collective, NODE_COLLECTIVE)
      if (s.action === 'admit' || s.action === 'join') {
        const did = s.action === 'admit' ? s.member : r.author
        g.link(g.node(did, NODE_CREATOR), c, E_MEMBER, E_MEMBER, memberKey(r.collective, did))
        return true
      }
      if (s.action === 'remove') return g.removeRecord(memberKey(r.collective, s.member))
      return false
    }
    case 'revocation':
      return g.removeRecord((subject as RevocationSubject).record)
    default:
      return false
  }
}

/** A record the node no longer counts: its edges go */
export function retire (g: DiscoveryGraph, cid: string): boolean { return g.removeRecord(cid) }
