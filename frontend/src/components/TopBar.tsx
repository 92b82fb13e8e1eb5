import type { Route } from '../route'

interface Props {
  /** The page shown, whose link is marked current. */
  page?: Route['page']
  /** Absent in the desktop window, which the process signs in. */
  onSignOut?: () => void
}

/** The bar at the top of every signed-in page. */
export function TopBar({ page, onSignOut }: Props) {
  const current = (p: Route['page'][]) => (page && p.includes(page) ? ('page' as const) : undefined)
  return (
    <header className="topbar">
      <a className="brand" href="#/flows">
        Switchboard
      </a>
      <nav className="topnav">
        <a href="#/flows" aria-current={current(['flows', 'flow'])}>
          Flows
        </a>
        <a href="#/dashboard" aria-current={current(['dashboard'])} data-testid="nav-dashboard">
          Dashboard
        </a>
        <a href="#/messages" aria-current={current(['messages'])} data-testid="nav-messages">
          Messages
        </a>
        <a href="#/settings" aria-current={current(['settings'])} data-testid="nav-settings">
          Settings
        </a>
      </nav>
      {onSignOut && (
        <button type="button" className="btn btn-quiet" onClick={onSignOut} data-testid="sign-out">
          Sign out
        </button>
      )}
    </header>
  )
}
