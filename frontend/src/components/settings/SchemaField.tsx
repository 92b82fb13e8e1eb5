import type { SchemaField as Field } from '../../model/schemaForm'

interface Props {
  field: Field
  required: boolean
  value: string | boolean
  onChange: (v: string | boolean) => void
  error?: string
  /** A secret is stored: the input stays empty and says it is kept. */
  secretSet: boolean
}

/** One generated settings field: input, select, checkbox or lines, with its description or error. */
export function SchemaField({ field: f, required, value, onChange, error, secretSet }: Props) {
  const id = `setting-${f.path}`
  const note = error ? (
    <span id={`${id}-note`} className="field-error" role="alert" data-testid={`${id}-error`}>
      {error}
    </span>
  ) : f.description ? (
    <span id={`${id}-note`} className="field-hint">
      {f.description}
    </span>
  ) : null
  const common = {
    id,
    'data-testid': id,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': note ? `${id}-note` : undefined,
  }
  if (f.kind === 'boolean') {
    return (
      <div className="field settings-field">
        <label className="check-label" htmlFor={id}>
          <input type="checkbox" {...common} checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          <span className="field-label">{f.title}</span>
        </label>
        {note}
      </div>
    )
  }
  const text = typeof value === 'string' ? value : ''
  let input
  if (f.kind === 'enum') {
    input = (
      <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
        {!required && <option value="">(default)</option>}
        {f.options.map((o) => (
          <option key={String(o)} value={String(o)}>
            {String(o)}
          </option>
        ))}
      </select>
    )
  } else if (f.kind === 'map') {
    input = <textarea {...common} rows={3} value={text} placeholder="Name: value (one a line)" onChange={(e) => onChange(e.target.value)} />
  } else {
    input = (
      <input
        {...common}
        type={f.kind === 'secret' ? 'password' : f.kind === 'integer' || f.kind === 'number' ? 'number' : 'text'}
        inputMode={f.kind === 'integer' ? 'numeric' : undefined}
        min={f.min}
        max={f.max}
        value={text}
        autoComplete={f.kind === 'secret' ? 'new-password' : 'off'}
        placeholder={f.kind === 'secret' && secretSet ? 'kept — type to replace' : f.kind === 'numbers' ? '200, 202' : f.placeholder && `e.g. ${f.placeholder}`}
        onChange={(e) => onChange(e.target.value)}
      />
    )
  }
  return (
    <label className="field settings-field" htmlFor={id}>
      <span className="field-label">
        {f.title}
        {required && <span className="required-mark" aria-label="required"> *</span>}
      </span>
      {input}
      {note}
    </label>
  )
}
