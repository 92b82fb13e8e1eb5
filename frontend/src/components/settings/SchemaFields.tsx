import type { FormValues, SchemaField as Field, SchemaForm } from '../../model/schemaForm'
import { isRequired, isShown } from '../../model/schemaForm'
import { SchemaField } from './SchemaField'

interface Props {
  form: SchemaForm
  fields: Field[]
  values: FormValues
  onChange: (path: string, v: string | boolean) => void
  errors: Record<string, string>
  /** Secrets stored on the server (kept when their input is left empty). */
  secretsSet: string[]
  top?: boolean
}

/** The fields of a generated settings form; nested objects as groups (optional ones folded). */
export function SchemaFields({ form, fields, values, onChange, errors, secretsSet, top = false }: Props) {
  return (
    <>
      {fields.map((f) => {
        if (top && !isShown(f, form, values)) return null
        const required = top ? isRequired(f, form, values) : f.required
        if (f.kind === 'object') {
          const inner = (
            <SchemaFields form={form} fields={f.fields} values={values} onChange={onChange} errors={errors} secretsSet={secretsSet} />
          )
          const hasError = Object.keys(errors).some((p) => p.startsWith(f.path + '.'))
          return required ? (
            <fieldset key={f.path} className="schema-group" data-testid={`setting-${f.path}`}>
              <legend>{f.title}</legend>
              {f.description && <p className="field-hint">{f.description}</p>}
              {inner}
            </fieldset>
          ) : (
            <details key={f.path} className="schema-group" open={hasError} data-testid={`setting-${f.path}`}>
              <summary>
                {f.title} <span className="muted small">(optional)</span>
              </summary>
              {f.description && <p className="field-hint">{f.description}</p>}
              {inner}
            </details>
          )
        }
        return (
          <SchemaField
            key={f.path}
            field={f}
            required={required}
            value={values[f.path] ?? ''}
            onChange={(v) => onChange(f.path, v)}
            error={errors[f.path]}
            secretSet={secretsSet.includes(f.path)}
          />
        )
      })}
    </>
  )
}
