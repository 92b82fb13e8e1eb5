import { eventLabel, type StepEvent } from '../../model/executions'

/** A step's errors and warnings with Studio's codes, errors first. */
export function StepEvents({ errors, warnings }: { errors: StepEvent[]; warnings: StepEvent[] }) {
  if (errors.length === 0 && warnings.length === 0) return null
  return (
    <ul className="step-events">
      {[...errors, ...warnings].map((e, i) => (
        <li key={i} className={`step-event step-event-${e.level === 'error' ? 'error' : 'warning'}`} data-testid="step-event" data-level={e.level} data-code={e.code ?? ''}>
          <strong>{eventLabel(e)}</strong> {e.message}
        </li>
      ))}
    </ul>
  )
}
