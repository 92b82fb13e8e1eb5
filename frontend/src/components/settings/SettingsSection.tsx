import type { ReactNode } from 'react'

interface Props {
  id: string
  title: string
  /** One line under the title: what the section is for. */
  lead: string
  /** More under the lead (an address to register to, say). */
  detail?: ReactNode
  /** The section's main button (Add …). */
  action?: ReactNode
  error: string | null
  loading: boolean
  /** Shown when loaded and there is nothing to list (null: the children are shown). */
  empty: ReactNode | null
  children?: ReactNode
  /** Dialogs, drawn whatever the list holds. */
  overlays?: ReactNode
}

/** A settings section's frame: title and lead, its button, the load error, loading, empty state. */
export function SettingsSection({ id, title, lead, detail, action, error, loading, empty, children, overlays }: Props) {
  return (
    <section className="settings-section" data-testid={`${id}-section`} aria-labelledby={`${id}-title`}>
      <div className="section-head">
        <div>
          <h2 id={`${id}-title`}>{title}</h2>
          <p className="muted small">{lead}</p>
          {detail}
        </div>
        {action}
      </div>
      {error && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
      {loading && !error && <p className="muted">Loading…</p>}
      {!loading && empty !== null && <div className="empty small">{empty}</div>}
      {!loading && empty === null && children}
      {overlays}
    </section>
  )
}
