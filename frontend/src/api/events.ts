// The live event stream (GET v2/Events/Stream, Server-Sent Events of
// CloudEvents) for the editor. EventSource reconnects by itself after a
// dropped connection, but gives up for good when an answer is not a stream
// (a 401, a 503 while the server stops); this client closes it on any error
// and opens a new one after a pause that grows from 1 s to 30 s, reset once a
// stream opens. The state says whether the page is live or reconnecting;
// onOpen runs on every (re)connection, when the caller reloads what it may
// have missed.

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'closed'

/** A CloudEvent as the stream sends it. */
export interface StreamEvent {
  id: string
  type: string
  subject?: string
  time: string
  data: Record<string, unknown>
}

/** What the client needs of EventSource (a fake in tests). */
export interface EventSourceLike {
  onopen: ((ev: Event) => unknown) | null
  onmessage: ((ev: MessageEvent) => unknown) | null
  onerror: ((ev: Event) => unknown) | null
  close(): void
}

export type EventSourceFactory = (url: string) => EventSourceLike

export interface StreamOptions {
  onEvent: (e: StreamEvent) => void
  onState?: (s: StreamState) => void
  onOpen?: () => void
  /** Defaults to the browser's EventSource (same-origin, with the session cookie). */
  factory?: EventSourceFactory
  /** Defaults to window.setTimeout / clearTimeout (fake timers in tests). */
  setTimer?: (f: () => void, ms: number) => unknown
  clearTimer?: (t: unknown) => void
}

/** The pause before reconnection attempt n (0-based): 1 s doubling to 30 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(1000 * 2 ** attempt, 30_000)
}

/** The stream's relative URL, narrowed to a flow and optionally an execution. */
export function streamURL(flowSid?: string, executionSid?: string): string {
  const q = new URLSearchParams()
  if (flowSid) q.set('flow_sid', flowSid)
  if (executionSid) q.set('execution_sid', executionSid)
  const s = q.toString()
  return 'v2/Events/Stream' + (s ? '?' + s : '')
}

/** Parses one message's data; null when it is not a CloudEvent. */
export function parseStreamEvent(text: string): StreamEvent | null {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof v !== 'object' || v === null) return null
  const e = v as Record<string, unknown>
  if (typeof e.type !== 'string' || typeof e.data !== 'object' || e.data === null) return null
  return {
    id: typeof e.id === 'string' ? e.id : '',
    type: e.type,
    subject: typeof e.subject === 'string' ? e.subject : undefined,
    time: typeof e.time === 'string' ? e.time : '',
    data: e.data as Record<string, unknown>,
  }
}

/** Opens the stream; returns a function that closes it for good. */
export function openStream(url: string, opts: StreamOptions): () => void {
  const factory: EventSourceFactory = opts.factory ?? ((u) => new EventSource(u, { withCredentials: true }))
  const setTimer = opts.setTimer ?? ((f, ms) => window.setTimeout(f, ms))
  const clearTimer = opts.clearTimer ?? ((t) => window.clearTimeout(t as number))
  let es: EventSourceLike | null = null
  let timer: unknown = null
  let attempt = 0
  let closed = false
  let state: StreamState | null = null
  const setState = (s: StreamState) => {
    if (s !== state) {
      state = s
      opts.onState?.(s)
    }
  }
  const connect = () => {
    timer = null
    if (closed) return
    const src = factory(url)
    es = src
    src.onopen = () => {
      if (es !== src) return
      attempt = 0
      setState('live')
      opts.onOpen?.()
    }
    src.onmessage = (m) => {
      if (es !== src) return
      const e = parseStreamEvent(String(m.data))
      if (e) opts.onEvent(e)
    }
    src.onerror = () => {
      if (es !== src) return
      src.close()
      es = null
      if (closed) return
      setState('reconnecting')
      timer = setTimer(connect, reconnectDelayMs(attempt++))
    }
  }
  setState('connecting')
  connect()
  return () => {
    closed = true
    if (timer !== null) clearTimer(timer)
    es?.close()
    es = null
    setState('closed')
  }
}
