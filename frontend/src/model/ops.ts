// Edits of a definition. Each is a pure function (def, …) → new def that never
// mutates its input and changes only what it is about: other states are the
// same objects, and the touched objects keep their key order, unknown keys and
// nulls (a spread keeps a replaced key in its place).
import { newState } from './catalog'
import { transitionIndexOf } from './graph'
import { DefinitionError, offsetOf, type Condition, type FlowDefinition, type Offset, type State, type Transition } from './studio'

/** Studio's rule for a widget name the user types: a letter, then letters, digits or _. */
export const widgetNamePattern = /^[A-Za-z][A-Za-z0-9_]*$/

function mapStates(def: FlowDefinition, fn: (s: State) => State): FlowDefinition {
  let changed = false
  const states = def.states.map((s) => {
    const n = fn(s)
    if (n !== s) changed = true
    return n
  })
  return changed ? { ...def, states } : def
}

function updateState(def: FlowDefinition, name: string, fn: (s: State) => State): FlowDefinition {
  if (!def.states.some((s) => s.name === name)) throw new Error(`no widget named "${name}"`)
  return mapStates(def, (s) => (s.name === name ? fn(s) : s))
}

function withoutNext(t: Transition): Transition {
  const { next: _drop, ...rest } = t
  return rest as Transition
}

/** Sets properties.offset (rounded to integers) of the named widgets; an existing offset object keeps its other keys. */
export function moveWidgets(def: FlowDefinition, positions: Record<string, Offset>): FlowDefinition {
  return mapStates(def, (s) => {
    const p = Object.prototype.hasOwnProperty.call(positions, s.name) ? positions[s.name] : undefined
    if (!p) return s
    const x = Math.round(p.x)
    const y = Math.round(p.y)
    const cur = offsetOf(s)
    if (cur && cur.x === x && cur.y === y) return s
    const old = s.properties.offset
    const offset = typeof old === 'object' && old !== null && !Array.isArray(old) ? { ...old, x, y } : { x, y }
    return { ...s, properties: { ...s.properties, offset } }
  })
}

export function addWidget(def: FlowDefinition, type: string, position: Offset): { def: FlowDefinition; name: string } {
  const state = newState(def, type, position)
  return { def: { ...def, states: [...def.states, state] }, name: state.name }
}

/** Removes the named widgets except the Trigger; transitions into them lose their next. */
export function removeWidgets(def: FlowDefinition, names: string[]): FlowDefinition {
  const gone = new Set(def.states.filter((s) => names.includes(s.name) && s.type !== 'trigger').map((s) => s.name))
  if (gone.size === 0) return def
  const states = def.states
    .filter((s) => !gone.has(s.name))
    .map((s) =>
      s.transitions.some((t) => t.next !== undefined && gone.has(t.next))
        ? { ...s, transitions: s.transitions.map((t) => (t.next !== undefined && gone.has(t.next) ? withoutNext(t) : t)) }
        : s,
    )
  return { ...def, states }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Rewrites Liquid references widgets.FROM… to widgets.TO… (FROM→TO from names) in every string inside v; unchanged parts stay the same objects. */
function renameRefs(v: unknown, names: Map<string, string>): unknown {
  const froms = [...names.entries()].filter(([a, b]) => a !== b).map(([a]) => a)
  if (froms.length === 0) return v
  froms.sort((a, b) => b.length - a.length)
  const re = new RegExp(`(^|[^A-Za-z0-9_.])widgets\\.(${froms.map(escapeRe).join('|')})(?![A-Za-z0-9_])`, 'g')
  const walk = (x: unknown): unknown => {
    if (typeof x === 'string') {
      re.lastIndex = 0
      return re.test(x) ? x.replace(re, (_m, pre: string, name: string) => `${pre}widgets.${names.get(name)}`) : x
    }
    if (Array.isArray(x)) {
      let changed = false
      const out = x.map((e) => {
        const n = walk(e)
        if (n !== e) changed = true
        return n
      })
      return changed ? out : x
    }
    if (typeof x === 'object' && x !== null) {
      let changed = false
      const out: Record<string, unknown> = {}
      for (const [k, e] of Object.entries(x)) {
        const n = walk(e)
        if (n !== e) changed = true
        out[k] = n
      }
      return changed ? out : x
    }
    return x
  }
  return walk(v)
}

/**
 * Renames a widget: its name, every next that names it, initial_state, and
 * Liquid references widgets.from… → widgets.to… in every widget's
 * properties and transitions. Throws on an unknown widget, a name that breaks
 * Studio's rule, or a name already taken.
 */
export function renameWidget(def: FlowDefinition, from: string, to: string): FlowDefinition {
  if (!def.states.some((s) => s.name === from)) throw new Error(`no widget named "${from}"`)
  if (from === to) return def
  if (!widgetNamePattern.test(to))
    throw new Error(`"${to}" is not a valid widget name: start with a letter, then use only letters, digits and _`)
  if (def.states.some((s) => s.name === to)) throw new Error(`a widget named "${to}" already exists`)
  const names = new Map([[from, to]])
  const states = def.states.map((s) => {
    let n: State = s
    if (s.name === from) n = { ...n, name: to }
    if (s.transitions.some((t) => t.next === from))
      n = { ...n, transitions: n.transitions.map((t) => (t.next === from ? { ...t, next: to } : t)) }
    const rest: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(n)) if (k !== 'name' && k !== 'type') rest[k] = v
    const renamed = renameRefs(rest, names) as Record<string, unknown>
    if (renamed !== rest) n = { ...n, ...renamed }
    return n
  })
  const out: FlowDefinition = { ...def, states }
  if (def.initial_state === from) out.initial_state = to
  return out
}

