// A flow's revisions (newest first, a page at a time). Selecting one shows
// what the current draft changed since it (widgets added, removed, changed,
// moved; re-linked transitions; flow settings), outlines those widgets on the
// canvas, and offers to revert the draft to it.
import { useEffect, useMemo, useState } from 'react'
import { client, type FlowRevision } from '../api/client'
import { diffDefinitions, diffIsEmpty, diffKinds, type DiffKind } from '../model/diff'
import { parseDefinition, type FlowDefinition } from '../model/studio'
import { relativeTime } from '../format'
import { ConfirmDialog } from './ConfirmDialog'

interface Props {
  sid: string
  /** The current draft. */
  current: FlowDefinition
  /** Changes when the flow gets a new revision (the list reloads). */
  latestRevision: number
  /** Widgets to outline on the canvas, or null. */
  onHighlight: (h: ReadonlyMap<string, DiffKind> | null) => void
  /** Centers a widget on the canvas. */
  onFocusWidget: (name: string) => void
  /** Makes `def` the draft (revision `n`). */
  onRevert: (def: FlowDefinition, n: number) => Promise<void>
  onClose: () => void
}

function WidgetNames({ names, onFocus }: { names: string[]; onFocus: (n: string) => void }) {
  return (
    <>
      {names.map((n) => (
        <button key={n} type="button" className="link-button widget-chip" onClick={() => onFocus(n)}>
          {n}
        </button>
      ))}
    </>
  )
}

