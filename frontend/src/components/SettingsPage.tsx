import { useEffect, useState } from 'react'
import { GatewayEventType, QueueEventType, RegistrationEventType, watchVoice } from '../api/settings'
import { DeskPhonesSection } from './settings/DeskPhonesSection'
import { MessagingSection } from './settings/MessagingSection'
import { NumbersSection } from './settings/NumbersSection'
import { QueuesSection } from './settings/QueuesSection'
import { TrunksSection } from './settings/TrunksSection'
import type { VoiceEvent } from './settings/voiceEvent'
import './settings/settings.css'

/** Settings: SIP trunks, desk phones, call queues, phone numbers → flows, SMS gateways; applied at once, no restart. */
export function SettingsPage() {
  const [events, setEvents] = useState<VoiceEvent[]>([])
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    let seq = 0
    const stop = watchVoice((type, data) => {
      seq++
      const kind: VoiceEvent['kind'] =
        type === RegistrationEventType ? 'registration' : type === GatewayEventType ? 'gateway' : type === QueueEventType ? 'queue' : 'trunk'
      const ev: VoiceEvent = { seq, kind, data }
      setEvents((l) => [...l.slice(-99), ev])
    })
    const t = setInterval(() => setNow(Date.now()), 1000)
    return () => {
      stop()
      clearInterval(t)
    }
  }, [])
  return (
    <main className="page settings-page" data-testid="settings-page">
      <div className="page-head">
        <h1>Settings</h1>
      </div>
      <TrunksSection events={events} now={now} />
      <DeskPhonesSection events={events} />
      <QueuesSection events={events} now={now} />
      <NumbersSection />
      <MessagingSection events={events} />
    </main>
  )
}
