import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { ApiError, client, type Flow } from '../api/client'
import { definitionText, parseDefinition, type FlowDefinition } from '../model/studio'
import { autoLayout, needsLayout } from '../model/layout'
import { jsonEqual } from '../model/diff'
import type { CanvasMark } from '../model/marks'
import { keepBackup, readBackup, type DraftBackup } from '../model/draftBackup'
import type { Problem } from '../model/problems'
import { relativeTime } from '../format'
import { Canvas, type EditorController } from './Canvas'
import { PublishDialog } from './PublishDialog'
import { ProblemsList } from './ProblemsList'
import { RevisionsPanel } from './RevisionsPanel'
import { TestUsersDialog } from './TestUsersDialog'
import { ExecutionsPanel } from './ExecutionsPanel'
import { SimulatorPanel } from './SimulatorPanel'

interface Props {
  sid: string
  /** false while the server cannot be reached. */
  online?: boolean
  /** An execution to open in the Executions panel. */
  execution?: string
}

function loadDefinition(raw: unknown): FlowDefinition {
  const def = parseDefinition(JSON.stringify(raw))
  return needsLayout(def) ? autoLayout(def) : def
}

function problemsOf(flow: Pick<Flow, 'errors' | 'warnings'>): Problem[] {
  return [...(flow.errors ?? []).map((p) => ({ ...p, level: 'error' as const })), ...(flow.warnings ?? []).map((p) => ({ ...p, level: 'warning' as const }))]
}

function storage(): Storage | undefined {
  try {
    return window.localStorage
  } catch {
    return undefined
  }
}

type Panel = 'problems' | 'revisions' | 'executions' | 'simulator' | null

