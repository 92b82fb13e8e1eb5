// What changed between two definitions (a draft and a revision, say), by
// widget: added, removed, changed (which fields), moved only, re-linked.
import { handlesOf } from './graph'
import type { FlowDefinition, State } from './studio'

export interface DefinitionDiff {
  added: string[]
  removed: string[]
  /** fields: changed property keys (offset excluded), "type", "transitions", or other state-level keys. */
  changed: { name: string; fields: string[] }[]
  /** Widgets whose only change is properties.offset. */
  moved: string[]
  /** Per handle id (event name, or match:<k>) of a widget in both: the next before and after (absent: none). */
  transitions: { name: string; event: string; from?: string; to?: string }[]
  /** Flow-level keys that differ (description, initial_state, flags, …). */
  flow: string[]
}

/** Deep equality of JSON values; object key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const bb = b as unknown[]
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]))
  }
  const ao = a as Record<string, unknown>
  const bo = b as Record<string, unknown>
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined)
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined)
  return ak.length === bk.length && ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && jsonEqual(ao[k], bo[k]))
}

function keysOf(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const out = Object.keys(a)
  for (const k of Object.keys(b)) if (!(k in a)) out.push(k)
  return out
}

function stateFields(a: State, b: State): { fields: string[]; offset: boolean } {
  const fields: string[] = []
  let offset = false
  for (const k of keysOf(a, b)) {
    if (k === 'name' || k === 'properties') continue
    if (!jsonEqual(a[k], b[k])) fields.push(k)
  }
  const ap = a.properties ?? {}
  const bp = b.properties ?? {}
  for (const k of keysOf(ap, bp)) {
    if (jsonEqual(ap[k], bp[k])) continue
    if (k === 'offset') offset = true
    else fields.push(k)
  }
  return { fields, offset }
}

export function diffDefinitions(a: FlowDefinition, b: FlowDefinition): DefinitionDiff {
  const aBy = new Map(a.states.map((s) => [s.name, s]))
  const bBy = new Map(b.states.map((s) => [s.name, s]))
  const diff: DefinitionDiff = { added: [], removed: [], changed: [], moved: [], transitions: [], flow: [] }
  for (const s of b.states) if (!aBy.has(s.name)) diff.added.push(s.name)
  for (const s of a.states) {
    const t = bBy.get(s.name)
    if (!t) {
      diff.removed.push(s.name)
      continue
    }
    const { fields, offset } = stateFields(s, t)
    if (fields.length > 0) diff.changed.push({ name: s.name, fields })
    else if (offset) diff.moved.push(s.name)
    if (!jsonEqual(s.transitions, t.transitions)) {
      const before = new Map(handlesOf(s).map((h) => [h.id, h.transitionIndex === null ? undefined : s.transitions[h.transitionIndex]?.next]))
      const after = new Map(handlesOf(t).map((h) => [h.id, h.transitionIndex === null ? undefined : t.transitions[h.transitionIndex]?.next]))
      for (const id of keysOf(Object.fromEntries(before), Object.fromEntries(after))) {
        const from = before.get(id) || undefined
        const to = after.get(id) || undefined
        if (from === to) continue
        const row: { name: string; event: string; from?: string; to?: string } = { name: s.name, event: id }
        if (from !== undefined) row.from = from
        if (to !== undefined) row.to = to
        diff.transitions.push(row)
      }
    }
  }
  const ar = a as Record<string, unknown>
  const br = b as Record<string, unknown>
  for (const k of keysOf(ar, br)) if (k !== 'states' && !jsonEqual(ar[k], br[k])) diff.flow.push(k)
  return diff
}

export type DiffKind = 'added' | 'changed' | 'moved'

/** How each widget of the newer definition differs (for canvas highlights); unchanged widgets are absent. */
export function diffKinds(d: DefinitionDiff): Map<string, DiffKind> {
  const m = new Map<string, DiffKind>()
  for (const n of d.added) m.set(n, 'added')
  for (const c of d.changed) m.set(c.name, 'changed')
  for (const n of d.moved) m.set(n, 'moved')
  return m
}

/** true when the two definitions are the same flow (nothing listed). */
export function diffIsEmpty(d: DefinitionDiff): boolean {
  return d.added.length + d.removed.length + d.changed.length + d.moved.length + d.transitions.length + d.flow.length === 0
}
