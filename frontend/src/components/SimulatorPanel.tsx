import type { FlowDefinition } from '../model/studio'
import type { CanvasMark } from '../model/marks'

export interface SimulatorPanelProps {
  sid: string
  /** The draft as it is now (the simulator runs it, not only the published revision). */
  definition: FlowDefinition
  /** Sends the latest edit first, so a run uses what is on the canvas. */
  flush: () => Promise<void>
  /** Marks the run's path on the canvas (null clears). */
  onHighlight: (marks: ReadonlyMap<string, CanvasMark> | null) => void
  onFocusWidget: (name: string) => void
  onClose: () => void
}

/** Runs the open flow as a chat or a phone through the real engine (issue 11; being built). */
export function SimulatorPanel({ onClose }: SimulatorPanelProps) {
  return (
    <aside className="side-panel" data-testid="simulator-panel" aria-label="Simulator">
      <div className="side-panel-head">
        <h3>Simulator</h3>
        <button type="button" className="link-button" onClick={onClose}>
          Close
        </button>
      </div>
    </aside>
  )
}
