import { useState, type FormEvent } from 'react'
import { createTrunk, updateTrunk, type Trunk } from '../../api/settings'
import { draftOf, emptyTrunk, fieldError, trunkInput, type FieldError, type TrunkDraft } from '../../model/settings'
import { Dialog } from '../Dialog'
import { PasswordField } from './PasswordField'
import { TextField } from './TextField'

interface Props {
  /** The trunk to edit; absent for a new one. */
  trunk?: Trunk
  onSaved: (t: Trunk) => void
  onClose: () => void
}

/** Adds or edits a SIP trunk; the API's refusal is shown at its field. */
export function TrunkForm({ trunk, onSaved, onClose }: Props) {
  const [d, setD] = useState<TrunkDraft>(() => (trunk ? draftOf(trunk) : emptyTrunk()))
  const [err, setErr] = useState<FieldError | null>(null)
  const [busy, setBusy] = useState(false)
  const set = (k: keyof TrunkDraft) => (v: string) => setD((p) => ({ ...p, [k]: v }))
  const at = (f: string) => (err?.field === f ? err.message : undefined)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setErr(null)
    try {
      const input = trunkInput(d, trunk !== undefined)
      onSaved(trunk ? await updateTrunk(trunk.sid, input) : await createTrunk(input))
    } catch (x) {
      setErr(fieldError(x, 'FriendlyName'))
      setBusy(false)
    }
  }

  return (
    <Dialog title={trunk ? `Edit trunk “${trunk.friendly_name}”` : 'Add a SIP trunk'} testId="trunk-form" onClose={onClose}>
      <form className="settings-form" onSubmit={submit} noValidate>
        {trunk?.source === 'flag' && (
          <p className="notice-box small">
            This trunk comes from --trunk / SWITCHBOARD_TRUNKS: your changes apply now and last until the next start, when the flag
            sets it again.
          </p>
        )}
        <TextField label="Name" name="FriendlyName" value={d.FriendlyName} onChange={set('FriendlyName')} error={at('FriendlyName')} autoFocus={!trunk} />
        <TextField
          label="Registrar"
          name="Registrar"
          value={d.Registrar}
          onChange={set('Registrar')}
          error={at('Registrar')}
          placeholder="sip.example.com:5060"
          hint="host:port the REGISTER goes to; calls from this host are taken."
        />
        <div className="field-row">
          <TextField label="Username" name="Username" value={d.Username} onChange={set('Username')} error={at('Username')} hint="Empty: an IP trunk, no registration." />
          <PasswordField name="Password" isSet={trunk?.password_set ?? false} value={d.Password} onChange={set('Password')} error={at('Password')} />
        </div>
        <div className="field-row">
          <TextField label="Expires (s)" name="Expires" type="number" value={d.Expires} onChange={set('Expires')} error={at('Expires')} hint="30–86400; the registrar may grant less." />
          <label className="field settings-field" htmlFor="field-Transport">
            <span className="field-label">Transport</span>
            <select id="field-Transport" value={d.Transport} onChange={(e) => set('Transport')(e.target.value)} data-testid="field-Transport">
              <option value="udp">UDP</option>
              <option value="tcp">TCP</option>
              <option value="tls">TLS</option>
            </select>
            {at('Transport') && <span className="field-error" role="alert">{at('Transport')}</span>}
          </label>
          <label className="field settings-field" htmlFor="field-Srtp">
            <span className="field-label">SRTP</span>
            <select id="field-Srtp" value={d.Srtp} onChange={(e) => set('Srtp')(e.target.value)} data-testid="field-Srtp">
              <option value="off">Off</option>
              <option value="optional">Optional (retry plain on 488)</option>
              <option value="required">Required</option>
            </select>
            <span className="field-hint">Keys travel in the SIP messages: private only over TLS.</span>
            {at('Srtp') && <span className="field-error" role="alert">{at('Srtp')}</span>}
          </label>
        </div>
        {d.Transport === 'tls' && (
          <TextField
            label="TLS CA file"
            name="TlsCaFile"
            value={d.TlsCaFile}
            onChange={set('TlsCaFile')}
            error={at('TlsCaFile')}
            placeholder="/etc/switchboard/carrier-ca.pem"
            hint="PEM file on this machine with the CA that signs the trunk's certificate. Empty: the system's trusted roots. Default port 5061."
          />
        )}
        {d.Transport === 'tls' && trunk?.tls_insecure_skip_verify && (
          <p className="notice-box small" role="alert">
            Certificate checking is off for this trunk (tls_insecure_skip_verify, set through the API): anyone on the path can read and
            change its calls.
          </p>
        )}
        <TextField
          label="Numbers it carries"
          name="Numbers"
          value={d.Numbers}
          onChange={set('Numbers')}
          error={at('Numbers')}
          placeholder="+15551230000, +15551230001"
          hint="E.164, separated by commas. Route each to a flow under Phone numbers."
        />
        {err && err.field === '' && (
          <p className="error-box" role="alert">
            {err.message}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="trunk-save">
            {busy ? 'Saving…' : trunk ? 'Save' : 'Add trunk'}
          </button>
        </div>
      </form>
    </Dialog>
  )
}
