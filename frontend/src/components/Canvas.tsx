import '@xyflow/react/dist/style.css'
import { useCallback, useEffect, useMemo, useRef, useState, type CSSProperties, type DragEvent } from 'react'
import {
  ReactFlow,
  ReactFlowProvider,
  Background,
  Controls,
  MiniMap,
  applyNodeChanges,
  useReactFlow,
  useStore,
  type Connection,
  type Edge,
  type Node,
  type NodeChange,
  type OnSelectionChangeParams,
  type ReactFlowInstance,
  type ReactFlowState,
} from '@xyflow/react'
import { client, type Flow, type Problem as ApiProblem } from '../api/client'
import type { FlowDefinition, Offset } from '../model/studio'
import { toGraph, type GraphEdge, type GraphNode, type WidgetNodeData } from '../model/graph'
import { initialView, readableZoom } from '../model/layout'
import { History } from '../model/history'
import { addWidget, connect, copyWidgets, disconnect, moveWidgets, pasteWidgets, removeWidgets } from '../model/ops'
import { problemsByWidget, type Located, type Problem } from '../model/problems'
import { WidgetNode } from './WidgetNode'
import { WidgetEdge, type WidgetEdgeType } from './WidgetEdge'
import { WidgetLibrary, dragMime } from './WidgetLibrary'
import { SaveState, type SaveStatus } from './SaveState'
import { Inspector } from './Inspector'

const nodeTypes = { widget: WidgetNode }
const edgeTypes = { widget: WidgetEdge }
/** The zoom in steps of 0.05 when below readable, else 0 (the canvas redraws only when the step changes). */
const farZoom = (s: ReactFlowState) => (s.transform[2] < readableZoom ? Math.max(0.05, Math.round(s.transform[2] * 20) / 20) : 0)
const saveDelayMs = 1000
const triggerType = 'trigger'

type WNode = Node<WidgetNodeData & { problems?: Located[] }, 'widget'>

const sameHandles = (a: WidgetNodeData, b: WidgetNodeData) =>
  a.handles.length === b.handles.length && a.handles.every((h, i) => h.id === b.handles[i]!.id)

/**
 * The canvas node for a graph node, reusing the previous one when its state
 * object, selection and problems are unchanged: React Flow then keeps its
 * measurements and does not redraw it (edits change only the states they
 * touch, so an edit in a 1,000-widget flow redraws one widget, not all).
 */
function nodeFor(g: GraphNode, prev: WNode | undefined, selected: boolean, problems: Located[] | undefined): WNode {
  if (prev && prev.data.state === g.data.state && prev.data.problems === problems && !!prev.selected === selected) return prev
  const data = problems ? { ...g.data, problems } : g.data
  const n: WNode = { ...g, selected, deletable: !g.data.isTrigger, data }
  // same handles: the measured size still holds (a size change is seen by React Flow's resize observer)
  if (prev?.measured && sameHandles(prev.data, g.data)) n.measured = prev.measured
  return n
}

function edgeFor(g: GraphEdge, prev: WidgetEdgeType | undefined): WidgetEdgeType {
  if (prev && prev.target === g.target && prev.data?.label === g.label) return prev
  const { label, ...rest } = g
  return { ...rest, type: 'widget', data: { label }, reconnectable: 'source' }
}

function problemsOf(flow: Pick<Flow, 'errors' | 'warnings'>): Problem[] {
  return [
    ...(flow.errors ?? []).map((p: ApiProblem) => ({ ...p, level: 'error' as const })),
    ...(flow.warnings ?? []).map((p: ApiProblem) => ({ ...p, level: 'warning' as const })),
  ]
}

function isEditable(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null
  if (!el || !el.tagName) return false
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)
}

interface Props {
  flow: Flow
  initial: FlowDefinition
  online: boolean
  onSaved?: (flow: Flow) => void
  onStatus?: (s: SaveStatus) => void
}

/** The flow editor: widget library, canvas, inspector; every edit goes through the model's ops and is autosaved. */
export function Canvas(props: Props) {
  return (
    <ReactFlowProvider>
      <Editor {...props} />
    </ReactFlowProvider>
  )
}

