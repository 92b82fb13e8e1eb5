import type { QueueAgent } from '../../api/queues'
import { agentChip } from '../../model/queues'

/** One agent (a desk phone's username) and its live state: Free, Ringing, On a call, Offline. */
export function AgentChip({ agent, short = false }: { agent: QueueAgent; short?: boolean }) {
  const c = agentChip(agent.state, short)
  return (
    <span
      className={`agent-chip agent-${c.tone}`}
      data-testid="agent-chip"
      data-user={agent.user}
      data-state={agent.state}
      title={`${agent.user}: ${c.hint}`}
    >
      <span className="agent-dot" aria-hidden="true" />
      <span className="mono">{agent.user}</span>
      <span className="agent-state">{c.label}</span>
    </span>
  )
}
