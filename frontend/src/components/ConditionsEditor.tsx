// A split's match transitions, each edited as rows of conditions
// (comparison from the schema's enum, value input).
import { widgetType } from '../model/catalog'
import { handlesOf } from '../model/graph'
import { addMatch, removeMatch, setConditions } from '../model/ops'
import type { Located } from '../model/problems'
import type { Condition, FlowDefinition, State } from '../model/studio'

function findComparisons(s: unknown): string[] | null {
  if (Array.isArray(s)) {
    for (const x of s) {
      const r = findComparisons(x)
      if (r) return r
    }
    return null
  }
  if (s && typeof s === 'object') {
    const o = s as Record<string, unknown>
    if (o.title === 'Comparison' && Array.isArray(o.enum)) return o.enum.map(String)
    for (const v of Object.values(o)) {
      const r = findComparisons(v)
      if (r) return r
    }
  }
  return null
}

/** The comparison types the split-based-on schema allows, in its order. */
export function comparisons(): string[] {
  const w = widgetType('split-based-on')
  return (w && findComparisons(w.schema)) ?? []
}

export interface ConditionsEditorProps {
  def: FlowDefinition
  state: State
  /** The state's JSON pointer ("/states/3"); each match and input carries its own below it. */
  pointer?: string
  /** This widget's problems; those on a match handle are shown under it. */
  problems?: Located[]
  onChange: (def: FlowDefinition, coalesceKey?: string) => void
}

export function ConditionsEditor({ def, state, pointer, problems = [], onChange }: ConditionsEditorProps) {
  const types = comparisons()
  const matches = handlesOf(state).filter((h) => h.event === 'match' && h.transitionIndex !== null)
  const edit = (handle: string, conds: Condition[], i: number, patch: Partial<Condition>, key: string) => {
    const next = conds.map((c, j) => (j === i ? { ...c, ...patch } : c))
    onChange(setConditions(def, state.name, handle, next), `cond:${state.name}:${handle}:${i}:${key}`)
  }
  return (
    <div className="conditions" data-testid="conditions">
      <h4>Transitions on match</h4>
      {matches.map((h) => {
        const conds = state.transitions[h.transitionIndex!]!.conditions ?? []
        const mine = problems.filter((p) => p.handle === h.id)
        const tp = pointer === undefined ? undefined : `${pointer}/transitions/${h.transitionIndex}`
        const cp = (i: number, key: string) => (tp === undefined ? undefined : `${tp}/conditions/${i}/${key}`)
        return (
          <div
            key={h.id}
            className={mine.length > 0 ? 'match field-problem' : 'match'}
            data-testid={`match-${h.id}`}
            data-pointer={tp}
          >
            {conds.map((c, i) => (
              <div key={i} className="condition-row" data-testid={`condition-${h.id}-${i}`} data-pointer={tp === undefined ? undefined : `${tp}/conditions/${i}`}>
                <label className="cond-cell">
                  <span>Name</span>
                  <input aria-label="Name" data-pointer={cp(i, 'friendly_name')} value={c.friendly_name ?? ''} onChange={(e) => edit(h.id, conds, i, { friendly_name: e.target.value }, 'name')} />
                </label>
                <label className="cond-cell" title="What the condition tests (its arguments), e.g. {{widgets.gather_1.Digits}}">
                  <span>Subject</span>
                  <input
                    aria-label="Subject"
                    placeholder="{{trigger.message.Body}}"
                    data-pointer={cp(i, 'arguments')}
                    value={(c.arguments ?? [])[0] ?? ''}
                    onChange={(e) => edit(h.id, conds, i, { arguments: [e.target.value, ...(c.arguments ?? []).slice(1)] }, 'arguments')}
                  />
                </label>
                <label className="cond-cell">
                  <span>Comparison</span>
                  <select aria-label="Comparison" data-pointer={cp(i, 'type')} value={c.type} onChange={(e) => edit(h.id, conds, i, { type: e.target.value }, 'type')}>
                    {!types.includes(c.type) && <option value={c.type}>{c.type}</option>}
                    {types.map((t) => (
                      <option key={t} value={t}>
                        {t}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="cond-cell">
                  <span>Value</span>
                  <input aria-label="Value" data-pointer={cp(i, 'value')} value={c.value ?? ''} onChange={(e) => edit(h.id, conds, i, { value: e.target.value }, 'value')} />
                </label>
              </div>
            ))}
            {mine.map((p, i) => (
              <div key={i} className="field-error" role="alert">
                {p.message}
              </div>
            ))}
            <button type="button" onClick={() => onChange(removeMatch(def, state.name, h.id))}>
              Remove match
            </button>
          </div>
        )
      })}
      <button type="button" data-testid="add-match" onClick={() => onChange(addMatch(def, state.name))}>
        Add match
      </button>
    </div>
  )
}
