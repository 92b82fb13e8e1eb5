import { relativeTime } from '../../format'
import type { Execution } from '../../model/executions'

interface Props {
  executions: Execution[]
  loading: boolean
  error: string | null
  more: boolean
  onOpen: (e: Execution) => void
  onMore: () => void
}

/** A flow's executions, newest first. */
export function ExecutionList({ executions, loading, error, more, onOpen, onMore }: Props) {
  return (
    <div className="exec-list" data-testid="executions-list">
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {!loading && !error && executions.length === 0 && <p className="muted">No executions yet. A call, a message or the REST API starts one; it appears here as it happens.</p>}
      <ul>
        {executions.map((e) => (
          <li key={e.sid}>
            <button type="button" className="exec-row" data-testid="execution-row" data-execution-sid={e.sid} onClick={() => onOpen(e)}>
              <span className="exec-contact">{e.contact_channel_address || '(no contact)'}</span>
              <span className={`badge exec-status exec-status-${e.status === 'active' ? 'active' : 'ended'}`}>{e.status === 'active' ? 'Active' : 'Ended'}</span>
              <span className="exec-when muted" title={e.date_created}>
                {relativeTime(e.date_created)}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {loading && <p className="muted">Loading…</p>}
      {more && !loading && (
        <button type="button" className="btn btn-small" onClick={onMore}>
          Older executions
        </button>
      )}
    </div>
  )
}
