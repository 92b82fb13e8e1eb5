// Under a Liquid field: what the text renders to against the sample context,
// through the executions' own renderer (POST v2/Liquid/Render), or the
// renderer's error with its line. Rendered text is shown as text.
import { useEffect, useState } from 'react'
import { renderLiquid, type RenderResult } from '../api/liquid'
import { hasLiquid, type Context } from '../model/sample'
import './LiquidPreview.css'

const delayMs = 300

interface Props {
  template: string
  context: Context
  /** Opens the sample context editor. */
  onEditContext?: () => void
}

type Shown = { kind: 'idle' } | { kind: 'busy' } | { kind: 'done'; result: RenderResult } | { kind: 'failed'; message: string }

export function LiquidPreview({ template, context, onEditContext }: Props) {
  const [shown, setShown] = useState<Shown>({ kind: 'idle' })
  const live = hasLiquid(template)
  useEffect(() => {
    if (!live) return
    let current = true
    setShown((s) => (s.kind === 'idle' ? { kind: 'busy' } : s))
    const t = window.setTimeout(() => {
      renderLiquid(template, context).then(
        (result) => current && setShown({ kind: 'done', result }),
        (e: unknown) => current && setShown({ kind: 'failed', message: e instanceof Error ? e.message : String(e) }),
      )
    }, delayMs)
    return () => {
      current = false
      window.clearTimeout(t)
    }
  }, [template, context, live])
  if (!live) return null
  let body: React.ReactNode
  if (shown.kind === 'done' && shown.result.error) {
    const e = shown.result.error
    body = (
      <span className="liquid-preview-error" data-testid="liquid-preview-error">
        {e.line ? `Line ${e.line}${e.column ? `, column ${e.column}` : ''}: ` : ''}
        {e.message}
      </span>
    )
  } else if (shown.kind === 'done') {
    const text = shown.result.rendered ?? ''
    body = text === '' ? <span className="muted">(empty)</span> : <span className="liquid-preview-text">{text}</span>
  } else if (shown.kind === 'failed') {
    body = <span className="liquid-preview-error">Preview unavailable: {shown.message}</span>
  } else {
    body = <span className="muted">…</span>
  }
  return (
    <div className="liquid-preview" data-testid="liquid-preview">
      <div className="liquid-preview-head">
        <span>Preview</span>
        {onEditContext && (
          <button type="button" className="link-button" onClick={onEditContext} data-testid="edit-sample">
            sample values
          </button>
        )}
      </div>
      <output>{body}</output>
    </div>
  )
}
