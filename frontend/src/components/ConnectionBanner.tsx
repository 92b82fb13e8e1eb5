/** Shown while the server cannot be reached; requests are retried until it answers. */
export function ConnectionBanner() {
  return (
    <div className="connection-banner" role="status" data-testid="connection-banner">
      Cannot reach Switchboard. Retrying… Your changes are kept.
    </div>
  )
}
