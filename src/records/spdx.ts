/**
 * SPDX license expressions, checked where people type them (the CLI's flags and the HTTP create routes). The
 * record format itself keeps accepting any string in `spdx` from peers (protocols/records.md): this is a check at
 * the door of what this node signs, so a typo ("MIT-ish") or a family name ("gpl") is refused with a suggestion
 * instead of being signed as if it were a license.
 *
 * Two checks, both well-defined:
 * 1. Syntax: the grammar of SPDX 2.3 Annex D (license-expression): ids made of letters, digits, `-` and `.`,
 *    an optional `+`, `WITH <exception>`, `AND`, `OR`, parentheses; `LicenseRef-…`, `DocumentRef-…:LicenseRef-…`
 *    and `AdditionRef-…` name terms outside the list.
 * 2. Vocabulary: each license id must be on the list below (matched case-insensitively, as SPDX says, and answered
 *    in its canonical case). No copy of the SPDX License List ships in node_modules, so the list is the part of it
 *    a creators' node meets: every Creative Commons, GNU, open-data, font and common software license. An id not
 *    on it is refused with the advice to write it as `LicenseRef-<name>`, which any SPDX tool accepts.
 */

/** License ids of the SPDX License List (a subset: see the file comment) */
const LICENSE_IDS = (
  // Creative Commons
  'CC0-1.0 CC-PDDC CC-BY-1.0 CC-BY-2.0 CC-BY-2.5 CC-BY-3.0 CC-BY-4.0 CC-BY-SA-1.0 CC-BY-SA-2.0 CC-BY-SA-2.5 ' +
  'CC-BY-SA-3.0 CC-BY-SA-4.0 CC-BY-ND-1.0 CC-BY-ND-2.0 CC-BY-ND-2.5 CC-BY-ND-3.0 CC-BY-ND-4.0 CC-BY-NC-1.0 ' +
  'CC-BY-NC-2.0 CC-BY-NC-2.5 CC-BY-NC-3.0 CC-BY-NC-4.0 CC-BY-NC-SA-1.0 CC-BY-NC-SA-2.0 CC-BY-NC-SA-2.5 ' +
  'CC-BY-NC-SA-3.0 CC-BY-NC-SA-4.0 CC-BY-NC-ND-1.0 CC-BY-NC-ND-2.0 CC-BY-NC-ND-2.5 CC-BY-NC-ND-3.0 ' +
  'CC-BY-NC-ND-4.0 ' +
  // GNU and other copyleft
  'GPL-1.0-only GPL-1.0-or-later GPL-2.0-only GPL-2.0-or-later GPL-3.0-only GPL-3.0-or-later LGPL-2.0-only ' +
  'LGPL-2.0-or-later LGPL-2.1-only LGPL-2.1-or-later LGPL-3.0-only LGPL-3.0-or-later AGPL-1.0-only ' +
  'AGPL-1.0-or-later AGPL-3.0-only AGPL-3.0-or-later GFDL-1.1-only GFDL-1.1-or-later GFDL-1.2-only ' +
  'GFDL-1.2-or-later GFDL-1.3-only GFDL-1.3-or-later MPL-1.0 MPL-1.1 MPL-2.0 MPL-2.0-no-copyleft-exception ' +
  'EPL-1.0 EPL-2.0 EUPL-1.0 EUPL-1.1 EUPL-1.2 CDDL-1.0 CDDL-1.1 OSL-3.0 CECILL-2.1 CECILL-B CECILL-C ' +
  'CPAL-1.0 SSPL-1.0 ' +
  // permissive software
  '0BSD MIT MIT-0 ISC Apache-1.0 Apache-1.1 Apache-2.0 BSD-1-Clause BSD-2-Clause BSD-2-Clause-Patent ' +
  'BSD-3-Clause BSD-3-Clause-Clear BSD-4-Clause BSL-1.0 Zlib Unlicense WTFPL Artistic-1.0 Artistic-2.0 ' +
  'PostgreSQL Python-2.0 PSF-2.0 Ruby X11 UPL-1.0 NCSA AFL-3.0 BlueOak-1.0.0 ECL-2.0 MS-PL MS-RL ' +
  'PolyForm-Noncommercial-1.0.0 PolyForm-Small-Business-1.0.0 Beerware ' +
  // fonts, documentation, data
  'OFL-1.0 OFL-1.1 OFL-1.1-RFN OFL-1.1-no-RFN ODbL-1.0 ODC-By-1.0 PDDL-1.0 CDLA-Permissive-1.0 ' +
  'CDLA-Permissive-2.0 CDLA-Sharing-1.0 O-UDA-1.0 OGL-UK-3.0 etalab-2.0 DL-DE-BY-2.0 LAL-1.3 FSFAP ' +
  // hardware
  'CERN-OHL-P-2.0 CERN-OHL-S-2.0 CERN-OHL-W-2.0 TAPR-OHL-1.0'
).split(' ')