function handleIndex(s: State, handle: string): number | null {
  const i = transitionIndexOf(s, handle)
  if (i === undefined) throw new Error(`widget "${s.name}" has no handle "${handle}"`)
  return i
}

function eventOfHandle(handle: string): string {
  return handle.startsWith('match:') ? 'match' : handle.replace(/:\d+$/, '')
}

/** Points the handle's transition at target, creating the transition object when missing. */
export function connect(def: FlowDefinition, source: string, handle: string, target: string): FlowDefinition {
  if (!def.states.some((s) => s.name === target)) throw new Error(`no widget named "${target}"`)
  return updateState(def, source, (s) => {
    const i = handleIndex(s, handle)
    if (i === null) return { ...s, transitions: [...s.transitions, { next: target, event: eventOfHandle(handle) }] }
    const t = s.transitions[i]!
    if (t.next === target) return s
    return { ...s, transitions: s.transitions.map((x, j) => (j === i ? { ...x, next: target } : x)) }
  })
}

/** Removes the handle's next; the transition itself stays. */
export function disconnect(def: FlowDefinition, source: string, handle: string): FlowDefinition {
  return updateState(def, source, (s) => {
    const i = handleIndex(s, handle)
    if (i === null || s.transitions[i]!.next === undefined) return s
    return { ...s, transitions: s.transitions.map((x, j) => (j === i ? withoutNext(x) : x)) }
  })
}

/** Sets properties[key]; value undefined deletes the key. */
export function setProperty(def: FlowDefinition, widget: string, key: string, value: unknown): FlowDefinition {
  return updateState(def, widget, (s) => {
    if (value === undefined) {
      if (!(key in s.properties)) return s
      const { [key]: _drop, ...rest } = s.properties
      return { ...s, properties: rest }
    }
    if (s.properties[key] === value) return s
    return { ...s, properties: { ...s.properties, [key]: value } }
  })
}

/** A split's new match transition (after its last one) with one empty condition on the widget's input. */
export function addMatch(def: FlowDefinition, widget: string): FlowDefinition {
  return updateState(def, widget, (s) => {
    const input = typeof s.properties.input === 'string' ? s.properties.input : ''
    const t: Transition = { event: 'match', conditions: [{ friendly_name: '', arguments: [input], type: 'equal_to', value: '' }] }
    return { ...s, transitions: [...s.transitions, t] }
  })
}

function matchIndex(s: State, handle: string): number {
  if (!handle.startsWith('match:')) throw new Error(`"${handle}" is not a match handle`)
  const i = handleIndex(s, handle)
  if (i === null) throw new Error(`widget "${s.name}" has no handle "${handle}"`)
  return i
}

export function removeMatch(def: FlowDefinition, widget: string, handle: string): FlowDefinition {
  return updateState(def, widget, (s) => {
    const i = matchIndex(s, handle)
    return { ...s, transitions: s.transitions.filter((_, j) => j !== i) }
  })
}

