// An unsaved draft kept in the browser's storage (localStorage) while the
// server does not have it, so a reload, a crash or a lapsed session offers
// to restore it. One entry per flow; written as the exact definition text.

export interface StorageLike {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

export interface DraftBackup {
  /** The definition as the editor would save it. */
  definition: string
  /** When it was kept (ms since epoch). */
  at: number
  /** The flow revision the edit was made on. */
  revision: number
}

export const backupKey = (flowSid: string) => `switchboard:unsaved:${flowSid}`

/** Keeps (or, with null, forgets) a flow's unsaved draft. Storage that is full or refused is ignored: the edit stays in memory. */
export function keepBackup(store: StorageLike | undefined, flowSid: string, b: DraftBackup | null): void {
  if (!store) return
  try {
    if (b === null) store.removeItem(backupKey(flowSid))
    else store.setItem(backupKey(flowSid), JSON.stringify(b))
  } catch {
    /* quota or privacy mode: memory still has it */
  }
}

/** The kept draft, or null when there is none or it cannot be read (a broken entry is forgotten). */
export function readBackup(store: StorageLike | undefined, flowSid: string): DraftBackup | null {
  if (!store) return null
  let text: string | null
  try {
    text = store.getItem(backupKey(flowSid))
  } catch {
    return null
  }
  if (text === null) return null
  try {
    const v = JSON.parse(text) as Partial<DraftBackup>
    if (typeof v.definition === 'string' && typeof v.at === 'number') {
      return { definition: v.definition, at: v.at, revision: typeof v.revision === 'number' ? v.revision : 0 }
    }
  } catch {
    /* fall through */
  }
  keepBackup(store, flowSid, null)
  return null
}
