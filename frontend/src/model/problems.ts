// Flow Validate problems ({message, property_path}) placed on the canvas: the
// JSON pointer names a state by index, which is mapped to the widget's name,
// the property (field) and, under transitions, the handle.
import { handlesOf } from './graph'
import type { FlowDefinition } from './studio'

export interface Problem { message: string; property_path: string; level: 'error' | 'warning' }
export interface Located extends Problem { widget?: string; field?: string; handle?: string }

/** The tokens of a JSON pointer, with or without the leading "#" (URI-fragment escapes and ~0 ~1 undone). */
export function pointerTokens(path: string): string[] {
  let p = path
  if (p.startsWith('#')) {
    p = p.slice(1)
    try {
      p = decodeURIComponent(p)
    } catch {
      // keep it as written
    }
  }
  if (p === '' || p === '/') return []
  return p
    .replace(/^\//, '')
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/**
 * "#/states/3/properties/timeout" → widget = name of states[3], field "timeout";
 * "#/states/3/transitions/1/…" → the handle of that transition;
 * "#/states/3/name" → the widget. Paths outside states stay unlocated.
 */
export function locate(def: FlowDefinition, p: Problem): Located {
  const out: Located = { ...p }
  const t = pointerTokens(p.property_path)
  if (t[0] !== 'states' || t[1] === undefined || !/^\d+$/.test(t[1])) return out
  const state = def.states[Number(t[1])]
  if (!state) return out
  out.widget = state.name
  if (t[2] === 'properties' && t[3] !== undefined) out.field = t[3]
  else if (t[2] === 'transitions' && t[3] !== undefined && /^\d+$/.test(t[3])) {
    const i = Number(t[3])
    const h = handlesOf(state).find((x) => x.transitionIndex === i)
    if (h) out.handle = h.id
  }
  return out
}

/** Problems grouped by widget name; those on no widget (the flow itself) are under "". */
export function problemsByWidget(def: FlowDefinition, ps: Problem[]): Map<string, Located[]> {
  const m = new Map<string, Located[]>()
  for (const p of ps) {
    const l = locate(def, p)
    const k = l.widget ?? ''
    const list = m.get(k)
    if (list) list.push(l)
    else m.set(k, [l])
  }
  return m
}

/** A pointer in one canonical form: "/states/3/properties/say" (no "#", tokens escaped as JSON pointer). */
export function normalPointer(path: string): string {
  const t = pointerTokens(path)
  return t.length === 0 ? '' : '/' + t.map((x) => x.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')
}

/**
 * Of the pointers the page shows (fields' data-pointer), the one that names
 * the problem's place most closely: the longest that is the pointer itself or
 * one of its parents. null when none is.
 */
export function nearestPointer(problemPath: string, shown: Iterable<string>): string | null {
  const want = pointerTokens(problemPath)
  let best: string | null = null
  let bestLen = -1
  for (const p of shown) {
    const t = pointerTokens(p)
    if (t.length > want.length || t.length <= bestLen) continue
    if (t.every((x, i) => x === want[i])) {
      best = p
      bestLen = t.length
    }
  }
  return best
}
