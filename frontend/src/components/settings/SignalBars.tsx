import { signalBars } from '../../model/messaging'

/** A modem's signal: four bars and the dBm figure. */
export function SignalBars({ dbm }: { dbm: number }) {
  const n = signalBars(dbm)
  return (
    <span className="signal" title={`Signal ${dbm} dBm (${n} of 4 bars)`} data-testid="gateway-signal">
      <span className="signal-bars" aria-hidden="true">
        {[1, 2, 3, 4].map((i) => (
          <span key={i} className={i <= n ? 'bar on' : 'bar'} style={{ height: `${3 + i * 3}px` }} />
        ))}
      </span>
      <span className="small muted">{dbm} dBm</span>
    </span>
  )
}
