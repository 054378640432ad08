/**
 * The node's identities, kept in the data dir:
 * - `keys/creator.json` (0600): the default creator's Ed25519 key as multibase, named by its did:key; it signs records;
 * - `keys/peer.key` (0600): the libp2p peer key (protobuf), a separate transport key;
 * - `api-token` (0600): the bearer token that authorises write requests to the gateway;
 * - `config.json`: the node's config file (not secret).
 */
import { encryptionSecretKey } from '../private/member-keys.ts'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { CONFIG_FILE, defaults } from '../config.ts'
import { NotReadyError, ConfigError } from '../errors.ts'
import { createSigner, didKeyFromPublicKey, encodeSeedMultibase, decodeSeedMultibase, encodePublicKeyMultibase } from '../records/index.ts'
import type { RecordCrypto, Signer } from '../records/types.ts'
import { nativeCrypto } from './ed25519-native.ts'
import { exists, readSecretFile, writeSecretFile } from './key-files.ts'

export { nativeCrypto } from './ed25519-native.ts'

/** Paths of the files in a data dir, defined once */
export function homePaths (home: string) {
  return {
    keys: join(home, 'keys'),
    creatorKey: join(home, 'keys', 'creator.json'),
    peerKey: join(home, 'keys', 'peer.key'),
    apiToken: join(home, 'api-token'),
    apiFile: join(home, 'api'),
    config: join(home, CONFIG_FILE)
  }
}

/** Public facts about a node's identity: safe to print */
export interface IdentityInfo {
  home: string
  /** the creator's did:key */
  did: string
  /** the libp2p peer id */
  peerId: string
}

/** Everything the daemon needs, secrets included: never print this */
export interface Identity extends IdentityInfo {
  signer: Signer
  peerKey: PrivateKey
  apiToken: string
  /** the creator's X25519 secret, derived from its seed (protocols/private-collectives.md §2): opens epoch-key wraps */
  encryptionSecret: Uint8Array
}

interface CreatorKeyFile {
  id: string
  type: 'Ed25519'
  publicKeyMultibase: string
  privateKeyMultibase: string
}

/** Create the data dir and whatever of its identity files are missing; idempotent */
export async function initHome (home: string, crypto: RecordCrypto = nativeCrypto): Promise<IdentityInfo & { created: boolean }> {
  const paths = homePaths(home)
  await mkdir(paths.keys, { recursive: true, mode: 0o700 })
  let created = false

  if (!(await exists(paths.creatorKey))) {
    const seed = new Uint8Array(randomBytes(32))
    const pub = crypto.ed25519.getPublicKey(seed)
    const file: CreatorKeyFile = {
      id: didKeyFromPublicKey(pub),
      type: 'Ed25519',
      publicKeyMultibase: encodePublicKeyMultibase(pub),
      privateKeyMultibase: encodeSeedMultibase(seed)
    }
    await writeSecretFile(paths.creatorKey, JSON.stringify(file, null, 2) + '\n')
    created = true
  }
  if (!(await exists(paths.peerKey))) {
    const key = await generateKeyPair('Ed25519')
    await writeSecretFile(paths.peerKey, privateKeyToProtobuf(key))
    created = true
  }
  if (!(await exists(paths.apiToken))) {
    await writeSecretFile(paths.apiToken, randomBytes(32).toString('base64url') + '\n')
    created = true
  }
  if (!(await exists(paths.config))) {
    // Only what a user is likely to edit; everything else follows the embedded defaults as they evolve
    const config = { http: { host: defaults.http.host, port: defaults.http.port }, p2p: { listen: defaults.p2p.listen, bootstrap: defaults.p2p.bootstrap, memberPeers: defaults.p2p.memberPeers } }
    await writeFile(paths.config, JSON.stringify(config, null, 2) + '\n')
    created = true
  }
  const info = await readIdentity(home, crypto)
  return { home: info.home, did: info.did, peerId: info.peerId, created }
}

/** Load the identity of an initialised data dir; throws NotReadyError when `atelier init` has not run */
export async function readIdentity (home: string, crypto: RecordCrypto = nativeCrypto): Promise<Identity> {
  const paths = homePaths(home)
  const [creatorBytes, peerBytes, tokenBytes] = await Promise.all([
    readSecretFile(paths.creatorKey), readSecretFile(paths.peerKey), readSecretFile(paths.apiToken)
  ])
  if (creatorBytes == null || peerBytes == null || tokenBytes == null) {
    throw new NotReadyError(`${home} is not initialised (run: atelier init)`)
  }
  let file: CreatorKeyFile
  try {
    file = JSON.parse(new TextDecoder().decode(creatorBytes))
  } catch (err) {
    throw new ConfigError(`${paths.creatorKey} is not valid JSON`, { cause: err })
  }
  const seed = decodeSeedMultibase(file.privateKeyMultibase)
  const signer = createSigner(seed, crypto)
  if (signer.did !== file.id) {
    throw new ConfigError(`${paths.creatorKey}: the private key does not match its id ${file.id}`)
  }
  const peerKey = privateKeyFromProtobuf(peerBytes)
  const apiToken = new TextDecoder().decode(tokenBytes).trim()
  return { home, did: signer.did, peerId: peerIdFromPrivateKey(peerKey).toString(), signer, peerKey, apiToken, encryptionSecret: encryptionSecretKey(seed) }
}

/** The API token of a data dir, for clients on the same machine */
export async function readApiToken (home: string): Promise<string | undefined> {
  try {
    return (await readFile(homePaths(home).apiToken, 'utf8')).trim()
  } catch {
    return undefined
  }
}
