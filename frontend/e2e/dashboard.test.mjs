// The dashboard against the real appliance: an execution that fails shows up
// in the figures, the chart and the recent errors, live (without a reload).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startAppliance, openBrowser, signIn, api, artifacts } from './appliance.mjs'

let app, browser

before(async () => {
  app = await startAppliance()
  browser = await openBrowser()
})

after(async () => {
  await browser?.ctx.close()
  await app?.stop()
})

const failing = JSON.stringify({
  description: 'fails', initial_state: 'Trigger', flags: { allow_concurrent_calls: true },
  states: [
    { name: 'Trigger', type: 'trigger', properties: { offset: { x: 0, y: 0 } }, transitions: [{ event: 'incomingRequest', next: 'bad' }] },
    { name: 'bad', type: 'send-message', properties: { offset: { x: 0, y: 200 }, from: '{{flow.channel.address}}', to: '{{contact.channel.address}}', body: '{{ 1 | divided_by: 0 }}' }, transitions: [{ event: 'sent' }, { event: 'failed' }] },
  ],
})

test('the dashboard shows an execution and its error live, linked to the flow', async () => {
  const { page, problems } = browser
  await signIn(page, app.url)
  await page.getByTestId('nav-dashboard').click()
  await page.getByTestId('stat-executions').waitFor()
  const total = async () => Number((await page.getByTestId('chart-executions-total').textContent()).split(' ')[0])
  const before = await total()

  const flow = await api(app.url, 'POST', 'v2/Flows', { FriendlyName: 'Fails on purpose', Status: 'published', Definition: failing })
  assert.equal(flow.status, 201, JSON.stringify(flow.body))
  const x = await api(app.url, 'POST', `v2/Flows/${flow.body.sid}/Executions`, { To: '+15550003333', From: '+15550002222' })
  assert.equal(x.status, 201, JSON.stringify(x.body))

  // No reload: the page refreshes itself.
  await page.getByTestId('recent-event').filter({ hasText: '84003' }).first().waitFor({ timeout: 10000 })
  await page.waitForFunction(async (n) => {
    const t = document.querySelector('[data-testid="chart-executions-total"]')?.textContent ?? ''
    return Number(t.split(' ')[0]) > n
  }, before, { timeout: 10000 })
  assert.equal(await total(), before + 1)
  const ev = page.getByTestId('recent-event').filter({ hasText: '84003' }).first()
  assert.match(await ev.textContent(), /bad/)
  await page.screenshot({ path: join(artifacts, 'dashboard.png') })

  // The event links to its execution, open in its flow's Executions panel.
  await ev.getByRole('link', { name: 'Fails on purpose' }).click()
  await page.getByTestId('flow-title').filter({ hasText: 'Fails on purpose' }).waitFor()
  await page.getByTestId('execution-detail').waitFor({ timeout: 10000 })
  assert.match(page.url(), /#\/flows\/FW[0-9a-f]{32}\/executions\/FN[0-9a-f]{32}$/)
  assert.deepEqual(problems, [])
})
