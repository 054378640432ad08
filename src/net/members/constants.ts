/**
 * Protocol id and limits of `/atelier/members/1.0.0` (normative text: protocols/members.md).
 *
 * The wire limits (`MAX_*`) are part of the protocol: a message over one is refused and the stream torn down, so
 * whatever a remote sends, the allocation it causes is bounded by them. The `DEFAULT_*` values are local choices a
 * node may change through `MemberExchangeInit` without breaking interoperability.
 */

/** Swappable for a private network, as ping's prefix is */
export const PROTOCOL_PREFIX = '/atelier'
export const PROTOCOL_NAME = 'members'
/** Bump on any change to the card, the messages or the checks that a peer of the previous version would misread
 * (protocols/members.md §1); an optional field both versions handle, like a request's `known`, keeps it */
export const PROTOCOL_VERSION = '1.0.0'
/** `/atelier/members/1.0.0` */
export const MEMBERS_PROTOCOL = `${PROTOCOL_PREFIX}/${PROTOCOL_NAME}/${PROTOCOL_VERSION}`

/** `type` of a member address card */
export const CARD_TYPE = 'AtelierMemberCard'
/** `version` of a member address card */
export const CARD_VERSION = 1
/**
 * Prepended to the JCS bytes of a card before signing: a card signature can never be mistaken for a record proof
 * (eddsa-jcs-2022 signs 64 bytes of hashes) nor the other way round, though both use the creator key.
 */
export const CARD_SIGNING_PREFIX = 'atelier-member-card/1\n'

// --- wire limits (protocols/members.md §5) ---

/** Bytes of the length prefix of a message (unsigned 32-bit big-endian) */
export const LENGTH_PREFIX_BYTES = 4
/** Largest request message body: one card and a collective id */
export const MAX_REQUEST_BYTES = 8_192
/** Largest response message body: the responder's card and up to MAX_CARDS_PER_RESPONSE others */
export const MAX_RESPONSE_BYTES = 131_072
/** Largest encoded card (JSON, UTF-8) */
export const MAX_CARD_BYTES = 2_048
/** Most addresses on one card */
export const MAX_ADDRS_PER_CARD = 8
/** Longest address on a card, characters */
export const MAX_ADDR_CHARS = 256
/** Most cards of other members in one response */
export const MAX_CARDS_PER_RESPONSE = 32
/** Most tags in a request's `known` list (a collective's default card bound) */
export const MAX_KNOWN_CARDS = 256
/** Characters of a card's signature that tag it in `known` (after the multibase `z`: about 93 bits) */
export const CARD_TAG_CHARS = 16
/** A card issued more than this far in the future is refused (clock skew allowance), ms */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000
/**
 * Oldest card presented by its own node, ms: a node signs a fresh card for every exchange (cached for
 * CARD_REFRESH_MS), so an older one is not what an honest peer sends.
 */
export const MAX_PRESENTED_CARD_AGE_MS = 60 * 60_000
/** Oldest card accepted from a third party or kept in the directory, ms: a member offline longer is forgotten */
export const MAX_CARD_AGE_MS = 30 * 24 * 3600_000

// --- local defaults (MemberExchangeInit) ---

/** How long a node reuses the card it signed before signing a fresh one, ms */
export const CARD_REFRESH_MS = 10 * 60_000
/** Deadline of one exchange, either role, ms */
export const DEFAULT_TIMEOUT_MS = 10_000
/** How often the exchange is re-run with each connected member, ms */
export const DEFAULT_INTERVAL_MS = 120_000
/** Exchanges run at once, outbound; more wait */
export const DEFAULT_MAX_OUTBOUND = 4
/** Exchanges answered at once, inbound; more are refused BUSY */
export const DEFAULT_MAX_INBOUND = 8
/** Cards kept per collective (the directory evicts the oldest issued beyond it) */
export const DEFAULT_MAX_CARDS_PER_COLLECTIVE = 256
/** After a membership record arrives, exchanges wait this long so the membership view has been recomputed, ms */
export const MEMBERSHIP_SETTLE_MS = 250
/** Inbound member streams per connection (libp2p registrar option) */
export const MAX_INBOUND_STREAMS = 2
/** Outbound member streams per connection (libp2p registrar option) */
export const MAX_OUTBOUND_STREAMS = 2
