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
