export type SaveStatus = 'saved' | 'saving' | 'offline'

const text: Record<SaveStatus, string> = { saved: 'Saved', saving: 'Saving…', offline: 'Unsaved — offline' }

export function SaveState({ status }: { status: SaveStatus }) {
  return (
    <span className={`save-state save-${status}`} data-testid="save-state" role="status">
      {text[status]}
    </span>
  )
}
