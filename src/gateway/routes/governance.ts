/**
 * Governance (protocols/governance.md): propose, vote, list proposals with their live count, one proposal's tally
 * explained line by line, the collective defaults in effect.
 */
import type { FastifyInstance } from 'fastify'
import { NotReadyError } from '../../errors.ts'
import type { GovernanceService } from '../../node/governance-service.ts'
import type { GatewayComponents } from '../types.ts'
import { parseCid } from '../params.ts'

const security = [{ bearer: [] }]
const did = { type: 'string', pattern: '^did:key:z[1-9A-HJ-NP-Za-km-z]+$', maxLength: 200 } as const
const fraction = {
  type: 'object',
  additionalProperties: false,
  required: ['numerator', 'denominator'],
  properties: { numerator: { type: 'integer', minimum: 0, maximum: 10000 }, denominator: { type: 'integer', minimum: 1, maximum: 10000 } }
} as const
const tmEntry = { type: 'object', additionalProperties: false, required: ['use'], properties: { use: { type: 'string', enum: ['allowed', 'notAllowed', 'constrained'] }, constraintInfo: { type: 'string', minLength: 1, maxLength: 4000 } } } as const
const change = {
  type: 'object',
  required: ['action'],
  properties: {
    action: { type: 'string', enum: ['addAdmin', 'removeAdmin', 'setQuorum', 'setPolicy', 'admit', 'remove', 'setDefaults'] },
    member: did,
    quorum: { type: 'integer', minimum: 1, maximum: 50 },
    policy: { type: 'string', enum: ['quorum', 'invite'] },
    spdx: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9.+-]+$' },
    trainingMining: { type: 'object', additionalProperties: false, properties: { 'cawg.ai_training': tmEntry, 'cawg.ai_generative_training': tmEntry, 'cawg.ai_inference': tmEntry, 'cawg.data_mining': tmEntry } }
  },
  additionalProperties: false
} as const
const choiceRef = { anyOf: [{ type: 'integer', minimum: 0, maximum: 31 }, { type: 'string', minLength: 1, maxLength: 200 }] } as const
/** Longest window accepted from now, seconds (the format's 366 days) */
const MAX_WINDOW_S = 366 * 24 * 3600

interface ProposalBody {
  title: string
  description?: string
  changes?: any[]
  choices?: string[]
  method?: 'single' | 'approval' | 'ranked' | 'quadratic'
  weighting?: 'equal' | 'contribution'
  credits?: number
  turnout?: { numerator: number, denominator: number }
  threshold?: { numerator: number, denominator: number }
  closes?: string
  closesIn?: number
}

/** /v1/collectives/:id/proposals, /v1/proposals/:cid, /v1/proposals/:cid/votes, /v1/collectives/:id/defaults */
export async function governanceRoutes (app: FastifyInstance, components: Pick<GatewayComponents, 'governance'>): Promise<void> {
  const governance = (): GovernanceService => {
    if (components.governance == null) throw new NotReadyError('governance is not available on this node')
    return components.governance
  }

  app.post<{ Params: { id: string }, Body: ProposalBody }>('/v1/collectives/:id/proposals', {
    schema: {
      tags: ['governance'],
      summary: 'Sign a proposal of the collective for this node\'s creator (a member)',
      description: 'Defaults: method single, weighting equal, turnout 1/2, threshold 1/2, closing 7 days from now. ' +
        'A proposal with `changes` is a for/against question (no `choices`). 400 ERR_INVALID_REQUEST when this node\'s creator is not a member now.',
      security,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['title'],
        properties: {
          title: { type: 'string', minLength: 1, maxLength: 200 },
          description: { type: 'string', minLength: 1, maxLength: 4000 },
          changes: { type: 'array', minItems: 1, maxItems: 16, items: change },
          choices: { type: 'array', minItems: 2, maxItems: 32, items: { type: 'string', minLength: 1, maxLength: 200 } },
          method: { type: 'string', enum: ['single', 'approval', 'ranked', 'quadratic'] },
          weighting: { type: 'string', enum: ['equal', 'contribution'] },
          credits: { type: 'integer', minimum: 1, maximum: 10000 },
          turnout: fraction,
          threshold: fraction,
          closes: { type: 'string', maxLength: 40 },
          closesIn: { type: 'integer', minimum: 1, maximum: MAX_WINDOW_S, description: 'seconds from now' }
        }
      }
    }
  }, async (request, res) => {
    const { closesIn, ...b } = request.body
    const out = await governance().propose(parseCid(request.params.id, 'collective'), { ...b, ...(closesIn != null ? { closesInMs: closesIn * 1000 } : {}) })
    return await res.code(201).send({ id: out.id, record: out.record.credential })
  })

  app.get<{ Params: { id: string } }>('/v1/collectives/:id/proposals', {
    schema: { tags: ['governance'], summary: 'Every proposal of the collective with its count so far (open) or its outcome (closed), newest close first' }
  }, async (request) => ({ items: await governance().list(parseCid(request.params.id, 'collective')) }))

  app.get<{ Params: { id: string } }>('/v1/collectives/:id/defaults', {
    schema: { tags: ['governance'], summary: 'The collective defaults (license, CAWG training and mining) in effect now, set by passed proposals' }
  }, async (request) => await governance().defaults(parseCid(request.params.id, 'collective')))

  app.get<{ Params: { cid: string } }>('/v1/proposals/:cid', {
    schema: { tags: ['governance'], summary: 'One proposal\'s tally: electorate and weights, each vote\'s verdict, the count, turnout, threshold, outcome, and the explanation line by line' }
  }, async (request) => await governance().show(parseCid(request.params.cid, 'proposal')))

  app.post<{ Params: { cid: string }, Body: { choice?: string | number, approve?: Array<string | number>, ranking?: Array<string | number>, allocation?: number[], abstain?: boolean } }>('/v1/proposals/:cid/votes', {
    schema: {
      tags: ['governance'],
      summary: 'Sign this node\'s creator\'s vote (choices by label or index); the last vote before the close counts',
      description: '409 ERR_PROPOSAL_CLOSED once the window has closed by this node\'s clock; 400 ERR_INVALID_BALLOT when the ballot does not fit the method.',
      security,
      body: {
        type: 'object',
        additionalProperties: false,
        properties: {
          choice: choiceRef,
          approve: { type: 'array', maxItems: 32, items: choiceRef },
          ranking: { type: 'array', minItems: 1, maxItems: 32, items: choiceRef },
          allocation: { type: 'array', minItems: 1, maxItems: 32, items: { type: 'integer', minimum: 0, maximum: 100000000 } },
          abstain: { type: 'boolean' }
        }
      }
    }
  }, async (request, res) => {
    const out = await governance().vote(parseCid(request.params.cid, 'proposal'), request.body ?? {})
    return await res.code(201).send({ id: out.id, record: out.record.credential, tally: out.tally })
  })
}
