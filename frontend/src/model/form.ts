// The inspector's fields, from the widget's JSON Schema
// (properties.properties.properties, offset excluded), in schema order.
import { flowSchema, propertySchemas, widgetType } from './catalog'
import type { State } from './studio'

export type FieldKind = 'text' | 'liquid' | 'multiline' | 'number' | 'boolean' | 'enum' | 'json' | 'list'

export interface FieldSpec {
  key: string
  title: string
  description: string
  kind: FieldKind
  options?: string[]
  default?: unknown
  required: boolean
  /** x-liquid: the value is rendered as a Liquid template. */
  liquid: boolean
  /** The schema allows a number (integer or number among its types): numeric text typed into an empty field is stored as a number, as Studio writes it. */
  numeric: boolean
}

// Properties that hold long text: a multi-line editor (Liquid still applies when x-liquid).
const multilineKeys = new Set(['say', 'body', 'attributes'])

type Json = Record<string, unknown>

function resolve(s: Json): Json {
  const ref = s.$ref
  if (typeof ref === 'string') {
    const m = /^\.\.\/flow\.json#\/\$defs\/(.+)$/.exec(ref)
    const defs = flowSchema.$defs as Record<string, Json> | undefined
    const target = m && defs ? defs[m[1]!] : undefined
    if (target) return { ...target, ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$ref')) }
  }
  return s
}

function typesOf(s: Json): string[] {
  return Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : []
}

function kindOf(key: string, s: Json): FieldKind {
  if (Array.isArray(s.enum)) return 'enum'
  const types = typesOf(s)
  const liquid = s['x-liquid'] === true
  if (types.includes('array') && types.length === 1) return 'list'
  if (types.includes('array') || types.includes('object')) return 'json'
  if (types.length === 1 && types[0] === 'boolean') return 'boolean'
  if (!liquid && (types.includes('integer') || types.includes('number'))) return 'number'
  if (multilineKeys.has(key) && types.includes('string')) return 'multiline'
  if (liquid) return 'liquid'
  return 'text'
}

export function fieldsFor(type: string): FieldSpec[] {
  const w = widgetType(type)
  if (!w) return []
  const pp = ((w.schema.properties as Json | undefined)?.properties ?? {}) as Json
  const required = new Set(Array.isArray(pp.required) ? (pp.required as string[]) : [])
  const out: FieldSpec[] = []
  for (const [key, raw] of Object.entries(propertySchemas(type))) {
    if (key === 'offset') continue
    const s = resolve(raw)
    const spec: FieldSpec = {
      key,
      title: typeof s.title === 'string' ? s.title : key,
      description: typeof s.description === 'string' ? s.description : '',
      kind: kindOf(key, s),
      required: required.has(key),
      liquid: s['x-liquid'] === true,
      numeric: typesOf(s).some((t) => t === 'integer' || t === 'number'),
    }
    if (Array.isArray(s.enum)) spec.options = s.enum.map(String)
    if ('default' in s) spec.default = s.default
    out.push(spec)
  }
  return out
}

/** The value of a property as stored (undefined when absent). */
export function readField(state: State, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(state.properties, key) ? state.properties[key] : undefined
}
