// A simulation's transcript: what the flow said and sent on the left, the
// person's inputs on the right, requests, notes and events between. Every
// text is shown as text; a say has its spoken audio, a play its file.
import { useEffect, useRef } from 'react'
import { audioSrc, type SimEntry } from '../../api/simulator'

interface Props {
  entries: SimEntry[]
  channel: 'voice' | 'messaging'
  onFocusWidget: (name: string) => void
}

function WidgetChip({ name, onFocus }: { name?: string; onFocus: (n: string) => void }) {
  if (!name) return null
  return (
    <button type="button" className="link-button sim-widget" title="Show this widget on the canvas" onClick={() => onFocus(name)}>
      {name}
    </button>
  )
}

const inputLabel: Record<string, string> = { digits: 'pressed', speech: 'said', reply: '', timeout: 'stayed silent', hangup: 'hung up' }

function playable(url: string): boolean {
  return /^https?:\/\//i.test(url)
}

export function Transcript({ entries, channel, onFocusWidget }: Props) {
  const end = useRef<HTMLDivElement>(null)
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' })
  }, [entries.length])
  return (
    <div className="sim-transcript" data-testid="sim-transcript" role="log" aria-label="Conversation">
      {entries.map((e) => {
        switch (e.kind) {
          case 'say':
            return (
              <div key={e.index} className="sim-line sim-flow" data-testid="sim-say">
                <div className="sim-meta">
                  <span>says</span> <WidgetChip name={e.widget} onFocus={onFocusWidget} />
                </div>
                <div className="sim-bubble">{e.text}</div>
                {e.audio_url && <audio className="sim-audio" controls preload="none" src={audioSrc(e.audio_url)} data-testid="sim-audio" />}
              </div>
            )
          case 'play':
            return (
              <div key={e.index} className="sim-line sim-flow">
                <div className="sim-meta">
                  <span>plays</span> <WidgetChip name={e.widget} onFocus={onFocusWidget} />
                </div>
                <div className="sim-bubble mono small">{e.url}</div>
                {e.url && playable(e.url) && <audio className="sim-audio" controls preload="none" src={e.url} />}
              </div>
            )
          case 'message':
            return (
              <div key={e.index} className="sim-line sim-flow" data-testid="sim-message">
                <div className="sim-meta">
                  <span>sends</span> <WidgetChip name={e.widget} onFocus={onFocusWidget} />
                </div>
                <div className="sim-bubble">{e.text}</div>
                {e.media_url?.map((u) => (
                  <div key={u} className="mono small muted">
                    {u}
                  </div>
                ))}
              </div>
            )
          case 'input': {
            const label = inputLabel[e.input ?? ''] ?? e.input
            const text = e.input === 'timeout' || e.input === 'hangup' ? '' : e.text
            return (
              <div key={e.index} className="sim-line sim-you" data-testid="sim-input">
                <div className="sim-meta">{channel === 'voice' || label ? `you ${label}` : 'you'}</div>
                {text ? <div className="sim-bubble">{text}</div> : null}
              </div>
            )
          }
          case 'http':
            return (
              <div key={e.index} className={`sim-note sim-http${e.text ? ' sim-bad' : ''}`} data-testid="sim-http">
                <span className="mono">
                  {e.method} {e.url}
                </span>{' '}
                → {e.text ? e.text : e.status}
                {e.mocked ? <span className="sim-tag">mock</span> : <span className="sim-tag sim-tag-real">real</span>}
              </div>
            )
          case 'event':
            return (
              <div key={e.index} className={`sim-note sim-event sim-${e.level === 'error' ? 'bad' : 'warn'}`} data-testid="sim-event">
                <strong>
                  {e.level}
                  {e.code ? ` ${e.code}` : ''}
                </strong>{' '}
                <WidgetChip name={e.widget} onFocus={onFocusWidget} /> {e.text}
              </div>
            )
          case 'ended':
            return (
              <div key={e.index} className="sim-ended" data-testid="sim-ended">
                Ended — {e.text || 'done'}
              </div>
            )
          default:
            return (
              <div key={e.index} className="sim-note">
                <WidgetChip name={e.widget} onFocus={onFocusWidget} /> {e.text}
              </div>
            )
        }
      })}
      <div ref={end} />
    </div>
  )
}
