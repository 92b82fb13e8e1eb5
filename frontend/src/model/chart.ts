// Bars for the dashboard's small charts: one per minute, heights scaled to
// the largest value (at least 1, so an idle hour is a flat line, not a
// division by zero), with the figures a tooltip and a screen reader need.

export interface Bar {
  x: number
  width: number
  height: number
  value: number
  label: string
}

export interface Series {
  bars: Bar[]
  max: number
  total: number
}

/** Scales values (oldest first) into bars in a width × height box, a gap between bars. */
export function bars(values: number[], labels: string[], width: number, height: number, gap = 1): Series {
  const max = Math.max(1, ...values)
  const n = values.length
  const w = n > 0 ? width / n : 0
  const total = values.reduce((a, b) => a + b, 0)
  return {
    max,
    total,
    bars: values.map((v, i) => ({
      x: i * w,
      width: Math.max(0, w - gap),
      // a non-zero minute is never thinner than 1 px
      height: v === 0 ? 0 : Math.max(1, (v / max) * height),
      value: v,
      label: labels[i] ?? '',
    })),
  }
}

/** "14:05" for an ISO minute, in the viewer's time zone. */
export function minuteLabel(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
}
