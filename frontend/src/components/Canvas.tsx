import '@xyflow/react/dist/style.css'
import { useCallback, useEffect, useImperativeHandle, useMemo, useRef, useState, type CSSProperties, type DragEvent, type ReactNode, type Ref } from 'react'
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
  type EdgeChange,
  type OnSelectionChangeParams,
  type ReactFlowInstance,
  type ReactFlowState,
} from '@xyflow/react'
import { ApiError, type Flow, type Problem as ApiProblem } from '../api/client'
import type { FlowDefinition, Offset } from '../model/studio'
import { toGraph, type GraphEdge, type GraphNode, type WidgetNodeData } from '../model/graph'
import { initialView, readableZoom } from '../model/layout'
import { History } from '../model/history'
import { addWidget, connect, copyWidgets, disconnect, moveWidgets, pasteWidgets, removeWidgets } from '../model/ops'
import { problemsByWidget, type Located, type Problem } from '../model/problems'
import { markClass, type CanvasMark } from '../model/marks'
import { WidgetNode } from './WidgetNode'
import { WidgetEdge, type WidgetEdgeType } from './WidgetEdge'
import { WidgetLibrary, dragMime } from './WidgetLibrary'
import { SaveState } from './SaveState'
import { Inspector } from './Inspector'
import { ShortcutsHelp } from './ShortcutsHelp'
import { focusPointer } from './focusPointer'
import { useAutosave } from './useAutosave'

