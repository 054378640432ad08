/**
 * Fixed values of the lineage reports: walk limits, the vocabularies the exports write, and the versions of their
 * shapes. Every default the reports apply is here, read in one place each.
 */

/** Version of the royalty report's JSON shape (`RoyaltyReport.version`); bump on an incompatible change */
export const ROYALTY_REPORT_VERSION = 1

/**
 * Most asset records a royalty split walks (the root included). A LAP ancestor is owed a share however far up it
 * sits, so the walk has no depth limit, only this cap; past it the report says `truncated: true`.
 */
export const DEFAULT_ROYALTY_MAX_ASSETS = 10_000

/** Most ancestors an export (PROV-JSON or C2PA view) walks, and the default and largest depth it follows */
export const DEFAULT_EXPORT_MAX_ASSETS = 5_000
export const DEFAULT_EXPORT_DEPTH = 100
export const MAX_EXPORT_DEPTH = 100

/** How many paths a payee line lists at most; the amount always covers every path */
export const MAX_PATHS_PER_PAYEE = 16

/** Largest amount a split accepts: integer minor units that JSON numbers carry exactly */
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER

/** Currency codes as the license schema has them: ISO 4217 or a token symbol */
export const CURRENCY_PATTERN = /^[A-Z0-9]{2,12}$/

/** PROV-JSON: the namespaces the export declares (`prov` and `xsd` are predefined by PROV-JSON) */
export const PROV_PREFIXES = Object.freeze({
  /** Atelier's own terms: activity and entity types, attributes */
  atelier: 'https://atelier.works/ns/prov#',
  /** records and content by CID: `ipfs:<cid>` expands to `ipfs://<cid>` */
  ipfs: 'ipfs://',
  /** creators by DID: `didkey:z6Mk…` expands to `did:key:z6Mk…` */
  didkey: 'did:key:'
})

/** C2PA: assertion labels and action names the manifest view writes */
export const C2PA_ACTIONS_LABEL = 'c2pa.actions'
export const CAWG_TRAINING_MINING_LABEL = 'cawg.training-mining'
export const SCHEMA_ORG_CREATIVE_WORK_LABEL = 'stds.schema-org.CreativeWork'
export const C2PA_ACTION = Object.freeze({
  created: 'c2pa.created',
  opened: 'c2pa.opened',
  edited: 'c2pa.edited',
  placed: 'c2pa.placed'
})
/** Manifest labels: `urn:atelier:<record CID>` (a C2PA manifest label is a URN naming the claim) */
export const C2PA_MANIFEST_LABEL_PREFIX = 'urn:atelier:'
/** The signature algorithm of every record proof (eddsa-jcs-2022) */
export const C2PA_SIGNATURE_ALG = 'Ed25519'
/** validation_status code when an ingredient's manifest (its record) is not held here */
export const C2PA_INGREDIENT_MISSING = 'ingredient.manifest.missing'

/** What the exports name as their generator when the caller does not say. @default { name: 'Atelier' } */
export const DEFAULT_CLAIM_GENERATOR = Object.freeze({ name: 'Atelier' })
