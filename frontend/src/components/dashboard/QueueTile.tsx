import type { QueueLive } from '../../api/queues'
import { formatWait, longestWaitNow, type Timed } from '../../model/queues'
import { AgentChip } from '../queues/AgentChip'

/** One queue on the dashboard: who waits now and for how long, and its agents' states. */
export function QueueTile({ queue: q, now }: { queue: Timed<QueueLive>; now: number }) {
  const waiting = q.current_size > 0
  const nobody = waiting && q.agents.every((a) => a.state === 'offline')
  const tone = nobody ? ' queue-unanswered' : waiting ? ' queue-waiting' : ''
  return (
    <div className={`queue-tile${tone}`} data-testid="queue-tile" data-name={q.friendly_name} data-sid={q.sid}>
      <h3>{q.friendly_name}</h3>
      <div className="queue-figures">
        <div className="queue-figure">
          <div className="stat-label">Waiting now</div>
          <div className="queue-big" data-testid="queue-tile-waiting">
            {q.current_size}
          </div>
        </div>
        <div className="queue-figure">
          <div className="stat-label">Longest wait</div>
          <div className="queue-mid" data-testid="queue-tile-longest">
            {formatWait(longestWaitNow(q, now))}
          </div>
        </div>
        <div className="queue-figure">
          <div className="stat-label">Agents free</div>
          <div className="queue-mid" data-testid="queue-tile-free">
            {q.agents_free} / {q.agents.length}
          </div>
        </div>
      </div>
      {q.agents.length ? (
        <div className="agent-chips">
          {q.agents.map((a) => (
            <AgentChip key={a.user} agent={a} short />
          ))}
        </div>
      ) : (
        <span className="muted small">No agents: pick desk phones in Settings → Call queues.</span>
      )}
      {nobody && q.agents.length > 0 && <span className="queue-warn">No agent is registered: callers wait until a desk phone registers.</span>}
    </div>
  )
}
