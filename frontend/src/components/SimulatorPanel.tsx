// Runs the open flow — the draft on the canvas — through the real engine
// (POST v2/Flows/{Sid}/Simulations) as a phone call or a chat: says as text
// with their spoken audio, a keypad, speech typed as text, replies,
// timeouts, hang-up; the path and the current widget lit on the canvas.
// A finished conversation can be saved as a flow test, and the flow's
// tests run from here.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { FlowDefinition } from '../model/studio'
import { definitionText } from '../model/studio'
import type { CanvasMark } from '../model/marks'
import {
  audioSrc,
  endSimulation,
  listTests,
  sendInput,
  startSimulation,
  type SimChannel,
  type SimInput,
  type Simulation,
  type StoredTest,
} from '../api/simulator'
import { inputKinds, rowsToMocks, runMarks, triggerChannels, type MockRow } from '../model/simulation'
import { Keypad } from './simulator/Keypad'
import { Transcript } from './simulator/Transcript'
import { MocksEditor } from './simulator/MocksEditor'
import { SaveTest } from './simulator/SaveTest'
import { FlowTests } from './simulator/FlowTests'
import './simulator/Simulator.css'

export interface SimulatorPanelProps {
  sid: string
  /** The draft as it is now (the simulator runs it, not only the published revision). */
  definition: FlowDefinition
  /** Sends the latest edit first, so a run uses what is on the canvas. */
  flush: () => Promise<void>
  /** Marks the run's path on the canvas (null clears). */
  onHighlight: (marks: ReadonlyMap<string, CanvasMark> | null) => void
  onFocusWidget: (name: string) => void
  onClose: () => void
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e))

