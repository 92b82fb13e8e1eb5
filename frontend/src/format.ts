// Small pure helpers for the flows list.

/** "just now", "5 min ago", "3 h ago", "2 days ago", else the date. */
export function relativeTime(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '—'
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return '—'
  const s = Math.round((now - t) / 1000)
  if (s < 45) return 'just now'
  const m = Math.round(s / 60)
  if (m < 60) return `${m} min ago`
  const h = Math.round(m / 60)
  if (h < 24) return `${h} h ago`
  const d = Math.round(h / 24)
  if (d === 1) return 'yesterday'
  if (d < 30) return `${d} days ago`
  return new Date(t).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })
}

/** Studio's definition of a new flow: a Trigger widget with its five events, nothing wired. */
export function defaultDefinition(): Record<string, unknown> {
  return {
    description: 'A New Flow',
    states: [
      {
        name: 'Trigger',
        type: 'trigger',
        transitions: [
          { event: 'incomingMessage' },
          { event: 'incomingCall' },
          { event: 'incomingConversationMessage' },
          { event: 'incomingRequest' },
          { event: 'incomingParent' },
        ],
        properties: { offset: { x: 0, y: 0 } },
      },
    ],
    initial_state: 'Trigger',
    flags: { allow_concurrent_calls: true },
  }
}

/** Studio's export layout: the definition as JSON with a 2-space indent. */
export function exportText(definition: unknown): string {
  return JSON.stringify(definition, null, 2) + '\n'
}

/** A file name for an exported flow: letters, digits, - and _ only. */
export function exportFileName(name: string): string {
  const base = name.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '')
  return (base || 'flow') + '.json'
}

/**
 * The definition text to send for an imported file: a Studio export is the
 * definition itself; a Flow resource (GET /v2/Flows/FW…) carries it in
 * "definition". Anything else is sent as it is, so the validator says what is wrong.
 */
export function importText(text: string): { definition: string; name: string | null } {
  try {
    const v: unknown = JSON.parse(text)
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const o = v as Record<string, unknown>
      if (!('states' in o) && typeof o.definition === 'object' && o.definition !== null) {
        return { definition: JSON.stringify(o.definition), name: typeof o.friendly_name === 'string' ? o.friendly_name : null }
      }
    }
  } catch {
    // not JSON: the validator's message says so
  }
  return { definition: text, name: null }
}

/**
 * The JSON text of one member of a top-level JSON object, exactly as it was
 * sent (numbers such as 1.0 and big integers keep their spelling), or null.
 */
export function rawMember(text: string, key: string): string | null {
  let i = 0
  const n = text.length
  const ws = () => {
    while (i < n && /\s/.test(text[i]!)) i++
  }
  const str = () => {
    const start = i
    i++ // opening quote
    while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1
    i++
    return text.slice(start, i)
  }
  const value = () => {
    ws()
    const start = i
    let depth = 0
    while (i < n) {
      const c = text[i]!
      if (c === '"') {
        str()
        if (depth === 0) break
        continue
      }
      if (c === '{' || c === '[') depth++
      else if (c === '}' || c === ']') {
        if (depth === 0) break
        depth--
        if (depth === 0) {
          i++
          break
        }
      } else if (depth === 0 && c === ',') break
      i++
    }
    return text.slice(start, i).trim()
  }
  ws()
  if (text[i] !== '{') return null
  i++
  for (;;) {
    ws()
    if (text[i] !== '"') return null
    const k = JSON.parse(str()) as string
    ws()
    if (text[i] !== ':') return null
    i++
    const v = value()
    if (k === key) return v
    ws()
    if (text[i] !== ',') return null
    i++
  }
}

/** Re-indents JSON text with 2 spaces, keeping every literal exactly as written. */
export function reindent(text: string): string {
  let out = ''
  let depth = 0
  const nl = () => '\n' + '  '.repeat(depth)
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '"') {
      const start = i
      i++
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1
      out += text.slice(start, i + 1)
    } else if (c === '{' || c === '[') {
      let j = i + 1
      while (j < text.length && /\s/.test(text[j]!)) j++
      if (text[j] === (c === '{' ? '}' : ']')) {
        out += c + text[j]
        i = j
      } else {
        depth++
        out += c + nl()
      }
    } else if (c === '}' || c === ']') {
      depth--
      out += nl() + c
    } else if (c === ',') out += ',' + nl()
    else if (c === ':') out += ': '
    else if (!/\s/.test(c)) out += c
  }
  return out + '\n'
}