export function RevisionsPanel({ sid, current, latestRevision, onHighlight, onFocusWidget, onRevert, onClose }: Props) {
  const [rows, setRows] = useState<FlowRevision[]>([])
  const [next, setNext] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(true)
  const [publishedOnly, setPublishedOnly] = useState(false)
  const [chosen, setChosen] = useState<{ n: number; def: FlowDefinition | null; error?: string } | null>(null)
  const [confirm, setConfirm] = useState(false)

  // The first page, again whenever the flow gets a new revision.
  useEffect(() => {
    let live = true
    setLoading(true)
    const t = window.setTimeout(() => {
      client.revisionsPage(sid).then(
        (p) => {
          if (!live) return
          setRows(p.revisions)
          setNext(p.next)
          setError(null)
          setLoading(false)
        },
        (e: unknown) => {
          if (!live) return
          setError(e instanceof Error ? e.message : String(e))
          setLoading(false)
        },
      )
    }, 200)
    return () => {
      live = false
      window.clearTimeout(t)
    }
  }, [sid, latestRevision])

  const more = async () => {
    if (!next) return
    setLoading(true)
    try {
      const p = await client.revisionsPage(sid, next)
      setRows((r) => [...r, ...p.revisions.filter((x) => !r.some((y) => y.revision === x.revision))])
      setNext(p.next)
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    } finally {
      setLoading(false)
    }
  }

  const choose = async (n: number) => {
    if (chosen?.n === n) {
      setChosen(null)
      return
    }
    setChosen({ n, def: null })
    try {
      const rev = await client.getRevision(sid, n)
      setChosen((c) => (c?.n === n ? { n, def: parseDefinition(JSON.stringify(rev.definition)) } : c))
    } catch (e) {
      setChosen((c) => (c?.n === n ? { n, def: null, error: e instanceof Error ? e.message : String(e) } : c))
    }
  }

  const diff = useMemo(() => (chosen?.def ? diffDefinitions(chosen.def, current) : null), [chosen, current])

  useEffect(() => {
    onHighlight(diff ? diffKinds(diff) : null)
  }, [diff, onHighlight])
  useEffect(() => () => onHighlight(null), [onHighlight])

  const shown = publishedOnly ? rows.filter((r) => r.status === 'published') : rows

  return (
    <aside className="side-panel revisions-panel" aria-label="Revisions" data-testid="revisions-panel">
      <div className="side-panel-head">
        <h3>Revisions</h3>
        <label className="small muted">
          <input type="checkbox" checked={publishedOnly} onChange={(e) => setPublishedOnly(e.target.checked)} /> Published only
        </label>
        <button type="button" className="link-button" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted small">Every save is a revision. Select one to see what the draft changed since, or to revert to it.</p>
      {error && (
        <p className="error-text small" role="alert">
          {error}
        </p>
      )}
      <ol className="revision-list">
        {shown.map((r) => (
          <li key={r.revision} className={chosen?.n === r.revision ? 'chosen' : undefined}>
            <button type="button" className="revision-row" data-testid="revision-row" data-revision={r.revision} onClick={() => void choose(r.revision)} aria-pressed={chosen?.n === r.revision}>
              <span className="revision-number">#{r.revision}</span>
              <span className={`badge badge-${r.status}`}>{r.status === 'published' ? 'Published' : 'Draft'}</span>
              <span className="revision-date small muted" title={r.date_created}>
                {relativeTime(r.date_created)}
              </span>
              <span className={r.commit_message ? 'revision-message' : 'revision-message muted'}>{r.commit_message ?? 'no commit message'}</span>
            </button>
            {chosen?.n === r.revision && (
              <div className="revision-diff" data-testid="revision-diff">
                {chosen.error && <p className="error-text small">{chosen.error}</p>}
                {!chosen.def && !chosen.error && <p className="muted small">Loading…</p>}
                {diff && diffIsEmpty(diff) && <p className="small" data-testid="diff-none">The draft is the same as revision #{r.revision}.</p>}
                {diff && !diffIsEmpty(diff) && (
                  <>
                    <p className="small muted">The draft, compared with #{r.revision}:</p>
                    <dl className="diff-groups">
                      {diff.added.length > 0 && (
                        <div className="diff-added" data-testid="diff-added">
                          <dt>Added ({diff.added.length})</dt>
                          <dd>
                            <WidgetNames names={diff.added} onFocus={onFocusWidget} />
                          </dd>
                        </div>
                      )}
                      {diff.removed.length > 0 && (
                        <div className="diff-removed" data-testid="diff-removed">
                          <dt>Removed ({diff.removed.length})</dt>
                          <dd>
                            {diff.removed.map((n) => (
                              <span key={n} className="widget-chip">
                                {n}
                              </span>
                            ))}
                          </dd>
                        </div>
                      )}
                      {diff.changed.length > 0 && (
                        <div className="diff-changed" data-testid="diff-changed">
                          <dt>Changed ({diff.changed.length})</dt>
                          <dd>
                            {diff.changed.map((c) => (
                              <div key={c.name}>
                                <WidgetNames names={[c.name]} onFocus={onFocusWidget} /> <span className="small muted">{c.fields.join(', ')}</span>
                              </div>
                            ))}
                          </dd>
                        </div>
                      )}
                      {diff.moved.length > 0 && (
                        <div className="diff-moved" data-testid="diff-moved">
                          <dt>Moved ({diff.moved.length})</dt>
                          <dd>
                            <WidgetNames names={diff.moved} onFocus={onFocusWidget} />
                          </dd>
                        </div>
                      )}
                      {diff.transitions.length > 0 && (
                        <div className="diff-transitions" data-testid="diff-transitions">
                          <dt>Re-linked ({diff.transitions.length})</dt>
                          <dd>
                            {diff.transitions.map((t) => (
                              <div key={`${t.name}:${t.event}`} className="small">
                                {t.name} › {t.event}: {t.from ?? '(none)'} → {t.to ?? '(none)'}
                              </div>
                            ))}
                          </dd>
                        </div>
                      )}
                      {diff.flow.length > 0 && (
                        <div className="diff-flow" data-testid="diff-flow">
                          <dt>Flow settings</dt>
                          <dd className="small">{diff.flow.join(', ')}</dd>
                        </div>
                      )}
                    </dl>
                  </>
                )}
                {chosen.def && (
                  <button type="button" className="btn btn-small" data-testid="revert" disabled={diff !== null && diffIsEmpty(diff)} onClick={() => setConfirm(true)}>
                    Revert the draft to #{r.revision}
                  </button>
                )}
              </div>
            )}
          </li>
        ))}
      </ol>
      {loading && <p className="muted small">Loading…</p>}
      {!loading && next && (
        <button type="button" className="btn btn-small btn-block" data-testid="revisions-more" onClick={() => void more()}>
          Older revisions
        </button>
      )}
      {confirm && chosen?.def && (
        <ConfirmDialog
          title={`Revert to revision #${chosen.n}?`}
          message={`The draft becomes revision #${chosen.n}'s definition and is saved as a new draft revision; nothing is published. Your current draft is not lost: it is already a revision in this list, and Undo (Ctrl+Z) brings it back.`}
          confirmText="Revert the draft"
          onConfirm={async () => {
            await onRevert(chosen.def!, chosen.n)
            setConfirm(false)
            setChosen(null)
          }}
          onClose={() => setConfirm(false)}
        />
      )}
    </aside>
  )
}
