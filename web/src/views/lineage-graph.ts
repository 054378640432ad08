/**
 * The lineage graph, drawn with Cytoscape.js: parents above their derivatives (layout.ts places them), zoom with the wheel or the
 * buttons, drag to pan, click a node to open its asset. Node colours show the in-browser signature check.
 */
import cytoscape from 'cytoscape'
import type { Core } from 'cytoscape'
import { h } from '../dom.ts'
import { layeredPositions } from '../layout.ts'
import type { LineageEdge, LineageGraph } from '../types.ts'
import type { VerifyResult } from '../verify.ts'

/** Longest label drawn under a node; the full title shows in the list beside the graph */
const LABEL_CHARS = 28

const COLORS = { pending: '#9aa5b1', verified: '#2f855a', tampered: '#c53030', unavailable: '#9aa5b1' } as const

export interface LineageDrawing {
  cy: Core
  /** colour a node by its record's check; a verified asset's label becomes the title its record carries */
  setResult(result: VerifyResult): void
  /** draw a link solid: the derivative's verified record names this parent (links start dashed, the node's word) */
  confirmEdge(edge: LineageEdge): void
  destroy(): void
}

function label (title: string | undefined, cid: string): string {
  const t = title ?? cid.slice(-8)
  return t.length > LABEL_CHARS ? `${t.slice(0, LABEL_CHARS - 1)}…` : t
}

/** The graph id of a link: parent->child */
function edgeId (e: LineageEdge): string {
  return `${e.to}->${e.from}`
}

/**
 * Draw `graph` into `container`. `onOpen` is called with an asset record CID when its node is clicked.
 * Edges run parent → derivative, labelled with the C2PA relationship.
 */
export function drawLineage (container: HTMLElement, graph: LineageGraph, onOpen: (cid: string) => void): LineageDrawing {
  const ids = new Set(graph.nodes.map(n => n.cid))
  const positions = layeredPositions(graph.nodes.map(n => n.cid), graph.edges.map(e => ({ parent: e.to, child: e.from })))
  const cy = cytoscape({
    container,
    elements: [
      ...graph.nodes.map(n => ({
        data: { id: n.cid, label: label(n.title, n.cid), status: 'pending', root: n.cid === graph.root ? 1 : 0, present: n.present === false ? 0 : 1 }
      })),
      ...graph.edges.filter(e => ids.has(e.from) && ids.has(e.to)).map(e => ({
        data: { id: edgeId(e), source: e.to, target: e.from, label: e.relationship, checked: 0 }
      }))
    ],
    style: [
      {
        selector: 'node',
        style: {
          'background-color': COLORS.pending,
          label: 'data(label)',
          'font-size': 11,
          color: '#1f2933',
          'text-valign': 'bottom',
          'text-margin-y': 6,
          'text-wrap': 'ellipsis',
          'text-max-width': '160px',
          width: 26,
          height: 26,
          'border-width': 2,
          'border-color': '#ffffff'
        }
      },
      { selector: 'node[status = "verified"]', style: { 'background-color': COLORS.verified } },
      { selector: 'node[status = "tampered"]', style: { 'background-color': COLORS.tampered, shape: 'diamond', width: 32, height: 32 } },
      { selector: 'node[root = 1]', style: { 'border-color': '#2b6cb0', 'border-width': 5, 'font-weight': 'bold' } },
      { selector: 'node[present = 0]', style: { 'background-opacity': 0.3, 'border-style': 'dashed', 'border-color': '#9aa5b1' } },
      { selector: 'node:active, node:selected', style: { 'overlay-opacity': 0.15 } },
      {
        selector: 'edge',
        style: {
          width: 2,
          'line-color': '#b8c2cc',
          'target-arrow-color': '#b8c2cc',
          'target-arrow-shape': 'triangle',
          'curve-style': 'bezier',
          label: 'data(label)',
          'font-size': 9,
          color: '#7b8794',
          'text-rotation': 'autorotate',
          'text-background-color': '#ffffff',
          'text-background-opacity': 1
        }
      },
      { selector: 'edge[checked = 0]', style: { 'line-style': 'dashed' } }
    ],
    layout: { name: 'preset', positions: Object.fromEntries(positions), fit: false },
    minZoom: 0.1,
    maxZoom: 4,
    boxSelectionEnabled: false
  })
  fitGently(cy)
  cy.on('tap', 'node', (e) => { onOpen(e.target.id()) })
  cy.on('mouseover', 'node', () => { container.style.cursor = 'pointer' })
  cy.on('mouseout', 'node', () => { container.style.cursor = '' })
  // automation (the browser tests) finds node positions through the instance on its container
  ;(container as HTMLElement & { cy?: Core }).cy = cy
  return {
    cy,
    setResult (r: VerifyResult) {
      const node = cy.getElementById(r.cid)
      if (node.empty()) return
      node.data('status', r.status)
      const title = r.status === 'verified' ? (r.record.credential.credentialSubject as { title?: unknown }).title : undefined
      if (typeof title === 'string') node.data('label', label(title, r.cid))
    },
    confirmEdge (e: LineageEdge) {
      const edge = cy.getElementById(edgeId(e))
      if (edge.nonempty()) edge.data('checked', 1)
    },
    destroy () { cy.destroy() }
  }
}

/** Largest zoom a fit may reach: a graph of two nodes should not fill the screen */
const FIT_MAX_ZOOM = 1.2

/** Fit the graph in view, but never zoom in past FIT_MAX_ZOOM to do it */
function fitGently (cy: Core): void {
  cy.fit(undefined, 30)
  if (cy.zoom() > FIT_MAX_ZOOM) {
    cy.zoom(FIT_MAX_ZOOM)
    cy.center()
  }
}

/** Zoom in, zoom out and fit buttons for a drawing */
export function zoomControls (get: () => LineageDrawing | undefined): HTMLElement {
  const zoom = (factor: number) => (): void => {
    const cy = get()?.cy
    if (cy == null) return
    cy.zoom({ level: cy.zoom() * factor, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } })
  }
  return h('div', { class: 'zoom' },
    h('button', { type: 'button', class: 'secondary', title: 'Zoom in', 'aria-label': 'Zoom in', onclick: zoom(1.25) }, '+'),
    h('button', { type: 'button', class: 'secondary', title: 'Zoom out', 'aria-label': 'Zoom out', onclick: zoom(0.8) }, '−'),
    h('button', { type: 'button', class: 'secondary', title: 'Fit the whole graph', onclick: () => { const cy = get()?.cy; if (cy != null) fitGently(cy) } }, 'Fit'))
}
