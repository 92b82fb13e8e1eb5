import type { CanvasMark } from '../model/marks'

export interface ExecutionsPanelProps {
  sid: string
  /** Marks the execution's path on the canvas (null clears). */
  onHighlight: (marks: ReadonlyMap<string, CanvasMark> | null) => void
  /** Centers a widget on the canvas. */
  onFocusWidget: (name: string) => void
  onClose: () => void
}

/** A flow's executions, live, and one execution's step timeline (issue 11; being built). */
export function ExecutionsPanel({ onClose }: ExecutionsPanelProps) {
  return (
    <aside className="side-panel" data-testid="executions-panel" aria-label="Executions">
      <div className="side-panel-head">
        <h3>Executions</h3>
        <button type="button" className="link-button" onClick={onClose}>
          Close
        </button>
      </div>
    </aside>
  )
}
