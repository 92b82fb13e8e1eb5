import { useState } from 'react'

/**
 * The two dialogs a settings list opens on its rows: the form (for a new
 * item or one being edited) and the question before a removal. Closing a
 * saved form or a done removal reads the list again.
 */
export interface ItemDialogs<T> {
  /** The item in the form, 'new' for an empty form, null when closed. */
  editing: T | 'new' | null
  /** The item whose removal is being asked, null when not asking. */
  removing: T | null
  add: () => void
  edit: (item: T) => void
  askRemove: (item: T) => void
  closeForm: () => void
  /** The form saved: close it and read the list again. */
  saved: () => void
  closeRemove: () => void
  /** The removal went through: close the question and read the list again. */
  removed: () => Promise<void>
}

export function useItemDialogs<T>(reload: () => Promise<void>): ItemDialogs<T> {
  const [editing, setEditing] = useState<T | 'new' | null>(null)
  const [removing, setRemoving] = useState<T | null>(null)
  return {
    editing,
    removing,
    add: () => setEditing('new'),
    edit: (item) => setEditing(item),
    askRemove: (item) => setRemoving(item),
    closeForm: () => setEditing(null),
    saved: () => {
      setEditing(null)
      void reload()
    },
    closeRemove: () => setRemoving(null),
    removed: async () => {
      setRemoving(null)
      await reload()
    },
  }
}

/** The item a form edits: undefined for 'new'. */
export function formItem<T>(editing: T | 'new'): T | undefined {
  return editing === 'new' ? undefined : editing
}
