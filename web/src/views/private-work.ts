/**
 * A private collective's work on its asset page (protocols/private-collectives.md §9): the node serves it to anyone
 * as ciphertext only, so the page offers to open it here. On "Decrypt", the page fetches the ciphertext from /ipfs
 * (the same bytes bitswap serves), asks the member's own daemon for the epoch key (loopback, with the API token),
 * and opens every chunk with @noble/ciphers against the signed record's `encryption` member: a work altered,
 * reordered or cut short, or a header that is not the record's, fails with its code and shows nothing.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import type { AssetSubject, ValidRecord } from '../../../src/records/index.ts'
import { ApiError, getBytes, getToken, setToken } from '../api.ts'
import { h, replace } from '../dom.ts'
import { formatBytes } from '../format.ts'
import { previewKind } from '../preview.ts'
import { WorkDecryptionError, decryptWork } from '../private-content.ts'
import type { WorkEncryption } from '../private-content.ts'
import { errorBox } from '../ui.ts'

/** How much of a decrypted text work is shown */
const TEXT_SHOWN = 16 * 1024

function fromBase64url (s: string): Uint8Array {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4)
  return Uint8Array.from(atob(b64), c => c.charCodeAt(0))
}

const hex = (b: Uint8Array): string => Array.from(b, x => x.toString(16).padStart(2, '0')).join('')

/** The opened work, shown by its own media type (a picture or sound from a blob URL, text as text) */
function plaintextView (bytes: Uint8Array, mediaType: string | undefined): HTMLElement {
  const blob = (): string => URL.createObjectURL(new Blob([bytes as BlobPart], { type: mediaType ?? 'application/octet-stream' }))
  switch (previewKind(mediaType)) {
    case 'image': return h('img', { src: blob(), alt: 'the decrypted work' })
    case 'audio': return h('audio', { src: blob(), controls: true })
    case 'video': return h('video', { src: blob(), controls: true })
    case 'text': return h('pre', { class: 'text-preview', id: 'private-plaintext' }, new TextDecoder().decode(bytes.subarray(0, TEXT_SHOWN)))
    default: return h('a', { href: blob(), download: '' }, 'save the decrypted file')
  }
}

/** The "Decrypt" card of an encrypted work, or null for a work in the clear */
export function privateWorkSection (item: ValidRecord, s: AssetSubject): HTMLElement | null {
  const enc = s.encryption as WorkEncryption | undefined
  if (enc == null || item.collective == null) return null
  const collective = item.collective
  const content = s.id.replace(/^ipfs:\/\//, '')
  const out = h('div', { id: 'private-result' })
  const token = h('input', { type: 'password', id: 'private-token', autocomplete: 'off', 'aria-label': 'API token', placeholder: 'API token', props: { value: getToken() } })
  const button = h('button', { type: 'submit', id: 'private-decrypt' }, 'Decrypt')
  const form = h('form', { class: 'inline' }, token, button)
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    setToken(token.value)
    button.disabled = true
    out.removeAttribute('data-state')
    replace(out, h('p', { class: 'muted' }, 'Opening the work…'))
    void (async () => {
      const keyRes = await fetch(`/v1/collectives/${collective}/epochs/${enc.epoch}/key`, { headers: { authorization: `Bearer ${token.value}`, accept: 'application/json' } })
      if (!keyRes.ok) {
        const body = await keyRes.json().catch(() => ({})) as { error?: { code?: string, message?: string } }
        throw new ApiError(keyRes.status, body.error?.code ?? `HTTP_${keyRes.status}`, body.error?.message ?? `the node answered ${keyRes.status}`)
      }
      const epochKey = fromBase64url((await keyRes.json() as { key: string }).key)
      const ciphertext = await getBytes(`/ipfs/${content}`)
      const plaintext = decryptWork(ciphertext, epochKey, collective, enc)
      out.dataset.state = 'verified'
      replace(out,
        h('p', null, `Decrypted and verified in this browser: ${formatBytes(plaintext.length)}, every chunk's tag checked. SHA-256 of the plaintext: `,
          h('code', { id: 'private-sha256' }, hex(sha256(plaintext)))),
        plaintextView(plaintext, enc.mediaType))
    })().catch(err => {
      out.dataset.state = 'failed'
      const code = err instanceof WorkDecryptionError ? err.code : undefined
      replace(out, errorBox(err, 'Does not decrypt:'), code != null ? h('code', { class: 'error-code', id: 'private-error-code' }, code) : null)
    }).finally(() => { button.disabled = false })
  })
  return h('section', { class: 'card', id: 'private-work' },
    h('h2', null, 'Private work'),
    h('p', { class: 'muted small' }, `Encrypted for the members of its collective (epoch ${enc.epoch}, ${formatBytes(enc.plaintextSize)}). `,
      'Anyone may fetch its ciphertext; your node gives this page the key, and the page opens and checks it here.'),
    form, out)
}
