// A phone's keypad: keys build up the number shown; Send (or #) sends it.
import { useState } from 'react'

const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#']
const letters: Record<string, string> = { '2': 'ABC', '3': 'DEF', '4': 'GHI', '5': 'JKL', '6': 'MNO', '7': 'PQRS', '8': 'TUV', '9': 'WXYZ', '0': '+' }

interface Props {
  disabled: boolean
  onSend: (digits: string) => void
}

export function Keypad({ disabled, onSend }: Props) {
  const [typed, setTyped] = useState('')
  const send = (d: string) => {
    if (d === '') return
    onSend(d)
    setTyped('')
  }
  return (
    <div className="sim-keypad" data-testid="sim-keypad">
      <div className="sim-keypad-display" aria-live="polite" data-testid="sim-keys-typed">
        {typed === '' ? <span className="muted">Press keys, then Send</span> : typed}
        {typed !== '' && (
          <button type="button" className="link-button" aria-label="Delete the last key" onClick={() => setTyped(typed.slice(0, -1))}>
            ⌫
          </button>
        )}
      </div>
      <div className="sim-keys">
        {keys.map((k) => (
          <button
            key={k}
            type="button"
            className="sim-key"
            data-testid={`sim-key-${k === '*' ? 'star' : k === '#' ? 'hash' : k}`}
            disabled={disabled}
            onClick={() => (k === '#' ? send(typed + '#') : setTyped(typed + k))}
          >
            <span className="sim-key-digit">{k}</span>
            <span className="sim-key-letters">{letters[k] ?? (k === '#' ? 'send' : '\u00a0')}</span>
          </button>
        ))}
      </div>
      <button type="button" className="btn btn-primary btn-block sim-send-keys" data-testid="sim-send-keys" disabled={disabled || typed === ''} onClick={() => send(typed)}>
        Send {typed === '' ? 'keys' : typed}
      </button>
    </div>
  )
}
