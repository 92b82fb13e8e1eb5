import { useCallback, useEffect, useLayoutEffect, useRef, useState, type Dispatch, type SetStateAction } from 'react'
import { eventsAfter, type VoiceEvent } from './voiceEvent'

/** How often a list that has not settled is read again. */
export const settleMs = 3000

export interface LiveListOptions<T> {
  /** Reads the whole list from the API (it may set the section's other state too). */
  read: () => Promise<T[]>
  /** Live changes: events of this kind are merged into the list as they come. */
  live?: {
    events: VoiceEvent[]
    kind: VoiceEvent['kind']
    merge: (list: T[], data: Record<string, unknown>) => T[]
  }
  /**
   * While true the list is read again every few seconds: events are the fast
   * path, and a re-read means an event that raced a reload (or a stream
   * reconnect) cannot leave a stale badge behind.
   */
  unsettled?: (list: T[]) => boolean
}

export interface LiveList<T> {
  /** null until the first read succeeds. */
  items: T[] | null
  setItems: Dispatch<SetStateAction<T[] | null>>
  /** The last read's or action's error, in words. */
  error: string | null
  setError: (e: unknown) => void
  /** Reads the list again (after a save or a removal). */
  reload: () => Promise<void>
}

/** A settings section's list: read at mount, kept live from the event stream, its error in words. */
export function useLiveList<T>({ read, live, unsettled }: LiveListOptions<T>): LiveList<T> {
  const [items, setItems] = useState<T[] | null>(null)
  const [error, setErrorText] = useState<string | null>(null)
  // The latest callbacks, so that callers may pass them inline.
  const readRef = useRef(read)
  const mergeRef = useRef(live?.merge)
  useLayoutEffect(() => {
    readRef.current = read
    mergeRef.current = live?.merge
  })

  const setError = useCallback((e: unknown) => setErrorText(e == null ? null : e instanceof Error ? e.message : String(e)), [])
  const reload = useCallback(async () => {
    try {
      setItems(await readRef.current())
      setErrorText(null)
    } catch (x) {
      setError(x)
    }
  }, [setError])
  useEffect(() => {
    void reload()
  }, [reload])

  const needsSettling = items !== null && unsettled !== undefined && unsettled(items)
  useEffect(() => {
    if (!needsSettling) return
    const t = window.setTimeout(() => void reload(), settleMs)
    return () => window.clearTimeout(t)
  }, [needsSettling, items, reload])

  const seen = useRef(0)
  const events = live?.events
  const kind = live?.kind
  useEffect(() => {
    if (!events || !kind) return
    const { fresh, last } = eventsAfter(events, seen.current, kind)
    seen.current = last
    const merge = mergeRef.current
    if (fresh.length && merge) setItems((l) => (l ? fresh.reduce((acc, e) => merge(acc, e.data), l) : l))
  }, [events, kind])

  return { items, setItems, error, setError, reload }
}
