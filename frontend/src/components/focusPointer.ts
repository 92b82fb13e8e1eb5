// Jumps to the inspector field a Flow Validate pointer names: the element
// with the nearest data-pointer (the field itself or its closest parent) is
// scrolled into view, its first input focused and briefly flashed.
import { nearestPointer } from '../model/problems'

const focusable = 'input, select, textarea, [contenteditable="true"]'

/** true when a field was found. */
export function focusPointer(path: string, root: ParentNode = document): boolean {
  const scope = (root.querySelector?.('.inspector-panel') as ParentNode | null) ?? root
  const els = [...scope.querySelectorAll<HTMLElement>('[data-pointer]')]
  const best = nearestPointer(path, els.map((e) => e.dataset.pointer ?? ''))
  if (best === null) return false
  const el = els.find((e) => e.dataset.pointer === best)!
  if (typeof el.scrollIntoView === 'function') el.scrollIntoView({ block: 'center', behavior: 'smooth' })
  const target = el.matches(focusable) ? el : el.querySelector<HTMLElement>(focusable)
  target?.focus({ preventScroll: true })
  el.classList.add('field-flash')
  window.setTimeout(() => el.classList.remove('field-flash'), 1600)
  return true
}
