// Marks on canvas widgets: a revision diff (added, changed, moved) or a run
// (an execution's or the simulator's path: visited, current, failed). The
// flow page passes one map name → mark to the canvas; CSS draws each as an
// outline (styles/app.css, `.react-flow__node.mark-<kind>`).
import type { DiffKind } from './diff'

export type RunMark = 'visited' | 'current' | 'failed'
export type CanvasMark = DiffKind | RunMark

/** The class a marked node gets. */
export function markClass(mark: CanvasMark): string {
  return `mark-${mark}`
}
