// Placing widgets: needsLayout says when a flow has no usable positions (an
// API-made flow, say); autoLayout lays it out top to bottom like Studio.
import { Graph, layout } from '@dagrejs/dagre'
import { handlesOf, toGraph } from './graph'
import { moveWidgets } from './ops'
import { offsetOf, type FlowDefinition, type Offset, type State } from './studio'

export const nodeWidth = 240

/** A widget's box on the canvas: 240 wide, 60 + 24 per handle high. */
export function nodeSize(state: State): { width: number; height: number } {
  return { width: nodeWidth, height: 60 + 24 * handlesOf(state).length }
}

/** True when some widget has no offset or two widgets' boxes overlap. */
export function needsLayout(def: FlowDefinition): boolean {
  const boxes: { x: number; y: number; w: number; h: number }[] = []
  for (const s of def.states) {
    const o = offsetOf(s)
    if (!o) return true
    const { width, height } = nodeSize(s)
    boxes.push({ x: o.x, y: o.y, w: width, h: height })
  }
  boxes.sort((a, b) => a.x - b.x)
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i]!
    for (let j = i + 1; j < boxes.length; j++) {
      const b = boxes[j]!
      if (b.x >= a.x + a.w) break
      if (a.y < b.y + b.h && b.y < a.y + a.h) return true
    }
  }
  return false
}

/**
 * Lays every widget out in layers from top to bottom with dagre, the Trigger
 * on top (edges back into it are left out of the layout), and sets every
 * offset (the top-left corner of the widget's box). Nothing but offsets changes.
 */
export function autoLayout(def: FlowDefinition): FlowDefinition {
  const g = new Graph({ multigraph: true })
  g.setGraph({ rankdir: 'TB', nodesep: 60, ranksep: 80, marginx: 0, marginy: 0 })
  g.setDefaultEdgeLabel(() => ({}))
  const triggers = new Set(def.states.filter((s) => s.type === 'trigger').map((s) => s.name))
  for (const s of def.states) g.setNode(s.name, nodeSize(s))
  for (const e of toGraph(def).edges) {
    if (triggers.has(e.target)) continue
    g.setEdge(e.source, e.target, {}, e.id)
  }
  layout(g)
  const positions: Record<string, Offset> = {}
  for (const s of def.states) {
    const n = g.node(s.name)
    const { width, height } = nodeSize(s)
    positions[s.name] = { x: Math.round(n.x - width / 2), y: Math.round(n.y - height / 2) }
  }
  return moveWidgets(def, positions)
}

/** Where the canvas opens: fit the whole flow, or a viewport (flow units to screen: x + zoom · p). */
export type InitialView = { fit: true } | { fit: false; x: number; y: number; zoom: number }

/** The zoom below which names are the only thing a person can read on a widget (the canvas then shows names only, large). */
export const readableZoom = 0.5
/**
 * The least zoom a flow opens at: widgets drawn whole, their names and event
 * labels readable (about 8 px), as Studio shows a flow. A flow that fits at
 * this zoom or more opens fitted; a larger one opens at its start.
 */
export const openZoom = 0.6

/**
 * The first view of a flow on a canvas `width` × `height` pixels: the whole
 * flow when it fits at openZoom or more; otherwise the flow's start — the
 * initial state and the widgets up to two transitions from it — at a zoom
 * between openZoom and 1, its box centred horizontally near the top, so a
 * flow opens legible (and in a large one only the widgets in view are
 * drawn). Zoom to fit (the canvas control) shows the rest.
 */
export function initialView(def: FlowDefinition, width: number, height: number, pad = 40): InitialView {
  if (def.states.length === 0 || width <= 0 || height <= 0) return { fit: true }
  const boxOf = (s: State) => {
    const o = offsetOf(s) ?? { x: 0, y: 0 }
    const { width: w, height: h } = nodeSize(s)
    return { x0: o.x, y0: o.y, x1: o.x + w, y1: o.y + h }
  }
  const union = (states: State[]) => {
    const b = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity }
    for (const s of states) {
      const r = boxOf(s)
      b.x0 = Math.min(b.x0, r.x0)
      b.y0 = Math.min(b.y0, r.y0)
      b.x1 = Math.max(b.x1, r.x1)
      b.y1 = Math.max(b.y1, r.y1)
    }
    return b
  }
  const fitZoom = (b: { x0: number; y0: number; x1: number; y1: number }) =>
    Math.min((width - 2 * pad) / Math.max(1, b.x1 - b.x0), (height - 2 * pad) / Math.max(1, b.y1 - b.y0))
  if (fitZoom(union(def.states)) >= openZoom) return { fit: true }

  const byName = new Map(def.states.map((s) => [s.name, s]))
  const start = byName.get(def.initial_state) ?? def.states[0]!
  const near = new Set<State>([start])
  let ring = [start]
  for (let step = 0; step < 2; step++) {
    const next: State[] = []
    for (const s of ring)
      for (const t of s.transitions) {
        const n = t.next === undefined ? undefined : byName.get(t.next)
        if (n && !near.has(n)) {
          near.add(n)
          next.push(n)
        }
      }
    ring = next
  }
  const b = union([...near])
  const zoom = Math.min(1, Math.max(openZoom, fitZoom(b)))
  return { fit: false, zoom, x: width / 2 - ((b.x0 + b.x1) / 2) * zoom, y: pad - b.y0 * zoom }
}
