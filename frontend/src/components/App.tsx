import { useCallback, useEffect, useState } from 'react'
import { client } from '../api/client'
import { useRoute } from '../route'
import { ConnectionBanner } from './ConnectionBanner'
import { FlowPage } from './FlowPage'
import { FlowsList } from './FlowsList'
import { SettingsPage } from './SettingsPage'
import { DashboardPage } from './DashboardPage'
import { MessagesPage } from './MessagesPage'
import { LoginForm } from './LoginForm'
import { TopBar } from './TopBar'

type Session = 'checking' | 'in' | 'out'

/** The editor's shell: session, connection banner, hash routes. */
export function App() {
  const route = useRoute()
  const [session, setSession] = useState<Session>('checking')
  const [online, setOnline] = useState(true)
  // The desktop window is signed in by the process: nothing to sign out of.
  const [desktop, setDesktop] = useState(false)
  // Once signed in, the page stays mounted (hidden) while a lapsed session signs in again, so an unsaved edit and its undo history survive.
  const [wasIn, setWasIn] = useState(false)
  useEffect(() => {
    if (session === 'in') setWasIn(true)
  }, [session])

  useEffect(() => {
    client.setHooks({ onUnauthorized: () => setSession('out'), onConnection: setOnline })
    let live = true
    client.session().then(
      (s) => {
        if (!live) return
        setDesktop(s?.desktop === true)
        setSession(s ? 'in' : 'out')
      },
      () => live && setSession('out'),
    )
    return () => {
      live = false
    }
  }, [])

  const signOut = useCallback(async () => {
    try {
      await client.signOut()
    } finally {
      setWasIn(false)
      setSession('out')
    }
  }, [])

  return (
    <div className="app">
      {!online && <ConnectionBanner />}
      {session === 'checking' && <p className="muted centered">Loading…</p>}
      {session === 'out' && <LoginForm onSignedIn={() => setSession('in')} />}
      {(session === 'in' || (session === 'out' && wasIn)) && (
        <div className="session-keep" hidden={session !== 'in'}>
          <TopBar page={route.page} onSignOut={desktop ? undefined : () => void signOut()} />
          {route.page === 'flow' ? (
            <FlowPage key={route.sid} sid={route.sid} online={online} execution={route.execution} />
          ) : route.page === 'settings' ? (
            <SettingsPage />
          ) : route.page === 'dashboard' ? (
            <DashboardPage />
          ) : route.page === 'messages' ? (
            <MessagesPage />
          ) : (
            <FlowsList />
          )}
        </div>
      )}
    </div>
  )
}
