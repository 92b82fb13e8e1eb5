/** Dashboard: live calls, executions, messages, trunks, recent errors (issue 11; being built). */
export function DashboardPage() {
  return (
    <main className="page" data-testid="dashboard-page">
      <div className="page-head">
        <h1>Dashboard</h1>
      </div>
      <p className="muted">Live figures appear here.</p>
    </main>
  )
}
