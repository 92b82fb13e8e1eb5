import { useCallback, useEffect, useRef, useState } from 'react'
import { openStream, streamURL, type StreamState } from '../api/events'
import { getExecution, listExecutions } from '../api/executions'
import type { CanvasMark } from '../model/marks'
import { applyStreamEvent, noFilters, type Execution, type ExecutionFilters } from '../model/executions'
import { ExecutionDetail } from './executions/ExecutionDetail'
import { ExecutionFiltersBar } from './executions/ExecutionFiltersBar'
import { ExecutionList } from './executions/ExecutionList'
import { LiveIndicator } from './executions/LiveIndicator'

export interface ExecutionsPanelProps {
  sid: string
  /** An execution to open at once (a link from the Messages page or the dashboard). */
  openSid?: string
  /** Marks the execution's path on the canvas (null clears). */
  onHighlight: (marks: ReadonlyMap<string, CanvasMark> | null) => void
  /** Centers a widget on the canvas. */
  onFocusWidget: (name: string) => void
  onClose: () => void
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e))

/**
 * A flow's executions, live over the event stream (GET v2/Events/Stream),
 * with date, status and contact filters; one execution opens as its step
 * timeline with the path lit on the canvas.
 */
export function ExecutionsPanel({ sid, openSid, onHighlight, onFocusWidget, onClose }: ExecutionsPanelProps) {
  const [filters, setFilters] = useState<ExecutionFilters>(noFilters)
  const [executions, setExecutions] = useState<Execution[]>([])
  const [next, setNext] = useState<string | null>(null)
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState<string | null>(null)
  const [stream, setStream] = useState<StreamState>('connecting')
  const [open, setOpen] = useState<Execution | null>(null)
  const [version, setVersion] = useState(0)
  const filtersRef = useRef(filters)
  filtersRef.current = filters
  const openRef = useRef<string | null>(null)
  openRef.current = open?.sid ?? null
  const loadId = useRef(0)

  useEffect(() => {
    if (!openSid) return
    let live = true
    getExecution(sid, openSid).then(
      (x) => {
        if (live) setOpen(x)
      },
      (e) => {
        if (live) setError(`Execution ${openSid}: ${message(e)}`)
      },
    )
    return () => {
      live = false
    }
  }, [sid, openSid])

  const load = useCallback(
    (f: ExecutionFilters) => {
      const id = ++loadId.current
      setLoading(true)
      listExecutions(sid, f).then(
        (page) => {
          if (id !== loadId.current) return
          setExecutions(page.executions)
          setNext(page.next)
          setError(null)
          setLoading(false)
        },
        (e) => {
          if (id !== loadId.current) return
          setError(message(e))
          setLoading(false)
        },
      )
    },
    [sid],
  )

  // Filters typed in a burst load once.
  useEffect(() => {
    const t = window.setTimeout(() => load(filters), 250)
    return () => window.clearTimeout(t)
  }, [filters, load])

  useEffect(
    () =>
      openStream(streamURL(sid), {
        onState: setStream,
        // Events missed while reconnecting: reload (the first open too, harmlessly).
        onOpen: () => {
          load(filtersRef.current)
          if (openRef.current) setVersion((v) => v + 1)
        },
        onEvent: (e) => {
          setExecutions((list) => applyStreamEvent(list, e.type, e.data, filtersRef.current))
          if (openRef.current && e.data.execution_sid === openRef.current) setVersion((v) => v + 1)
        },
      }),
    [sid, load],
  )

  const more = () => {
    if (!next) return
    setLoading(true)
    listExecutions(sid, filtersRef.current, next).then(
      (page) => {
        setExecutions((list) => [...list, ...page.executions.filter((e) => !list.some((x) => x.sid === e.sid))])
        setNext(page.next)
        setLoading(false)
      },
      (e) => {
        setError(message(e))
        setLoading(false)
      },
    )
  }

  const back = useCallback(() => {
    setOpen(null)
    onHighlight(null)
  }, [onHighlight])

  return (
    <aside className="side-panel executions-panel" data-testid="executions-panel" aria-label="Executions">
      <div className="side-panel-head">
        <h3>Executions</h3>
        <LiveIndicator state={stream} />
        <button type="button" className="link-button" onClick={onClose}>
          Close
        </button>
      </div>
      {open ? (
        <ExecutionDetail
          key={open.sid}
          flowSid={sid}
          execution={open}
          version={version}
          onBack={back}
          onHighlight={onHighlight}
          onFocusWidget={onFocusWidget}
          onChanged={(x) => {
            if (x) setExecutions((list) => list.map((e) => (e.sid === x.sid ? x : e)))
            else {
              setExecutions((list) => list.filter((e) => e.sid !== open.sid))
              back()
            }
          }}
        />
      ) : (
        <>
          <ExecutionFiltersBar filters={filters} onChange={setFilters} />
          <ExecutionList executions={executions} loading={loading} error={error} more={next !== null} onOpen={setOpen} onMore={more} />
        </>
      )}
    </aside>
  )
}
