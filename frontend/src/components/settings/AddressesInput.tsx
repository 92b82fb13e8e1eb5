import { useState, type KeyboardEvent } from 'react'
import { addressProblem, splitAddresses } from '../../model/messaging'

interface Props {
  value: string[]
  onChange: (v: string[]) => void
  /** The API's refusal. */
  error?: string
}

/** Addresses a gateway owns as removable chips; typed ones are added on Enter, comma, space or leaving the field. */
export function AddressesInput({ value, onChange, error }: Props) {
  const [text, setText] = useState('')
  const [problem, setProblem] = useState('')
  const add = (raw: string): boolean => {
    const next = splitAddresses(raw, value)
    const bad = next.map(addressProblem).find((p) => p !== '')
    if (bad) {
      setProblem(bad)
      return false
    }
    setProblem('')
    if (next.length) onChange([...value, ...next])
    setText('')
    return true
  }
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' || e.key === ',' || e.key === ' ') {
      if (text.trim() === '') return
      e.preventDefault()
      add(text)
    } else if (e.key === 'Backspace' && text === '' && value.length) {
      onChange(value.slice(0, -1))
    }
  }
  const shown = problem || error
  return (
    <div className="field settings-field">
      <label className="field-label" htmlFor="field-Addresses">
        Numbers it owns
      </label>
      <div className={shown ? 'chips chips-invalid' : 'chips'}>
        {value.map((a) => (
          <span key={a} className="chip" data-testid="address-chip">
            {a === '*' ? '* (every other number)' : a}
            <button type="button" aria-label={`Remove ${a}`} onClick={() => onChange(value.filter((x) => x !== a))}>
              ×
            </button>
          </span>
        ))}
        <input
          id="field-Addresses"
          data-testid="field-Addresses"
          value={text}
          placeholder={value.length ? '' : '+15551234567'}
          autoComplete="off"
          aria-invalid={shown ? true : undefined}
          onChange={(e) => {
            setText(e.target.value)
            setProblem('')
          }}
          onKeyDown={onKey}
          onBlur={() => text.trim() !== '' && add(text)}
        />
      </div>
      {shown ? (
        <span className="field-error" role="alert" data-testid="field-Addresses-error">
          {shown}
        </span>
      ) : (
        <span className="field-hint">
          The numbers (E.164) this gateway sends from and receives for. * takes every number no other gateway owns.
        </span>
      )}
    </div>
  )
}
