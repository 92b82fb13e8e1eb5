import type { Gateway } from '../../api/messaging'
import { gatewayBadge } from '../../model/messaging'
import { SignalBars } from './SignalBars'

/** A gateway's live health: the badge, signal and operator, the last error in words, the queue. */
export function GatewayHealth({ gateway: g }: { gateway: Gateway }) {
  const b = gatewayBadge(g)
  const h = g.health
  return (
    <span className="status-cell" data-testid="gateway-status" data-state={g.enabled ? (h?.state ?? 'connecting') : 'disabled'}>
      <span className={`badge status-${b.kind}`}>{b.label}</span>
      {g.enabled && (h?.signal_dbm !== undefined || h?.operator) && (
        <span className="gateway-radio">
          {h?.signal_dbm !== undefined && <SignalBars dbm={h.signal_dbm} />}
          {h?.operator && <span className="small">{h.operator}</span>}
          {h?.registration && <span className="small muted">{h.registration}</span>}
        </span>
      )}
      {g.enabled && h?.last_error && (
        <span className={b.kind === 'failed' ? 'status-detail error-text' : 'status-detail muted'} data-testid="gateway-error">
          {h.last_error}
        </span>
      )}
      {g.queued > 0 && <span className="status-detail muted">{g.queued} waiting to be sent</span>}
    </span>
  )
}