/** One flow: name, publish state, the editor, and publishing (problems, revisions, test users, publish). */
export function FlowPage({ sid, online = true, execution }: Props) {
  const [flow, setFlow] = useState<Flow | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [initial, setInitial] = useState<FlowDefinition | null>(null)
  const [current, setCurrent] = useState<FlowDefinition | null>(null)
  const [problems, setProblems] = useState<Problem[]>([])
  const [published, setPublished] = useState<{ revision: number; definition: unknown } | null>(null)
  // A link to one execution (#/flows/FW…/executions/FN…) opens the Executions panel on it.
  const [panel, setPanel] = useState<Panel>(execution ? 'executions' : null)
  useEffect(() => {
    if (execution) setPanel('executions')
  }, [execution])
  // Opening another panel (or closing one) drops the marks the last one put on the canvas.
  const togglePanel = useCallback((p: Exclude<Panel, null>) => {
    setHighlight(null)
    setPanel((cur) => (cur === p ? null : p))
  }, [])
  const [dialog, setDialog] = useState<'publish' | 'test-users' | null>(null)
  const [highlight, setHighlight] = useState<ReadonlyMap<string, CanvasMark> | null>(null)
  const [backup, setBackup] = useState<DraftBackup | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const editor = useRef<EditorController>(null)

  useEffect(() => {
    let live = true
    setFlow(null)
    setError(null)
    client.getFlow(sid).then(
      (f) => {
        if (!live) return
        try {
          const def = loadDefinition(f.definition)
          setInitial(def)
          setCurrent(def)
          setProblems(problemsOf(f))
          setFlow(f)
          const b = readBackup(storage(), sid)
          if (b && b.definition !== definitionText(parseDefinition(JSON.stringify(f.definition)))) setBackup(b)
          else if (b) keepBackup(storage(), sid, null)
        } catch (err) {
          setError(`This flow's definition cannot be shown: ${err instanceof Error ? err.message : String(err)}`)
        }
      },
      (err: unknown) => {
        if (!live) return
        if (err instanceof ApiError && err.status === 404) setError(`There is no flow ${sid}.`)
        else setError(err instanceof Error ? err.message : String(err))
      },
    )
    client.latestPublished(sid).then(
      (r) => live && setPublished(r && { revision: r.revision, definition: r.definition }),
      () => undefined,
    )
    return () => {
      live = false
    }
  }, [sid])

  const onSaved = useCallback((f: Flow) => {
    setFlow(f)
    if (f.status === 'published') setPublished({ revision: f.revision, definition: f.definition })
  }, [])

  const status = useMemo(() => {
    if (!flow) return null
    if (flow.status === 'published') return { cls: 'published', text: 'Published', title: `Revision #${flow.revision} is live.` }
    if (published && jsonEqual(published.definition, flow.definition))
      return { cls: 'published', text: 'Published', title: `The draft is the same as published revision #${published.revision}.` }
    if (published)
      return {
        cls: 'changed',
        text: 'Published, with unpublished changes',
        title: `Revision #${published.revision} is live; the draft (#${flow.revision}) has changes not published yet.`,
      }
    return { cls: 'draft', text: 'Draft', title: 'Never published: only test users run it.' }
  }, [flow, published])

  const restore = () => {
    if (!backup) return
    try {
      editor.current?.replace(parseDefinition(backup.definition))
      setBackup(null)
    } catch (e) {
      setNotice(`The kept edit cannot be read: ${e instanceof Error ? e.message : String(e)}`)
      keepBackup(storage(), sid, null)
      setBackup(null)
    }
  }

  const focusWidget = useCallback((name: string) => {
    editor.current?.showProblem({ message: '', property_path: '', level: 'warning', widget: name })
  }, [])
  // A run's step (executions, simulator) brings its widget into view but leaves the inspector closed, so the canvas keeps its room.
  const centerWidget = useCallback((name: string) => editor.current?.center(name), [])

  const revert = useCallback(async (def: FlowDefinition, n: number) => {
    const ed = editor.current
    if (!ed) return
    try {
      await ed.flush()
    } catch (e) {
      throw new Error(
        `The current draft could not be saved first (${e instanceof Error ? e.message : String(e)}), so it is not in the revisions list yet. Fix or undo that edit, then revert.`,
      )
    }
    ed.replace(needsLayout(def) ? autoLayout(def) : def)
    setNotice(`The draft is now revision #${n}'s definition (saving as a new draft). Undo (Ctrl+Z) brings back what you had.`)
  }, [])

  const errors = problems.filter((p) => p.level === 'error').length
  const warnings = problems.length - errors

  return (
    <main className="flow-page">
      <div className="flow-head">
        <a href="#/flows" className="back-link">
          ← Flows
        </a>
        {flow && status && (
          <>
            <h1 className="flow-title" data-testid="flow-title">
              {flow.friendly_name}
            </h1>
            <span className={`badge badge-${status.cls}`} data-testid="flow-status" title={status.title}>
              {status.text}
            </span>
            <span className="mono muted small">{flow.sid}</span>
            <span className="flow-actions">
              <button
                type="button"
                className={`btn btn-small problems-toggle${errors > 0 ? ' has-errors' : warnings > 0 ? ' has-warnings' : ''}`}
                data-testid="problems-toggle"
                aria-pressed={panel === 'problems'}
                onClick={() => togglePanel('problems')}
              >
                Problems{problems.length > 0 ? ` (${errors} ${errors === 1 ? 'error' : 'errors'}, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'})` : ''}
              </button>
              <button type="button" className="btn btn-small" data-testid="simulator-toggle" aria-pressed={panel === 'simulator'} onClick={() => togglePanel('simulator')}>
                Simulate
              </button>
              <button type="button" className="btn btn-small" data-testid="executions-toggle" aria-pressed={panel === 'executions'} onClick={() => togglePanel('executions')}>
                Executions
              </button>
              <button type="button" className="btn btn-small" data-testid="revisions-toggle" aria-pressed={panel === 'revisions'} onClick={() => togglePanel('revisions')}>
                Revisions
              </button>
              <button type="button" className="btn btn-small" data-testid="test-users-open" onClick={() => setDialog('test-users')}>
                Test users
              </button>
              <button type="button" className="btn btn-small btn-primary" data-testid="publish-open" onClick={() => setDialog('publish')}>
                Publish…
              </button>
            </span>
          </>
        )}
      </div>
      {backup && (
        <div className="restore-banner" role="alert" data-testid="restore-banner">
          Edits to this flow from {relativeTime(new Date(backup.at).toISOString())} were kept in this browser but never reached the server.
          <button type="button" className="btn btn-small btn-primary" data-testid="restore-draft" onClick={restore}>
            Restore them
          </button>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              keepBackup(storage(), sid, null)
              setBackup(null)
            }}
          >
            Discard
          </button>
        </div>
      )}
      {notice && (
        <div className="notice-banner" role="status" data-testid="notice">
          {notice}
          <button type="button" className="link-button" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </div>
      )}
      {error && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
      {!error &&
        (flow && initial ? (
          <Canvas
            flow={flow}
            initial={initial}
            online={online}
            controller={editor}
            onSaved={onSaved}
            onDefinition={setCurrent}
            onProblems={setProblems}
            highlight={panel === 'revisions' || panel === 'executions' || panel === 'simulator' ? highlight ?? undefined : undefined}
            panel={
              panel === 'problems' && current ? (
                <ProblemsList def={current} problems={problems} onShow={(p) => editor.current?.showProblem(p)} onClose={() => setPanel(null)} />
              ) : panel === 'revisions' && current ? (
                <RevisionsPanel
                  sid={sid}
                  current={current}
                  latestRevision={flow.revision}
                  onHighlight={setHighlight}
                  onFocusWidget={focusWidget}
                  onRevert={revert}
                  onClose={() => setPanel(null)}
                />
              ) : panel === 'executions' ? (
                <ExecutionsPanel sid={sid} openSid={execution} onHighlight={setHighlight} onFocusWidget={centerWidget} onClose={() => setPanel(null)} />
              ) : panel === 'simulator' && current && editor.current ? (
                <SimulatorPanel
                  sid={sid}
                  definition={current}
                  flush={editor.current.flush}
                  onHighlight={setHighlight}
                  onFocusWidget={centerWidget}
                  onClose={() => setPanel(null)}
                />
              ) : null
            }
          />
        ) : (
          <section className="canvas canvas-loading" aria-label="Canvas">
            <p className="muted">Loading…</p>
          </section>
        ))}
      {dialog === 'publish' && editor.current && (
        <PublishDialog
          problems={problems}
          flush={editor.current.flush}
          publish={editor.current.publish}
          onPublished={(f) => {
            setDialog(null)
            setNotice(`Published revision #${f.revision}${f.commit_message ? ` — “${f.commit_message}”` : ''}.`)
          }}
          onShowProblems={() => {
            setDialog(null)
            setPanel('problems')
          }}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog === 'test-users' && <TestUsersDialog sid={sid} onClose={() => setDialog(null)} />}
    </main>
  )
}
