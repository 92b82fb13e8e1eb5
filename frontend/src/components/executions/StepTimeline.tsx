import type { ReactNode } from 'react'
import type { TimelineRow } from '../../model/executions'
import { StepEvents } from './StepEvents'

interface Props {
  rows: TimelineRow[]
  selected: string | null
  onSelect: (row: TimelineRow) => void
  /** The widget an active execution waits in (shown after the last step). */
  current: string | null
  children?: ReactNode
}

const time = (iso: string) => {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString()
}

/** An execution's steps, oldest first; the selected one opens its context below it. */
export function StepTimeline({ rows, selected, onSelect, current, children }: Props) {
  return (
    <ol className="step-timeline" data-testid="step-timeline">
      {rows.map((r, i) => {
        const kind = r.errors.length > 0 ? 'error' : r.warnings.length > 0 ? 'warning' : 'ok'
        return (
          <li key={r.sid} className={`step-row step-${kind}${selected === r.sid ? ' step-selected' : ''}`} data-testid="step-row" data-step-sid={r.sid} data-widget={r.widget}>
            <button type="button" className="step-head" onClick={() => onSelect(r)} aria-expanded={selected === r.sid}>
              <span className="step-n">{i + 1}</span>
              <span className="step-main">
                <span className="step-widget">{r.widget}</span>
                <span className="step-transition">
                  <span className="step-event-name">{r.event || '—'}</span> → <span className="step-to">{r.to}</span>
                </span>
              </span>
              <span className="step-time muted">{time(r.time)}</span>
            </button>
            <StepEvents errors={r.errors} warnings={r.warnings} />
            {selected === r.sid && children}
          </li>
        )
      })}
      {current && (
        <li className="step-row step-waiting" data-testid="step-current">
          <div className="step-head">
            <span className="step-n">…</span>
            <span className="step-main">
              <span className="step-widget">{current}</span>
              <span className="step-transition muted">waiting here</span>
            </span>
          </div>
        </li>
      )}
    </ol>
  )
}