export function setConditions(def: FlowDefinition, widget: string, handle: string, conditions: Condition[]): FlowDefinition {
  return updateState(def, widget, (s) => {
    const i = matchIndex(s, handle)
    return { ...s, transitions: s.transitions.map((x, j) => (j === i ? { ...x, conditions } : x)) }
  })
}

/** Sets description or flags; undefined deletes flags. */
export function setFlowField(def: FlowDefinition, key: 'description' | 'flags', value: unknown): FlowDefinition {
  if (value === undefined) {
    if (key === 'description') return { ...def, description: '' }
    const { flags: _drop, ...rest } = def
    return rest as FlowDefinition
  }
  return { ...def, [key]: value } as FlowDefinition
}

/** Clipboard text: the JSON array of the named states, in flow order. */
export function copyWidgets(def: FlowDefinition, names: string[]): string {
  return JSON.stringify(def.states.filter((s) => names.includes(s.name)), null, 2)
}

function isState(v: unknown): v is State {
  if (typeof v !== 'object' || v === null) return false
  const s = v as Record<string, unknown>
  return typeof s.name === 'string' && s.name !== '' && typeof s.type === 'string' && Array.isArray(s.transitions) &&
    s.transitions.every((t) => typeof t === 'object' && t !== null && typeof (t as Transition).event === 'string' &&
      ((t as Transition).next === undefined || typeof (t as Transition).next === 'string')) &&
    typeof s.properties === 'object' && s.properties !== null && !Array.isArray(s.properties)
}

/**
 * Pastes states from clipboard text (an array of states, a single state, or
 * a definition with states). Triggers are skipped (a flow has one). Names
 * that collide get the next free number; links among the pasted widgets
 * follow renames (nexts and Liquid references), links to anything outside
 * them are dropped. With at, the pasted group's top-left goes there;
 * without, it is shifted by 40,40. Throws DefinitionError on bad text.
 */
export function pasteWidgets(def: FlowDefinition, clipboard: string, at?: Offset): { def: FlowDefinition; names: string[] } {
  let raw: unknown
  try {
    raw = JSON.parse(clipboard)
  } catch {
    throw new DefinitionError('the clipboard does not hold widgets (not JSON)')
  }
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && Array.isArray((raw as FlowDefinition).states))
    raw = (raw as FlowDefinition).states
  const list = Array.isArray(raw) ? raw : [raw]
  if (!list.every(isState)) throw new DefinitionError('the clipboard does not hold widgets')
  const states = (list as State[]).filter((s) => s.type !== 'trigger')
  if (states.length === 0) return { def, names: [] }

  const rename = new Map<string, string>()
  const taken = new Set(def.states.map((s) => s.name))
  for (const s of states) {
    const base = widgetNamePattern.test(s.name) ? s.name : s.type.replace(/-/g, '_')
    let name = base
    if (taken.has(name)) {
      const stem = base.replace(/_\d+$/, '')
      for (let k = 1; taken.has((name = `${stem}_${k}`)); k++);
    }
    taken.add(name)
    rename.set(s.name, name)
  }

  const offsets = states.map(offsetOf).filter((o): o is Offset => o !== undefined)
  let dx = 40
  let dy = 40
  if (at && offsets.length > 0) {
    dx = at.x - Math.min(...offsets.map((o) => o.x))
    dy = at.y - Math.min(...offsets.map((o) => o.y))
  }

  const pasted = states.map((orig) => {
    const s = structuredClone(renameRefs(orig, rename)) as State
    s.name = rename.get(orig.name)!
    s.transitions = s.transitions.map((t) => {
      if (t.next === undefined) return t
      const n = rename.get(t.next)
      return n === undefined ? withoutNext(t) : { ...t, next: n }
    })
    const o = offsetOf(orig)
    const pos = o ? { x: Math.round(o.x + dx), y: Math.round(o.y + dy) } : at ? { x: Math.round(at.x), y: Math.round(at.y) } : undefined
    if (pos) s.properties = { ...s.properties, offset: { ...(s.properties.offset as object | undefined), ...pos } }
    return s
  })
  return { def: { ...def, states: [...def.states, ...pasted] }, names: pasted.map((s) => s.name) }
}
