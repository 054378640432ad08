/**
 * Upload: a file, its title, parents, license and AI-training choice. The content goes up first (with a progress
 * bar), then the node signs an asset record for it. The API token is asked for once and kept in this browser
 * session only. Errors show the node's own message.
 */
import { LICENSE_PRESETS } from '../../../src/records/license-presets.ts'
import type { LicensePreset, LicensePresetName } from '../../../src/records/license-presets.ts'
import { ApiError, getJson, getToken, postJson, setToken, uploadContent } from '../api.ts'
import type { ViewContext } from '../context.ts'
import { h, replace } from '../dom.ts'
import { formatBytes } from '../format.ts'
import type { Collective, Page } from '../types.ts'
import { assetLink, errorBox } from '../ui.ts'
import { licenseName } from '../words.ts'
import { parentPicker } from './parent-picker.ts'
import type { LicenseSubject } from '../../../src/records/index.ts'

/** A preset without an SPDX id, in words: "commercial-remix" → "Commercial remix" */
function presetWords (name: string): string {
  const w = name.replace(/-/g, ' ')
  return w.charAt(0).toUpperCase() + w.slice(1)
}

interface Created {
  cid: string
  status?: 'added' | 'duplicate' | 'parked'
  record: { credentialSubject: { title: string } }
  license?: { cid: string }
}

const AI_CHOICES = [['', 'not stated'], ['notAllowed', 'not allowed'], ['allowed', 'allowed'], ['constrained', 'allowed under conditions']] as const

