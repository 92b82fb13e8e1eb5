import { useCallback, useEffect, useState } from 'react'
import { getDashboard, type Dashboard, type DashboardMinute } from '../api/dashboard'
import { StatCard } from './dashboard/StatCard'
import { MiniChart } from './dashboard/MiniChart'
import { RecentEvents } from './dashboard/RecentEvents'
import { QueuesPanel } from './dashboard/QueuesPanel'

/** How often the figures are fetched while the page is shown. */
const refreshMs = 3000

const calls = (m: DashboardMinute) => m.calls
const executions = (m: DashboardMinute) => m.executions
const messages = (m: DashboardMinute) => m.messages_in + m.messages_out

/** Dashboard: live calls, executions, messages, trunks, call queues, recent errors, and the last hour per minute (GET v2/Dashboard). */
export function DashboardPage() {
  const [data, setData] = useState<Dashboard | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [now, setNow] = useState(() => Date.now())

  const load = useCallback(async () => {
    try {
      setData(await getDashboard())
      setError(null)
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    } finally {
      setNow(Date.now())
    }
  }, [])

  useEffect(() => {
    let timer = 0
    let live = true
    const tick = async () => {
      // a hidden tab asks nothing; it catches up when shown again
      if (document.visibilityState !== 'hidden') await load()
      if (live) timer = window.setTimeout(tick, refreshMs)
    }
    void tick()
    const onShow = () => document.visibilityState === 'visible' && void load()
    document.addEventListener('visibilitychange', onShow)
    return () => {
      live = false
      window.clearTimeout(timer)
      document.removeEventListener('visibilitychange', onShow)
    }
  }, [load])

  const up = data?.trunks.filter((t) => t.up).length ?? 0
  const down = (data?.trunks.length ?? 0) - up
  const errors = data?.recent_events.filter((e) => e.level === 'error').length ?? 0
  return (
    <main className="page dashboard" data-testid="dashboard-page">
      <div className="page-head">
        <h1>Dashboard</h1>
        <span className="muted small" data-testid="dashboard-updated">
          {data ? `Live · updated every ${refreshMs / 1000} s` : 'Loading…'}
        </span>
      </div>
      {error && (
        <p className="error-box" role="alert">
          The figures could not be fetched: {error}
        </p>
      )}
      {data && (
        <>
          <div className="stat-grid">
            <StatCard label="Active calls" value={data.calls_active} testId="stat-calls" />
            <StatCard label="Active executions" value={data.executions_active} testId="stat-executions" />
            <StatCard
              label="Messages, last hour"
              value={`${data.messages.in_last_hour} in · ${data.messages.out_last_hour} out`}
              detail={
                data.messages.out_pending || data.messages.out_failed
                  ? `${data.messages.out_pending} waiting to send, ${data.messages.out_failed} failed`
                  : undefined
              }
              tone={data.messages.out_failed > 0 ? 'bad' : 'neutral'}
              testId="stat-messages"
            />
            <StatCard
              label="Trunks"
              value={data.trunks.length === 0 ? 'none' : `${up} up · ${down} down`}
              detail={data.trunks.length === 0 ? 'Add one in Settings' : data.trunks.filter((t) => !t.up).map((t) => `${t.name}: ${t.last_error ?? t.state}`).join('; ') || undefined}
              tone={data.trunks.length === 0 ? 'neutral' : down > 0 ? 'bad' : 'ok'}
              testId="stat-trunks"
            />
          </div>
          <QueuesPanel queues={data.queues ?? []} />
          <div className="chart-grid">
            <MiniChart title="Calls per minute" minutes={data.minutes} value={calls} testId="chart-calls" />
            <MiniChart title="Executions per minute" minutes={data.minutes} value={executions} testId="chart-executions" />
            <MiniChart title="Messages per minute (in + out)" minutes={data.minutes} value={messages} testId="chart-messages" />
          </div>
          <section className="dashboard-section">
            <h2>
              Recent errors and warnings
              {errors > 0 && <span className="badge badge-invalid">{errors} errors</span>}
            </h2>
            <RecentEvents events={data.recent_events} now={now} />
          </section>
        </>
      )}
    </main>
  )
}
