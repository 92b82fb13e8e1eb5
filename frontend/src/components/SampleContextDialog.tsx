// Edits the sample context Liquid previews render against: JSON, checked as
// typed; Reset goes back to the examples made from the flow.
import { useState } from 'react'
import { parseContext, type Context } from '../model/sample'
import { Dialog } from './Dialog'

interface Props {
  value: Context
  generated: Context
  onSave: (c: Context | null) => void
  onClose: () => void
}

export function SampleContextDialog({ value, generated, onSave, onClose }: Props) {
  const [text, setText] = useState(() => JSON.stringify(value, null, 2))
  const parsed = parseContext(text)
  return (
    <Dialog title="Sample values for previews" testId="sample-context-dialog" onClose={onClose}>
      <p className="muted small">
        Liquid previews render against these values, as an execution would against its context. They are examples, kept
        in this browser only.
      </p>
      <textarea
        className="sample-context-text mono"
        value={text}
        spellCheck={false}
        aria-label="Sample context (JSON)"
        aria-invalid={'error' in parsed}
        onChange={(e) => setText(e.target.value)}
      />
      {'error' in parsed && (
        <p className="field-error" role="alert">
          {parsed.error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={() => setText(JSON.stringify(generated, null, 2))}>
          Reset to examples
        </button>
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="btn btn-primary"
          disabled={'error' in parsed}
          onClick={() => {
            if ('context' in parsed) onSave(JSON.stringify(parsed.context) === JSON.stringify(generated) ? null : parsed.context)
          }}
        >
          Save
        </button>
      </div>
    </Dialog>
  )
}
