// A sample execution context for previewing Liquid in the inspector: every
// variable the flow can reach (variablesFor) with a plausible value, nested
// as the engine nests them (flow.*, trigger.*, widgets.NAME.*, contact.*).
// The values are examples, never real data; the user may replace them.
import { triggerVars, variablesFor } from './completion'
import type { FlowDefinition } from './studio'

export type Context = Record<string, unknown>

const examples: Record<string, unknown> = {
  From: '+15550100',
  To: '+15550199',
  Caller: '+15550100',
  Called: '+15550199',
  Body: 'Hello',
  Digits: '1',
  SpeechResult: 'sales',
  Confidence: '0.92',
  CallStatus: 'in-progress',
  Direction: 'inbound',
  NumMedia: '0',
  status_code: 200,
  content_type: 'application/json',
  body: '{"ok":true}',
  parsed: { ok: true },
  DialCallStatus: 'completed',
  DialCallDuration: '42',
  RecordingDuration: '12',
  QueueResult: 'hangup',
  QueueTime: '30',
  AnsweredBy: 'human',
  Result: 'success',
  Status: 'sent',
  language: 'en-US',
  voice: 'alice',
  parameters: {},
  data: {},
  FromCountry: 'US',
  FromCity: 'SPRINGFIELD',
  FromState: 'IL',
  FromZip: '62701',
}

const sidPrefix: Record<string, string> = {
  sid: 'FN', flow_sid: 'FW', CallSid: 'CA', DialCallSid: 'CA', MessageSid: 'SM', Sid: 'SM', AccountSid: 'AC',
  RecordingSid: 'RE', QueueSid: 'QU', ConversationSid: 'CH', ChannelSid: 'CH', MessagingServiceSid: 'MG',
}

function exampleFor(path: string): unknown {
  const key = path.slice(path.lastIndexOf('.') + 1)
  if (key in examples) return structuredClone(examples[key])
  if (key in sidPrefix) return sidPrefix[key] + '0'.repeat(32)
  if (key === 'address') return path.startsWith('contact.') ? '+15550100' : '+15550199'
  if (key.endsWith('Url') || key.endsWith('Url0')) return 'https://example.com/media/1'
  return `(${key})`
}

/** Sets obj[a][b]… = v along a dotted path, keeping values already there. */
function put(obj: Context, path: string, v: unknown): void {
  const keys = path.split('.')
  let cur: Context = obj
  for (const k of keys.slice(0, -1)) {
    const next = cur[k]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[k] = {}
    cur = cur[k] as Context
  }
  const last = keys[keys.length - 1]!
  if (!(last in cur)) cur[last] = v
}

/** What set-variables widgets set, by path (flow.variables.K and widgets.NAME.K): their literal values. */
function literalValues(def: FlowDefinition): Map<string, unknown> {
  const out = new Map<string, unknown>()
  for (const s of def.states) {
    if (s.type !== 'set-variables' || !Array.isArray(s.properties.variables)) continue
    for (const v of s.properties.variables as unknown[]) {
      if (typeof v !== 'object' || v === null) continue
      const { key, value } = v as { key?: unknown; value?: unknown }
      if (typeof key !== 'string' || key === '' || typeof value !== 'string' || hasLiquid(value)) continue
      out.set(`flow.variables.${key}`, value)
      out.set(`widgets.${s.name}.${key}`, value)
    }
  }
  return out
}

/** The sample context for def: every reachable variable with an example value. */
export function sampleContext(def: FlowDefinition): Context {
  const ctx: Context = {}
  const literals = literalValues(def)
  const vars = variablesFor(def)
  // Before any trigger event is wired (a flow being drawn), every kind of trigger gets examples.
  if (!vars.some((v) => v.path.startsWith('trigger.'))) vars.push(...Object.values(triggerVars).flat())
  for (const v of vars) put(ctx, v.path, literals.has(v.path) ? literals.get(v.path) : exampleFor(v.path))
  return ctx
}

/** Parses a user-edited sample context: a JSON object, or an error message. */
export function parseContext(text: string): { context: Context } | { error: string } {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (e) {
    return { error: `not valid JSON: ${(e as Error).message}` }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: 'the sample context must be a JSON object (keys flow, trigger, widgets, contact)' }
  return { context: v as Context }
}

/** Whether a field's text has Liquid markup worth previewing. */
export function hasLiquid(text: string): boolean {
  return text.includes('{{') || text.includes('{%')
}
