import type { Trunk } from '../../api/settings'
import { trunkBadge } from '../../model/settings'

interface Props {
  trunk: Pick<Trunk, 'status' | 'last_error' | 'next_refresh' | 'username'>
  now: number
}

/** A trunk's live registration state, with its last error and next attempt. */
export function TrunkStatusBadge({ trunk, now }: Props) {
  const b = trunkBadge(trunk, now)
  return (
    <span className="status-cell" data-testid="trunk-status" data-status={trunk.status}>
      <span className={`badge status-${b.kind}`}>{b.label}</span>
      {b.detail && <span className={b.kind === 'failed' ? 'status-detail error-text' : 'status-detail muted'}>{b.detail}</span>}
    </span>
  )
}
