import { useState } from 'react'
import { TextField } from './TextField'

interface Props {
  name: string
  label?: string
  /** A password is stored: it is never shown, only replaced. */
  isSet: boolean
  value: string
  onChange: (v: string) => void
  error?: string
  hint?: string
}

/** A write-only password: "set" with a Change button, or an empty input. */
export function PasswordField({ name, label = 'Password', isSet, value, onChange, error, hint }: Props) {
  const [changing, setChanging] = useState(!isSet)
  if (!changing && !error) {
    return (
      <div className="field settings-field">
        <span className="field-label">{label}</span>
        <span className="password-set" data-testid={`field-${name}-set`}>
          <span className="muted">set (hidden)</span>
          <button type="button" className="btn btn-small" onClick={() => setChanging(true)} data-testid={`field-${name}-change`}>
            Change
          </button>
        </span>
      </div>
    )
  }
  return (
    <TextField
      label={label}
      name={name}
      type="password"
      value={value}
      onChange={onChange}
      error={error}
      hint={isSet ? 'Leave empty to keep the current password.' : hint}
      autoFocus={isSet}
    />
  )
}
