import { useEffect, useState } from 'react'
import { ApiError, client, type Flow } from '../api/client'
import { parseDefinition, type FlowDefinition } from '../model/studio'
import { autoLayout, needsLayout } from '../model/layout'
import { Canvas } from './Canvas'

interface Props {
  sid: string
  /** false while the server cannot be reached (autosave shows "Unsaved — offline"). */
  online?: boolean
}

function loadDefinition(flow: Flow): FlowDefinition {
  const def = parseDefinition(JSON.stringify(flow.definition))
  return needsLayout(def) ? autoLayout(def) : def
}

/** One flow: its name and status, and the editor (widget library, canvas, inspector). */
export function FlowPage({ sid, online = true }: Props) {
  const [flow, setFlow] = useState<Flow | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [initial, setInitial] = useState<FlowDefinition | null>(null)

  useEffect(() => {
    let live = true
    setFlow(null)
    setError(null)
    client.getFlow(sid).then(
      (f) => {
        if (!live) return
        try {
          setInitial(loadDefinition(f))
          setFlow(f)
        } catch (err) {
          setError(`This flow's definition cannot be shown: ${err instanceof Error ? err.message : String(err)}`)
        }
      },
      (err: unknown) => {
        if (!live) return
        if (err instanceof ApiError && err.status === 404) setError(`There is no flow ${sid}.`)
        else setError(err instanceof Error ? err.message : String(err))
      },
    )
    return () => {
      live = false
    }
  }, [sid])

  return (
    <main className="flow-page">
      <div className="flow-head">
        <a href="#/flows" className="back-link">
          ← Flows
        </a>
        {flow && (
          <>
            <h1 className="flow-title" data-testid="flow-title">
              {flow.friendly_name}
            </h1>
            <span className={`badge badge-${flow.status}`}>{flow.status === 'published' ? 'Published' : 'Draft'}</span>
            <span className="mono muted small">{flow.sid}</span>
          </>
        )}
      </div>
      {error && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
      {!error && (
        flow && initial ? (
          <Canvas flow={flow} initial={initial} online={online} />
        ) : (
          <section className="canvas canvas-loading" aria-label="Canvas">
            <p className="muted">Loading…</p>
          </section>
        )
      )}
    </main>
  )
}
