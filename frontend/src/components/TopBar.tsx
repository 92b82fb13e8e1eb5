interface Props {
  /** Absent in the desktop window, which the process signs in. */
  onSignOut?: () => void
}

/** The bar at the top of every signed-in page. */
export function TopBar({ onSignOut }: Props) {
  return (
    <header className="topbar">
      <a className="brand" href="#/flows">
        Switchboard
      </a>
      <nav className="topnav">
        <a href="#/flows">Flows</a>
      </nav>
      {onSignOut && (
        <button type="button" className="btn btn-quiet" onClick={onSignOut} data-testid="sign-out">
          Sign out
        </button>
      )}
    </header>
  )
}
