// The widget types, read at build time from the JSON Schemas in ../schema
// (the same files Flow Validate checks against): one source of truth.
import type { FlowDefinition, Offset, State, Transition } from './studio'

export interface WidgetType {
  type: string
  title: string
  description: string
  /** x-channels: voice, messaging, conversations, rest, any. */
  channels: string[]
  /** false: needs a Twilio cloud service (x-offline false), shown as "cloud only". */
  offline: boolean
  /** x-retired */
  retired: boolean
  /** The transition events the type defines, in Studio's order (the schema's transitions enum). */
  events: string[]
  /** split-based-on: any number of "match" transitions, each with conditions. */
  dynamicMatch: boolean
  /** The widget's JSON Schema. */
  schema: Record<string, unknown>
}

type Json = Record<string, unknown>

const widgetModules = import.meta.glob('@schema/widgets/*.json', { eager: true, import: 'default' }) as Record<string, Json>
const flowModules = import.meta.glob('@schema/flow.json', { eager: true, import: 'default' }) as Record<string, Json>

/** The flow-level JSON Schema (schema/flow.json). */
export const flowSchema: Json = Object.values(flowModules)[0] ?? {}

function obj(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {}
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}

function build(path: string, schema: Json): WidgetType {
  const type = path.replace(/^.*\//, '').replace(/\.json$/, '')
  const props = obj(schema.properties)
  const events = strings(obj(obj(obj(obj(props.transitions).items).properties).event).enum)
  return {
    type,
    title: typeof schema.title === 'string' ? schema.title : type,
    description: typeof schema.description === 'string' ? schema.description : '',
    channels: strings(schema['x-channels']),
    offline: schema['x-offline'] !== false,
    retired: schema['x-retired'] === true,
    events,
    dynamicMatch: events.includes('match'),
    schema,
  }
}

const channelOrder = ['any', 'voice', 'messaging', 'conversations', 'rest']
function channelRank(w: WidgetType): number {
  if (w.type === 'trigger') return -1
  const i = channelOrder.indexOf(w.channels[0] ?? 'any')
  return i < 0 ? channelOrder.length : i
}

const types: WidgetType[] = Object.entries(widgetModules)
  .map(([p, s]) => build(p, s))
  .sort((a, b) => channelRank(a) - channelRank(b) || a.title.localeCompare(b.title) || a.type.localeCompare(b.type))
const byType = new Map(types.map((t) => [t.type, t]))

/** Every widget type, sorted for the library: the Trigger first, then by first channel (any, voice, messaging, conversations, rest), then title. */
export function widgetTypes(): WidgetType[] {
  return types.slice()
}

export function widgetType(type: string): WidgetType | undefined {
  return byType.get(type)
}

/** The events a widget of this type always shows (the "match" events of a split are added one by one). */
export function fixedEvents(type: string): string[] {
  const w = byType.get(type)
  if (!w) return []
  return w.events.filter((e) => !(w.dynamicMatch && e === 'match'))
}

/** The widget's property schemas (schema.properties.properties.properties), in schema order. */
export function propertySchemas(type: string): Record<string, Json> {
  const w = byType.get(type)
  if (!w) return {}
  return obj(obj(obj(w.schema.properties).properties).properties) as Record<string, Json>
}

// Studio's names for new widgets (gather_1, split_1, …).
const namePrefix: Record<string, string> = {
  'gather-input-on-call': 'gather',
  'split-based-on': 'split',
  'make-http-request': 'http',
  'run-function': 'function',
  'run-function-v2': 'function',
  'run-subflow': 'subflow',
  'send-and-wait-for-reply': 'send_and_reply',
  'connect-call-to': 'connect_call',
  'record-voicemail': 'record_voicemail',
  'make-outgoing-call-v1': 'call_user',
  'make-outgoing-call-v2': 'call_user',
  'enqueue-call': 'enqueue',
  'send-to-flex': 'send_to_flex',
}

/** A name not used in def: prefix_1, prefix_2, … */
export function uniqueName(def: FlowDefinition, prefix: string): string {
  const taken = new Set(def.states.map((s) => s.name))
  const base = prefix.replace(/_\d+$/, '')
  if (!taken.has(prefix) && /_\d+$/.test(prefix)) return prefix
  for (let k = 1; ; k++) {
    const n = `${base}_${k}`
    if (!taken.has(n)) return n
  }
}

/**
 * A new widget of the given type: a unique name (gather_1, …) unless name is
 * given, the schema's default property values, one transition (without next)
 * per fixed event, and the offset set to position (rounded).
 */
export function newState(def: FlowDefinition, type: string, position: Offset, name?: string): State {
  const properties: Record<string, unknown> = {}
  for (const [k, s] of Object.entries(propertySchemas(type))) {
    if (k !== 'offset' && 'default' in s) properties[k] = structuredClone(s.default)
  }
  properties.offset = { x: Math.round(position.x), y: Math.round(position.y) }
  const transitions: Transition[] = fixedEvents(type).map((event) => ({ event }))
  return {
    name: name ?? uniqueName(def, namePrefix[type] ?? type.replace(/-/g, '_')),
    type,
    transitions,
    properties,
  }
}
