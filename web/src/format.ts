/**
 * How values read on the page: short CIDs and dids, sizes, times, shares, money.
 */

/** `bagaaiera…kvx6a`: enough to tell records apart at a glance; the full value goes in the title attribute */
export function shortCid (cid: string | undefined): string {
  if (cid == null) return ''
  return cid.length <= 18 ? cid : `${cid.slice(0, 9)}…${cid.slice(-6)}`
}

/** `did:key:z6Mk…wsqQH` */
export function shortDid (did: string | undefined): string {
  if (did == null) return ''
  const prefix = 'did:key:'
  if (!did.startsWith(prefix) || did.length < prefix.length + 16) return did
  const key = did.slice(prefix.length)
  return `${prefix}${key.slice(0, 6)}…${key.slice(-5)}`
}

/** 1536 → "1.5 KiB" */
export function formatBytes (n: number | undefined): string {
  if (n == null || !Number.isFinite(n)) return '—'
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
  return i === 0 ? `${n} ${n === 1 ? 'byte' : 'bytes'}` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/**
 * An RFC 3339 time or epoch ms as "6 Dec 2026, 15:04" in the reader's time zone: day, month name and a 24-hour
 * clock, so no reader takes 06/12 for June or 3:04 for the morning, whatever the browser's locale.
 */
export function formatTime (t: string | number | undefined): string {
  if (t == null) return '—'
  const d = new Date(t)
  if (Number.isNaN(d.getTime())) return String(t)
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}, ${two(d.getHours())}:${two(d.getMinutes())}`
}

/** (1, 'problem') → "1 problem", (2, 'problem') → "2 problems"; `many` for irregular plurals */
export function plural (n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`
}

/** Basis points as a percentage: 1000 → "10 %", 50 → "0.5 %" */
export function formatBps (bps: number): string {
  const pct = bps / 100
  return `${Number.isInteger(pct) ? pct : pct.toFixed(2).replace(/0+$/, '')} %`
}

/** Digits after the decimal point of a currency (2 for EUR, 0 for JPY); 0 for token symbols Intl does not know */
export function minorDigits (currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 0
  } catch {
    return 0
  }
}

/** Integer minor units as money: (123456, 'EUR') → "€1,234.56" */
export function formatMoney (minor: number, currency: string): string {
  const digits = minorDigits(currency)
  const major = minor / 10 ** digits
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(major)
  } catch {
    return `${major.toLocaleString()} ${currency}`
  }
}

/** A decimal amount typed by a person ("12.5") in minor units of the currency, or undefined when it is not one */
export function parseMoney (text: string, currency: string): number | undefined {
  const digits = minorDigits(currency)
  const m = /^\s*(\d+)(?:[.,](\d*))?\s*$/.exec(text)
  if (m == null) return undefined
  const frac = m[2] ?? ''
  if (frac.length > digits) return undefined
  const minor = Number(m[1]) * 10 ** digits + Number(frac.padEnd(digits, '0') || '0')
  return Number.isSafeInteger(minor) ? minor : undefined
}

/** "compositeWithTrainedAlgorithmicMedia" → "composite with trained algorithmic media" */
export function words (camel: string): string {
  return camel.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()
}
