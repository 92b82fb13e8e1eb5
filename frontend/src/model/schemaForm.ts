// A form generated from a JSON Schema (a gateway kind's settings): the
// schema becomes field descriptions, a stored settings object becomes the
// form's values, and the values become the settings object to send. No
// React here; components only draw the fields.
//
// What is understood: string, integer, number, boolean, enum, nested
// object, array of integers/numbers, an object of strings
// (additionalProperties: a map, typed as "Key: value" lines); title,
// description, default, examples, minimum/maximum, required, writeOnly
// (a secret: never shown, left out when empty so the stored one is kept).
// A discriminator (a property tested by `allOf[].if.properties.X.const`)
// makes its `then.required` required only for that value, and a property
// whose description starts "Kannel only" (an enum value of the
// discriminator) or whose name is one of its values is shown only for it.

export type FieldKind = 'string' | 'secret' | 'integer' | 'number' | 'boolean' | 'enum' | 'object' | 'numbers' | 'map'

export interface SchemaField {
  /** Dotted path in the settings object ("generic.url"). */
  path: string
  key: string
  title: string
  description: string
  kind: FieldKind
  options: (string | number)[]
  default: unknown
  /** Required always (the schema's `required`). */
  required: boolean
  /** Required only when the discriminator has one of these values. */
  requiredWhen: string[]
  /** Shown only when the discriminator has one of these values (empty: always). */
  onlyFor: string[]
  placeholder: string
  min?: number
  max?: number
  /** An object's fields. */
  fields: SchemaField[]
}

export interface SchemaForm {
  fields: SchemaField[]
  /** The top-level property the others depend on ("preset"), or ''. */
  discriminator: string
}

/** A form's values by field path: text for inputs, booleans for checkboxes. */
export type FormValues = Record<string, string | boolean>

type Json = Record<string, unknown>

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string => (typeof v === 'string' ? v : '')

/** The discriminator and, per value, what its `then` requires. */
function conditions(schema: Json): { field: string; required: Map<string, string[]> } {
  const required = new Map<string, string[]>()
  let field = ''
  const all = Array.isArray(schema.allOf) ? schema.allOf : []
  for (const c of all) {
    if (!isObj(c) || !isObj(c.if) || !isObj(c.if.properties)) continue
    const props = Object.entries(c.if.properties)
    if (props.length !== 1) continue
    const [name, test] = props[0] as [string, unknown]
    if (!isObj(test) || typeof test.const !== 'string') continue
    if (field !== '' && field !== name) continue
    field = name
    const then = isObj(c.then) && Array.isArray(c.then.required) ? c.then.required.filter((x): x is string => typeof x === 'string') : []
    for (const r of then) required.set(r, [...(required.get(r) ?? []), test.const])
  }
  return { field, required }
}

function kindOf(p: Json): FieldKind {
  if (Array.isArray(p.enum) && p.enum.length > 0) return 'enum'
  if (p.writeOnly === true) return 'secret'
  switch (p.type) {
    case 'integer':
      return 'integer'
    case 'number':
      return 'number'
    case 'boolean':
      return 'boolean'
    case 'object':
      return isObj(p.properties) ? 'object' : 'map'
    case 'array': {
      const it = isObj(p.items) ? p.items.type : undefined
      return it === 'integer' || it === 'number' ? 'numbers' : 'string'
    }
    default:
      return 'string'
  }
}

function fieldsOf(schema: Json, prefix: string, values: string[], cond: Map<string, string[]>, disc: string): SchemaField[] {
  const props = isObj(schema.properties) ? schema.properties : {}
  const required = Array.isArray(schema.required) ? schema.required : []
  const out: SchemaField[] = []
  for (const [key, raw] of Object.entries(props)) {
    if (!isObj(raw)) continue
    const path = prefix ? `${prefix}.${key}` : key
    const description = str(raw.description)
    let onlyFor: string[] = []
    if (prefix === '' && key !== disc && values.length > 0) {
      const m = /^([A-Za-z0-9_-]+) only\b/i.exec(description)
      const named = values.find((v) => v.toLowerCase() === (m?.[1] ?? '').toLowerCase())
      if (named) onlyFor = [named]
      else if (values.includes(key)) onlyFor = [key]
    }
    const kind = kindOf(raw)
    const examples = Array.isArray(raw.examples) ? raw.examples : []
    out.push({
      path,
      key,
      title: str(raw.title) || key,
      description,
      kind,
      options: Array.isArray(raw.enum) ? raw.enum.filter((x): x is string | number => typeof x === 'string' || typeof x === 'number') : [],
      default: raw.default,
      required: required.includes(key),
      requiredWhen: prefix === '' ? (cond.get(key) ?? []) : [],
      onlyFor,
      placeholder: examples.length ? String(examples[0]) : '',
      min: typeof raw.minimum === 'number' ? raw.minimum : undefined,
      max: typeof raw.maximum === 'number' ? raw.maximum : undefined,
      fields: kind === 'object' ? fieldsOf(raw, path, [], cond, disc) : [],
    })
  }
  return out
}

/** The fields of a settings schema, in the schema's order. */
export function schemaForm(schema: unknown): SchemaForm {
  if (!isObj(schema)) return { fields: [], discriminator: '' }
  const { field, required } = conditions(schema)
  const props = isObj(schema.properties) ? schema.properties : {}
  const d = isObj(props[field]) ? props[field] : {}
  const values = Array.isArray(d.enum) ? d.enum.filter((x): x is string => typeof x === 'string') : []
  return { fields: fieldsOf(schema, '', values, required, field), discriminator: field }
}

