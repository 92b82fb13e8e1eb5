interface Props {
  label: string
  value: number | string
  detail?: string
  tone?: 'ok' | 'bad' | 'neutral'
  testId?: string
}

/** One figure on the dashboard, large, with a line under it. */
export function StatCard({ label, value, detail, tone = 'neutral', testId }: Props) {
  return (
    <div className={`stat-card stat-${tone}`} data-testid={testId}>
      <div className="stat-label">{label}</div>
      <div className="stat-value" data-testid={testId ? `${testId}-value` : undefined}>
        {value}
      </div>
      {detail && <div className="stat-detail">{detail}</div>}
    </div>
  )
}
