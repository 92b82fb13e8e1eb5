import { useState, type FormEvent } from 'react'
import { sendMessage, type Message } from '../../api/messaging'
import { fieldError, type FieldError } from '../../model/settings'
import { Dialog } from '../Dialog'
import { TextField } from '../settings/TextField'
import { SegmentCounter } from './SegmentCounter'

/** The select's choice that turns From into a text input. */
const otherValue = '\u0000other'

interface Props {
  /** Numbers the gateways own. */
  froms: string[]
  onSent: (m: Message) => void
  onClose: () => void
}

/** Sends one message through the Messages resource, as an integrator's script would. */
export function SendMessageDialog({ froms, onSent, onClose }: Props) {
  const [from, setFrom] = useState(froms[0] ?? '')
  const [other, setOther] = useState(false)
  const [to, setTo] = useState('')
  const [body, setBody] = useState('Hello from Switchboard')
  const [err, setErr] = useState<FieldError | null>(null)
  const [busy, setBusy] = useState(false)
  const at = (f: string) => (err?.field === f ? err.message : undefined)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setErr(null)
    try {
      onSent(await sendMessage(from, to.trim(), body))
    } catch (x) {
      setErr(fieldError(x))
      setBusy(false)
    }
  }
  return (
    <Dialog title="Send a test message" testId="send-dialog" onClose={onClose}>
      <form className="settings-form" onSubmit={submit} noValidate>
        <label className="field settings-field" htmlFor="field-From">
          <span className="field-label">From</span>
          {froms.length > 0 && !other ? (
            <select
              id="field-From"
              value={from}
              onChange={(e) => {
                if (e.target.value === otherValue) {
                  setOther(true)
                  setFrom('')
                } else setFrom(e.target.value)
              }}
              data-testid="field-From"
              aria-invalid={at('From') ? true : undefined}
            >
              {froms.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
              <option value={otherValue}>Another number…</option>
            </select>
          ) : (
            <input
              id="field-From"
              value={from}
              onChange={(e) => setFrom(e.target.value)}
              placeholder="+15551234567"
              autoComplete="off"
              data-testid="field-From"
              aria-invalid={at('From') ? true : undefined}
            />
          )}
          {at('From') ? (
            <span className="field-error" role="alert" data-testid="field-From-error">
              {at('From')}
            </span>
          ) : (
            <span className="field-hint">A number one of your gateways owns (Settings → Messaging).</span>
          )}
        </label>
        <TextField label="To" name="To" value={to} onChange={setTo} error={at('To')} placeholder="+15557654321" autoFocus />
        <label className="field settings-field" htmlFor="field-Body">
          <span className="field-label">Message</span>
          <textarea id="field-Body" className="message-input" rows={4} value={body} onChange={(e) => setBody(e.target.value)} data-testid="field-Body" aria-invalid={at('Body') ? true : undefined} />
          {at('Body') ? (
            <span className="field-error" role="alert" data-testid="field-Body-error">
              {at('Body')}
            </span>
          ) : (
            <SegmentCounter body={body} />
          )}
        </label>
        {err && !['From', 'To', 'Body'].includes(err.field) && (
          <p className="error-box" role="alert">
            {err.message}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="send-message">
            {busy ? 'Sending…' : 'Send'}
          </button>
        </div>
      </form>
    </Dialog>
  )
}
