// The editor's autosave: the model's Autosaver wired to the REST API, the
// browser's storage (an unsaved edit survives a reload), sign-in (a lapsed
// session resumes saving) and beforeunload (leaving with an unsaved edit asks first).
import { useCallback, useEffect, useRef, useState } from 'react'
import { client, type Flow } from '../api/client'
import { Autosaver, type SaveState } from '../model/autosave'
import { keepBackup } from '../model/draftBackup'
import { definitionText, type FlowDefinition } from '../model/studio'

const backupDelayMs = 300

function storage(): Storage | undefined {
  try {
    return window.localStorage
  } catch {
    return undefined
  }
}

export interface Autosave {
  state: SaveState
  dirty: boolean
  /** Sends the latest edit now; rejects with the server's refusal. */
  flush: () => Promise<void>
  /** Publishes `def` with a commit message after any save under way; the answer is the published flow. */
  publish: (def: FlowDefinition, commitMessage: string) => Promise<Flow>
}

export function useAutosave(
  flow: Pick<Flow, 'sid' | 'friendly_name' | 'revision'>,
  initial: FlowDefinition,
  def: FlowDefinition,
  onSaved: (flow: Flow) => void,
  onRefused: (err: unknown) => void,
): Autosave {
  const [state, setState] = useState<SaveState>({ kind: 'saved' })
  const [dirty, setDirty] = useState(false)
  const cb = useRef({ onSaved, onRefused })
  cb.current = { onSaved, onRefused }
  const revision = useRef(flow.revision)
  const pendingBackup = useRef<{ value: FlowDefinition | null; timer: number | null }>({ value: null, timer: null })

  const writeBackup = useCallback(() => {
    const p = pendingBackup.current
    if (p.timer !== null) window.clearTimeout(p.timer)
    p.timer = null
    keepBackup(storage(), flow.sid, p.value === null ? null : { definition: definitionText(p.value), at: Date.now(), revision: revision.current })
  }, [flow.sid])

  const saverRef = useRef<Autosaver<FlowDefinition, Flow> | null>(null)
  if (saverRef.current === null) {
    saverRef.current = new Autosaver<FlowDefinition, Flow>({
      saved: initial,
      save: (v) => client.saveDraft(flow.sid, flow.friendly_name, definitionText(v)),
      onState: (s) => {
        setState(s)
        setDirty(saverRef.current?.dirty ?? false)
        if (s.kind === 'refused') cb.current.onRefused(s.error)
      },
      onSaved: (_, f) => {
        revision.current = f.revision
        cb.current.onSaved(f)
      },
      onBackup: (v) => {
        const p = pendingBackup.current
        p.value = v
        if (v === null) writeBackup()
        else if (p.timer === null) p.timer = window.setTimeout(writeBackup, backupDelayMs)
      },
    })
  }
  const saver = saverRef.current

  useEffect(() => {
    saver.edit(def)
    setDirty(saver.dirty)
  }, [saver, def])

  useEffect(() => client.onSignIn(() => saver.signedIn()), [saver])

  useEffect(() => {
    if (!dirty) return
    const h = (e: BeforeUnloadEvent) => {
      writeBackup()
      e.preventDefault()
    }
    window.addEventListener('beforeunload', h)
    return () => window.removeEventListener('beforeunload', h)
  }, [dirty, writeBackup])

  // Leaving the page (another route) keeps an unsaved edit in storage.
  useEffect(() => () => {
    if (pendingBackup.current.timer !== null) writeBackup()
  }, [writeBackup])

  const flush = useCallback(() => saver.flush(), [saver])
  const publish = useCallback(
    (d: FlowDefinition, message: string) => saver.commit(d, (v) => client.publishFlow(flow.sid, definitionText(v), message)),
    [saver, flow.sid],
  )
  return { state, dirty, flush, publish }
}
