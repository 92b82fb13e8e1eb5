import type { Flow } from '../../api/client'

interface Props {
  id: string
  flows: Flow[]
  value: string
  onChange: (flowSid: string) => void
  disabled?: boolean
  label: string
}

/** Picks the flow a number's calls and messages go to. */
export function FlowSelect({ id, flows, value, onChange, disabled, label }: Props) {
  const known = value === '' || flows.some((f) => f.sid === value)
  return (
    <select id={id} aria-label={label} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} data-testid={id}>
      <option value="">— no flow —</option>
      {!known && <option value={value}>{value} (missing)</option>}
      {flows.map((f) => (
        <option key={f.sid} value={f.sid}>
          {f.friendly_name}
          {f.status === 'draft' ? ' (draft)' : ''}
        </option>
      ))}
    </select>
  )
}
