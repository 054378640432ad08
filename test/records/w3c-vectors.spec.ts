/**
 * The official W3C vc-di-eddsa vectors for eddsa-jcs-2022: every intermediate value is reproduced from keyPair.json
 * and the unsigned credential, and signedJCS.json verifies, with both the portable and the native crypto.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import {
  canonicalString, createProof, createSigner, decodePublicKeyMultibase, decodeSeedMultibase, didKeyFromPublicKey,
  encodeBase58Multibase, hashData, nobleCrypto, proofConfiguration, verifyProof
} from '../../src/records/index.ts'
import { nativeCrypto } from '../../src/identity/ed25519-native.ts'
import { toHex, utf8 } from './helpers.ts'

const dir = new URL('../../protocols/vectors/w3c-vc-di-eddsa/', import.meta.url)
const read = (name: string): string => readFileSync(new URL(name, dir), 'utf8')
const readTrim = (name: string): string => read(name).trim()

const keyPair = JSON.parse(read('keyPair.json'))
const signed = JSON.parse(read('eddsa-jcs-2022/signedJCS.json'))
const proofConfigFile = JSON.parse(read('eddsa-jcs-2022/proofConfigJCS.json'))

for (const [label, crypto] of [['noble', nobleCrypto], ['native', nativeCrypto]] as const) {
  describe(`W3C eddsa-jcs-2022 vectors (${label})`, () => {
    const seed = decodeSeedMultibase(keyPair.privateKeyMultibase)
    const publicKey = decodePublicKeyMultibase(keyPair.publicKeyMultibase)
    const { proof, ...unsigned } = signed
    const options = { verificationMethod: proof.verificationMethod, created: proof.created }

    it('derives the public key from the private key multibase', () => {
      assert.equal(seed.length, 32)
      assert.deepEqual(crypto.ed25519.getPublicKey(seed), publicKey)
      assert.equal(createSigner(seed, crypto).did, `did:key:${keyPair.publicKeyMultibase}`)
      assert.equal(didKeyFromPublicKey(publicKey), proof.verificationMethod.split('#')[0])
    })

    it('reproduces the canonical document', () => {
      assert.equal(canonicalString(unsigned), readTrim('eddsa-jcs-2022/canonDocJCS.txt'))
    })

    it('reproduces the proof configuration and its canonical form', () => {
      const config = proofConfiguration(unsigned['@context'], options)
      assert.deepEqual(config, proofConfigFile)
      assert.equal(canonicalString(config), readTrim('eddsa-jcs-2022/proofCanonJCS.txt'))
    })

    it('reproduces both hashes and their combination', () => {
      const docHash = crypto.sha256(utf8(readTrim('eddsa-jcs-2022/canonDocJCS.txt')))
      const proofHash = crypto.sha256(utf8(readTrim('eddsa-jcs-2022/proofCanonJCS.txt')))
      assert.equal(toHex(docHash), readTrim('eddsa-jcs-2022/docHashJCS.txt'))
      assert.equal(toHex(proofHash), readTrim('eddsa-jcs-2022/proofHashJCS.txt'))
      const data = hashData(utf8(canonicalString(proofConfiguration(unsigned['@context'], options))), utf8(canonicalString(unsigned)), crypto.sha256)
      assert.equal(toHex(data), readTrim('eddsa-jcs-2022/combinedHashJCS.txt'))
    })

    it('reproduces the signature in hex and base58btc', () => {
      const data = hashData(utf8(readTrim('eddsa-jcs-2022/proofCanonJCS.txt')), utf8(readTrim('eddsa-jcs-2022/canonDocJCS.txt')), crypto.sha256)
      const signature = crypto.ed25519.sign(data, seed)
      assert.equal(toHex(signature), readTrim('eddsa-jcs-2022/sigHexJCS.txt'))
      assert.equal(encodeBase58Multibase(signature), readTrim('eddsa-jcs-2022/sigBTC58JCS.txt'))
      assert.equal(crypto.ed25519.verify(signature, data, publicKey), true)
    })

    it('creates the exact proof of signedJCS.json', () => {
      const made = createProof(unsigned, options, message => crypto.ed25519.sign(message, seed), crypto)
      assert.deepEqual(made, proof)
    })

    it('verifies signedJCS.json', () => {
      assert.doesNotThrow(() => verifyProof(signed, crypto))
    })

    it('rejects signedJCS.json once a claim is changed', () => {
      const tampered = structuredClone(signed)
      tampered.credentialSubject.alumniOf = 'Another School'
      assert.throws(() => verifyProof(tampered, crypto), { name: 'InvalidSignatureError' })
    })

    it('rejects signedJCS.json bound to another verification method', () => {
      assert.throws(() => verifyProof(signed, crypto, { expectedVerificationMethod: 'did:key:z6Mkother#z6Mkother' }),
        { name: 'InvalidSignatureError' })
    })
  })
}
