/**
 * The shapes of Atelier records: W3C Verifiable Credentials (VC Data Model 2.0) secured with an
 * `eddsa-jcs-2022` Data Integrity proof. `protocols/records.md` is the normative text; these types mirror it.
 *
 * Conventions used by every kind:
 * - links to other records and to content are CID strings (CIDv1, base32 `b…`);
 * - shares and percentages are integers in basis points (1/100 of a percent, 0..10000), never floats;
 * - times are RFC 3339 UTC strings with a `Z` suffix and at most millisecond precision.
 */

/** Record kinds, as the `kind` of a validated record */
export type RecordKind = 'asset' | 'license' | 'grant' | 'attestation' | 'revocation' | 'charter' | 'membership' | 'proposal' | 'vote' | 'receipt' | 'profile' | 'key' | 'follow'

/** Ingredient relationships, from C2PA */
export type Relationship = 'parentOf' | 'componentOf' | 'inputTo'

/** CAWG training-and-mining permission values */
export type TrainingMiningUse = 'allowed' | 'notAllowed' | 'constrained'

export type TrainingMiningKey = 'cawg.ai_training' | 'cawg.ai_generative_training' | 'cawg.ai_inference' | 'cawg.data_mining'

export interface TrainingMiningEntry {
  use: TrainingMiningUse
  /** Free text explaining a `constrained` use */
  constraintInfo?: string
}

export interface Creator {
  /** did:key of the creator */
  id: string
  name?: string
  /** e.g. "author", "illustrator", "composer" */
  role?: string
  /** Share of the creators' part, basis points; all shares of an asset add up to 10000 */
  share: number
}

export interface Ingredient {
  relationship: Relationship
  /** CID of a parent asset record, when the ingredient is itself an Atelier asset */
  record?: string
  /** CID of the ingredient's content, when known */
  content?: string
  /** 'asset' (a creative work), 'model' (an AI model), 'dataset' (training data) */
  kind?: 'asset' | 'model' | 'dataset'
  title?: string
}

export interface Tool {
  name: string
  version?: string
  /** 'software' or 'aiModel' */
  kind?: 'software' | 'aiModel'
  /** CID of the model weights, when published */
  model?: string
  /** sha256 multihash (hex) of the prompt, so the prompt can be proven without publishing it */
  promptHash?: string
}

/** `credentialSubject` of an asset record: a provenance claim about a piece of content */
export interface AssetSubject {
  /** `ipfs://<content CID>` */
  id: string
  mediaType: string
  byteSize: number
  title: string
  description?: string
  tags?: string[]
  creators: Creator[]
  ingredients?: Ingredient[]
  tools?: Tool[]
  /** IPTC digital source type URI, e.g. http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture */
  digitalSourceType?: string
  trainingMining?: Partial<Record<TrainingMiningKey, TrainingMiningEntry>>
  /** Perceptual fingerprints of the content (asset schema version 2 only; src/fingerprints/codes.ts) */
  fingerprints?: FingerprintClaim[]
  /** The content is an encrypted work of the record's (private) collective (asset schema version 3 only;
   * protocols/private-collectives.md §9) */
  encryption?: WorkEncryption
}

/** How an asset's content is encrypted: what a member needs beside the epoch key to read it */
export interface WorkEncryption {
  scheme: 'atelier-stream-chacha20poly1305-v1'
  epoch: number
  /** plaintext bytes per chunk */
  chunkSize: number
  plaintextSize: number
  /** the work's salt and its wrapped key, base64url, as in the content's header */
  salt: string
  wrappedKey: string
  /** the plaintext's media type (the subject's is application/vnd.atelier.encrypted) */
  mediaType?: string
}

/** One fingerprint of an asset: algorithm id, code length, code, and PDQ's quality (protocols/records.md §3.1) */
export interface FingerprintClaim {
  alg: string
  bits: number
  code: string
  quality?: number
}