function Editor({ flow, initial, online, onSaved }: Props) {
  const history = useRef(new History<FlowDefinition>(initial))
  const [def, setDef] = useState<FlowDefinition>(initial)
  const [problems, setProblems] = useState<Problem[]>(() => problemsOf(flow))
  const [selected, setSelected] = useState<string[]>([])
  const [nodes, setNodes] = useState<WNode[]>([])
  const savedRef = useRef<FlowDefinition>(initial)
  const [saving, setSaving] = useState(false)
  const [dirty, setDirty] = useState(false)
  const memClipboard = useRef<string>('')
  const rf = useReactFlow()
  const wrapper = useRef<HTMLDivElement>(null)

  const apply = useCallback((next: FlowDefinition, key?: string) => {
    history.current.push(next, key)
    setDef(history.current.current)
  }, [])

  const byWidget = useMemo(() => problemsByWidget(def, problems), [def, problems])
  const graph = useMemo(() => toGraph(def), [def])

  // Nodes follow the definition; selection is kept across edits; unchanged widgets keep their node.
  useEffect(() => {
    const sel = new Set(selected)
    setNodes((prev) => {
      const old = new Map(prev.map((n) => [n.id, n]))
      return graph.nodes.map((g) => nodeFor(g, old.get(g.id), sel.has(g.id), byWidget.get(g.id)))
    })
    // selection changes alone go through onNodesChange
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [graph, byWidget])

  const edgesRef = useRef(new Map<string, WidgetEdgeType>())
  const edges: WidgetEdgeType[] = useMemo(() => {
    const old = edgesRef.current
    const out = graph.edges.map((g) => edgeFor(g, old.get(g.id)))
    edgesRef.current = new Map(out.map((e) => [e.id, e]))
    return out
  }, [graph])

  // A flow too large to read whole opens at its start (model/layout.ts initialView), not fitted.
  const [fitOnOpen] = useState(() => {
    const r = wrapper.current?.getBoundingClientRect()
    return initialView(initial, r?.width ?? 1000, r?.height ?? 680).fit
  })
  const onInit = useCallback(
    (inst: ReactFlowInstance<WNode, WidgetEdgeType>) => {
      const r = wrapper.current?.getBoundingClientRect()
      const v = initialView(initial, r?.width ?? 1000, r?.height ?? 680)
      if (!v.fit) void inst.setViewport({ x: v.x, y: v.y, zoom: v.zoom })
    },
    [initial],
  )
  // Zoomed out below a readable size, widgets show only their names, large.
  const zoomedOut = useStore(farZoom)
  const canvasStyle = useMemo(
    () => (zoomedOut ? ({ '--far-name-size': `${Math.min(32, Math.round(13 / zoomedOut))}px` } as CSSProperties) : undefined),
    [zoomedOut],
  )

  const onNodesChange = useCallback((changes: NodeChange<WNode>[]) => {
    // removals go through removeWidgets (key handler); the rest is view state
    setNodes((ns) => applyNodeChanges(changes.filter((c) => c.type !== 'remove'), ns))
  }, [])

  const onSelectionChange = useCallback(({ nodes: sel }: OnSelectionChangeParams) => {
    setSelected(sel.map((n) => n.id))
  }, [])

  const onNodeDragStop = useCallback(
    (_: unknown, _node: Node, dragged: Node[]) => {
      const positions: Record<string, Offset> = {}
      for (const n of dragged) positions[n.id] = { x: Math.round(n.position.x), y: Math.round(n.position.y) }
      apply(moveWidgets(history.current.current, positions))
    },
    [apply],
  )

  const onConnect = useCallback(
    (c: Connection) => {
      if (!c.source || !c.target || !c.sourceHandle) return
      apply(connect(history.current.current, c.source, c.sourceHandle, c.target))
    },
    [apply],
  )

  const onReconnect = useCallback(
    (old: Edge, c: Connection) => {
      let d = disconnect(history.current.current, old.source, old.sourceHandle ?? '')
      if (c.source && c.target && c.sourceHandle) d = connect(d, c.source, c.sourceHandle, c.target)
      apply(d)
    },
    [apply],
  )

  const onEdgesDelete = useCallback(
    (es: Edge[]) => {
      let d = history.current.current
      for (const e of es) d = disconnect(d, e.source, e.sourceHandle ?? '')
      apply(d)
    },
    [apply],
  )

  const addAt = useCallback(
    (type: string, at?: Offset) => {
      let pos = at
      if (!pos) {
        const r = wrapper.current?.getBoundingClientRect()
        pos = r ? rf.screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 3 }) : { x: 0, y: 0 }
      }
      const { def: next, name } = addWidget(history.current.current, type, { x: Math.round(pos.x), y: Math.round(pos.y) })
      apply(next)
      setSelected([name])
    },
    [apply, rf],
  )

  const onDrop = useCallback(
    (e: DragEvent) => {
      const type = e.dataTransfer.getData(dragMime)
      if (!type) return
      e.preventDefault()
      addAt(type, rf.screenToFlowPosition({ x: e.clientX, y: e.clientY }))
    },
    [addAt, rf],
  )
  const onDragOver = useCallback((e: DragEvent) => {
    if (e.dataTransfer.types.includes(dragMime)) {
      e.preventDefault()
      e.dataTransfer.dropEffect = 'move'
    }
  }, [])

  // Keys: delete, copy/paste, undo/redo.
  const selectedRef = useRef(selected)
  selectedRef.current = selected
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isEditable(e.target)) return
      const mod = e.ctrlKey || e.metaKey
      const k = e.key.toLowerCase()
      const cur = history.current.current
      if ((e.key === 'Delete' || e.key === 'Backspace') && !mod) {
        const names = selectedRef.current.filter((n) => cur.states.find((s) => s.name === n)?.type !== triggerType)
        if (names.length === 0) return
        e.preventDefault()
        apply(removeWidgets(cur, names))
        setSelected([])
      } else if (mod && k === 'z' && !e.shiftKey) {
        e.preventDefault()
        history.current.undo()
        setDef(history.current.current)
      } else if (mod && ((k === 'z' && e.shiftKey) || k === 'y')) {
        e.preventDefault()
        history.current.redo()
        setDef(history.current.current)
      } else if (mod && k === 'c') {
        if (selectedRef.current.length === 0) return
        const text = copyWidgets(cur, selectedRef.current)
        memClipboard.current = text
        navigator.clipboard?.writeText(text).catch(() => undefined)
      } else if (mod && k === 'v') {
        e.preventDefault()
        const paste = (text: string) => {
          try {
            const { def: next, names } = pasteWidgets(history.current.current, text)
            apply(next)
            setSelected(names)
          } catch {
            /* not widgets: ignore */
          }
        }
        if (typeof navigator.clipboard?.readText === 'function') navigator.clipboard.readText().then((t) => paste(t || memClipboard.current), () => paste(memClipboard.current))
        else paste(memClipboard.current)
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [apply])

  // Autosave: 1 s after the last edit; an edit made during a save is saved after it; a failed save is retried.
  useEffect(() => {
    if (def === savedRef.current || saving) {
      setDirty(def !== savedRef.current)
      return
    }
    setDirty(true)
    const t = window.setTimeout(() => {
      const sending = def
      setSaving(true)
      // the definition in its own key order (an import's order survives; e2e/corpus.test.mjs)
      client
        .updateFlow(flow.sid, { FriendlyName: flow.friendly_name, Status: 'draft', Definition: JSON.stringify(sending, null, 2) })
        .then(
          (saved) => {
            savedRef.current = sending
            setProblems(problemsOf(saved))
            onSaved?.(saved)
          },
          () => undefined,
        )
        .finally(() => setSaving(false))
    }, saveDelayMs)
    return () => window.clearTimeout(t)
  }, [def, saving, flow.sid, flow.friendly_name, onSaved])

  // Never lose an edit: warn before leaving with unsaved changes.
  useEffect(() => {
    if (!dirty) return
    const h = (e: BeforeUnloadEvent) => e.preventDefault()
    window.addEventListener('beforeunload', h)
    return () => window.removeEventListener('beforeunload', h)
  }, [dirty])

  const status: SaveStatus = !dirty && !saving ? 'saved' : !online ? 'offline' : 'saving'
  const many = def.states.length > 200
  const single = selected.length === 1 ? selected[0] : null
  const flowProblems = useMemo(() => [...byWidget.values()].flat(), [byWidget])
  // Kept while the canvas alone changes (a drag moves nodes every frame): neither is redrawn then.
  const library = useMemo(() => <WidgetLibrary onAdd={addAt} />, [addAt])
  const inspector = useMemo(
    () =>
      single && (
        <aside className="inspector-panel" aria-label="Inspector">
          <Inspector def={def} selected={single} problems={flowProblems} onChange={apply} />
        </aside>
      ),
    [single, def, flowProblems, apply],
  )

  return (
    <div className="editor">
      <div className="editor-bar">
        <SaveState status={status} />
        {problems.length > 0 && (
          <span className="muted small">
            {problems.filter((p) => p.level === 'error').length} errors, {problems.filter((p) => p.level === 'warning').length} warnings
          </span>
        )}
      </div>
      <div className="editor-body">
        {library}
        <section className={`canvas${zoomedOut ? ' zoomed-out' : ''}`} style={canvasStyle} data-testid="canvas" aria-label="Canvas" ref={wrapper} onDrop={onDrop} onDragOver={onDragOver}>
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            edgeTypes={edgeTypes}
            onInit={onInit}
            onNodesChange={onNodesChange}
            onSelectionChange={onSelectionChange}
            onNodeDragStop={onNodeDragStop}
            onConnect={onConnect}
            onReconnect={onReconnect}
            onEdgesDelete={onEdgesDelete}
            deleteKeyCode={null}
            multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
            selectionOnDrag={false}
            onlyRenderVisibleElements={many}
            minZoom={0.05}
            fitView={fitOnOpen}
            proOptions={{ hideAttribution: true }}
          >
            <Background gap={20} />
            <Controls />
            <MiniMap pannable zoomable />
          </ReactFlow>
        </section>
        {inspector}
      </div>
    </div>
  )
}
