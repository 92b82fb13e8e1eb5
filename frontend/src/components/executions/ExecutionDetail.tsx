import { useCallback, useEffect, useMemo, useState } from 'react'
import { deleteExecution, endExecution, getExecution, getExecutionContext, getStepContext, listSteps } from '../../api/executions'
import type { CanvasMark } from '../../model/marks'
import { pathMarks, showValue, timelineRows, type Execution, type Step, type TimelineRow } from '../../model/executions'
import { ConfirmDialog } from '../ConfirmDialog'
import { StepContextView } from './StepContextView'
import { StepTimeline } from './StepTimeline'

interface Props {
  flowSid: string
  execution: Execution
  /** Grows with every live event of this execution: steps are reloaded. */
  version: number
  onBack: () => void
  onHighlight: (marks: ReadonlyMap<string, CanvasMark> | null) => void
  onFocusWidget: (name: string) => void
  /** The execution ended or was deleted (null). */
  onChanged: (e: Execution | null) => void
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e))

/** One execution: its status, End and Delete, its step timeline with the path lit on the canvas, and each step's context. */
export function ExecutionDetail({ flowSid, execution, version, onBack, onHighlight, onFocusWidget, onChanged }: Props) {
  const [exec, setExec] = useState<Execution>(execution)
  const [steps, setSteps] = useState<Step[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [selected, setSelected] = useState<string | null>(null)
  const [stepCtx, setStepCtx] = useState<{ sid: string; context: unknown; error: string | null } | null>(null)
  const [execCtx, setExecCtx] = useState<unknown>(null)
  const [showExecCtx, setShowExecCtx] = useState(false)
  const [confirm, setConfirm] = useState<'end' | 'delete' | null>(null)

  useEffect(() => {
    let live = true
    Promise.all([getExecution(flowSid, execution.sid), listSteps(flowSid, execution.sid)]).then(
      ([x, s]) => {
        if (!live) return
        setExec(x)
        setSteps(s)
        setError(null)
      },
      (e) => live && setError(message(e)),
    )
    return () => {
      live = false
    }
  }, [flowSid, execution.sid, version])

  const rows = useMemo(() => timelineRows(steps ?? [], flowSid), [steps, flowSid])
  const active = exec.status === 'active'
  const last = steps && steps.length > 0 ? steps[steps.length - 1] : null
  const current = active && last && last.transitioned_to !== 'Ended' ? last.transitioned_to : null

  useEffect(() => {
    if (steps) onHighlight(pathMarks(steps, exec.status, flowSid))
  }, [steps, exec.status, flowSid, onHighlight])
  useEffect(() => () => onHighlight(null), [onHighlight])

  const select = useCallback(
    (r: TimelineRow) => {
      if (!r.subflow) onFocusWidget(r.widget)
      if (selected === r.sid) {
        setSelected(null)
        return
      }
      setSelected(r.sid)
      setStepCtx(null)
      getStepContext(flowSid, execution.sid, r.sid).then(
        (context) => setStepCtx({ sid: r.sid, context, error: null }),
        (e) => setStepCtx({ sid: r.sid, context: null, error: message(e) }),
      )
    },
    [flowSid, execution.sid, onFocusWidget, selected],
  )

  const toggleExecCtx = () => {
    setShowExecCtx((v) => !v)
    if (!showExecCtx)
      getExecutionContext(flowSid, execution.sid).then(setExecCtx, (e) => setExecCtx({ error: message(e) }))
  }

  const selectedRow = rows.find((r) => r.sid === selected)
  return (
    <div className="exec-detail" data-testid="execution-detail" data-execution-sid={exec.sid} data-status={exec.status}>
      <button type="button" className="link-button exec-back" onClick={onBack} data-testid="executions-back">
        ← All executions
      </button>
      <div className="exec-detail-head">
        <div>
          <div className="exec-detail-contact" data-testid="execution-contact">
            {exec.contact_channel_address || '(no contact)'}
          </div>
          <div className="muted exec-sid">{exec.sid}</div>
        </div>
        <span className={`badge exec-status exec-status-${active ? 'active' : 'ended'}`} data-testid="execution-status">
          {active ? 'Active' : 'Ended'}
        </span>
      </div>
      <div className="exec-meta muted">
        Started {new Date(exec.date_created).toLocaleString()}
        {exec.flow_version ? ` · revision ${exec.flow_version}` : ''}
      </div>
      <div className="exec-actions">
        {active && (
          <button type="button" className="btn btn-small" onClick={() => setConfirm('end')} data-testid="execution-end">
            End
          </button>
        )}
        <button type="button" className="btn btn-small btn-danger-quiet" onClick={() => setConfirm('delete')} data-testid="execution-delete">
          Delete
        </button>
        <button type="button" className="btn btn-small" aria-pressed={showExecCtx} onClick={toggleExecCtx} data-testid="execution-context-toggle">
          Context
        </button>
      </div>
      {showExecCtx && (
        <pre className="exec-context" data-testid="execution-context">
          {execCtx === null ? 'Loading…' : showValue(execCtx)}
        </pre>
      )}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <h4 className="exec-steps-title">Steps</h4>
      {steps === null && !error && <p className="muted">Loading…</p>}
      {steps && steps.length === 0 && <p className="muted">No steps yet.</p>}
      {steps && (
        <StepTimeline rows={rows} selected={selected} onSelect={select} current={current}>
          {selectedRow && (
            <StepContextView
              widget={selectedRow.widget}
              context={stepCtx?.sid === selectedRow.sid ? stepCtx.context : null}
              loading={stepCtx?.sid !== selectedRow.sid}
              error={stepCtx?.sid === selectedRow.sid ? stepCtx.error : null}
            />
          )}
        </StepTimeline>
      )}
      {confirm === 'end' && (
        <ConfirmDialog
          title="End this execution?"
          message={`The execution for ${exec.contact_channel_address || 'this contact'} stops where it is: the flow does nothing more for this contact.`}
          confirmText="End execution"
          onClose={() => setConfirm(null)}
          onConfirm={async () => {
            const x = await endExecution(flowSid, exec.sid)
            setExec(x)
            setConfirm(null)
            onChanged(x)
          }}
        />
      )}
      {confirm === 'delete' && (
        <ConfirmDialog
          title="Delete this execution?"
          message="The execution, its steps and their context are removed for good."
          confirmText="Delete"
          onClose={() => setConfirm(null)}
          onConfirm={async () => {
            await deleteExecution(flowSid, exec.sid)
            setConfirm(null)
            onChanged(null)
          }}
        />
      )}
    </div>
  )
}
