/**
 * Peer scoring for collective gossip: the full, validated parameter objects gossipsub wants, built from the numbers in
 * constants.ts. Every field is written out (nothing left to a gossipsub default), because the defaults were tuned for
 * busy networks and would punish the quiet, honest peers of a small collective.
 *
 * Scoring only counts on topics listed in `scoreParams.topics`: the channel adds `topicScoreParams()` for each
 * collective it joins, before it subscribes, and removes it when it leaves.
 */
import {
  createPeerScoreParams, createPeerScoreThresholds, createTopicScoreParams,
  validatePeerScoreParams, validatePeerScoreThresholds, validateTopicScoreParams
} from '@libp2p/gossipsub/score'
import type { PeerScoreParams, PeerScoreThresholds, TopicScoreParams } from '@libp2p/gossipsub/score'
import { ConfigError } from '../../errors.ts'
import { PEER_SCORE, SCORE_THRESHOLDS, TOPIC_SCORE } from './constants.ts'

export type { PeerScoreParams, PeerScoreThresholds, TopicScoreParams }

/** gossipsub throws plain errors for bad parameters; ours are ConfigErrors naming what was wrong */
function checked<T> (value: T, validate: (v: T) => void, what: string): T {
  try {
    validate(value)
  } catch (err) {
    throw new ConfigError(`invalid gossip ${what}: ${(err as Error).message}`, { cause: err, details: { field: what } })
  }
  return value
}

/** Peer-level score parameters; `topics` starts empty and is filled per joined collective */
export function peerScoreParams (): PeerScoreParams {
  return checked(createPeerScoreParams({
    topics: {},
    topicScoreCap: PEER_SCORE.topicScoreCap,
    appSpecificScore: () => 0,
    appSpecificWeight: PEER_SCORE.appSpecificWeight,
    IPColocationFactorWeight: PEER_SCORE.IPColocationFactorWeight,
    IPColocationFactorThreshold: PEER_SCORE.IPColocationFactorThreshold,
    IPColocationFactorWhitelist: new Set(PEER_SCORE.IPColocationFactorWhitelist),
    behaviourPenaltyWeight: PEER_SCORE.behaviourPenaltyWeight,
    behaviourPenaltyThreshold: PEER_SCORE.behaviourPenaltyThreshold,
    behaviourPenaltyDecay: PEER_SCORE.behaviourPenaltyDecay,
    decayInterval: PEER_SCORE.decayInterval,
    decayToZero: PEER_SCORE.decayToZero,
    retainScore: PEER_SCORE.retainScore
  }), validatePeerScoreParams, 'peer score parameters')
}

/** Score parameters of one collective's topic; `overrides` are for tests and tuning, each field checked by gossipsub's rules */
export function topicScoreParams (overrides: Partial<TopicScoreParams> = {}): TopicScoreParams {
  return checked(createTopicScoreParams({ ...TOPIC_SCORE, ...overrides }), validateTopicScoreParams, 'topic score parameters')
}

/** Score thresholds, from SCORE_THRESHOLDS with optional overrides */
export function peerScoreThresholds (overrides: Partial<PeerScoreThresholds> = {}): PeerScoreThresholds {
  return checked(createPeerScoreThresholds({ ...SCORE_THRESHOLDS, ...overrides }), validatePeerScoreThresholds, 'score thresholds')
}
