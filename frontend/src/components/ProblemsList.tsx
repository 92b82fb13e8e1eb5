// Flow Validate's errors and warnings as a list; each entry is a link to the
// place its JSON pointer names (the widget on the canvas and its field in the
// inspector, or the flow settings).
import { useMemo } from 'react'
import { fieldsFor } from '../model/form'
import { locate, type Located, type Problem } from '../model/problems'
import type { FlowDefinition } from '../model/studio'

interface Props {
  def: FlowDefinition
  problems: Problem[]
  onShow: (p: Located) => void
  onClose: () => void
}

function placeOf(def: FlowDefinition, p: Located): string {
  if (!p.widget) return 'Flow settings'
  const st = def.states.find((s) => s.name === p.widget)
  let where = p.widget
  if (p.field) where += ` › ${fieldsFor(st?.type ?? '').find((f) => f.key === p.field)?.title ?? p.field}`
  else if (p.handle) where += ` › ${p.handle.replace(/^match:(\d+)$/, (_, k: string) => `match ${Number(k) + 1}`)}`
  return where
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`

export function ProblemsList({ def, problems, onShow, onClose }: Props) {
  const located = useMemo(() => {
    const all = problems.map((p) => locate(def, p))
    return [...all.filter((p) => p.level === 'error'), ...all.filter((p) => p.level === 'warning')]
  }, [def, problems])
  const errors = located.filter((p) => p.level === 'error').length
  return (
    <aside className="side-panel" aria-label="Problems" data-testid="problems-panel">
      <div className="side-panel-head">
        <h3>Problems</h3>
        <span className="muted small">
          {plural(errors, 'error')}, {plural(located.length - errors, 'warning')}
        </span>
        <button type="button" className="link-button" onClick={onClose}>
          Close
        </button>
      </div>
      {located.length === 0 ? (
        <p className="muted small">Flow Validate found no errors and no warnings in the saved draft.</p>
      ) : (
        <ul className="problem-list">
          {located.map((p, i) => (
            <li key={i}>
              <button type="button" className={`problem-item problem-${p.level}`} data-testid="problem-item" data-pointer={p.property_path} onClick={() => onShow(p)}>
                <span className={`problem-level ${p.level}`}>{p.level === 'error' ? 'Error' : 'Warning'}</span>
                <span className="problem-place">{placeOf(def, p)}</span>
                <span className="problem-message">{p.message}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </aside>
  )
}
