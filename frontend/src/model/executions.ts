// Executions, apart from React: the list's filters and live updates, an
// execution's steps as timeline rows and as marks on the canvas, and what a
// step's context tells (what the widget set, the Liquid it rendered, the
// HTTP request and response it traced, recordings).
import type { RunMark } from './marks'

export type ExecutionStatus = 'active' | 'ended'

export interface Execution {
  sid: string
  flow_sid: string
  contact_channel_address: string
  status: ExecutionStatus | string
  flow_version?: number
  date_created: string
  date_updated: string | null
}

/** A step's error, warning or info event (Studio's code where one exists). */
export interface StepEvent {
  level: 'error' | 'warning' | 'info' | string
  code?: number
  widget?: string
  message: string
}

export interface Step {
  sid: string
  flow_sid: string
  execution_sid: string
  /** The event that caused the transition (keypress, success, …). */
  name: string
  transitioned_from: string
  transitioned_to: string
  type?: string
  date_created: string
  context?: unknown
  events?: StepEvent[]
}

export interface ExecutionFilters {
  /** yyyy-mm-dd (the day's start, local) or '' */
  from: string
  /** yyyy-mm-dd (inclusive: up to the next day's start) or '' */
  to: string
  status: '' | ExecutionStatus
  contact: string
}

export const noFilters: ExecutionFilters = { from: '', to: '', status: '', contact: '' }

/** The list's query: Studio's DateCreatedFrom/To, Switchboard's Status and ContactChannelAddress. */
export function executionQuery(f: ExecutionFilters, pageSize = 50): string {
  const q = new URLSearchParams()
  if (f.from) q.set('DateCreatedFrom', dayStart(f.from, 0))
  if (f.to) q.set('DateCreatedTo', dayStart(f.to, 1))
  if (f.status) q.set('Status', f.status)
  if (f.contact.trim()) q.set('ContactChannelAddress', f.contact.trim())
  q.set('PageSize', String(pageSize))
  return q.toString()
}

/** The ISO instant of a local day's start, plus days. */
function dayStart(day: string, plus: number): string {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + plus).toISOString()
}

/** Whether an execution passes the filters (for one that arrives live). */
export function matchesFilters(e: Pick<Execution, 'status' | 'contact_channel_address' | 'date_created'>, f: ExecutionFilters): boolean {
  if (f.status && e.status !== f.status) return false
  if (f.contact.trim() && e.contact_channel_address !== f.contact.trim()) return false
  const t = Date.parse(e.date_created)
  if (f.from && t < Date.parse(dayStart(f.from, 0))) return false
  if (f.to && t >= Date.parse(dayStart(f.to, 1))) return false
  return true
}

export const EXECUTION_STARTED = 'com.twilio.studio.flow.execution.started'
export const EXECUTION_ENDED = 'com.twilio.studio.flow.execution.ended'
export const STEP_ENDED = 'com.twilio.studio.flow.step.ended'

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v))

/**
 * The list after a live event: a started execution that passes the filters
 * comes first (once); an ended one changes status (and leaves a list
 * filtered on active); a step updates date_updated.
 */
export function applyStreamEvent(list: readonly Execution[], type: string, data: Record<string, unknown>, f: ExecutionFilters): Execution[] {
  const sid = str(data.execution_sid)
  if (!sid) return [...list]
  const i = list.findIndex((e) => e.sid === sid)
  if (type === EXECUTION_STARTED) {
    if (i >= 0) return [...list]
    const e: Execution = {
      sid,
      flow_sid: str(data.flow_sid),
      contact_channel_address: str(data.contact_channel_address),
      status: str(data.status) || 'active',
      flow_version: typeof data.flow_revision === 'number' ? data.flow_revision : undefined,
      date_created: str(data.date_created),
      date_updated: str(data.date_updated) || null,
    }
    return matchesFilters(e, f) ? [e, ...list] : [...list]
  }
  const cur = list[i]
  if (!cur) return [...list]
  let next: Execution = cur
  if (type === EXECUTION_ENDED) next = { ...cur, status: 'ended', date_updated: str(data.date_updated) || cur.date_updated }
  else if (type === STEP_ENDED) next = { ...cur, date_updated: str(data.date_created) || cur.date_updated }
  if (!matchesFilters(next, f)) return list.filter((_, j) => j !== i)
  return list.map((e, j) => (j === i ? next : e))
}

