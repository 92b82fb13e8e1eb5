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
