/**
 * Sections of docs/benchmarks.md that `npm run bench` does not measure (written by hand from runs of other scripts:
 * bench/near-dup.ts --sweep, bench/fingerprint-index.ts, bench/fingerprint-eval.ts on a larger set, the network
 * lab, the names bench, the discovery benches), carried over as they were when bench/run.ts rewrites the file, so a run never drops them.
 */

/** Headings (their start) of the sections kept from the previous file */
export const KEPT_SECTIONS = [
  'Names beside dids',
  'Near-duplicate lookup: choosing',
  'Fingerprint recall and precision, larger set',
  'Fingerprints in the index and at add time',
  'Discovery',
  'Network lab'
] as const

/**
 * The `## <heading…>` sections of `doc` whose headings start with `heading`, each through its subsections, in the
 * file's order ('' if none): the network lab writes one dated section per run, and every one of them is kept
 */
export function keptSection (doc: string, heading: string): string {
  const parts: string[] = []
  let from = 0
  for (;;) {
    const at = from === 0 && doc.startsWith(`## ${heading}`) ? 0 : doc.indexOf(`\n## ${heading}`, from === 0 ? 0 : from - 1)
    if (at < 0) break
    const start = at === 0 ? 0 : at + 1
    const end = doc.indexOf('\n## ', start + 1)
    parts.push(doc.slice(start, end < 0 ? undefined : end).trimEnd() + '\n')
    if (end < 0) break
    from = end + 1
  }
  return parts.join('\n')
}

/** Every kept section of `doc`, by heading ('' for one it lacks) */
export function keptSections (doc: string): Record<(typeof KEPT_SECTIONS)[number], string> {
  return Object.fromEntries(KEPT_SECTIONS.map(h => [h, keptSection(doc, h)])) as Record<(typeof KEPT_SECTIONS)[number], string>
}
