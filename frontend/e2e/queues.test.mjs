// Call queues against the real headless appliance and a real desk phone
// (baresip) on loopback: a queue made in Settings with a desk phone as its
// agent shows the agent Offline, then Free live (no reload) once baresip
// registers as that phone; the dashboard shows the queue's tile with nobody
// waiting and 1 agent free of 1; an agent that stopped being a desk phone
// is refused beside Agents in the dialog (and marked there), and nothing is
// saved.
// Screenshots: e2e/artifacts/queues-*.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startAppliance, openBrowser, signIn, api, artifacts, ACCOUNT_SID } from './appliance.mjs'
import { startBaresip, peersMissing } from './voicepeers.mjs'

const missing = peersMissing()
const PASS = 'deskPass0815'
const acc = `2010-04-01/Accounts/${ACCOUNT_SID}`
let app, browser, phone

before(async () => {
  if (missing) return
  app = await startAppliance()
  browser = await openBrowser()
})

after(async () => {
  await browser?.ctx.close()
  await phone?.stop()
  await app?.stop()
})

test('a call queue with a desk phone agent, live in Settings and on the dashboard', { skip: missing ?? false }, async () => {
  const { page, problems } = browser
  // Two desk phones, made through the API as an integrator would.
  const list = await api(app.url, 'POST', `${acc}/SIP/CredentialLists.json`, { FriendlyName: 'Desk phones' })
  assert.equal(list.status, 201, JSON.stringify(list.body))
  for (const u of ['agent1', 'agent2']) {
    const c = await api(app.url, 'POST', `${acc}/SIP/CredentialLists/${list.body.sid}/Credentials.json`, { Username: u, Password: PASS })
    assert.equal(c.status, 201, JSON.stringify(c.body))
  }

  await signIn(page, app.url)
  await page.getByRole('link', { name: 'Settings' }).click()
  const section = page.getByTestId('queues-section')
  await section.getByText('wait here until a desk phone answers').waitFor()
  await section.screenshot({ path: join(artifacts, 'queues-empty.png') })

  // 1. A queue made in the dialog, agent1 picked from the desk phones.
  await section.getByTestId('add-queue').click()
  const form = page.getByTestId('queue-form')
  await form.getByTestId('field-FriendlyName').fill('support')
  const opt1 = form.locator('[data-testid="agent-option"][data-user="agent1"]')
  await opt1.waitFor()
  assert.match(await opt1.textContent(), /Not registered/)
  await opt1.locator('input').check()
  await page.screenshot({ path: join(artifacts, 'queues-dialog.png') })
  await form.getByTestId('queue-save').click()
  await form.waitFor({ state: 'detached' })
  const row = section.locator('[data-testid="queue-row"][data-name="support"]')
  const chip = row.locator('[data-testid="agent-chip"][data-user="agent1"]')
  await chip.waitFor()
  assert.equal(await chip.getAttribute('data-state'), 'offline')
  assert.match(await chip.textContent(), /Offline \(not registered\)/)
  const stored = await api(app.url, 'GET', `${acc}/Queues.json`)
  assert.deepEqual(stored.body.queues.map((q) => [q.friendly_name, q.agents.map((a) => a.user), q.hold_music, q.max_size]), [['support', ['agent1'], 'tone', 100]])

  // 2. baresip registers as agent1: the chip turns Free without a reload.
  phone = await startBaresip('agent1', PASS, app.sipPort)
  await section.locator('[data-testid="agent-chip"][data-user="agent1"][data-state="free"]').waitFor({ timeout: 15_000 }).catch((e) => {
    throw new Error(`${e.message}\nbaresip:\n${phone.log()}`)
  })
  assert.equal(await row.getByTestId('queue-waiting').textContent(), '0')
  assert.equal(await row.getByTestId('queue-longest').textContent(), '—')
  await section.screenshot({ path: join(artifacts, 'queues-settings.png') })

  // 3. An agent that is no desk phone any more is refused beside Agents; nothing is saved.
  await section.getByTestId('add-queue').click()
  await form.getByTestId('field-FriendlyName').fill('sales')
  await form.locator('[data-testid="agent-option"][data-user="agent2"] input').check()
  const creds = await api(app.url, 'GET', `${acc}/SIP/CredentialLists/${list.body.sid}/Credentials.json`)
  const agent2 = creds.body.credentials.find((c) => c.username === 'agent2')
  assert.equal((await api(app.url, 'DELETE', `${acc}/SIP/CredentialLists/${list.body.sid}/Credentials/${agent2.sid}.json`)).status, 204)
  await form.getByTestId('queue-save').click()
  const err = form.getByTestId('field-Agents-error')
  await err.waitFor()
  assert.match(await err.textContent(), /"agent2" is not a desk phone/)
  assert.equal(await form.getByTestId('field-FriendlyName').inputValue(), 'sales')
  // the desk phones are read again: agent2 is marked as gone
  await form.locator('[data-testid="agent-option"][data-user="agent2"]').getByText('not a desk phone any more').waitFor()
  await page.screenshot({ path: join(artifacts, 'queues-dialog-error.png') })
  await form.getByRole('button', { name: 'Cancel' }).click()
  assert.equal((await api(app.url, 'GET', `${acc}/Queues.json`)).body.queues.length, 1)

  // 4. The dashboard: the queue's tile, nobody waiting, 1 agent free of 1.
  await page.getByTestId('nav-dashboard').click()
  const tile = page.locator('[data-testid="queue-tile"][data-name="support"]')
  await tile.waitFor({ timeout: 10_000 })
  assert.equal(await tile.getByTestId('queue-tile-waiting').textContent(), '0')
  assert.equal(await tile.getByTestId('queue-tile-free').textContent(), '1 / 1')
  assert.equal(await tile.locator('[data-testid="agent-chip"][data-user="agent1"]').getAttribute('data-state'), 'free')
  await page.getByTestId('queues-panel').screenshot({ path: join(artifacts, 'queues-dashboard.png') })
  await page.screenshot({ path: join(artifacts, 'queues-dashboard-page.png') })

  assert.deepEqual(problems, [])
})
