import { type Flow } from '../api/client'
import { relativeTime } from '../format'
import { flowHref } from '../route'

interface Props {
  flow: Flow
  now: number
  onRename: (f: Flow) => void
  onDuplicate: (f: Flow) => void
  onDelete: (f: Flow) => void
  onExport: (f: Flow) => void
}

/** One flow in the list: name (opens it), status, last change, validity, actions. */
export function FlowRow({ flow, now, onRename, onDuplicate, onDelete, onExport }: Props) {
  const problems = flow.errors.length
  const warnings = flow.warnings.length
  return (
    <tr className="flow-row" data-testid="flow-row" data-flow-sid={flow.sid}>
      <td>
        <a className="flow-name" href={flowHref(flow.sid)}>
          {flow.friendly_name}
        </a>
        <div className="mono muted small">{flow.sid}</div>
      </td>
      <td>
        <span className={`badge badge-${flow.status}`}>{flow.status === 'published' ? 'Published' : 'Draft'}</span>
      </td>
      <td title={flow.date_updated ?? flow.date_created}>{relativeTime(flow.date_updated ?? flow.date_created, now)}</td>
      <td>
        {flow.valid ? (
          <span className="badge badge-valid" title={warnings ? `${warnings} warning(s)` : 'No problems'}>
            Valid{warnings ? ` · ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}
          </span>
        ) : (
          <span className="badge badge-invalid" title={flow.errors[0]?.message ?? 'Invalid'}>
            {problems} error{problems === 1 ? '' : 's'}
          </span>
        )}
      </td>
      <td className="row-actions">
        <button type="button" className="btn btn-small" onClick={() => onRename(flow)} data-testid="rename-flow">
          Rename
        </button>
        <button type="button" className="btn btn-small" onClick={() => onDuplicate(flow)} data-testid="duplicate-flow">
          Duplicate
        </button>
        <button type="button" className="btn btn-small" onClick={() => onExport(flow)} data-testid="export-flow">
          Export
        </button>
        <button type="button" className="btn btn-small btn-danger-quiet" onClick={() => onDelete(flow)} data-testid="delete-flow">
          Delete
        </button>
      </td>
    </tr>
  )
}
