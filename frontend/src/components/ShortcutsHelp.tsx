import { useEffect, useState } from 'react'
import { Dialog } from './Dialog'

const mac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform)
const mod = mac ? '⌘' : 'Ctrl'

const rows: [string, string][] = [
  ['Add a widget', 'Drag it from the library onto the canvas, or click it'],
  ['Connect', 'Drag from an event handle (bottom of a widget) to another widget'],
  ['Reconnect', 'Drag the end of a transition to another widget'],
  ['Select several', 'Shift-click widgets'],
  ['Delete', 'Select widgets or a transition, press Delete'],
  ['Undo / redo', `${mod}+Z / ${mod}+Shift+Z (or ${mod}+Y)`],
  ['Copy / paste', `${mod}+C / ${mod}+V (pasted widgets get new names)`],
  ['Zoom', 'Scroll or pinch; the ⛶ button fits the whole flow'],
  ['Move around', 'Drag the empty canvas, or the minimap'],
  ['This list', '?'],
]

/** The canvas's mouse and keyboard gestures, from a button or the ? key. */
export function ShortcutsHelp() {
  const [open, setOpen] = useState(false)
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null
      if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return
      if (e.key === '?' && !e.ctrlKey && !e.metaKey) setOpen(true)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
  return (
    <>
      <button type="button" className="link-button" data-testid="shortcuts-open" onClick={() => setOpen(true)} title="Keyboard and mouse (?)">
        Shortcuts
      </button>
      {open && (
        <Dialog title="Keyboard and mouse" testId="shortcuts-dialog" onClose={() => setOpen(false)}>
          <table className="shortcuts">
            <tbody>
              {rows.map(([what, how]) => (
                <tr key={what}>
                  <th scope="row">{what}</th>
                  <td>{how}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="dialog-actions">
            <button type="button" className="btn btn-primary" onClick={() => setOpen(false)}>
              Close
            </button>
          </div>
        </Dialog>
      )}
    </>
  )
}