export type RoyaltyPolicy = 'LAP' | 'LRP'

export interface Money {
  /** integer minor units */
  amount: number
  /** ISO 4217 code or a token symbol */
  currency: string
}

/** License terms in the manner of Story Protocol's PIL */
export interface LicenseTerms {
  commercialUse: boolean
  commercialAttribution: boolean
  derivativesAllowed: boolean
  derivativesAttribution: boolean
  derivativesApproval: boolean
  derivativesReciprocal: boolean
  /** Revenue share owed up the lineage, basis points */
  commercialRevShare: number
  /** AI training on the work */
  aiTraining: TrainingMiningUse
  mintingFee?: Money
  /** ISO 3166 country codes; absent = worldwide */
  territories?: string[]
  /** RFC 3339 time after which the license no longer applies */
  expiration?: string
  /** Anything the typed fields cannot say */
  customTerms?: string
}

export interface RoyaltySplit {
  id: string
  share: number
}

/** `credentialSubject` of a license record: terms offered for an asset */
export interface LicenseSubject {
  /** asset record CID */
  asset: string
  /** SPDX identifier (e.g. CC-BY-4.0) when the terms follow a standard license */
  spdx?: string
  terms: LicenseTerms
  royaltyPolicy: RoyaltyPolicy
  /** who receives this asset's revenue, basis points adding up to 10000; absent = the asset's creators */
  splits?: RoyaltySplit[]
}

/** `credentialSubject` of a grant: the licensor grants a license to a licensee */
export interface GrantSubject {
  /** did of the licensee */
  id: string
  /** license record CID */
  license: string
  /** asset record CID the license is for */
  asset: string
  expiration?: string
  note?: string
}

export type AttestationClaim = 'coCreator' | 'endorsement' | 'splitConfirmed' | 'contentMatches' | 'other'

/** `credentialSubject` of an attestation: another identity vouches for a record */
export interface AttestationSubject {
  /** the attested record CID */
  record: string
  claim: AttestationClaim
  comment?: string
}

/** `credentialSubject` of a revocation: the author withdraws one of its records from a time on */
export interface RevocationSubject {
  /** the revoked record CID; must have the same author */
  record: string
  /** RFC 3339 time from which the record no longer holds */
  effectiveFrom: string
  reason?: string
}

/** How new members enter a collective */
export type AdmissionPolicy = 'quorum' | 'invite'

export interface Admission {
  /** 'quorum': only admit records signed by `quorum` admins; 'invite': those, and joins with an admin's invite */
  policy: AdmissionPolicy
  /** Distinct admins whose signatures an admit or remove needs, 1..admins.length */
  quorum: number
}

/**
 * Whether members' nodes keep a full copy of the collective's content ('full'), only what they use ('none'), or
 * k copies of each work spread over the members by rendezvous hashing (`{ copies: k }`, charter version 2)
 */
export type Replication = 'full' | 'none' | { copies: number }

/** Who may read a collective's works (charter version 2); absent means public */
export type Visibility = 'public' | 'private'

/** Charter version 2's replication by count: `copies` members' nodes keep each work (1..64) */
export type ReplicationCopies = Extract<Replication, { copies: number }>

/**
 * `credentialSubject` of a charter: the founding record of a collective. The collective is named by the charter's
 * CID, so a charter never carries `collective` itself; its issuer is one of `admins`.
 */
export interface CharterSubject {
  name: string
  description?: string
  /** did:keys of the admins, 1..50, distinct; they are members from the charter's validFrom */
  admins: string[]
  admission: Admission
  replication?: Replication
  /** charter version 2; absent = public */
  visibility?: Visibility
}

/** An admin's signature on admitting `member` from `effectiveFrom`; effective once `quorum` admins signed the same */
export interface MembershipAdmitSubject {
  action: 'admit'
  /** did:key of the new member */
  member: string
  /** RFC 3339 time from which the member belongs */
  effectiveFrom: string
}

