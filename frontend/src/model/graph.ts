// The definition as @xyflow/react-compatible plain objects: one node per
// state (id = state name), one edge per transition whose next exists.
import { fixedEvents, widgetType, type WidgetType } from './catalog'
import { offsetOf, type FlowDefinition, type Offset, type State } from './studio'

/** transitionIndex null: the event has no transition object yet. */
export interface HandleInfo { id: string; event: string; label: string; transitionIndex: number | null }
export interface WidgetNodeData { state: State; widget: WidgetType | undefined; handles: HandleInfo[]; isTrigger: boolean; [k: string]: unknown }
export interface GraphNode { id: string; type: 'widget'; position: Offset; data: WidgetNodeData }
export interface GraphEdge { id: string; source: string; sourceHandle: string; target: string; label: string }

/**
 * The output handles of a widget: the fixed events of its type (from the
 * catalog, in Studio's order), then the state's own transitions not covered
 * by them. The k-th "match" transition (k from 0) has handle id `match:<k>`;
 * other events use the event name as id (a repeated event: `<event>:<n>`,
 * its n-th occurrence from 0).
 */
export function handlesOf(state: State): HandleInfo[] {
  const out: HandleInfo[] = []
  const used = new Set<number>()
  for (const event of fixedEvents(state.type)) {
    const i = state.transitions.findIndex((t, j) => t.event === event && !used.has(j))
    if (i >= 0) used.add(i)
    out.push({ id: event, event, label: event, transitionIndex: i >= 0 ? i : null })
  }
  let match = 0
  const seen = new Map<string, number>()
  for (const h of out) seen.set(h.event, 1)
  state.transitions.forEach((t, i) => {
    if (used.has(i)) return
    if (t.event === 'match') {
      const k = match++
      const name = t.conditions?.[0]?.friendly_name
      out.push({ id: `match:${k}`, event: 'match', label: name && name !== '' ? name : `match ${k + 1}`, transitionIndex: i })
      return
    }
    const n = seen.get(t.event) ?? 0
    seen.set(t.event, n + 1)
    out.push({ id: n === 0 ? t.event : `${t.event}:${n}`, event: t.event, label: t.event, transitionIndex: i })
  })
  return out
}

/** The transition index a handle id names in a state (null: no transition object yet; undefined: no such handle). */
export function transitionIndexOf(state: State, handle: string): number | null | undefined {
  const h = handlesOf(state).find((x) => x.id === handle)
  return h === undefined ? undefined : h.transitionIndex
}

export function edgeId(source: string, handle: string): string {
  return `${source}->${handle}`
}

/** One node per state, one edge per transition whose next names an existing state. */
export function toGraph(def: FlowDefinition): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const names = new Set(def.states.map((s) => s.name))
  const nodes: GraphNode[] = []
  const edges: GraphEdge[] = []
  for (const state of def.states) {
    const handles = handlesOf(state)
    nodes.push({
      id: state.name,
      type: 'widget',
      position: offsetOf(state) ?? { x: 0, y: 0 },
      data: { state, widget: widgetType(state.type), handles, isTrigger: state.type === 'trigger' },
    })
    for (const h of handles) {
      if (h.transitionIndex === null) continue
      const next = state.transitions[h.transitionIndex]?.next
      if (next === undefined || next === '' || !names.has(next)) continue
      edges.push({ id: edgeId(state.name, h.id), source: state.name, sourceHandle: h.id, target: next, label: h.label })
    }
  }
  return { nodes, edges }
}