export interface TimelineRow {
  sid: string
  /** The widget the step ran (transitioned_from). */
  widget: string
  type: string
  /** The transition's event (keypress, success, …). */
  event: string
  /** The next widget, or "Ended". */
  to: string
  time: string
  errors: StepEvent[]
  warnings: StepEvent[]
  /** true for a subflow's step (another flow's widget). */
  subflow: boolean
}

/** One row per step, oldest first (steps given oldest first). */
export function timelineRows(steps: readonly Step[], flowSid: string): TimelineRow[] {
  return steps.map((s) => ({
    sid: s.sid,
    widget: s.transitioned_from,
    type: s.type ?? '',
    event: s.name,
    to: s.transitioned_to,
    time: s.date_created,
    errors: (s.events ?? []).filter((e) => e.level === 'error'),
    warnings: (s.events ?? []).filter((e) => e.level === 'warning'),
    subflow: !!s.flow_sid && !!flowSid && s.flow_sid !== flowSid,
  }))
}

/**
 * The path on the canvas: every widget a step ran is visited; an active
 * execution's current widget (where its last step led) is current; the
 * widget of a step with an error that ended the execution, or led to
 * "failed", is failed. Widgets not in the flow are left out; a subflow's
 * steps are not this flow's widgets.
 */
export function pathMarks(steps: readonly Step[], status: string, flowSid: string, widgets?: ReadonlySet<string>): Map<string, RunMark> {
  const out = new Map<string, RunMark>()
  const own = steps.filter((s) => !flowSid || !s.flow_sid || s.flow_sid === flowSid)
  const known = (n: string) => n !== '' && n !== 'Ended' && (!widgets || widgets.has(n))
  for (const s of own) if (known(s.transitioned_from)) out.set(s.transitioned_from, 'visited')
  for (const s of own) {
    const hasError = (s.events ?? []).some((e) => e.level === 'error')
    if (hasError && (s.transitioned_to === 'Ended' || s.name === 'failed') && known(s.transitioned_from)) out.set(s.transitioned_from, 'failed')
  }
  const last = own[own.length - 1]
  if (status === 'active' && last && known(last.transitioned_to)) out.set(last.transitioned_to, 'current')
  return out
}

export interface RenderedLiquid {
  template: string
  value: string
}

export interface StepDetails {
  /** What the widget set (widgets.<name>). */
  outputs: Record<string, unknown> | null
  rendered: RenderedLiquid[]
  request: Record<string, unknown> | null
  response: Record<string, unknown> | null
  /** Recordings the widget set (RecordingUrl), as relative paths this page may play. */
  recordings: string[]
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** What a step's context tells about the widget's run. */
export function stepDetails(context: unknown, widget: string): StepDetails {
  const c = isObj(context) ? context : {}
  const widgets = isObj(c.widgets) ? c.widgets : {}
  const outputs = isObj(widgets[widget]) ? widgets[widget] : null
  const trace = isObj(c.trace) ? c.trace : {}
  const rendered = Array.isArray(trace.rendered)
    ? trace.rendered.filter(isObj).map((r) => ({ template: str(r.template), value: str(r.value) }))
    : []
  const recordings: string[] = []
  if (outputs) {
    const url = recordingPath(str(outputs.RecordingUrl))
    if (url) recordings.push(url)
  }
  return {
    outputs,
    rendered,
    request: isObj(trace.request) ? trace.request : null,
    response: isObj(trace.response) ? trace.response : null,
    recordings,
  }
}

/**
 * The relative path of a recording URL when it names this appliance's
 * Recordings resource (…/2010-04-01/Accounts/AC…/Recordings/RE…), else ''
 * (an outside URL is shown as text, never loaded).
 */
export function recordingPath(url: string): string {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return ''
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return ''
  const m = /\/(2010-04-01\/Accounts\/AC[0-9a-fA-F]{32}\/Recordings\/RE[0-9a-zA-Z]+(?:\.wav)?)$/.exec(u.pathname)
  return m?.[1] ?? ''
}

/** Studio's words for an event's level and code: "Error 84003", "Warning". */
export function eventLabel(e: StepEvent): string {
  const level = e.level === 'error' ? 'Error' : e.level === 'warning' ? 'Warning' : 'Note'
  return e.code ? `${level} ${e.code}` : level
}

/** A value as readable text (JSON for objects). */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return v
  if (v === undefined) return ''
  try {
    return JSON.stringify(v, null, 2)
  } catch {
    return String(v)
  }
}
