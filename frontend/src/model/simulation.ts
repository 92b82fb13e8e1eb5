// The simulator's model, apart from React: the canvas marks of a run, a
// conversation turned into a flow test (schema/flowtest.json, the format
// `switchboard flow test` reads), the check of such a test's shape, and the
// mocks editor's rows turned into the API's mocks.
import type { RunMark } from './marks'

/** A canned HTTP answer, as flow tests and the Simulations API take it. */
export interface MockDoc {
  method?: 'GET' | 'POST'
  url: string
  status?: number
  content_type?: string
  body?: unknown
}

export interface FlowTestExpect {
  path?: string[]
  messages?: string[]
  says?: string[]
  variables?: Record<string, unknown>
  widgets?: Record<string, Record<string, unknown>>
  ended?: boolean
  end_reason?: string
}

/** One test of a flow-test file. */
export interface FlowTestDoc {
  name: string
  trigger: 'call' | 'message' | 'request'
  from?: string
  to?: string
  body?: string
  parameters?: Record<string, unknown>
  test_user?: boolean
  inputs?: string[]
  http?: MockDoc[]
  expect: FlowTestExpect
}

/** What of a simulation the model reads (the API's Simulation has more). */
export interface SimulationView {
  channel: 'voice' | 'messaging'
  from: string
  to: string
  body?: string
  status: 'waiting' | 'ended'
  end_reason?: string
  current_widget?: string
  path: string[]
  failed_widgets: string[]
  inputs: string[]
  mocks: MockDoc[]
  transcript: { kind: string; text?: string; url?: string; method?: string; mocked?: boolean }[]
}

/** Canvas marks for a run: every widget on the path visited, the one waiting current, those that reported an error failed. */
export function runMarks(sim: Pick<SimulationView, 'path' | 'current_widget' | 'failed_widgets' | 'status'>): Map<string, RunMark> {
  const marks = new Map<string, RunMark>()
  for (const w of sim.path) marks.set(w, 'visited')
  if (sim.status === 'waiting' && sim.current_widget) marks.set(sim.current_widget, 'current')
  for (const w of sim.failed_widgets) marks.set(w, 'failed')
  return marks
}

/** Why a conversation cannot be saved as a test yet, or null when it can. */
export function notSavable(sim: Pick<SimulationView, 'status'>): string | null {
  if (sim.status !== 'ended') return 'Finish the conversation first (hang up or end it): a test checks how it ends.'
  return null
}

/**
 * The conversation as a flow test: the same trigger, addresses and first
 * message, the person's inputs (a trailing hang-up dropped: when inputs run
 * out the runner hangs up by itself), the mocks, and what happened as the
 * expectations: the path, the says (a call) or messages, and how it ended.
 */
export function toFlowTest(sim: SimulationView, name: string): FlowTestDoc {
  const inputs = [...sim.inputs]
  if (inputs.length > 0 && inputs[inputs.length - 1] === '/hangup') inputs.pop()
  const says = sim.transcript.filter((e) => e.kind === 'say').map((e) => e.text ?? '')
  const messages = sim.transcript.filter((e) => e.kind === 'message').map((e) => e.text ?? '')
  const doc: FlowTestDoc = { name: name.trim(), trigger: sim.channel === 'voice' ? 'call' : 'message', from: sim.from, to: sim.to, expect: {} }
  if (sim.channel === 'messaging') doc.body = sim.body ?? 'hi'
  if (inputs.length > 0) doc.inputs = inputs
  if (sim.mocks.length > 0) doc.http = sim.mocks.map((m) => ({ ...m }))
  const expect: FlowTestExpect = { path: [...sim.path] }
  if (sim.channel === 'voice' || says.length > 0) expect.says = says
  if (sim.channel === 'messaging' || messages.length > 0) expect.messages = messages
  expect.ended = sim.status === 'ended'
  if (sim.status === 'ended' && sim.end_reason) expect.end_reason = sim.end_reason
  // expect last, as the format's examples write it
  const { expect: _, ...rest } = doc
  return { ...rest, expect }
}

