import { ConfirmDialog } from '../ConfirmDialog'
import type { ItemDialogs } from './useItemDialogs'

interface Props<T> {
  dialogs: ItemDialogs<T>
  title: (item: T) => string
  /** What removing it does, in the user's words. */
  message: (item: T) => string
  remove: (item: T) => Promise<void>
}

/** Asks before a settings item is removed; shown while dialogs.removing is set. */
export function RemoveDialog<T>({ dialogs, title, message, remove }: Props<T>) {
  const item = dialogs.removing
  if (item === null) return null
  return (
    <ConfirmDialog
      title={title(item)}
      message={message(item)}
      confirmText="Remove"
      onClose={dialogs.closeRemove}
      onConfirm={async () => {
        await remove(item)
        await dialogs.removed()
      }}
    />
  )
}
