/**
 * Private collectives' cryptography (issue 14; protocols/private-collectives.md): member encryption keys derived
 * from did:keys, epoch keys wrapped to members with HPKE, and the envelopes records and content travel in. Pure
 * functions over bytes; what a node does with them is wired in src/node.
 */
export { encryptionPublicKey, encryptionSecretKey } from './member-keys.ts'
export { EPOCH_KEY_BYTES, WRAP_LABEL, newEpochKey, unwrapEpochKey, unwrapEpochKeyWith, wrapEpochKey, wrapInfo, type Wrap } from './epoch-keys.ts'
export { ENVELOPE_LABEL, open, seal, type Envelope } from './envelope.ts'
export { DecryptionError } from './errors.ts'
export { NoEpochKeyError, NotEncryptedError } from './errors.ts'
export { DEFAULT_CHUNK_BYTES, HEADER_BYTES, SCHEME, ciphertextSize, decodeHeader, newWork, plaintextSize, type ContentHeader } from './content-header.ts'
export { decryptRange, decryptStream, encryptStream, workPayloadKey } from './content-cipher.ts'
export type { EpochKeySource } from './epoch-source.ts'