export function SimulatorPanel({ sid, definition, flush, onHighlight, onFocusWidget, onClose }: SimulatorPanelProps) {
  const wired = useMemo(() => triggerChannels(definition), [definition])
  const [channel, setChannel] = useState<SimChannel>(wired.voice || !wired.messaging ? 'voice' : 'messaging')
  const [from, setFrom] = useState('+15550001111')
  const [first, setFirst] = useState('hi')
  const [mockRows, setMockRows] = useState<MockRow[]>([])
  const [showMocks, setShowMocks] = useState(false)
  const [sim, setSim] = useState<Simulation | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [text, setText] = useState('')
  const [speak, setSpeak] = useState(true)
  const [tests, setTests] = useState<StoredTest[]>([])
  const { mocks, problems } = useMemo(() => rowsToMocks(mockRows), [mockRows])
  const live = useRef<Simulation | null>(null)
  const player = useRef<HTMLAudioElement | null>(null)

  const loadTests = useCallback(() => {
    listTests(sid).then(setTests, (e: unknown) => setError(message(e)))
  }, [sid])
  useEffect(loadTests, [loadTests])

  // The run on the canvas: the path visited, the waiting widget current.
  useEffect(() => {
    onHighlight(sim ? runMarks(sim) : null)
  }, [sim, onHighlight])
  const current = sim?.status === 'waiting' ? sim.current_widget : undefined

  // Leaving the panel ends the simulation and its marks.
  useEffect(() => {
    return () => {
      const s = live.current
      if (s && s.status === 'waiting') void endSimulation(s).catch(() => undefined)
      player.current?.pause()
      onHighlight(null)
    }
  }, [onHighlight])

  // Speaks what the flow just said, one after another.
  const play = useCallback(
    (s: Simulation) => {
      if (!speak) return
      const queue = s.outputs.filter((e) => e.kind === 'say' && e.audio_url).map((e) => audioSrc(e.audio_url!))
      player.current?.pause()
      const next = () => {
        const src = queue.shift()
        if (!src) return
        const a = new Audio(src)
        player.current = a
        a.onended = next
        a.play().catch(() => undefined)
      }
      next()
    },
    [speak],
  )

  const show = (s: Simulation) => {
    live.current = s
    setSim(s)
    play(s)
  }

  const start = async () => {
    if (problems.length > 0) {
      setShowMocks(true)
      return
    }
    setBusy(true)
    setError(null)
    try {
      await flush().catch(() => undefined) // the canvas's definition is sent anyway
      const old = live.current
      if (old && old.status === 'waiting') void endSimulation(old).catch(() => undefined)
      show(await startSimulation(sid, { channel, definition: definitionText(definition), from, body: channel === 'messaging' ? first : undefined, mocks }))
      setText('')
    } catch (e) {
      setError(message(e))
    } finally {
      setBusy(false)
    }
  }

  const send = async (input: SimInput) => {
    if (!sim) return
    setBusy(true)
    setError(null)
    try {
      show(await sendInput(sim, input))
      setText('')
    } catch (e) {
      setError(message(e))
    } finally {
      setBusy(false)
    }
  }

  const kinds = inputKinds(sim?.waiting_for ?? [])
  const setup = (
        <div className="sim-setup" data-testid="sim-setup">
          <div className="sim-channels" role="radiogroup" aria-label="Run as">
            {(['voice', 'messaging'] as const).map((c) => (
              <button
                key={c}
                type="button"
                role="radio"
                aria-checked={channel === c}
                className={`sim-channel${channel === c ? ' sim-channel-on' : ''}`}
                data-testid={`sim-channel-${c}`}
                onClick={() => setChannel(c)}
                title={(c === 'voice' ? wired.voice : wired.messaging) ? undefined : `The trigger's ${c === 'voice' ? 'Incoming Call' : 'Incoming Message'} leads nowhere`}
              >
                {c === 'voice' ? 'Phone call' : 'Chat'}
              </button>
            ))}
          </div>
          <label className="sim-field">
            <span>From</span>
            <input value={from} onChange={(e) => setFrom(e.target.value)} data-testid="sim-from" />
          </label>
          {channel === 'messaging' && (
            <label className="sim-field">
              <span>First message</span>
              <input value={first} onChange={(e) => setFirst(e.target.value)} data-testid="sim-first-message" />
            </label>
          )}
          <button type="button" className="link-button" aria-expanded={showMocks} data-testid="sim-mocks-toggle" onClick={() => setShowMocks(!showMocks)}>
            {showMocks ? '▾' : '▸'} HTTP mocks{mocks.length > 0 ? ` (${mocks.length})` : ''}
          </button>
          {showMocks && <MocksEditor rows={mockRows} onChange={setMockRows} problems={problems} />}
          <button type="button" className="btn btn-primary btn-block" data-testid="sim-start" disabled={busy} onClick={() => void start()}>
            {busy ? 'Starting…' : sim ? (channel === 'voice' ? 'Call again' : 'Chat again') : channel === 'voice' ? 'Call the flow' : 'Send the first message'}
          </button>
        </div>
  )
  const waiting = sim?.status === 'waiting'
  const isCall = sim ? sim.channel === 'voice' : channel === 'voice'

  return (
    <aside className="side-panel simulator-panel" data-testid="simulator-panel" aria-label="Simulator">
      <div className="side-panel-head">
        <h3>Simulator</h3>
        <span className="muted small">runs the draft</span>
        <button type="button" className="link-button" onClick={onClose}>
          Close
        </button>
      </div>

      {!sim && setup}

      {sim && (
        <>
          <div className={`sim-status ${waiting ? 'sim-status-live' : 'sim-status-ended'}`} data-testid="sim-status">
            {waiting ? (
              <>
                <span className="sim-dot" aria-hidden="true" /> {isCall ? 'On the call' : 'Chatting'} · at{' '}
                <button
                  type="button"
                  className="link-button sim-current"
                  data-testid="sim-current"
                  title="Show this widget on the canvas"
                  onClick={() => current && onFocusWidget(current)}
                >
                  {current}
                </button>
              </>
            ) : (
              <>Ended: {sim.end_reason || 'done'}</>
            )}
            <span className="muted small sim-source">{sim.source === 'draft' || sim.source === 'definition' ? 'draft' : `revision #${sim.revision}`}</span>
          </div>
          <Transcript entries={sim.transcript} channel={sim.channel} onFocusWidget={onFocusWidget} />
        </>
      )}

      {error && (
        <p className="error-text small" role="alert" data-testid="sim-error">
          {error}
        </p>
      )}

      {sim && waiting && (
        <div className="sim-controls" data-testid="sim-controls">
          {kinds.other && sim.hint && <p className="muted small sim-hint">Takes: {sim.hint}</p>}
          {kinds.keys && <Keypad disabled={busy} onSend={(d) => void send({ Digits: d })} />}
          {(kinds.speech || kinds.reply || kinds.other) && (
            <form
              className="sim-say-form"
              onSubmit={(e) => {
                e.preventDefault()
                if (text.trim() === '' && !kinds.reply) return
                void send(kinds.reply ? { Body: text } : kinds.speech ? { SpeechResult: text } : { Line: text })
              }}
            >
              <input
                value={text}
                onChange={(e) => setText(e.target.value)}
                placeholder={kinds.reply ? 'Reply…' : kinds.speech ? 'Say something (speech, as text)…' : sim.hint}
                aria-label={kinds.reply ? 'Reply' : kinds.speech ? 'Speech' : 'Answer'}
                data-testid="sim-text"
              />
              <button type="submit" className="btn btn-small" disabled={busy || (text.trim() === '' && !kinds.reply)} data-testid="sim-text-send">
                {kinds.reply ? 'Send' : 'Say'}
              </button>
            </form>
          )}
          <div className="sim-actions">
            {kinds.timeout && (
              <button type="button" className="btn btn-small" disabled={busy} data-testid="sim-timeout" onClick={() => void send({ Timeout: 'true' })}>
                {isCall ? 'Stay silent' : 'No reply'} (timeout)
              </button>
            )}
            <button type="button" className="btn btn-small btn-danger sim-hangup" disabled={busy} data-testid="sim-hangup" onClick={() => void send({ Hangup: 'true' })}>
              {isCall ? 'Hang up' : 'End chat'}
            </button>
          </div>
          <label className="small muted sim-speak">
            <input type="checkbox" checked={speak} onChange={(e) => setSpeak(e.target.checked)} /> Speak what the flow says
          </label>
        </div>
      )}

      {sim && !waiting && <SaveTest key={sim.sid} sid={sid} sim={sim} taken={tests.map((t) => t.name)} onSaved={loadTests} />}

      {sim && !waiting && setup}

      <FlowTests sid={sid} tests={tests} flush={flush} onChanged={loadTests} />
    </aside>
  )
}
