import { useState, type FormEvent } from 'react'
import { createCredential, createCredentialList, setCredentialPassword, type Credential, type CredentialList } from '../../api/settings'
import { fieldError, type FieldError } from '../../model/settings'
import { Dialog } from '../Dialog'
import { TextField } from './TextField'

interface Props {
  lists: CredentialList[]
  /** The phone whose password changes; absent for a new phone. */
  phone?: Credential
  onSaved: () => void
  onClose: () => void
}

/** Adds a desk phone (username and password) or sets a new password. */
export function DeskPhoneForm({ lists, phone, onSaved, onClose }: Props) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [list, setList] = useState(lists[0]?.sid ?? '')
  const [err, setErr] = useState<FieldError | null>(null)
  const [busy, setBusy] = useState(false)
  const at = (f: string) => (err?.field === f ? err.message : undefined)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setErr(null)
    try {
      if (phone) {
        await setCredentialPassword(phone.credential_list_sid, phone.sid, password)
      } else {
        // The first phone makes the list that holds them.
        const sid = list || (await createCredentialList('Desk phones')).sid
        setList(sid)
        await createCredential(sid, username, password)
      }
      onSaved()
    } catch (x) {
      setErr(fieldError(x, 'Username'))
      setBusy(false)
    }
  }

  return (
    <Dialog title={phone ? `New password for ${phone.username}` : 'Add a desk phone'} testId="phone-form" onClose={onClose}>
      <form className="settings-form" onSubmit={submit} noValidate>
        {!phone && (
          <TextField
            label="Username"
            name="Username"
            value={username}
            onChange={setUsername}
            error={at('Username')}
            hint="What the phone registers as; it also dials and is dialled by this name."
            autoFocus
          />
        )}
        <TextField
          label="Password"
          name="Password"
          type="password"
          value={password}
          onChange={setPassword}
          error={at('Password')}
          hint="8–128 characters. Kept only as a digest hash: it cannot be shown again."
          autoFocus={phone !== undefined}
        />
        {!phone && lists.length > 1 && (
          <label className="field settings-field" htmlFor="field-List">
            <span className="field-label">Credential list</span>
            <select id="field-List" value={list} onChange={(e) => setList(e.target.value)}>
              {lists.map((l) => (
                <option key={l.sid} value={l.sid}>
                  {l.friendly_name}
                </option>
              ))}
            </select>
          </label>
        )}
        {err && err.field === '' && (
          <p className="error-box" role="alert">
            {err.message}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="phone-save">
            {busy ? 'Saving…' : phone ? 'Set password' : 'Add desk phone'}
          </button>
        </div>
      </form>
    </Dialog>
  )
}
