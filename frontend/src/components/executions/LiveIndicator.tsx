import type { StreamState } from '../../api/events'

const words: Record<StreamState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  closed: 'Offline',
}

/** Whether the executions list is live (the event stream is open). */
export function LiveIndicator({ state }: { state: StreamState }) {
  return (
    <span className={`live-state live-${state}`} data-testid="live-state" data-state={state} role="status" title={state === 'live' ? 'New executions and steps appear as they happen' : 'Waiting for the event stream; the list may be behind'}>
      <span className="live-dot" aria-hidden="true" />
      {words[state]}
    </span>
  )
}
