import { useEffect, type ReactNode } from 'react'

interface Props {
  title: string
  testId?: string
  /** A wider panel, for long forms. */
  wide?: boolean
  onClose: () => void
  children: ReactNode
}

/** A modal panel over the page; Escape or a click outside closes it. */
export function Dialog({ title, testId, wide, onClose, children }: Props) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onClose])
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={wide ? 'dialog dialog-wide' : 'dialog'} role="dialog" aria-modal="true" aria-label={title} data-testid={testId}>
        <h2 className="dialog-title">{title}</h2>
        {children}
      </div>
    </div>
  )
}
