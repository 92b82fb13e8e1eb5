// One inspector field, drawn from its FieldSpec (the widget's JSON Schema).
import { useEffect, useState } from 'react'
import type { FieldSpec } from '../model/form'
import type { Variable } from '../model/completion'
import { LiquidEditor } from './LiquidEditor'
import { LiquidPreview } from './LiquidPreview'
import type { Context } from '../model/sample'

export interface FieldEditorProps {
  spec: FieldSpec
  value: unknown
  variables: Variable[]
  problems: string[]
  /** The field's JSON pointer in the definition (a problem's link jumps here). */
  pointer?: string
  /** undefined deletes the property. */
  onChange: (value: unknown) => void
  /** The sample context a Liquid field's preview renders against; no preview without it. */
  sample?: Context
  /** Opens the sample values editor. */
  onEditSample?: () => void
}

/**
 * What a Liquid field's text is stored as: a number stays a number while the
 * text is still one, and numeric text typed into an empty field whose schema
 * allows a number becomes one (Studio writes loop, timeout… as integers); a
 * stored string stays a string.
 */
export function liquidValue(text: string, stored: unknown, spec: Pick<FieldSpec, 'numeric'>): unknown {
  const numeric = /^-?\d+(\.\d+)?$/.test(text)
  if (numeric && (typeof stored === 'number' || (stored === undefined && spec.numeric))) return Number(text)
  return text
}

function asText(v: unknown): string {
  if (v === undefined || v === null) return ''
  return typeof v === 'string' ? v : String(v)
}

function JsonField({ value, variables, onChange, label, testId }: { value: unknown; variables: Variable[]; onChange: (v: unknown) => void; label: string; testId: string }) {
  const shown = value === undefined ? '' : JSON.stringify(value, null, 2)
  const [text, setText] = useState(shown)
  const [error, setError] = useState('')
  useEffect(() => {
    // An outside change (undo, another field) replaces the text unless it still parses to the same value.
    setText((t) => {
      try {
        if (JSON.stringify(JSON.parse(t)) === JSON.stringify(value)) return t
      } catch {
        /* fall through */
      }
      return shown
    })
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shown])
  return (
    <>
      <LiquidEditor
        value={text}
        language="json"
        variables={variables}
        label={label}
        testId={testId}
        onChange={(t) => {
          setText(t)
          if (t.trim() === '') {
            setError('')
            onChange(undefined)
            return
          }
          try {
            const v = JSON.parse(t) as unknown
            setError('')
            onChange(v)
          } catch (e) {
            setError(`not valid JSON: ${(e as Error).message}`)
          }
        }}
      />
      {error && <div className="field-error">{error}</div>}
    </>
  )
}

export function FieldEditor({ spec, value, variables, problems, pointer, onChange, sample, onEditSample }: FieldEditorProps) {
  const id = `field-input-${spec.key}`
  let input: React.ReactNode
  switch (spec.kind) {
    case 'boolean':
      input = <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
      break
    case 'enum': {
      const opts = spec.options ?? []
      const unset = '\u0000unset'
      const cur = value === undefined ? unset : asText(value)
      input = (
        <select id={id} value={cur} onChange={(e) => onChange(e.target.value === unset ? undefined : e.target.value)}>
          <option value={unset}>(not set)</option>
          {cur !== unset && !opts.includes(cur) && <option value={cur}>{cur}</option>}
          {opts.map((o) => (
            <option key={o} value={o}>
              {o === '' ? '(empty)' : o}
            </option>
          ))}
        </select>
      )
      break
    }
    case 'number':
      input = (
        <input
          id={id}
          type="number"
          value={asText(value)}
          onChange={(e) => {
            const t = e.target.value
            if (t === '') return onChange(undefined)
            const n = Number(t)
            if (Number.isFinite(n)) onChange(n)
          }}
        />
      )
      break
    case 'liquid':
    case 'multiline':
      if (spec.liquid || spec.kind === 'liquid')
        input = (
          <LiquidEditor
            value={asText(value)}
            language="liquid"
            variables={variables}
            label={spec.title}
            testId={id}
            onChange={(t) => onChange(liquidValue(t, value, spec))}
          />
        )
      else input = <textarea id={id} value={asText(value)} onChange={(e) => onChange(e.target.value)} />
      break
    case 'json':
    case 'list':
      input = <JsonField value={value} variables={variables} label={spec.title} testId={id} onChange={onChange} />
      break
    default:
      input = <input id={id} type="text" value={asText(value)} onChange={(e) => onChange(e.target.value)} />
  }
  return (
    <div className={problems.length > 0 ? 'field field-problem' : 'field'} data-testid={`field-${spec.key}`} data-pointer={pointer}>
      <label htmlFor={id}>
        {spec.title}
        {spec.required && ' *'}
      </label>
      {input}
      {sample && spec.liquid && typeof value === 'string' && <LiquidPreview template={value} context={sample} onEditContext={onEditSample} />}
      {spec.description && <div className="field-help">{spec.description}</div>}
      {problems.map((m, i) => (
        <div key={i} className="field-error" role="alert">
          {m}
        </div>
      ))}
    </div>
  )
}