/** Things that make a saved test differ from the conversation: requests that went out for real (a test never does). */
export function testWarnings(sim: Pick<SimulationView, 'transcript'>): string[] {
  const out: string[] = []
  const seen = new Set<string>()
  for (const e of sim.transcript) {
    if (e.kind !== 'http' || e.mocked) continue
    const key = `${e.method ?? 'GET'} ${e.url ?? ''}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push(`${key} went out for real; a test never does, so it will fail there. Add a mock for it and run again.`)
  }
  return out
}

const triggers = ['call', 'message', 'request']
const testKeys = ['name', 'trigger', 'from', 'to', 'body', 'parameters', 'test_user', 'inputs', 'http', 'expect']
const expectKeys = ['path', 'messages', 'says', 'variables', 'widgets', 'ended', 'end_reason']
const mockKeys = ['method', 'url', 'status', 'content_type', 'body']

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string')

/** The shape problems of one flow test (schema/flowtest.json's `test`), each as "where: what"; empty when it is good. */
export function checkFlowTest(t: unknown): string[] {
  const p: string[] = []
  if (!isObject(t)) return ['the test is not an object']
  for (const k of Object.keys(t)) if (!testKeys.includes(k)) p.push(`${k}: not a key of a flow test`)
  if (typeof t.name !== 'string' || t.name.trim() === '') p.push('name: required, a non-empty string')
  if (typeof t.trigger !== 'string' || !triggers.includes(t.trigger)) p.push(`trigger: one of ${triggers.join(', ')}`)
  for (const k of ['from', 'to', 'body'] as const) if (t[k] !== undefined && typeof t[k] !== 'string') p.push(`${k}: a string`)
  if (t.parameters !== undefined && !isObject(t.parameters)) p.push('parameters: an object')
  if (t.test_user !== undefined && typeof t.test_user !== 'boolean') p.push('test_user: true or false')
  if (t.inputs !== undefined && !isStrings(t.inputs)) p.push('inputs: a list of strings')
  if (t.http !== undefined) {
    if (!Array.isArray(t.http)) p.push('http: a list of mocks')
    else
      t.http.forEach((m: unknown, i) => {
        if (!isObject(m)) return void p.push(`http/${i}: an object`)
        for (const k of Object.keys(m)) if (!mockKeys.includes(k)) p.push(`http/${i}/${k}: not a key of a mock`)
        if (typeof m.url !== 'string') p.push(`http/${i}/url: required, a string`)
        if (m.method !== undefined && m.method !== 'GET' && m.method !== 'POST') p.push(`http/${i}/method: GET or POST`)
        if (m.status !== undefined && !Number.isInteger(m.status)) p.push(`http/${i}/status: a whole number`)
      })
  }
  if (!isObject(t.expect)) p.push('expect: an object')
  else {
    const e = t.expect
    for (const k of Object.keys(e)) if (!expectKeys.includes(k)) p.push(`expect/${k}: not something a test can expect`)
    for (const k of ['path', 'messages', 'says'] as const) if (e[k] !== undefined && !isStrings(e[k])) p.push(`expect/${k}: a list of strings`)
    if (e.variables !== undefined && !isObject(e.variables)) p.push('expect/variables: an object')
    if (e.widgets !== undefined && !isObject(e.widgets)) p.push('expect/widgets: an object')
    if (e.ended !== undefined && typeof e.ended !== 'boolean') p.push('expect/ended: true or false')
    if (e.end_reason !== undefined && typeof e.end_reason !== 'string') p.push('expect/end_reason: a string')
  }
  return p
}

/** base, or base 2, base 3 … — the first not taken. */
export function uniqueName(base: string, taken: Iterable<string>): string {
  const set = new Set(taken)
  const b = base.trim() || 'Simulated conversation'
  if (!set.has(b)) return b
  for (let n = 2; ; n++) if (!set.has(`${b} ${n}`)) return `${b} ${n}`
}

/** A line of the mocks editor, as typed. */
export interface MockRow {
  method: '' | 'GET' | 'POST'
  url: string
  status: string
  body: string
}

export const emptyMockRow = (): MockRow => ({ method: 'GET', url: '', status: '200', body: '' })

/**
 * The rows as the API's mocks: empty rows skipped; a body that reads as
 * JSON is sent as JSON, anything else as text. Problems name the row (1-based).
 */
export function rowsToMocks(rows: readonly MockRow[]): { mocks: MockDoc[]; problems: string[] } {
  const mocks: MockDoc[] = []
  const problems: string[] = []
  rows.forEach((r, i) => {
    const url = r.url.trim()
    if (url === '' && r.body.trim() === '') return
    if (!/^https?:\/\/\S+$/i.test(url)) {
      problems.push(`Mock ${i + 1}: the URL must start with http:// or https:// (the query string is not matched).`)
      return
    }
    const m: MockDoc = { url }
    if (r.method) m.method = r.method
    const st = r.status.trim()
    if (st !== '') {
      const n = Number(st)
      if (!Number.isInteger(n) || n < 100 || n > 599) {
        problems.push(`Mock ${i + 1}: the status must be an HTTP status from 100 to 599, not “${st}”.`)
        return
      }
      m.status = n
    }
    const body = r.body.trim()
    if (body !== '') {
      try {
        m.body = JSON.parse(body)
      } catch {
        m.body = r.body
      }
    }
    mocks.push(m)
  })
  return { mocks, problems }
}

/** What the waiting flow takes, for the panel's controls. */
export function inputKinds(waitingFor: readonly string[]): { keys: boolean; speech: boolean; reply: boolean; timeout: boolean; other: boolean } {
  const has = (t: string) => waitingFor.includes(t)
  const known = ['digits', 'speech', 'reply', 'timeout', 'hangup', 'audio_done']
  return {
    keys: has('digits'),
    speech: has('speech'),
    reply: has('reply'),
    timeout: has('timeout'),
    other: waitingFor.some((t) => !known.includes(t)),
  }
}

/** Which simulations the flow's trigger wires: an incoming call (voice), an incoming message (messaging). */
export function triggerChannels(def: { initial_state: string; states: { name: string; transitions: { event: string; next?: string }[] }[] }): {
  voice: boolean
  messaging: boolean
} {
  const trig = def.states.find((s) => s.name === def.initial_state)
  const wired = (ev: string) => !!trig?.transitions.some((t) => t.event === ev && typeof t.next === 'string' && t.next !== '')
  return { voice: wired('incomingCall'), messaging: wired('incomingMessage') }
}
