/**
 * Every fixed value of the record format, in one place: context URLs, credential and schema names, multicodec codes,
 * key and hash sizes, and the limits a record must respect. `protocols/records.md` is the normative text; the JSON
 * Schemas in `protocols/schemas/` repeat the limits (a test checks they agree with the values here).
 */
import type { RecordKind } from './types.ts'

/** VC Data Model 2.0 base context; always first */
export const VC_CONTEXT_V2 = 'https://www.w3.org/ns/credentials/v2'

/** Atelier's JSON-LD context (protocols/context/v1.jsonld); defines every term the records use */
export const ATELIER_CONTEXT_V1 = 'https://atelier.works/ns/records/v1'

/** The exact `@context` of every record, in this order */
export const RECORD_CONTEXT: readonly string[] = Object.freeze([VC_CONTEXT_V2, ATELIER_CONTEXT_V1])

/** First entry of every credential's `type` */
export const VERIFIABLE_CREDENTIAL_TYPE = 'VerifiableCredential'

/** Every record kind, in the order the spec lists them */
export const RECORD_KINDS: readonly RecordKind[] = Object.freeze(['asset', 'license', 'grant', 'attestation', 'revocation', 'charter', 'membership', 'proposal', 'vote', 'receipt', 'profile', 'key', 'follow'])

/** Second entry of `type`, per kind */
export const CREDENTIAL_TYPE_BY_KIND: Readonly<Record<RecordKind, string>> = Object.freeze({
  asset: 'AssetRecord',
  license: 'LicenseRecord',
  grant: 'GrantRecord',
  attestation: 'AttestationRecord',
  revocation: 'RevocationRecord',
  charter: 'CharterRecord',
  membership: 'MembershipRecord',
  proposal: 'ProposalRecord',
  vote: 'VoteRecord',
  receipt: 'ReceiptRecord',
  profile: 'ProfileRecord',
  key: 'KeyRecord',
  follow: 'FollowRecord'
})

/** Where the schema ids live; the id is a name, nothing is ever fetched from it */
export const SCHEMA_BASE_URL = 'https://atelier.works/schemas/'

/** Current schema version per kind: bump one kind without touching the others */
export const SCHEMA_VERSION_BY_KIND: Readonly<Record<RecordKind, number>> = Object.freeze({
  asset: 1,
  license: 1,
  grant: 1,
  attestation: 1,
  revocation: 1,
  charter: 1,
  membership: 1,
  proposal: 1,
  vote: 1,
  receipt: 1,
  profile: 1,
  key: 1,
  follow: 1
})

/**
 * The asset schema version of a record that carries `fingerprints` (version 2 adds that member and nothing else).
 * An asset without fingerprints is still written as version 1, so nodes of earlier releases, which refuse
 * version 2, keep taking every asset that does not need it (protocols/records.md §8).
 */
export const ASSET_FINGERPRINTS_SCHEMA_VERSION = 2

/**
 * The charter schema version of a charter that says `visibility` or replicates by `{ copies }` (version 2 adds
 * those and nothing else). Any other charter is still written as version 1, as assets are (records.md §8).
 */
export const CHARTER_V2_SCHEMA_VERSION = 2

/** Most wraps one key record carries: 256 wraps stay under the 64 KiB record limit (about 190 bytes each) */
export const KEY_WRAPS_PER_RECORD = 256

/**
 * The asset schema version of a record whose content is an encrypted work (`encryption`, protocols/private-collectives.md
 * §9): version 2 plus that member. Written only for such assets, so every other asset stays readable to older nodes.
 */
export const ASSET_ENCRYPTION_SCHEMA_VERSION = 3

/** Every schema version a node of this release validates, per kind */
export const KNOWN_SCHEMA_VERSIONS: Readonly<Record<RecordKind, readonly number[]>> = Object.freeze({
  asset: [1, ASSET_FINGERPRINTS_SCHEMA_VERSION, ASSET_ENCRYPTION_SCHEMA_VERSION],
  license: [1],
  grant: [1],
  attestation: [1],
  revocation: [1],
  charter: [1, CHARTER_V2_SCHEMA_VERSION],
  membership: [1],
  proposal: [1],
  vote: [1],
  receipt: [1],
  profile: [1],
  key: [1],
  follow: [1]
})

/** `credentialSchema.type` (defined by the VC v2 context) */
export const CREDENTIAL_SCHEMA_TYPE = 'JsonSchema'

/** The `credentialSchema.id` a record of `kind` at `version` carries */
export function credentialSchemaId (kind: RecordKind, version: number = SCHEMA_VERSION_BY_KIND[kind]): string {
  return `${SCHEMA_BASE_URL}${kind}/${version}.json`
}

/** Data Integrity proof parameters (W3C vc-di-eddsa, eddsa-jcs-2022) */
export const PROOF_TYPE = 'DataIntegrityProof'
export const CRYPTOSUITE = 'eddsa-jcs-2022'
export const PROOF_PURPOSE = 'assertionMethod'

/** multicodec `json`: record blocks are plain JSON */
export const JSON_CODEC = 0x0200
/** multihash `sha2-256` */
export const SHA2_256_CODE = 0x12
/** multicodec `ed25519-pub` (did:key prefix 0xed 0x01) */
export const ED25519_PUB_CODEC = 0xed
/** multicodec `ed25519-priv` (the W3C vectors' `privateKeyMultibase`) */
export const ED25519_PRIV_CODEC = 0x1300

export const DID_KEY_PREFIX = 'did:key:'

export const ED25519_SEED_BYTES = 32
export const ED25519_PUBLIC_KEY_BYTES = 32
export const ED25519_SIGNATURE_BYTES = 64
export const SHA256_BYTES = 32

/** Default cap on a record's size in bytes (input and canonical form alike) */
export const DEFAULT_MAX_RECORD_BYTES = 65536

/** Shares and revenue percentages are basis points; a full split adds up to this */
export const BASIS_POINTS_TOTAL = 10000

/**
 * Length limits (strings in code points, arrays in items). They keep records small enough to gossip and index
 * cheaply; the JSON Schemas hold the same numbers.
 */
export const LIMITS = Object.freeze({
  /** titles, names, roles, tool names and versions, tags */
  shortText: 200,
  /** descriptions, notes, comments, reasons, constraint info */
  longText: 4000,
  /** license `customTerms` */
  customTerms: 16000,
  /** a DID or a CID string */
  identifier: 200,
  /** `mediaType` */
  mediaType: 255,
  /** URIs such as `digitalSourceType` */
  uri: 2048,
  tags: 64,
  creators: 64,
  ingredients: 256,
  tools: 32,
  splits: 64,
  territories: 250,
  /** charter `admins` */
  admins: 50,
  /** an invite's `maxUses` */
  inviteUses: 1000000,
  /** a proposal's `changes` */
  proposalChanges: 16,
  /** a proposal's `choices` (and so a ballot's indices) */
  choices: 32,
  /** a receipt's `votes` */
  receiptVotes: 256,
  /** a proposal's fractions' numerator and denominator; a proposal's `credits` */
  fraction: 10000,
  /** credits a quadratic ballot may put on one choice */
  ballotCredits: 100000000,
  /** the longest voting window, ms (366 days) */
  windowMs: 366 * 24 * 3600 * 1000,
  /** a profile's `bio`: a few lines, kept short because every node holds every member's latest profile */
  bio: 1000,
  /** a profile's `links` */
  links: 8
})

/**
 * Record times: RFC 3339, UTC with `Z`, seconds present, at most millisecond precision. Capture groups feed the
 * calendar check (a regex cannot reject 30 February).
 */
export const RECORD_TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$/
