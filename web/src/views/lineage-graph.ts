/**
 * The lineage graph, drawn with Cytoscape.js: parents above their derivatives (layout.ts places them), zoom with the wheel or the
 * buttons, drag to pan, click a node to open its asset. Each work shows its picture (or a kind icon); its frame's
 * colour is its state (graph-style.ts): the page's own signature check first, then the node's provenance verdict,
 * so a work whose provenance failed stands out from a healthy one. Links read in words ("made from").
 */
import cytoscape from 'cytoscape'
import type { Core } from 'cytoscape'
import type { AssetSubject } from '../../../src/records/index.ts'
import { h } from '../dom.ts'
import { STATE_COLOURS, STATE_WORDS, THUMBNAIL_MAX_BYTES, kindIcon, nodeState, relationshipWords } from '../graph-style.ts'
import { edgeBends, layeredPositions } from '../layout.ts'
import type { LineageEdge, LineageGraph } from '../types.ts'
import type { VerifyResult } from '../verify.ts'

/** Longest label drawn under a node; the full title shows in the list beside the graph */
const LABEL_CHARS = 40
/** Side of a node's picture, in graph units */
const NODE_SIZE = 64
/** What the bends of the links are computed for: the node and label styles below, in graph units */
const BEND_SIZES = { node: NODE_SIZE, titleGap: 6, titleChar: 7.5, titleLine: 17, titleMaxWidth: 150, labelChar: 7, labelHeight: 18 }

export interface LineageDrawing {
  cy: Core
  /** the node's signature check: a verified asset's label becomes its record's title, its picture its content */
  setResult(result: VerifyResult): void
  /** the node's provenance verdict for a work (verified, warnings, failed) */
  setVerdict(cid: string, verdict: string): void
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

const selectorsByState = Object.entries(STATE_COLOURS).map(([state, colour]) => ({ selector: `node[state = "${state}"]`, style: { 'border-color': colour } }))

/**
 * Draw `graph` into `container`. `onOpen` is called with an asset record CID when its node is clicked.
 * Edges run from the derivative up to its parent, labelled with the relationship in words.
 */
export function drawLineage (container: HTMLElement, graph: LineageGraph, onOpen: (cid: string) => void): LineageDrawing {
  const ids = new Set(graph.nodes.map(n => n.cid))
  const positions = layeredPositions(graph.nodes.map(n => n.cid), graph.edges.map(e => ({ parent: e.to, child: e.from })))
  const drawn = graph.edges.filter(e => ids.has(e.from) && ids.has(e.to))
  // a link that skips a generation bends around the works in between, so its label is never under a picture
  const bends = edgeBends(positions, new Map(graph.nodes.map(n => [n.cid, label(n.title, n.cid)])),
    drawn.map(e => ({ id: edgeId(e), source: e.from, target: e.to, label: relationshipWords(e.relationship).label })), BEND_SIZES)
  const cy = cytoscape({
    container,
    elements: [
      ...graph.nodes.map(n => ({
        data: {
          id: n.cid, label: label(n.title, n.cid), status: 'pending', verdict: '', state: n.present === false ? 'absent' : 'pending',
          image: kindIcon(undefined), root: n.cid === graph.root ? 1 : 0, present: n.present === false ? 0 : 1
        }
      })),
      ...drawn.map(e => ({
        data: { id: edgeId(e), source: e.from, target: e.to, label: relationshipWords(e.relationship).label, relationship: e.relationship, checked: 0, bend: bends.get(edgeId(e)) ?? 0 }
      }))
    ],
    style: [
      {
        selector: 'node',
        style: {
          shape: 'round-rectangle',
          width: NODE_SIZE,
          height: NODE_SIZE,
          'background-color': '#eef1f4',
          'background-image': 'data(image)',
          'background-fit': 'cover',
          'background-clip': 'node',
          'border-width': 4,
          'border-color': STATE_COLOURS.pending,
          label: 'data(label)',
          'font-size': 13,
          color: '#1f2933',
          'text-valign': 'bottom',
          'text-margin-y': 6,
          'text-wrap': 'wrap',
          'text-max-width': '150px',
          'text-background-color': '#ffffff',
          'text-background-opacity': 0.85,
          'text-background-padding': '2px'
        }
      },
      ...selectorsByState,
      { selector: 'node[state = "failed"]', style: { 'border-style': 'dashed', 'border-width': 5 } },
      { selector: 'node[state = "tampered"]', style: { 'border-style': 'double', 'border-width': 8 } },
      { selector: 'node[root = 1]', style: { 'font-weight': 'bold', 'underlay-color': '#2b6cb0', 'underlay-padding': 6, 'underlay-opacity': 0.25, 'underlay-shape': 'round-rectangle' } },
      { selector: 'node[present = 0]', style: { 'background-opacity': 0.4, 'border-style': 'dotted' } },
      { selector: 'node:active, node:selected', style: { 'overlay-opacity': 0.15 } },
      {
        selector: 'edge',
        style: {
          width: 2,
          'line-color': '#9aa5b1',
          'target-arrow-color': '#9aa5b1',
          'target-arrow-shape': 'triangle',
          'curve-style': 'bezier',
          label: 'data(label)',
          'font-size': 12,
          color: '#3e4c59',
          'text-background-color': '#f5f7fa',
          'text-background-opacity': 1,
          'text-background-padding': '3px',
          'text-background-shape': 'roundrectangle'
        }
      },
      { selector: 'edge[bend != 0]', style: { 'curve-style': 'unbundled-bezier', 'control-point-distances': 'data(bend)', 'control-point-weights': 0.5, 'edge-distances': 'node-position' } },
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
  const restate = (cid: string): void => {
    const node = cy.getElementById(cid)
    if (node.empty()) return
    node.data('state', nodeState(node.data('status'), node.data('verdict') || undefined, node.data('present') === 1))
  }
  return {
    cy,
    setResult (r: VerifyResult) {
      const node = cy.getElementById(r.cid)
      if (node.empty()) return
      node.data('status', r.status)
      if (r.status === 'verified' && r.kind === 'asset') {
        const s = r.record.credential.credentialSubject as AssetSubject
        node.data('label', label(s.title, r.cid))
        // the picture is the content the verified record names; anything else gets its kind's icon
        const picture = s.mediaType.startsWith('image/') && s.byteSize <= THUMBNAIL_MAX_BYTES
        node.data('image', picture ? `/ipfs/${s.id.replace(/^ipfs:\/\//, '')}` : kindIcon(s.mediaType))
      }
      restate(r.cid)
    },
    setVerdict (cid: string, verdict: string) {
      const node = cy.getElementById(cid)
      if (node.empty()) return
      node.data('verdict', verdict)
      restate(cid)
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

/** The graph's legend: what each frame colour and each line means, the precise meaning on hover */
export function graphLegend (): HTMLElement {
  const states = ['healthy', 'warnings', 'failed', 'tampered', 'pending', 'absent'] as const
  return h('ul', { class: 'graph-legend', id: 'graph-legend', 'aria-label': 'What the colours mean' },
    states.map(s => h('li', { 'data-state': s, title: STATE_WORDS[s].term },
      h('span', { class: `swatch swatch-${s}`, style: `border-color: ${STATE_COLOURS[s]}` }), STATE_WORDS[s].label)),
    h('li', { title: 'The derivative\'s own signed record names this parent: checked in this browser.' }, h('span', { class: 'line solid' }), 'link in the signed record'),
    h('li', { title: 'Listed by this node; not yet confirmed by the derivative\'s checked record.' }, h('span', { class: 'line dashed' }), 'link the node reports'))
}
