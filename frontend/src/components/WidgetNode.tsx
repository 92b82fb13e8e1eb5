import { memo } from 'react'
import { Handle, Position, type NodeProps, type Node } from '@xyflow/react'
import type { WidgetNodeData } from '../model/graph'
import type { Located } from '../model/problems'

export type WidgetNodeProps = NodeProps<Node<WidgetNodeData & { problems?: Located[] }, 'widget'>>

/** One widget on the canvas: name, type title, badges, a target handle on top, one source handle per event. */
function WidgetNodeView({ data, selected }: WidgetNodeProps) {
  const { state, widget, handles, isTrigger } = data
  const problems = data.problems ?? []
  const level = problems.some((p) => p.level === 'error') ? 'error' : problems.length > 0 ? 'warning' : null
  return (
    <div className={`widget-node${selected ? ' selected' : ''}${level ? ` has-${level}` : ''}`} data-name={breakable(state.name)}>
      {!isTrigger && <Handle type="target" position={Position.Top} className="widget-target" />}
      <div className="widget-node-head">
        <div className="widget-node-name">{state.name}</div>
        {level && (
          <span className={`problem-marker problem-${level}`} data-testid="problem-marker" title={problems.map((p) => p.message).join('\n')}>
            {problems.length}
          </span>
        )}
      </div>
      <div className="widget-node-type">
        {widget?.title ?? state.type}
        {widget && !widget.offline && <span className="badge badge-cloud">cloud only</span>}
        {widget?.retired && <span className="badge badge-retired">retired</span>}
        {!widget && <span className="badge badge-retired">unknown</span>}
      </div>
      {handles.length > 0 && (
        <div className="widget-node-handles">
          {handles.map((h) => (
            <div key={h.id} className="widget-handle-row">
              <span className="widget-handle-label" title={h.label}>{spaced(h.label)}</span>
              <Handle type="source" position={Position.Bottom} id={h.id} className="widget-source" />
            </div>
          ))}
        </div>
      )}
    </div>
  )
}

export const WidgetNode = memo(WidgetNodeView)

/** The name shown large when zoomed out (a CSS attr()): it may wrap after "_" or "-" rather than mid-word. */
function breakable(name: string): string {
  return name.replace(/([_-])/g, '$1\u200b')
}

/**
 * Studio's camelCase event names read as words, so a label wraps between
 * words instead of being cut, with a capital first ("Audio Complete"); the Trigger's five
 * "incoming…" events show what comes in ("Message", "Call"). The full event
 * name is the label's tooltip.
 */
function spaced(label: string): string {
  const words = label.replace(/^incoming(?=[A-Z])/, '').replace(/([a-z])([A-Z])/g, '$1 $2')
  return words.charAt(0).toUpperCase() + words.slice(1)
}
