import { memo, useState } from 'react'
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type Edge, type EdgeProps } from '@xyflow/react'

export type WidgetEdgeType = Edge<{ label: string }, 'widget'>

/**
 * A transition on the canvas. The handle it leaves from already names the
 * event on the widget, so the edge shows its label only while it is hovered
 * or selected — busy widgets get no pile of overlapping labels, and a large
 * flow draws no label it does not need.
 */
function WidgetEdgeView(p: EdgeProps<WidgetEdgeType>) {
  const [hover, setHover] = useState(false)
  const [path, labelX, labelY] = getBezierPath(p)
  const show = (hover || p.selected) && !!p.data?.label
  return (
    <g onMouseEnter={() => setHover(true)} onMouseLeave={() => setHover(false)}>
      <BaseEdge id={p.id} path={path} markerEnd={p.markerEnd} style={p.style} interactionWidth={p.interactionWidth} />
      {show && (
        <EdgeLabelRenderer>
          <div className="edge-label" style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}>
            {p.data?.label}
          </div>
        </EdgeLabelRenderer>
      )}
    </g>
  )
}

export const WidgetEdge = memo(WidgetEdgeView)