/** The upload view: #/upload[?parent=<cid>] */
export function uploadView (root: HTMLElement, ctx: ViewContext): void {
  const token = h('input', { type: 'password', id: 'api-token', name: 'token', autocomplete: 'off', props: { value: getToken() }, placeholder: 'contents of $ATELIER_HOME/api-token', size: 48 })
  const tokenState = h('span', { class: 'muted small', id: 'token-state' }, getToken() !== '' ? 'kept for this browser session' : '')
  const forget = h('button', { type: 'button', class: 'secondary small', onclick: () => { setToken(''); token.value = ''; tokenState.textContent = 'forgotten' } }, 'Forget')
  token.addEventListener('change', () => { setToken(token.value.trim()); tokenState.textContent = token.value.trim() !== '' ? 'kept for this browser session' : '' })

  const file = h('input', { type: 'file', id: 'file', name: 'file', required: true })
  const title = h('input', { id: 'title', name: 'title', required: true, maxlength: 500, size: 48 })
  file.addEventListener('change', () => {
    const f = file.files?.[0]
    if (f != null && title.value === '') title.value = f.name.replace(/\.[^.]+$/, '')
  })
  const description = h('textarea', { id: 'description', name: 'description', rows: 3, maxlength: 10000 })
  const tags = h('input', { id: 'tags', name: 'tags', placeholder: 'comma separated', size: 48 })

  const parents = parentPicker(ctx)

  const presetNames = Object.keys(LICENSE_PRESETS) as LicensePresetName[]
  const license = h('select', { id: 'license', name: 'license' }, h('option', { value: '' }, 'No license: all rights reserved'),
    presetNames.map(name => {
      const preset: LicensePreset = LICENSE_PRESETS[name]
      return h('option', { value: name, title: preset.spdx ?? name }, preset.spdx != null ? licenseName({ spdx: preset.spdx, terms: preset.terms, royaltyPolicy: preset.royaltyPolicy } as LicenseSubject) : presetWords(name))
    }))
  const licenseSummary = h('p', { class: 'muted small' })
  license.addEventListener('change', () => {
    licenseSummary.textContent = license.value !== '' ? LICENSE_PRESETS[license.value as LicensePresetName].summary : 'Nobody may use it without a grant from you.'
  })
  license.dispatchEvent(new Event('change'))

  const ai = h('fieldset', { class: 'radios' }, h('legend', null, 'AI training on this work'),
    AI_CHOICES.map(([v, label]) => h('label', null, h('input', { type: 'radio', name: 'aiTraining', value: v, checked: v === '' }), ` ${label}`)))
  const collective = h('select', { id: 'collective', name: 'collective' }, h('option', { value: '' }, 'None: this node only'))
  // on a member node the work goes to its collective unless the person picks otherwise
  let defaultCollective = ''
  void getJson<Page<Collective>>('/v1/collectives', ctx.signal).then(c => {
    const mine = c.items.filter(x => x.member !== false)
    for (const col of mine) collective.append(h('option', { value: col.id }, col.name))
    const member = mine.find(x => x.member === true) ?? mine[0]
    if (member != null) collective.value = defaultCollective = member.id
  }).catch(() => {})

  const progress = h('progress', { id: 'upload-progress', max: 100, props: { value: 0 }, hidden: true })
  const progressText = h('span', { class: 'muted small', id: 'upload-progress-text' })
  const out = h('div', { id: 'upload-result', 'aria-live': 'polite' })
  const submit = h('button', { type: 'submit', id: 'upload-submit' }, 'Upload and sign')

  const field = (label: string, control: HTMLElement, ...more: Array<HTMLElement | string>): HTMLElement =>
    h('div', { class: 'field' }, h('label', { for: control.id }, label), control, ...more)

  const form = h('form', { class: 'upload', id: 'upload-form' },
    h('section', { class: 'card' }, h('h2', null, 'API token'),
      h('p', { class: 'muted small' }, 'Writes need this node\'s token. It stays in this browser tab\'s session and is sent only to this node.'),
      h('div', { class: 'token-row' }, token, forget, tokenState)),
    h('section', { class: 'card' }, h('h2', null, 'The work'),
      field('File', file), field('Title', title), field('Description', description), field('Tags', tags), field('Collective', collective)),
    h('section', { class: 'card' }, h('h2', null, 'Made from'),
      h('p', { class: 'muted small' }, 'Works this one was made from: search them by title (the "Make a derivative" button of a work fills this in).'),
      parents.el),
    h('section', { class: 'card' }, h('h2', null, 'License and AI'),
      field('License', license, licenseSummary), ai),
    h('p', null, submit, ' ', progress, ' ', progressText),
    out)

  /** After a successful add: an empty form for the next work, the token and the collective kept */
  const reset = (): void => {
    for (const el of [file, title, description, tags]) el.value = ''
    parents.clear()
    license.value = ''
    license.dispatchEvent(new Event('change'))
    const none = form.querySelector<HTMLInputElement>('input[name="aiTraining"][value=""]')
    if (none != null) none.checked = true
    collective.value = defaultCollective
    progress.hidden = true
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault()
    void send()
  })

  async function send (): Promise<void> {
    const f = file.files?.[0]
    if (f == null) { replace(out, errorBox(new Error('Choose a file first.'))); return }
    const tok = token.value.trim()
    setToken(tok)
    submit.disabled = true
    replace(out)
    progress.hidden = false
    progress.value = 0
    let stage = 'The upload failed:'
    try {
      const added = await uploadContent(f, {
        token: tok,
        signal: ctx.signal,
        onProgress: ({ loaded, total }) => {
          progress.value = total > 0 ? Math.round(loaded * 100 / total) : 0
          progressText.textContent = `${formatBytes(loaded)} of ${formatBytes(total)}`
        }
      })
      progress.value = 100
      progressText.textContent = `uploaded ${formatBytes(added.size)}; signing the record…`
      stage = `The content was stored (${added.cid}), but the node refused the record:`
      const aiTraining = (form.querySelector('input[name="aiTraining"]:checked') as HTMLInputElement | null)?.value ?? ''
      const parentList = parents.chosen()
      const tagList = tags.value.split(',').map(t => t.trim()).filter(t => t !== '')
      const body: Record<string, unknown> = { content: added.cid, title: title.value.trim() }
      if (f.type !== '' && /^[a-z0-9!#$&^_.+-]+\/[a-zA-Z0-9!#$&^_.+-]+$/.test(f.type)) body.mediaType = f.type
      if (description.value.trim() !== '') body.description = description.value.trim()
      if (tagList.length > 0) body.tags = tagList
      if (parentList.length > 0) body.parents = parentList
      if (aiTraining !== '') body.aiTraining = aiTraining
      if (collective.value !== '') body.collective = collective.value
      if (license.value !== '') body.license = { preset: license.value }
      const created = await postJson<Created>('/v1/assets', body, tok)
      progressText.textContent = 'done'
      replace(out, h('div', { class: 'success', id: 'upload-success', 'data-cid': created.cid },
        h('strong', null, created.status === 'parked' ? 'Signed; waiting for a parent this node does not hold yet: ' : 'Added: '),
        assetLink(created.cid, body.title as string), ' · ',
        h('a', { href: `#/asset/${created.cid}/lineage`, id: 'open-lineage' }, 'see its lineage'), ' · ',
        h('a', { href: `#/asset/${created.cid}/provenance` }, 'provenance report')))
      reset()
    } catch (err) {
      if (ctx.signal.aborted) return
      progressText.textContent = ''
      progress.hidden = true
      const hint = err instanceof ApiError && err.code === 'ERR_UNAUTHORIZED' ? ' Check the API token above.' : ''
      replace(out, errorBox(err, stage), hint !== '' ? h('p', { class: 'muted small' }, hint) : null)
    } finally {
      submit.disabled = false
    }
  }

  replace(root, h('h1', null, 'Add a work'), form)
}