/** Every field, nested ones after their object. */
export function allFields(fields: SchemaField[]): SchemaField[] {
  return fields.flatMap((f) => [f, ...allFields(f.fields)])
}

/** Whether a top-level field applies with the form's current values. */
export function isShown(f: SchemaField, form: SchemaForm, values: FormValues): boolean {
  if (f.onlyFor.length === 0) return true
  return f.onlyFor.includes(String(values[form.discriminator] ?? ''))
}

/** Whether a field must be filled with the form's current values. */
export function isRequired(f: SchemaField, form: SchemaForm, values: FormValues): boolean {
  return f.required || f.requiredWhen.includes(String(values[form.discriminator] ?? ''))
}

function get(obj: unknown, path: string): unknown {
  let v: unknown = obj
  for (const k of path.split('.')) v = isObj(v) ? v[k] : undefined
  return v
}

function asText(f: SchemaField, v: unknown): string | boolean {
  if (f.kind === 'boolean') return typeof v === 'boolean' ? v : false
  if (v === undefined || v === null) return ''
  if (f.kind === 'numbers') return Array.isArray(v) ? v.join(', ') : ''
  if (f.kind === 'map')
    return isObj(v)
      ? Object.entries(v)
          .map(([k, x]) => `${k}: ${String(x)}`)
          .join('\n')
      : ''
  return String(v)
}

/** The form's values from stored settings (secrets are never in them: empty), defaults where unset. */
export function valuesOf(form: SchemaForm, settings: unknown): FormValues {
  const out: FormValues = {}
  for (const f of allFields(form.fields)) {
    if (f.kind === 'object') continue
    const v = get(settings, f.path)
    out[f.path] = asText(f, v === undefined ? f.default : v)
  }
  return out
}

export interface Built {
  settings: Json
  /** Problems found before sending, by field path. */
  errors: Record<string, string>
}

/**
 * The settings object to send. Empty fields are left out (the server's
 * default applies; an empty secret keeps the stored one, `secretsSet`), as
 * are fields that do not apply to the discriminator's value.
 */
export function buildSettings(form: SchemaForm, values: FormValues, secretsSet: string[] = []): Built {
  const errors: Record<string, string> = {}
  const walk = (fields: SchemaField[], top: boolean): Json => {
    const out: Json = {}
    for (const f of fields) {
      if (top && !isShown(f, form, values)) continue
      const required = top ? isRequired(f, form, values) : f.required
      if (f.kind === 'object') {
        const inner = walk(f.fields, false)
        if (Object.keys(inner).length > 0 || required) out[f.key] = inner
        continue
      }
      const v = values[f.path]
      if (f.kind === 'boolean') {
        out[f.key] = v === true
        continue
      }
      const text = typeof v === 'string' ? v.trim() : ''
      if (text === '') {
        if (required && !(f.kind === 'secret' && secretsSet.includes(f.path))) errors[f.path] = 'Required.'
        continue
      }
      const option = f.options.find((o) => String(o) === text)
      if (f.kind === 'enum') {
        if (option === undefined) errors[f.path] = `One of ${f.options.join(', ')}.`
        else out[f.key] = option
      } else if (f.kind === 'integer' || f.kind === 'number') {
        const n = Number(text)
        if (!Number.isFinite(n) || (f.kind === 'integer' && !Number.isInteger(n))) errors[f.path] = f.kind === 'integer' ? 'A whole number.' : 'A number.'
        else if (f.min !== undefined && n < f.min) errors[f.path] = `At least ${f.min}.`
        else if (f.max !== undefined && n > f.max) errors[f.path] = `At most ${f.max}.`
        else out[f.key] = n
      } else if (f.kind === 'numbers') {
        const parts = text.split(/[\s,]+/).filter(Boolean)
        const nums = parts.map(Number)
        if (nums.some((n) => !Number.isFinite(n))) errors[f.path] = 'Numbers separated by commas, e.g. 200, 202.'
        else out[f.key] = nums
      } else if (f.kind === 'map') {
        const map: Record<string, string> = {}
        for (const line of text.split('\n')) {
          if (line.trim() === '') continue
          const i = line.indexOf(':')
          if (i <= 0) {
            errors[f.path] = `“${line.trim()}” is not Name: value.`
            break
          }
          map[line.slice(0, i).trim()] = line.slice(i + 1).trim()
        }
        out[f.key] = map
      } else {
        out[f.key] = text
      }
    }
    return out
  }
  return { settings: walk(form.fields, true), errors }
}

/**
 * The API's refusal of a Settings value, line by line, at the field each
 * line names ("httpgw: generic.url is required", "device: required");
 * lines naming no field go under '' (the form as a whole).
 */
export function settingsErrors(form: SchemaForm, message: string): Record<string, string> {
  const paths = allFields(form.fields)
    .map((f) => f.path)
    .sort((a, b) => b.length - a.length)
  const out: Record<string, string> = {}
  for (const line of message.split('\n')) {
    const text = line.trim()
    if (text === '') continue
    const path = paths.find((p) => new RegExp(`(^|[\\s:(])${p.replace(/\./g, '\\.')}(?=[\\s:]|$)`).test(text)) ?? ''
    out[path] = out[path] ? `${out[path]} ${text}` : text
  }
  return out
}
