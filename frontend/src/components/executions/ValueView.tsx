import { showValue } from '../../model/executions'

/** Key/value pairs (an object's members) as text; nested values as JSON. */
export function ValueView({ value, testId }: { value: Record<string, unknown>; testId?: string }) {
  const entries = Object.entries(value)
  if (entries.length === 0) return <p className="muted">Nothing.</p>
  return (
    <dl className="kv" data-testid={testId}>
      {entries.map(([k, v]) => (
        <div key={k} className="kv-row">
          <dt>{k}</dt>
          <dd>
            <pre>{showValue(v)}</pre>
          </dd>
        </div>
      ))}
    </dl>
  )
}
