// Plain logic of the call queues (no React): agent state labels, wait
// times in words, live events merged into a list, the queue form's draft,
// and the desk phones offered as agents.

import type { AgentState, Queue, QueueAgent, QueueInput, QueueLive } from '../api/queues'
import type { Credential } from '../api/settings'

export type AgentTone = 'ok' | 'busy' | 'call' | 'off'

const states: Record<AgentState, { label: string; short: string; tone: AgentTone; hint: string }> = {
  free: { label: 'Free', short: 'Free', tone: 'ok', hint: 'registered and not on a queue call: rung next' },
  ringing: { label: 'Ringing', short: 'Ringing', tone: 'busy', hint: 'a waiting caller is offered to this phone' },
  busy: { label: 'On a call', short: 'On a call', tone: 'call', hint: 'talking to a caller from this queue' },
  offline: { label: 'Offline (not registered)', short: 'Offline', tone: 'off', hint: 'the desk phone is not registered' },
}

export function isAgentState(s: unknown): s is AgentState {
  return s === 'free' || s === 'ringing' || s === 'busy' || s === 'offline'
}

/** An agent's state as a chip shows it: label (short for tight tiles), tone and a hint. */
export function agentChip(state: AgentState, short = false): { label: string; tone: AgentTone; hint: string } {
  const s = states[state]
  return { label: short ? s.short : s.label, tone: s.tone, hint: s.hint }
}

