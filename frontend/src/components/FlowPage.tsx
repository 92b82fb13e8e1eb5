import { useEffect, useState } from 'react'
import { ApiError, client, type Flow } from '../api/client'

interface Props {
  sid: string
}

/** One flow: its name and status, and the canvas (a placeholder for now). */
export function FlowPage({ sid }: Props) {
  const [flow, setFlow] = useState<Flow | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    let live = true
    setFlow(null)
    setError(null)
    client.getFlow(sid).then(
      (f) => live && setFlow(f),
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
        <section className="canvas" data-testid="canvas" aria-label="Canvas">
          {flow ? <p className="muted">The canvas is coming next.</p> : <p className="muted">Loading…</p>}
        </section>
      )}
    </main>
  )
}
