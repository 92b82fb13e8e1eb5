import { useMemo } from 'react'
import { bars, minuteLabel } from '../../model/chart'
import type { DashboardMinute } from '../../api/dashboard'

interface Props {
  title: string
  minutes: DashboardMinute[]
  value: (m: DashboardMinute) => number
  testId?: string
}

const W = 360
const H = 64

/** A bar per minute of the last hour; each bar's tooltip says the minute and the count. */
export function MiniChart({ title, minutes, value, testId }: Props) {
  const s = useMemo(
    () => bars(minutes.map(value), minutes.map((m) => minuteLabel(m.start)), W, H),
    [minutes, value],
  )
  const first = minutes[0] ? minuteLabel(minutes[0].start) : ''
  const last = minutes.length > 0 ? minuteLabel(minutes[minutes.length - 1]!.start) : ''
  return (
    <figure className="mini-chart" data-testid={testId}>
      <figcaption>
        <span>{title}</span>
        <span className="muted small" data-testid={testId ? `${testId}-total` : undefined}>
          {s.total} in the last hour · peak {s.max === 1 && s.total === 0 ? 0 : s.max}/min
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" height={H} role="img" aria-label={`${title}: ${s.total} in the last hour`} preserveAspectRatio="none">
        <line x1={0} y1={H - 0.5} x2={W} y2={H - 0.5} className="mini-chart-axis" />
        {s.bars.map((b, i) =>
          b.height > 0 ? (
            <rect key={i} x={b.x} y={H - b.height} width={b.width} height={b.height} className="mini-chart-bar">
              <title>{`${b.label}: ${b.value}`}</title>
            </rect>
          ) : null,
        )}
      </svg>
      <div className="mini-chart-axis-labels muted small">
        <span>{first}</span>
        <span>{last}</span>
      </div>
    </figure>
  )
}
