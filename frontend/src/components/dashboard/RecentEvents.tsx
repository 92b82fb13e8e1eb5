import type { DashboardEvent } from '../../api/dashboard'
import { executionHref, flowHref } from '../../route'
import { relativeTime } from '../../format'

interface Props {
  events: DashboardEvent[]
  now: number
}

/** The last error and warning events flows raised, newest first, each a link to its execution in its flow. */
export function RecentEvents({ events, now }: Props) {
  if (events.length === 0) return <p className="muted">No errors or warnings since the appliance started.</p>
  return (
    <ul className="recent-events" data-testid="recent-events">
      {events.map((e) => (
        <li key={`${e.step_sid}:${e.code}:${e.message}`} className={`recent-event ${e.level}`} data-testid="recent-event">
          <span className={`badge badge-${e.level === 'error' ? 'invalid' : 'warning'}`}>
            {e.level}
            {e.code ? ` ${e.code}` : ''}
          </span>
          <span className="recent-event-text">
            <a
              href={e.execution_sid ? executionHref(e.flow_sid, e.execution_sid) : flowHref(e.flow_sid)}
              title={e.execution_sid ? `Open execution ${e.execution_sid}` : e.flow_sid}
            >
              {e.flow_name || e.flow_sid}
            </a>
            {e.widget && <span className="mono small"> › {e.widget}</span>}
            <span className="recent-event-message">{e.message}</span>
          </span>
          <span className="muted small" title={e.date_created}>
            {relativeTime(e.date_created, now)}
          </span>
        </li>
      ))}
    </ul>
  )
}