/** A wait in seconds as words: "—" for none, "42 s", "3 min 05 s", "1 h 02 min". */
export function formatWait(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return '—'
  const s = Math.floor(seconds)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`
}

/** A queue's live state and when (ms) it was received, so waits can tick between events. */
export type Timed<T extends QueueLive> = T & { at: number }

/** The longest wait now: the one received, plus the seconds since, while someone waits. */
export function longestWaitNow(q: Timed<QueueLive>, now: number): number {
  if (q.current_size <= 0) return 0
  return q.longest_wait + Math.max(0, Math.floor((now - q.at) / 1000))
}

function agentsOf(v: unknown): QueueAgent[] | null {
  if (!Array.isArray(v)) return null
  const out: QueueAgent[] = []
  for (const a of v as unknown[]) {
    const o = a as { user?: unknown; state?: unknown }
    if (typeof o?.user !== 'string' || !isAgentState(o.state)) return null
    out.push({ user: o.user, state: o.state })
  }
  return out
}

const num = (v: unknown, old: number) => (typeof v === 'number' && Number.isFinite(v) ? v : old)

/** A queue.updated event's data as a live queue, or null when it is not one. */
export function parseQueueEvent(data: Record<string, unknown>): QueueLive | null {
  const agents = agentsOf(data.agents)
  if (typeof data.sid !== 'string' || typeof data.friendly_name !== 'string' || agents === null) return null
  return {
    sid: data.sid,
    friendly_name: data.friendly_name,
    current_size: num(data.current_size, 0),
    longest_wait: num(data.longest_wait, 0),
    average_wait_time: num(data.average_wait_time, 0),
    agents_free: num(data.agents_free, 0),
    agents,
  }
}

/**
 * Merges a queue.updated event into the list (received at `now`): the
 * queue's live fields are replaced, and its settings where the event
 * carries them (an edit on another page), else kept; a queue removed
 * (`removed: true`) leaves the list. A queue not in the list is appended
 * when `addUnknown` (the dashboard), else ignored.
 */
export function mergeQueueEvent<T extends QueueLive>(
  list: Timed<T>[],
  data: Record<string, unknown>,
  now: number,
  addUnknown: (live: QueueLive) => Timed<T> | null = () => null,
): Timed<T>[] {
  // A deleted queue's last event: drop it.
  if (data.removed === true && typeof data.sid === 'string') return list.filter((q) => q.sid !== data.sid)
  const live = parseQueueEvent(data)
  if (!live) return list
  if (!list.some((q) => q.sid === live.sid)) {
    const added = addUnknown(live)
    return added ? [...list, { ...added, at: now }].sort(byName) : list
  }
  const settings = settingsOf(data)
  return list.map((q) => (q.sid === live.sid ? { ...q, ...live, ...settings, at: now } : q))
}

/** The queue settings an event carries (an edit made on another page); absent ones stay as they were. */
export function settingsOf(data: Record<string, unknown>): Partial<Pick<Queue, 'max_size' | 'hold_music' | 'announce_position'>> {
  const out: Partial<Pick<Queue, 'max_size' | 'hold_music' | 'announce_position'>> = {}
  if (typeof data.max_size === 'number' && Number.isInteger(data.max_size) && data.max_size > 0) out.max_size = data.max_size
  if (typeof data.hold_music === 'string' && data.hold_music !== '') out.hold_music = data.hold_music
  if (typeof data.announce_position === 'boolean') out.announce_position = data.announce_position
  return out
}

export function byName(a: { friendly_name: string }, b: { friendly_name: string }): number {
  return a.friendly_name.localeCompare(b.friendly_name)
}

/** Stamps queues read at `now`. */
export function timed<T extends QueueLive>(list: T[], now: number): Timed<T>[] {
  return list.map((q) => ({ ...q, at: now })).sort(byName)
}

export interface QueueDraft {
  FriendlyName: string
  Agents: string[]
  /** 'tone' or 'file' (then HoldFile names it). */
  Hold: 'tone' | 'file'
  HoldFile: string
  AnnouncePosition: boolean
  MaxSize: string
}

export function emptyQueue(): QueueDraft {
  return { FriendlyName: '', Agents: [], Hold: 'tone', HoldFile: '', AnnouncePosition: true, MaxSize: '100' }
}

export function queueDraftOf(q: Queue): QueueDraft {
  const tone = q.hold_music === '' || q.hold_music === 'tone'
  return {
    FriendlyName: q.friendly_name,
    Agents: q.agents.map((a) => a.user),
    Hold: tone ? 'tone' : 'file',
    HoldFile: tone ? '' : q.hold_music,
    AnnouncePosition: q.announce_position,
    MaxSize: String(q.max_size),
  }
}

/** Problems the form finds before sending (field → message); the API checks again. */
export function queueDraftProblems(d: QueueDraft): Record<string, string> {
  const p: Record<string, string> = {}
  if (d.FriendlyName.trim() === '') p.FriendlyName = 'A queue needs a name: the Enqueue Call widget names it.'
  if (d.Hold === 'file' && d.HoldFile.trim() === '') p.HoldMusic = 'Name the media file, or choose the tone.'
  const n = Number(d.MaxSize.trim())
  if (!Number.isInteger(n) || n < 1 || n > 5000) p.MaxSize = 'A whole number from 1 to 5000.'
  return p
}

export function queueInput(d: QueueDraft): QueueInput {
  return {
    FriendlyName: d.FriendlyName.trim(),
    Agents: d.Agents.join(','),
    HoldMusic: d.Hold === 'tone' ? 'tone' : d.HoldFile.trim(),
    AnnouncePosition: String(d.AnnouncePosition),
    MaxSize: d.MaxSize.trim(),
  }
}

export interface AgentChoice {
  user: string
  registered: boolean
  /** Picked, but no desk phone has this username any more (the API refuses it). */
  missing: boolean
}

/** The desk phones offered as agents (by username), and picked agents no desk phone has any more. */
export function agentChoices(phones: Credential[], picked: string[]): AgentChoice[] {
  const seen = new Set<string>()
  const out: AgentChoice[] = []
  for (const p of [...phones].sort((a, b) => a.username.localeCompare(b.username))) {
    if (seen.has(p.username)) continue
    seen.add(p.username)
    out.push({ user: p.username, registered: p.registration !== null, missing: false })
  }
  for (const u of picked) if (!seen.has(u)) out.push({ user: u, registered: false, missing: true })
  return out
}

/** Toggles an agent in the picked list, keeping the order picked. */
export function toggleAgent(picked: string[], user: string, on: boolean): string[] {
  const rest = picked.filter((u) => u !== user)
  return on ? [...rest, user] : rest
}
