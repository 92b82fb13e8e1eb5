import { useState, type FormEvent } from 'react'
import type { Flow } from '../../api/client'
import { createNumber } from '../../api/settings'
import { fieldError, type FieldError } from '../../model/settings'
import { FlowSelect } from './FlowSelect'
import { TextField } from './TextField'

interface Props {
  flows: Flow[]
  onSaved: () => void
}

/** Routes a new number (or SIP user) to a flow. */
export function NumberForm({ flows, onSaved }: Props) {
  const [number, setNumber] = useState('')
  const [name, setName] = useState('')
  const [flow, setFlow] = useState('')
  const [err, setErr] = useState<FieldError | null>(null)
  const [busy, setBusy] = useState(false)
  const at = (f: string) => (err?.field === f ? err.message : undefined)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setErr(null)
    try {
      await createNumber(number.trim(), name.trim(), flow)
      setNumber('')
      setName('')
      setFlow('')
      onSaved()
    } catch (x) {
      setErr(fieldError(x, 'PhoneNumber'))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form className="number-form" onSubmit={submit} noValidate data-testid="number-form">
      <TextField label="Number" name="PhoneNumber" value={number} onChange={setNumber} error={at('PhoneNumber')} placeholder="+15551230000 or 1000" />
      <TextField label="Name (optional)" name="NumberName" value={name} onChange={setName} />
      <label className="field settings-field" htmlFor="new-number-flow">
        <span className="field-label">Flow</span>
        <FlowSelect id="new-number-flow" label="Flow for the new number" flows={flows} value={flow} onChange={setFlow} />
        {(at('VoiceUrl') ?? at('SmsUrl')) && <span className="field-error" role="alert">{at('VoiceUrl') ?? at('SmsUrl')}</span>}
      </label>
      <button type="submit" className="btn btn-primary" disabled={busy || number.trim() === ''} data-testid="add-number">
        {busy ? 'Adding…' : 'Add number'}
      </button>
      {err && err.field === '' && (
        <p className="error-box number-form-error" role="alert">
          {err.message}
        </p>
      )}
    </form>
  )
}