/** An admin's signature on removing `member` from `effectiveFrom`; effective once `quorum` admins signed the same */
export interface MembershipRemoveSubject {
  action: 'remove'
  member: string
  effectiveFrom: string
  reason?: string
}

/** A bearer invitation by one admin, usable under policy 'invite' until `expiration` by up to `maxUses` joiners */
export interface MembershipInviteSubject {
  action: 'invite'
  expiration: string
  maxUses?: number
}

/** The issuer joins with an invite (a membership invite record CID), from its own validFrom */
export interface MembershipJoinSubject {
  action: 'join'
  invite: string
}

/** `credentialSubject` of a membership record (its `collective`, the charter CID, is required) */
export type MembershipSubject = MembershipAdmitSubject | MembershipRemoveSubject | MembershipInviteSubject | MembershipJoinSubject

export type MembershipAction = MembershipSubject['action']

/** An exact fraction `numerator / denominator` (integers, numerator <= denominator): compared without rounding */
export interface Fraction {
  numerator: number
  denominator: number
}

/** How a proposal's ballots are counted (protocols/governance.md §4) */
export type VotingMethod = 'single' | 'approval' | 'ranked' | 'quadratic'

/** How much each elector's ballot weighs: one each, or by contribution to the collective's works (governance.md §3.2) */
export type Weighting = 'equal' | 'contribution'

/** What a passed proposal changes from its close on; each change is strict on its own, dispatched on `action` */
export type ProposalChange =
  | { action: 'addAdmin', member: string }
  | { action: 'removeAdmin', member: string }
  | { action: 'setQuorum', quorum: number }
  | { action: 'setPolicy', policy: AdmissionPolicy }
  | { action: 'admit', member: string }
  | { action: 'remove', member: string }
  | { action: 'setDefaults', spdx?: string, trainingMining?: Partial<Record<TrainingMiningKey, TrainingMiningEntry>> }

/** `credentialSubject` of a proposal: a member asks its collective to decide something by `closes` */
export interface ProposalSubject {
  title: string
  description?: string
  /** what a passed proposal does; absent = a resolution that changes nothing by itself */
  changes?: ProposalChange[]
  /** the options voted on; absent = ['for', 'against']; must be absent when `changes` is present */
  choices?: string[]
  method: VotingMethod
  weighting: Weighting
  /** quadratic only: voice credits per unit of weight; absent = 100 */
  credits?: number
  /** the share of the electorate's weight that must vote (abstentions included) */
  turnout: Fraction
  /** the share of the counted weight the winning choice needs */
  threshold: Fraction
  /** RFC 3339 time the window closes (excluded); it opens at the proposal's validFrom */
  closes: string
}

/** `credentialSubject` of a vote: one ballot, in exactly one of the shapes (the method decides which counts) */
export interface VoteSubject {
  /** the proposal record CID */
  proposal: string
  /** single: the index of the chosen choice */
  choice?: number
  /** approval: the indices approved (may be empty) */
  approve?: number[]
  /** ranked: indices, most preferred first */
  ranking?: number[]
  /** quadratic: voice credits spent on each choice, by index */
  allocation?: number[]
  /** counts toward turnout and for no choice */
  abstain?: true
}

/** `credentialSubject` of a receipt: the issuer's node held these votes on `proposal` at the receipt's validFrom */
export interface ReceiptSubject {
  proposal: string
  /** vote record CIDs, distinct */
  votes: string[]
}

/**
 * `credentialSubject` of a profile: how its issuer wants to be named. A profile is about its issuer only (`id` is
 * the issuer's did:key); of an author's profiles the latest counts (protocols/records.md §3.11).
 */
export interface ProfileSubject {
  /** the issuer's did:key */
  id: string
  /** display name, short text */
  name: string
  /** a few words about the creator, at most 1000 code points */
  bio?: string
  /** content CID of the avatar image */
  avatar?: string
  /** 1..8 distinct http(s) URLs (a site, a portfolio) */
  links?: string[]
}

