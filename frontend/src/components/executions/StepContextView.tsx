import { stepDetails } from '../../model/executions'
import { ValueView } from './ValueView'

interface Props {
  context: unknown
  widget: string
  loading: boolean
  error: string | null
}

/** What a step's context tells: what the widget set, the Liquid it rendered, its HTTP request and response, recordings. */
export function StepContextView({ context, widget, loading, error }: Props) {
  if (loading) return <p className="muted">Loading the step's context…</p>
  if (error)
    return (
      <p className="error-text" role="alert">
        {error}
      </p>
    )
  const d = stepDetails(context, widget)
  return (
    <div className="step-context" data-testid="step-context">
      {d.recordings.map((src) => (
        <div key={src} className="step-section">
          <h5>Recording</h5>
          <audio controls preload="metadata" src={src} data-testid="recording-audio" />
        </div>
      ))}
      {d.rendered.length > 0 && (
        <div className="step-section">
          <h5>Rendered Liquid</h5>
          <ul className="rendered-list" data-testid="rendered-liquid">
            {d.rendered.map((r, i) => (
              <li key={i}>
                <pre className="liquid-template">{r.template}</pre>
                <pre className="liquid-value">{r.value}</pre>
              </li>
            ))}
          </ul>
        </div>
      )}
      {d.request && (
        <div className="step-section">
          <h5>HTTP request</h5>
          <ValueView value={d.request} testId="http-request" />
        </div>
      )}
      {d.response && (
        <div className="step-section">
          <h5>HTTP response</h5>
          <ValueView value={d.response} testId="http-response" />
        </div>
      )}
      <div className="step-section">
        <h5>Set by {widget}</h5>
        {d.outputs ? <ValueView value={d.outputs} testId="widget-outputs" /> : <p className="muted">Nothing.</p>}
      </div>
    </div>
  )
}
