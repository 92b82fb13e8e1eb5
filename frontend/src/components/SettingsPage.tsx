/** Settings: SIP trunks, desk phones, phone numbers → flows (issue 11; being built). */
export function SettingsPage() {
  return (
    <main className="page" data-testid="settings-page">
      <div className="page-head">
        <h1>Settings</h1>
      </div>
      <p className="muted">Trunks, desk phones and numbers are configured here.</p>
    </main>
  )
}
