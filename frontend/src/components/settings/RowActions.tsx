interface Props {
  /** The item's kind in test ids (edit-trunk, remove-trunk). */
  noun: string
  /** What the row's item is called, for screen readers ("Remove trunk Office"). */
  label: string
  /** The first button's words; Edit unless the form changes one thing (Change password). */
  editText?: string
  onEdit?: () => void
  onRemove: () => void
}

/** A settings row's buttons: open its form, ask to remove it. */
export function RowActions({ noun, label, editText = 'Edit', onEdit, onRemove }: Props) {
  return (
    <td className="row-actions">
      {onEdit && (
        <button type="button" className="btn btn-small" onClick={onEdit} data-testid={`edit-${noun}`} aria-label={`${editText} ${label}`}>
          {editText}
        </button>
      )}
      <button
        type="button"
        className="btn btn-small btn-danger-quiet"
        onClick={onRemove}
        data-testid={`remove-${noun}`}
        aria-label={`Remove ${label}`}
      >
        Remove
      </button>
    </td>
  )
}