/** License exceptions (after WITH) of the SPDX list, the common ones */
const EXCEPTION_IDS = (
  'Classpath-exception-2.0 LLVM-exception GCC-exception-2.0 GCC-exception-3.1 Autoconf-exception-3.0 ' +
  'Bison-exception-2.2 Font-exception-2.0 Linux-syscall-note OCaml-LGPL-linking-exception ' +
  'Qt-LGPL-exception-1.1 Universal-FOSS-exception-1.0 WxWindows-exception-3.1 eCos-exception-2.0 ' +
  'openvpn-openssl-exception u-boot-exception-2.0 LGPL-3.0-linking-exception FLTK-exception ' +
  'GPL-3.0-linking-exception GPL-CC-1.0 Libtool-exception'
).split(' ')

const BY_LOWER = new Map(LICENSE_IDS.map(id => [id.toLowerCase(), id]))
const EXCEPTION_BY_LOWER = new Map(EXCEPTION_IDS.map(id => [id.toLowerCase(), id]))
const IDSTRING = /^[A-Za-z0-9.-]+$/
const REF = /^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/
const ADDITION_REF = /^(DocumentRef-[A-Za-z0-9.-]+:)?AdditionRef-[A-Za-z0-9.-]+$/
const MAX_EXPRESSION = 200
const MAX_SUGGESTIONS = 6

/** Why an expression was refused; `suggestions` are list ids close to the unknown one */
export class SpdxProblem {
  readonly message: string
  readonly suggestions: string[]
  constructor (message: string, suggestions: string[] = []) {
    this.message = message
    this.suggestions = suggestions
  }
}

/** Up to six list ids that start with (or contain) what was typed, for "did you mean" */
export function spdxSuggestions (typed: string): string[] {
  const t = typed.toLowerCase().replace(/[^a-z0-9]+$/, '')
  if (t === '') return []
  const starts = LICENSE_IDS.filter(id => id.toLowerCase().startsWith(t))
  const rest = starts.length > 0 ? [] : LICENSE_IDS.filter(id => id.toLowerCase().includes(t) || t.startsWith(id.toLowerCase()))
  return [...starts, ...rest].slice(0, MAX_SUGGESTIONS)
}

function unknownId (id: string): SpdxProblem {
  const suggestions = spdxSuggestions(id)
  const hint = suggestions.length > 0 ? `did you mean ${suggestions.join(', ')}? ` : ''
  return new SpdxProblem(`"${id}" is not an SPDX license id: ${hint}for other terms write LicenseRef-<name>`, suggestions)
}

/** Tokens of an expression: parentheses, operators and ids; `+` stays on its id */
function tokens (text: string): string[] {
  return text.replace(/([()])/g, ' $1 ').split(/\s+/).filter(t => t !== '')
}

/**
 * The expression in canonical case (`cc-by-4.0` → `CC-BY-4.0`), or an SpdxProblem saying what is wrong.
 * Grammar (SPDX 2.3 Annex D): compound = simple [WITH exception] | compound AND compound | compound OR compound
 * | "(" compound ")"; operators in upper case.
 */
export function checkSpdxExpression (text: string): string | SpdxProblem {
  if (text.length === 0 || text.length > MAX_EXPRESSION) return new SpdxProblem(`an SPDX expression is 1 to ${MAX_EXPRESSION} characters`)
  const toks = tokens(text)
  let i = 0
  const out: string[] = []
  const simple = (): SpdxProblem | undefined => {
    const tok = toks[i]
    if (tok == null || ['AND', 'OR', 'WITH', '(', ')'].includes(tok)) return new SpdxProblem(`a license id is missing in "${text}"`)
    i++
    if (REF.test(tok)) { out.push(tok); return undefined }
    const plus = tok.endsWith('+')
    const id = plus ? tok.slice(0, -1) : tok
    if (!IDSTRING.test(id)) return new SpdxProblem(`"${tok}" is not an SPDX license id (letters, digits, "-" and "." only)`)
    const canonical = BY_LOWER.get(id.toLowerCase())
    if (canonical == null) return unknownId(id)
    out.push(canonical + (plus ? '+' : ''))
    if (toks[i] === 'WITH') {
      i++
      const exc = toks[i]
      const known = exc != null ? EXCEPTION_BY_LOWER.get(exc.toLowerCase()) ?? (ADDITION_REF.test(exc) ? exc : undefined) : undefined
      if (known == null) return new SpdxProblem(`"${exc ?? ''}" after WITH is not an SPDX license exception id`)
      i++
      out.push('WITH', known)
    }
    return undefined
  }
  const compound = (depth: number): SpdxProblem | undefined => {
    if (depth > 16) return new SpdxProblem('the SPDX expression nests too deep')
    const term = (): SpdxProblem | undefined => {
      if (toks[i] === '(') {
        i++
        out.push('(')
        const p = compound(depth + 1)
        if (p != null) return p
        if (toks[i] !== ')') return new SpdxProblem(`a ")" is missing in "${text}"`)
        i++
        out.push(')')
        return undefined
      }
      return simple()
    }
    const first = term()
    if (first != null) return first
    while (toks[i] === 'AND' || toks[i] === 'OR') {
      out.push(toks[i])
      i++
      const next = term()
      if (next != null) return next
    }
    return undefined
  }
  const problem = compound(0)
  if (problem != null) return problem
  if (i < toks.length) return new SpdxProblem(`"${toks[i]}" is out of place in "${text}" (operators are AND, OR, WITH, in upper case)`)
  return out.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')')
}
