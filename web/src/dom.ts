/**
 * A small element builder. Text always goes in as text nodes, never as HTML, so record fields (titles, names,
 * descriptions written by anyone) cannot inject markup into the page.
 */

export type Child = Node | string | number | null | undefined | false | Child[]

/** Attributes: `class`, plain attributes, `on…` listeners, and properties (`value`, `checked`, …) via `props` */
export interface Attrs {
  [name: string]: string | number | boolean | null | undefined | ((event: any) => void) | Record<string, unknown>
}

/** Append children (strings as text), skipping null/undefined/false */
export function append (parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child == null || child === false) continue
    if (Array.isArray(child)) append(parent, ...child)
    else if (child instanceof Node) parent.appendChild(child)
    else parent.appendChild(document.createTextNode(String(child)))
  }
}

/** Build an element: `h('a', { href, class: 'x', onclick: fn }, 'text', child)` */
export function h<K extends keyof HTMLElementTagNameMap> (tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value == null || value === false) continue
    if (name === 'props' && typeof value === 'object') Object.assign(el, value)
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value as EventListener)
    else el.setAttribute(name, value === true ? '' : String(value))
  }
  append(el, ...children)
  return el
}

/** Replace an element's children */
export function replace (parent: Element, ...children: Child[]): void {
  parent.replaceChildren()
  append(parent, ...children)
}

/** The element with this id, typed, or an error naming it (a missing element is a bug in the page) */
export function byId<T extends HTMLElement = HTMLElement> (root: ParentNode, id: string): T {
  const el = root.querySelector(`#${id}`)
  if (el == null) throw new Error(`element #${id} is missing`)
  return el as T
}
