// The inspector: the selected widget's form, generated from its JSON Schema
// (fieldsFor), or the flow's own settings when nothing is selected.
import { useEffect, useMemo, useState } from 'react'
import { variablesFor } from '../model/completion'
import { fieldsFor, readField } from '../model/form'
import { renameWidget, setFlowField, setProperty } from '../model/ops'
import type { Located } from '../model/problems'
import type { FlowDefinition } from '../model/studio'
import { widgetType } from '../model/catalog'
import { ConditionsEditor } from './ConditionsEditor'
import { FieldEditor } from './FieldEditor'
import { SampleContextDialog } from './SampleContextDialog'
import { useSample } from './useSample'
import './Inspector.css'

export interface InspectorProps {
  def: FlowDefinition
  selected: string | null
  problems: Located[]
  onChange: (def: FlowDefinition, coalesceKey?: string) => void
  /** Called with a widget's new name after a rename, so the selection follows it. */
  onSelect?: (name: string) => void
  /** Where this flow's edited sample values are kept in the browser (the flow SID); without it they last until the page closes. */
  sampleKey?: string
}

function NameField({ def, name, pointer, onChange, onSelect }: { def: FlowDefinition; name: string; pointer: string; onChange: InspectorProps['onChange']; onSelect?: InspectorProps['onSelect'] }) {
  const [text, setText] = useState(name)
  const [error, setError] = useState('')
  useEffect(() => {
    setText(name)
    setError('')
  }, [name])
  const commit = () => {
    if (text === name) return setError('')
    try {
      const next = renameWidget(def, name, text)
      setError('')
      onChange(next)
      onSelect?.(text)
    } catch (e) {
      setError((e as Error).message)
    }
  }
  return (
    <div className={error ? 'field field-problem' : 'field'} data-testid="field-name" data-pointer={pointer}>
      <label htmlFor="widget-name">Widget name</label>
      <input
        id="widget-name"
        value={text}
        aria-invalid={error !== ''}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit()
          if (e.key === 'Escape') {
            setText(name)
            setError('')
          }
        }}
      />
      {error && (
        <div className="field-error" role="alert" data-testid="name-error">
          {error}
        </div>
      )}
    </div>
  )
}

function FlowSettings({ def, onChange, problems }: { def: FlowDefinition; onChange: InspectorProps['onChange']; problems: Located[] }) {
  const flowProblems = problems.filter((p) => !p.widget)
  return (
    <div className="inspector" data-testid="inspector" data-pointer="">
      <h3>Flow settings</h3>
      {flowProblems.length > 0 && (
        <ul className="problems" data-testid="inspector-problems">
          {flowProblems.map((p, i) => (
            <li key={i} className={p.level}>
              {p.message}
            </li>
          ))}
        </ul>
      )}
      <div className="field" data-testid="field-description" data-pointer="/description">
        <label htmlFor="flow-description">Description</label>
        <textarea id="flow-description" value={def.description ?? ''} onChange={(e) => onChange(setFlowField(def, 'description', e.target.value), 'flow:description')} />
      </div>
      <div className="field" data-testid="field-allow_concurrent_calls" data-pointer="/flags">
        <label>
          <input
            type="checkbox"
            checked={def.flags?.allow_concurrent_calls === true}
            onChange={(e) => onChange(setFlowField(def, 'flags', { ...(def.flags ?? {}), allow_concurrent_calls: e.target.checked }))}
          />
          Allow concurrent calls
        </label>
      </div>
    </div>
  )
}

export function Inspector({ def, selected, problems, onChange, onSelect, sampleKey }: InspectorProps) {
  const state = selected === null ? undefined : def.states.find((s) => s.name === selected)
  const variables = useMemo(() => variablesFor(def), [def])
  const { sample, generated, saveOverride } = useSample(def, sampleKey)
  const [editingSample, setEditingSample] = useState(false)
  if (!state) return <FlowSettings def={def} onChange={onChange} problems={problems} />
  const mine = problems.filter((p) => p.widget === state.name)
  const w = widgetType(state.type)
  const fields = fieldsFor(state.type)
  const at = `/states/${def.states.indexOf(state)}`
  return (
    <div className="inspector" data-testid="inspector" data-pointer={at}>
      <h3>{w?.title ?? state.type}</h3>
      {w?.description && <p className="field-help">{w.description}</p>}
      {mine.length > 0 && (
        <ul className="problems" data-testid="inspector-problems">
          {mine.map((p, i) => (
            <li key={i} className={p.level}>
              {p.message}
            </li>
          ))}
        </ul>
      )}
      <NameField def={def} name={state.name} pointer={`${at}/name`} onChange={onChange} onSelect={onSelect} />
      {fields.map((f) => (
        <FieldEditor
          key={`${state.name}:${f.key}`}
          spec={f}
          pointer={`${at}/properties/${f.key.replace(/~/g, '~0').replace(/\//g, '~1')}`}
          value={readField(state, f.key)}
          variables={variables}
          problems={mine.filter((p) => p.field === f.key).map((p) => p.message)}
          onChange={(v) => onChange(setProperty(def, state.name, f.key, v), `field:${state.name}:${f.key}`)}
          sample={sample}
          onEditSample={() => setEditingSample(true)}
        />
      ))}
      {editingSample && (
        <SampleContextDialog
          value={sample}
          generated={generated}
          onClose={() => setEditingSample(false)}
          onSave={(c) => {
            saveOverride(c)
            setEditingSample(false)
          }}
        />
      )}
      {w?.dynamicMatch && <ConditionsEditor def={def} state={state} pointer={at} problems={mine} onChange={onChange} />}
    </div>
  )
}
