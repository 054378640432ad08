/**
 * Where the member exchange keeps what it learnt: the `members` sublevel of the node's state db. Cards are keyed
 * `<collective> <peerId>`; the peers an invite named are keyed `seed <collective> <peerId>` with an empty value.
 * A value that no longer parses is skipped (and dropped at the next write of that key), never fatal.
 */
import type { CardStore, MemberCard } from '../net/members/index.ts'
import type { NodeState } from './state.ts'

const SEED = 'seed '

export function memberCardStore (state: NodeState): CardStore {
  const sub = state.members
  return {
    load: async () => {
      const out: MemberCard[] = []
      for await (const [k, v] of sub.iterator()) {
        if (k.startsWith(SEED)) continue
        try { out.push(JSON.parse(v)) } catch {}
      }
      return out
    },
    put: async (card) => { await sub.put(`${card.collective} ${card.peerId}`, JSON.stringify(card)) },
    delete: async (collective, peerId) => { await sub.del(`${collective} ${peerId}`) },
    loadSeeds: async () => {
      const out: Array<{ collective: string, peerId: string }> = []
      for await (const k of sub.keys({ gte: SEED, lt: SEED + '\uffff' })) {
        const [collective, peerId] = k.slice(SEED.length).split(' ')
        if (collective != null && peerId != null) out.push({ collective, peerId })
      }
      return out
    },
    putSeed: async (collective, peerId) => { await sub.put(`${SEED}${collective} ${peerId}`, '') }
  }
}
