import { useCallback, useEffect, useMemo, useState } from 'react'
import { client, type Flow } from '../api/client'
import { defaultDefinition, exportFileName } from '../format'
import { flowHref, navigate } from '../route'
import { ConfirmDialog } from './ConfirmDialog'
import { FlowRow } from './FlowRow'
import { ImportDialog } from './ImportDialog'
import { NameDialog } from './NameDialog'

type Modal =
  | { kind: 'new' }
  | { kind: 'import' }
  | { kind: 'rename'; flow: Flow }
  | { kind: 'duplicate'; flow: Flow }
  | { kind: 'delete'; flow: Flow }
  | null

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

/** The flows list: search, status, last change, validity; new, import, rename, duplicate, delete, export. */
export function FlowsList() {
  const [flows, setFlows] = useState<Flow[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [query, setQuery] = useState('')
  const [modal, setModal] = useState<Modal>(null)
  const [now, setNow] = useState(() => Date.now())
  // What the last export did: a download gives no feedback of its own in the desktop window.
  const [notice, setNotice] = useState<string | null>(null)
  useEffect(() => {
    if (notice === null) return
    const t = setTimeout(() => setNotice(null), 10_000)
    return () => clearTimeout(t)
  }, [notice])

  const load = useCallback(async () => {
    try {
      const list = await client.listFlows()
      setFlows(list)
      setError(null)
      setNow(Date.now())
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    }
  }, [])

  useEffect(() => {
    void load()
    const t = setInterval(() => setNow(Date.now()), 30_000)
    return () => clearInterval(t)
  }, [load])

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase()
    const list = [...(flows ?? [])].sort((a, b) =>
      (b.date_updated ?? b.date_created).localeCompare(a.date_updated ?? a.date_created),
    )
    if (q === '') return list
    return list.filter((f) => f.friendly_name.toLowerCase().includes(q) || f.sid.toLowerCase().includes(q))
  }, [flows, query])

  const close = useCallback(() => setModal(null), [])

  const exportFlow = async (f: Flow) => {
    try {
      const { name, text } = await client.exportFlow(f.sid)
      const file = exportFileName(name)
      download(file, text)
      setNotice(`Exported “${name}” as ${file} to your downloads folder.`)
    } catch (err) {
      setError(`Export of “${f.friendly_name}” failed: ${err instanceof Error ? err.message : String(err)}`)
    }
  }

  return (
    <main className="page" data-testid="flows-list">
      <div className="page-head">
        <h1>Flows</h1>
        <div className="toolbar">
          <input
            type="search"
            className="search"
            placeholder="Search by name or SID"
            aria-label="Search flows"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            data-testid="flow-search"
          />
          <button type="button" className="btn" onClick={() => setModal({ kind: 'import' })} data-testid="import-flow">
            Import
          </button>
          <button type="button" className="btn btn-primary" onClick={() => setModal({ kind: 'new' })} data-testid="new-flow">
            New flow
          </button>
        </div>
      </div>

      {error && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
      {notice && (
        <p className="notice-box" role="status" data-testid="export-notice">
          {notice}
        </p>
      )}

      {flows === null && !error && <p className="muted">Loading flows…</p>}

      {flows !== null && flows.length === 0 && (
        <div className="empty">
          <p>No flows yet.</p>
          <p className="muted">Create a new flow, or import a Studio export.</p>
        </div>
      )}

      {flows !== null && flows.length > 0 && (
        <table className="flows-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Status</th>
              <th>Last change</th>
              <th>Validity</th>
              <th className="sr-only-text">Actions</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((f) => (
              <FlowRow
                key={f.sid}
                flow={f}
                now={now}
                onRename={(flow) => setModal({ kind: 'rename', flow })}
                onDuplicate={(flow) => setModal({ kind: 'duplicate', flow })}
                onDelete={(flow) => setModal({ kind: 'delete', flow })}
                onExport={(flow) => void exportFlow(flow)}
              />
            ))}
            {shown.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  No flow matches “{query}”.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}

      {modal?.kind === 'new' && (
        <NameDialog
          title="New flow"
          label="Flow name"
          initial=""
          submitText="Create"
          testId="new-flow-dialog"
          onClose={close}
          onSubmit={async (name) => {
            const f = await client.createFlow({
              FriendlyName: name,
              Status: 'draft',
              Definition: JSON.stringify(defaultDefinition()),
            })
            close()
            navigate(flowHref(f.sid))
          }}
        />
      )}
      {modal?.kind === 'rename' && (
        <NameDialog
          title="Rename flow"
          label="New name"
          initial={modal.flow.friendly_name}
          submitText="Rename"
          testId="rename-dialog"
          onClose={close}
          onSubmit={async (name) => {
            await client.updateFlow(modal.flow.sid, { FriendlyName: name, Status: modal.flow.status })
            close()
            await load()
          }}
        />
      )}
      {modal?.kind === 'duplicate' && (
        <NameDialog
          title="Duplicate flow"
          label="Name of the copy"
          initial={`Copy of ${modal.flow.friendly_name}`}
          submitText="Duplicate"
          testId="duplicate-dialog"
          onClose={close}
          onSubmit={async (name) => {
            const { text } = await client.exportFlow(modal.flow.sid)
            await client.createFlow({ FriendlyName: name, Status: 'draft', Definition: text })
            close()
            await load()
          }}
        />
      )}
      {modal?.kind === 'delete' && (
        <ConfirmDialog
          title="Delete flow"
          message={`Delete “${modal.flow.friendly_name}” (${modal.flow.sid}) and all its revisions? This cannot be undone.`}
          confirmText="Delete"
          onClose={close}
          onConfirm={async () => {
            await client.deleteFlow(modal.flow.sid)
            close()
            await load()
          }}
        />
      )}
      {modal?.kind === 'import' && (
        <ImportDialog
          onClose={close}
          onImported={(f) => {
            close()
            navigate(flowHref(f.sid))
          }}
        />
      )}
    </main>
  )
}
