// The sample context Liquid previews render against: the flow's generated
// examples (model/sample), or the user's edited values kept in localStorage
// per flow. The object is stable while its content is, so previews re-render
// only when a template or the values change, not on every edit of the flow.
import { useCallback, useMemo, useState } from 'react'
import { parseContext, sampleContext, type Context } from '../model/sample'
import type { FlowDefinition } from '../model/studio'

const prefix = 'switchboard.sample.'

function load(key: string | undefined): Context | null {
  if (!key) return null
  try {
    const text = window.localStorage.getItem(prefix + key)
    if (text === null) return null
    const r = parseContext(text)
    return 'context' in r ? r.context : null
  } catch {
    return null
  }
}

export function useSample(def: FlowDefinition, key: string | undefined) {
  const [override, setOverride] = useState<Context | null>(() => load(key))
  const generatedText = JSON.stringify(sampleContext(def))
  const text = override ? JSON.stringify(override) : generatedText
  const sample = useMemo(() => JSON.parse(text) as Context, [text])
  const generated = useMemo(() => JSON.parse(generatedText) as Context, [generatedText])
  const saveOverride = useCallback(
    (c: Context | null) => {
      setOverride(c)
      if (!key) return
      try {
        if (c) window.localStorage.setItem(prefix + key, JSON.stringify(c))
        else window.localStorage.removeItem(prefix + key)
      } catch {
        /* storage full or refused: the values last until the page closes */
      }
    },
    [key],
  )
  return { sample, generated, saveOverride }
}
