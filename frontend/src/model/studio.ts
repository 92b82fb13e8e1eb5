// Studio's flow-definition types and the JSON text ⇄ definition conversion.
// Unknown keys survive everywhere: the types are open and parsing keeps the
// parsed objects as they are (key order included).

export interface Offset { x: number; y: number }

export interface Condition {
  friendly_name: string
  arguments: (string | null)[]
  type: string
  value: string
  [k: string]: unknown
}

export interface Transition { event: string; next?: string; conditions?: Condition[]; [k: string]: unknown }

export interface State {
  name: string
  type: string
  transitions: Transition[]
  properties: Record<string, unknown>
  [k: string]: unknown
}

export interface FlowDefinition {
  description: string
  states: State[]
  initial_state: string
  flags?: { allow_concurrent_calls?: boolean; [k: string]: unknown }
  [k: string]: unknown
}

/** A definition that is not JSON or not shaped like a Studio flow. The message says what and where. */
export class DefinitionError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DefinitionError'
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function lineCol(text: string, pos: number): { line: number; col: number } {
  let line = 1
  let col = 1
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text[i] === '\n') {
      line++
      col = 1
    } else col++
  }
  return { line, col }
}

/** Parses the JSON text of a flow definition; throws DefinitionError on bad JSON or a wrong shape. */
export function parseDefinition(text: string): FlowDefinition {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e)
    const m = /position (\d+)/.exec(msg)
    let where = ''
    if (m) {
      const { line, col } = lineCol(text, Number(m[1]))
      where = ` at line ${line}, column ${col}`
    } else if (/end of (JSON|data) input/i.test(msg)) {
      const { line, col } = lineCol(text, text.length)
      where = ` at line ${line}, column ${col}`
    }
    const detail = msg.replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+/, '')
    throw new DefinitionError(`not valid JSON${where}: ${detail}`)
  }
  if (!isObject(raw)) throw new DefinitionError('a flow definition is a JSON object')
  if (!Array.isArray(raw.states)) throw new DefinitionError('the definition has no "states" array')
  if (raw.initial_state !== undefined && typeof raw.initial_state !== 'string')
    throw new DefinitionError('"initial_state" must be a string')
  if (raw.description !== undefined && typeof raw.description !== 'string')
    throw new DefinitionError('"description" must be a string')
  if (raw.flags !== undefined && !isObject(raw.flags)) throw new DefinitionError('"flags" must be an object')
  raw.states.forEach((s: unknown, i: number) => {
    const at = `states[${i}]`
    if (!isObject(s)) throw new DefinitionError(`${at} is not an object`)
    if (typeof s.name !== 'string' || s.name === '') throw new DefinitionError(`${at} has no "name"`)
    const named = `${at} ("${s.name}")`
    if (typeof s.type !== 'string' || s.type === '') throw new DefinitionError(`${named} has no "type"`)
    if (!Array.isArray(s.transitions)) throw new DefinitionError(`${named} has no "transitions" array`)
    if (!isObject(s.properties)) throw new DefinitionError(`${named} has no "properties" object`)
    s.transitions.forEach((t: unknown, j: number) => {
      if (!isObject(t) || typeof t.event !== 'string')
        throw new DefinitionError(`${named} transitions[${j}] has no "event"`)
      if (t.next !== undefined && typeof t.next !== 'string')
        throw new DefinitionError(`${named} transitions[${j}] "next" must be a string`)
      if (t.conditions !== undefined && !Array.isArray(t.conditions))
        throw new DefinitionError(`${named} transitions[${j}] "conditions" must be an array`)
    })
  })
  return raw as FlowDefinition
}

function ordered<T extends Record<string, unknown>>(obj: T, first: string[]): T {
  const out: Record<string, unknown> = {}
  for (const k of first) if (k in obj) out[k] = obj[k]
  for (const k of Object.keys(obj)) if (!(k in out)) out[k] = obj[k]
  return out as T
}

/**
 * Formats a definition the way Studio exports it: description, states,
 * initial_state, flags, then any other keys; each state name, type,
 * transitions, properties, then any other keys; 2-space indent. Keys inside
 * transitions and properties keep their order.
 */
export function formatDefinition(def: FlowDefinition): string {
  const top = ordered(def as Record<string, unknown>, ['description', 'states', 'initial_state', 'flags'])
  top.states = def.states.map((s) => ordered(s as Record<string, unknown>, ['name', 'type', 'transitions', 'properties']))
  return JSON.stringify(top, null, 2)
}

/**
 * The definition as the editor sends it (saves, publish, the draft backup):
 * every key in its own order, 2-space indent — an imported flow's order
 * survives a round trip, so the stored JSON changes only where the user
 * edited. formatDefinition is Studio's export order, for new flows.
 */
export function definitionText(def: FlowDefinition): string {
  return JSON.stringify(def, null, 2)
}

/** The state's canvas position, when properties.offset holds two finite numbers. */
export function offsetOf(state: State): Offset | undefined {
  const o = state.properties?.offset
  if (!isObject(o)) return undefined
  const { x, y } = o
  if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) return undefined
  return { x, y }
}