const nodeTypes = { widget: WidgetNode }
const edgeTypes = { widget: WidgetEdge }
// A small flow opens at its natural size, not blown up to fill the canvas.
const fitOptions = { maxZoom: 1 }
// A small overview in the corner that leaves the canvas visible around it.
const minimapStyle = { width: 168, height: 112 }
const minimapNode = (n: WNode) => (n.data.problems?.some((p) => p.level === 'error') ? '#e5a39c' : n.selected ? '#2f5fd0' : '#c4cad2')
/** The zoom in steps of 0.05 when below readable, else 0 (the canvas redraws only when the step changes). */
const farZoom = (s: ReactFlowState) => (s.transform[2] < readableZoom ? Math.max(0.05, Math.round(s.transform[2] * 20) / 20) : 0)
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
function nodeFor(g: GraphNode, prev: WNode | undefined, selected: boolean, problems: Located[] | undefined, mark: CanvasMark | undefined): WNode {
  const className = mark ? markClass(mark) : undefined
  if (prev && prev.data.state === g.data.state && prev.data.problems === problems && !!prev.selected === selected && prev.className === className) return prev
  const data = problems ? { ...g.data, problems } : g.data
  const n: WNode = { ...g, selected, deletable: !g.data.isTrigger, data, className }
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

/** What the flow page asks of the editor (publish, revert, jump to a problem). */
export interface EditorController {
  /** The draft as it is now. */
  definition: () => FlowDefinition
  /** Replaces the draft (an undoable edit, autosaved like any other). */
  replace: (def: FlowDefinition) => void
  /** Sends the latest edit now; rejects with the server's refusal. */
  flush: () => Promise<void>
  /** Publishes the draft with a commit message (after any save under way). */
  publish: (commitMessage: string) => Promise<Flow>
  /** Selects the problem's widget, centers it, opens the inspector on the field its pointer names (flow settings for a flow-level one). */
  showProblem: (p: Located) => void
  /** Brings a widget into view without selecting it (the inspector stays as it is): a run's step. */
  center: (name: string) => void
}

interface Props {
  flow: Flow
  initial: FlowDefinition
  online: boolean
  onSaved?: (flow: Flow) => void
  /** Filled with the editor's controller. */
  controller?: Ref<EditorController>
  /** Called with every new draft. */
  onDefinition?: (def: FlowDefinition) => void
  /** Called when the problems from the last save (or refusal) change. */
  onProblems?: (problems: Problem[]) => void
  /** Widgets to outline: a revision diff, or a run's path (name → mark). */
  highlight?: ReadonlyMap<string, CanvasMark>
  /** A panel shown between the canvas and the inspector. */
  panel?: ReactNode
}

/** The flow editor: widget library, canvas, inspector; every edit goes through the model's ops and is autosaved. */
export function Canvas(props: Props) {
  return (
    <ReactFlowProvider>
      <Editor {...props} />
    </ReactFlowProvider>
  )
}

function Editor({ flow, initial, onSaved, controller, onDefinition, onProblems, highlight, panel }: Props) {
  const history = useRef(new History<FlowDefinition>(initial))
  const [def, setDef] = useState<FlowDefinition>(initial)
  const [problems, setProblems] = useState<Problem[]>(() => problemsOf(flow))
  const [selected, setSelected] = useState<string[]>([])
  const [nodes, setNodes] = useState<WNode[]>([])
  const [flowSettings, setFlowSettings] = useState(false)
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
      return graph.nodes.map((g) => nodeFor(g, old.get(g.id), sel.has(g.id), byWidget.get(g.id), highlight?.get(g.id)))
    })
    // selection changes alone go through onNodesChange
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [graph, byWidget, highlight])

  // Selected transitions (click an edge; Delete removes it). An edge whose selection did not change keeps its object.
  const [selectedEdges, setSelectedEdges] = useState<ReadonlySet<string>>(() => new Set())
  const selectedEdgesRef = useRef(selectedEdges)
  selectedEdgesRef.current = selectedEdges
  const edgesRef = useRef(new Map<string, WidgetEdgeType>())
  const edges: WidgetEdgeType[] = useMemo(() => {
    const old = edgesRef.current
    const out = graph.edges.map((g) => {
      const e = edgeFor(g, old.get(g.id))
      const sel = selectedEdges.has(e.id)
      return !!e.selected === sel ? e : { ...e, selected: sel }
    })
    edgesRef.current = new Map(out.map((e) => [e.id, e]))
    return out
  }, [graph, selectedEdges])
  const onEdgesChange = useCallback((changes: EdgeChange<WidgetEdgeType>[]) => {
    const picks = changes.filter((c) => c.type === 'select')
    if (picks.length === 0) return
    setSelectedEdges((cur) => {
      const next = new Set(cur)
      for (const c of picks) {
        if (c.selected) next.add(c.id)
        else next.delete(c.id)
      }
      return next
    })
  }, [])

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
    if (sel.length > 0) setFlowSettings(false)
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
        const links = [...selectedEdgesRef.current].map((id) => edgesRef.current.get(id)).filter((x): x is WidgetEdgeType => !!x)
        if (names.length === 0 && links.length === 0) return
        e.preventDefault()
        let d = cur
        for (const l of links) d = disconnect(d, l.source, l.sourceHandle ?? '')
        if (names.length > 0) d = removeWidgets(d, names)
        apply(d)
        setSelected([])
        setSelectedEdges(new Set())
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

  // Autosave (see model/autosave.ts): network failures retried with back-off, a refusal kept with its message, 401 resumed after sign-in.
  const save = useAutosave(
    flow,
    initial,
    def,
    useCallback(
      (saved: Flow) => {
        setProblems(problemsOf(saved))
        onSaved?.(saved)
      },
      [onSaved],
    ),
    useCallback((err: unknown) => {
      if (err instanceof ApiError && err.errors.length > 0) setProblems(err.errors.map((p) => ({ ...p, level: 'error' as const })))
    }, []),
  )

  useEffect(() => onDefinition?.(def), [def, onDefinition])
  useEffect(() => onProblems?.(problems), [problems, onProblems])

  const showProblem = useCallback(
    (p: Located) => {
      if (!p.widget || !history.current.current.states.some((st) => st.name === p.widget)) {
        setSelected([])
        setNodes((ns) => ns.map((n) => (n.selected ? { ...n, selected: false } : n)))
        setFlowSettings(true)
      } else {
        const name = p.widget
        setFlowSettings(false)
        setSelected([name])
        setNodes((ns) => ns.map((n) => (n.selected !== (n.id === name) ? { ...n, selected: n.id === name } : n)))
      }
      // The inspector draws (narrowing the canvas) on the next frame; then the widget is centered and its field focused.
      window.setTimeout(() => {
        if (p.widget) void rf.fitView({ nodes: [{ id: p.widget }], maxZoom: Math.max(rf.getZoom(), 0.8), duration: 300 })
        if (p.property_path) focusPointer(p.property_path)
      }, 50)
    },
    [rf],
  )

  useImperativeHandle(
    controller,
    () => ({
      definition: () => history.current.current,
      replace: (next: FlowDefinition) => apply(next),
      flush: save.flush,
      publish: (message: string) =>
        save.publish(history.current.current, message).then((f) => {
          setProblems(problemsOf(f))
          onSaved?.(f)
          return f
        }),
      showProblem,
      center: (name: string) => {
        const n = rf.getNode(name)
        if (!n) return
        const w = n.measured?.width ?? 240
        const h = n.measured?.height ?? 120
        void rf.setCenter(n.position.x + w / 2, n.position.y + h / 2, { zoom: Math.max(rf.getZoom(), 0.8), duration: 300 })
      },
    }),
    [apply, save.flush, save.publish, showProblem, onSaved, rf],
  )

  const many = def.states.length > 200
  const single = selected.length === 1 ? selected[0] : null
  const flowProblems = useMemo(() => [...byWidget.values()].flat(), [byWidget])
  // Kept while the canvas alone changes (a drag moves nodes every frame): neither is redrawn then.
  const library = useMemo(() => <WidgetLibrary onAdd={addAt} />, [addAt])
  const inspector = useMemo(
    () =>
      (single || flowSettings) && (
        <aside className="inspector-panel" aria-label="Inspector">
          {!single && (
            <button type="button" className="link-button inspector-close" onClick={() => setFlowSettings(false)}>
              Close
            </button>
          )}
          <Inspector def={def} selected={single ?? null} problems={flowProblems} onChange={apply} onSelect={(n) => setSelected([n])} sampleKey={flow.sid} />
        </aside>
      ),
    [single, flowSettings, def, flowProblems, apply, flow.sid],
  )

  return (
    <div className="editor">
      <div className="editor-bar">
        <SaveState state={save.state} onRetry={() => void save.flush().catch(() => undefined)} />
        <button type="button" className="link-button" data-testid="flow-settings" onClick={() => setFlowSettings((v) => !v)}>
          Flow settings
        </button>
        <ShortcutsHelp />
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
            onEdgesChange={onEdgesChange}
            onEdgesDelete={onEdgesDelete}
            deleteKeyCode={null}
            multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
            selectionOnDrag={false}
            onlyRenderVisibleElements={many}
            minZoom={0.05}
            fitView={fitOnOpen}
            fitViewOptions={fitOptions}
            proOptions={{ hideAttribution: true }}
          >
            <Background gap={20} />
            <Controls />
            <MiniMap pannable zoomable className="minimap" style={minimapStyle} nodeColor={minimapNode} nodeStrokeWidth={0} maskColor="rgba(229, 232, 236, 0.55)" />
          </ReactFlow>
        </section>
        {panel}
        {inspector}
      </div>
    </div>
  )
}
