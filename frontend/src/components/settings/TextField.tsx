interface Props {
  label: string
  name: string
  value: string
  onChange: (v: string) => void
  error?: string
  hint?: string
  placeholder?: string
  type?: 'text' | 'number' | 'password'
  autoFocus?: boolean
}

/** A labelled input with its hint, or the API's error for it. */
export function TextField({ label, name, value, onChange, error, hint, placeholder, type = 'text', autoFocus }: Props) {
  const id = `field-${name}`
  return (
    <label className="field settings-field" htmlFor={id}>
      <span className="field-label">{label}</span>
      <input
        id={id}
        name={name}
        type={type}
        value={value}
        placeholder={placeholder}
        autoFocus={autoFocus}
        autoComplete={type === 'password' ? 'new-password' : 'off'}
        aria-invalid={error ? true : undefined}
        aria-describedby={error || hint ? `${id}-note` : undefined}
        onChange={(e) => onChange(e.target.value)}
        data-testid={id}
      />
      {error ? (
        <span id={`${id}-note`} className="field-error" role="alert" data-testid={`${id}-error`}>
          {error}
        </span>
      ) : hint ? (
        <span id={`${id}-note`} className="field-hint">
          {hint}
        </span>
      ) : null}
    </label>
  )
}
