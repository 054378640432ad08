/**
 * The generated text set of issue 12's evaluation: prose from a word list written here (no corpus downloaded) and
 * sentence templates, the edits a re-post makes, and distractors — independent texts, and hard negatives that
 * share an original's topic vocabulary and style (same templates, same 40-noun topic) or its appended boilerplate.
 * Everything is a function of a seed.
 */
import { seededRandom } from '../utils/random.ts'

const NOUNS = ('river stone lantern harbour orchard meadow copper velvet thunder willow ember canvas atlas comet ' +
  'garden signal marble echo falcon glacier hollow ivory juniper kettle lagoon mosaic nectar prism quartz raven ' +
  'saffron tundra walnut zephyr basalt cinder dune fable grove painter sculptor printer weaver potter poet archive ' +
  'collective studio gallery workshop press etching woodcut linocut lithograph sketch study portrait landscape ' +
  'harvest market village city bridge tower window door street square fountain museum library school theatre ' +
  'festival season winter summer autumn spring morning evening night dawn dusk shadow light colour form line ' +
  'texture pattern rhythm silence voice song story letter page chapter ledger contract licence royalty share ' +
  'member founder guest visitor neighbour teacher student apprentice master owner author editor critic buyer ' +
  'ocean island mountain valley forest desert field road path journey map compass anchor sail boat train engine ' +
  'machine tool brush knife press roller ink paper pigment varnish frame easel clay kiln glaze thread loom needle').split(' ')
const ADJECTIVES = ('quiet bright dark narrow wide ancient modern gentle rough smooth heavy light golden silver pale ' +
  'deep shallow distant nearby hidden open careful patient restless bold faint sharp soft warm cold wet dry green ' +
  'blue red grey white black crooked straight hollow solid early late slow quick small large humble proud strange ' +
  'familiar broken whole simple intricate shared private common rare local foreign').split(' ')
const VERBS = ('carries holds follows crosses finds keeps builds paints prints draws folds cuts shapes lifts turns ' +
  'opens closes watches hears remembers forgets names marks signs sends receives gathers scatters mends copies ' +
  'traces frames hangs sells trades lends borrows leaves enters guards answers questions').split(' ')
const ADVERBS = 'slowly quietly often rarely carefully suddenly always never gently boldly patiently again together'.split(' ')
const PREPS = 'across beneath beside beyond through under over near behind within along around toward'.split(' ')

/** Boilerplate a re-poster appends (and some distractors carry too: hard negatives) */
export const BOILERPLATE = [
  'This work is shared under a Creative Commons Attribution licence. You may copy, adapt and redistribute it in any ' +
  'medium or format, provided that you give appropriate credit, link to the licence and indicate whether changes ' +
  'were made. No warranties are given. Reposted with thanks; all rights remain with the original author.',
  'Subscribe to our weekly letter for more stories, prints and interviews from independent studios. Follow us for ' +
  'daily updates, share this post with a friend, and visit the shop for limited editions signed by the artists.',
  'Disclaimer: the views expressed in this piece belong to the author alone. The publisher accepts no responsibility ' +
  'for errors or omissions. Reproduction in whole or in part without written permission is prohibited.'
]

export interface Topic { nouns: string[], adjectives: string[], verbs: string[] }
type Rnd = () => number
const pick = <T>(r: Rnd, a: readonly T[]): T => a[Math.floor(r() * a.length)]
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)

export function topic (seed: number): Topic {
  const r = seededRandom(seed * 31 + 5)
  const sample = (a: readonly string[], n: number): string[] => Array.from({ length: n }, () => pick(r, a))
  return { nouns: sample(NOUNS, 40), adjectives: sample(ADJECTIVES, 20), verbs: sample(VERBS, 16) }
}