/** Why an epoch starts (protocols/private-collectives.md §6) */
export type KeyReason = 'charter' | 'admission' | 'removal' | 'rotation'

/** One member's copy of the epoch key in a key record: HPKE `enc` and `ct`, base64url without padding */
export interface KeyWrap {
  /** the member's did:key */
  to: string
  enc: string
  ct: string
}

/**
 * `credentialSubject` of a key record: part `part` of `parts` of epoch `epoch`'s key of its collective, wrapped to
 * members (protocols/private-collectives.md §6, records.md §3.13)
 */
export interface KeySubject {
  epoch: number
  reason: KeyReason
  /** the charter, or a record of the admission or removal; absent for a rotation (the record itself is the cause) */
  cause?: string
  part: number
  parts: number
  /** 1..256, each to a distinct member */
  wraps: KeyWrap[]
}

/**
 * `credentialSubject` of a follow: its issuer follows a creator or a collective, in public within the collective the
 * record names (protocols/records.md §3.12). Unfollowing is a `revocation` of the follow.
 */
export interface FollowSubject {
  /** the followed creator's did:key, or the record CID of the followed collective's charter */
  target: string
}

export interface SubjectByKind {
  asset: AssetSubject
  license: LicenseSubject
  grant: GrantSubject
  attestation: AttestationSubject
  revocation: RevocationSubject
  charter: CharterSubject
  membership: MembershipSubject
  proposal: ProposalSubject
  vote: VoteSubject
  receipt: ReceiptSubject
  profile: ProfileSubject
  key: KeySubject
  follow: FollowSubject
}

/** The Data Integrity proof (eddsa-jcs-2022) */
export interface DataIntegrityProof {
  type: 'DataIntegrityProof'
  cryptosuite: 'eddsa-jcs-2022'
  created: string
  verificationMethod: string
  proofPurpose: 'assertionMethod'
  '@context'?: string[]
  proofValue: string
}

/** A credential before it is secured */
export interface UnsignedCredential<K extends RecordKind = RecordKind> {
  '@context': string[]
  type: string[]
  issuer: string
  validFrom: string
  credentialSchema: { id: string, type: 'JsonSchema' }
  /** the author's prior record CID: an author's records form a hash chain */
  previous?: string
  /** charter CID of the collective this record belongs to */
  collective?: string
  credentialSubject: SubjectByKind[K]
}

/** A secured credential, i.e. the JSON of a record */
export interface Credential<K extends RecordKind = RecordKind> extends UnsignedCredential<K> {
  proof: DataIntegrityProof
}

/** A record that passed `validateRecord`: everything downstream (store, index, gateway) trusts these fields */
export interface ValidRecord<K extends RecordKind = RecordKind> {
  /** CID string of `bytes` (codec json 0x0200, sha2-256) */
  cid: string
  /** JCS canonical bytes of `credential` */
  bytes: Uint8Array
  credential: Credential<K>
  kind: K
  /** issuer did:key */
  author: string
  /** validFrom, as epoch milliseconds */
  time: number
  previous?: string
  collective?: string
}

/** Ed25519 primitives; the daemon passes native crypto, the browser passes @noble/curves */
export interface Ed25519 {
  /** 32-byte public key from a 32-byte seed */
  getPublicKey(seed: Uint8Array): Uint8Array
  sign(message: Uint8Array, seed: Uint8Array): Uint8Array
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean
}

/** The primitives record code needs, handed in so the daemon can use native crypto and the browser @noble */
export interface RecordCrypto {
  /** SHA-256, synchronous */
  sha256(data: Uint8Array): Uint8Array
  ed25519: Ed25519
}

/** Everything that signs records: a did:key and its seed, with the Ed25519 implementation that uses it */
export interface Signer {
  did: string
  sign(message: Uint8Array): Uint8Array
}
