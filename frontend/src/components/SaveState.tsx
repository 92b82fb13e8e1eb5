import { useEffect, useState } from 'react'
import type { SaveState as State } from '../model/autosave'

interface Props {
  state: State
  /** Sends the edit again now (after a refusal or while waiting to retry). */
  onRetry?: () => void
}

function seconds(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / 1000))
}

/** The autosave state beside the canvas: saved, saving, or why an edit is not saved yet and what happens next. */
export function SaveState({ state, onRetry }: Props) {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (state.kind !== 'retrying') return
    const t = window.setInterval(() => setNow(Date.now()), 1000)
    return () => window.clearInterval(t)
  }, [state])
  let text: string
  let cls = state.kind
  switch (state.kind) {
    case 'saved':
      text = 'Saved'
      break
    case 'pending':
    case 'saving':
      text = 'Saving…'
      break
    case 'retrying':
      text =
        state.status === 0
          ? `Unsaved — offline; trying again in ${seconds(state.retryAt, now)} s`
          : `Unsaved — ${state.message}; trying again in ${seconds(state.retryAt, now)} s`
      break
    case 'signin':
      text = 'Unsaved — sign in to save; your edit is kept'
      break
    case 'refused':
      cls = 'refused'
      text = `Not saved: ${state.message}. Your edit is kept; the next edit tries again.`
      break
  }
  return (
    <span className={`save-state save-${cls}`} data-testid="save-state" data-state={state.kind} role="status">
      {text}
      {onRetry && (state.kind === 'refused' || state.kind === 'retrying') && (
        <button type="button" className="link-button" data-testid="save-retry" onClick={onRetry}>
          Try now
        </button>
      )}
    </span>
  )
}