function sentence (r: Rnd, t: Topic): string {
  const n = (): string => pick(r, t.nouns)
  const a = (): string => pick(r, t.adjectives)
  const v = (): string => pick(r, t.verbs)
  const templates = [
    () => `the ${a()} ${n()} ${v()} the ${n()} ${pick(r, PREPS)} the ${a()} ${n()}.`,
    () => `${pick(r, ADVERBS)}, a ${n()} ${v()} what the ${n()} left ${pick(r, PREPS)} the ${n()}.`,
    () => `no ${n()} ${v()} a ${a()} ${n()}, yet every ${n()} ${v()} its ${n()}.`,
    () => `in the ${a()} ${n()}, the ${n()} and the ${n()} ${v().replace(/s$/, '')} ${pick(r, ADVERBS)}.`,
    () => `why does the ${n()} ${v().replace(/s$/, '')} the ${a()} ${n()}?`,
    () => `the ${n()} of the ${n()} was ${a()}, ${a()} and ${a()}.`,
    () => `she ${v()} the ${n()}; he ${v()} the ${n()} ${pick(r, PREPS)} the ${n()}.`,
    () => `"${cap(a())} ${n()}," said the ${n()}, "${v()} nothing ${pick(r, PREPS)} the ${n()}."`
  ]
  return cap(pick(r, templates)())
}

/** A text of 3…7 paragraphs of 3…7 sentences on the seed's topic (or on `topicSeed`'s: a hard negative) */
export function makeText (seed: number, topicSeed = seed): string {
  const r = seededRandom(seed * 2654435761 + 1)
  const t = topic(topicSeed)
  const paras = 3 + Math.floor(r() * 5)
  return Array.from({ length: paras }, () => Array.from({ length: 3 + Math.floor(r() * 5) }, () => sentence(r, t)).join(' ')).join('\n\n')
}

export type TextEdit = (text: string, seed: number) => string

const words = (s: string): string[] => s.split(/ +/)
/** Word-level edits at a rate of 1…10 %, positions from the seed, paragraph breaks kept */
function wordEdit (kind: 'substitute' | 'insert' | 'delete'): TextEdit {
  return (text, seed) => {
    const r = seededRandom(seed)
    const rate = 0.01 + r() * 0.09
    return text.split('\n\n').map(p => words(p).flatMap(w => {
      if (r() >= rate) return [w]
      if (kind === 'delete') return []
      const other = pick(r, r() < 0.5 ? NOUNS : ADJECTIVES)
      return kind === 'insert' ? [w, other] : [other]
    }).join(' ')).join('\n\n')
  }
}

/** The edits by name: what the per-edit recall table lists */
export const TEXT_EDITS: Record<string, TextEdit> = {
  'white space reflowed': (t, s) => { const r = seededRandom(s); return t.split(' ').map(w => w + (r() < 0.1 ? '\n' : r() < 0.1 ? '  ' : ' ')).join('').replace(/\n\n/g, '\n\n\n\t') },
  'case changed': (t, s) => seededRandom(s)() < 0.5 ? t.toUpperCase() : t.replace(/\b\w/g, c => c.toUpperCase()),
  'punctuation changed': t => t.replace(/[.,;?]/g, m => m === '.' ? ' —' : m === ',' ? '' : '!').replace(/"/g, '\u201c'),
  'words substituted 1–10 %': wordEdit('substitute'),
  'words inserted 1–10 %': wordEdit('insert'),
  'words deleted 1–10 %': wordEdit('delete'),
  'paragraphs reordered': (t, s) => {
    const r = seededRandom(s)
    const p = t.split('\n\n')
    for (let i = p.length - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [p[i], p[j]] = [p[j], p[i]] }
    return p.join('\n\n')
  },
  'excerpt 70–95 %': (t, s) => {
    const r = seededRandom(s)
    const w = words(t)
    const keep = Math.round(w.length * (0.7 + r() * 0.25))
    const start = Math.floor(r() * (w.length - keep + 1))
    return w.slice(start, start + keep).join(' ')
  },
  'boilerplate appended': (t, s) => t + '\n\n' + BOILERPLATE[Math.floor(seededRandom(s)() * BOILERPLATE.length)]
}

/**
 * Distractor `i`: every third an independent text, every third one on an original's topic (same nouns, adjectives,
 * verbs and templates: a hard negative), every third on an original's topic with a boilerplate appended too.
 */
export function makeDistractor (i: number, originals: number, seedBase: number): string {
  const seed = seedBase + 1_000_000 + i
  if (i % 3 === 0 || originals === 0) return makeText(seed)
  const text = makeText(seed, seedBase + (i % originals))
  return i % 3 === 1 ? text : text + '\n\n' + BOILERPLATE[i % BOILERPLATE.length]
}
