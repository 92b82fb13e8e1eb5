// The Settings page against the real headless appliance and real SIP peers
// on loopback: a trunk added in the page registers with kamailio and turns
// "registered" live; a bad field is refused beside the field; a trunk whose
// registrar does not answer shows "Failing" with its error and next retry;
// a desk phone added in the page registers from baresip and shows as
// registered; a number is routed to a flow; removing the trunk removes
// kamailio's binding. No password reaches the page after saving, nor the
// appliance's log.
// Screenshots: e2e/artifacts/settings-*.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startAppliance, openBrowser, signIn, api, artifacts, ACCOUNT_SID } from './appliance.mjs'
import { startKamailio, startBaresip, peersMissing, freeUdpTcpPort } from './voicepeers.mjs'

const missing = peersMissing()
const TRUNK_PASS = 'kamPass4711'
const PHONE_PASS = 'deskPass0815'
let app, browser, kam, phone

before(async () => {
  if (missing) return
  kam = await startKamailio(TRUNK_PASS)
  app = await startAppliance()
  browser = await openBrowser()
})

after(async () => {
  await browser?.ctx.close()
  await phone?.stop()
  await app?.stop()
  await kam?.stop()
})

async function until(what, ok, ms = 10_000) {
  const deadline = Date.now() + ms
  for (;;) {
    if (await ok()) return
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

test('trunks, desk phones and numbers, live', { skip: missing ?? false }, async () => {
  const { page, problems } = browser
  await signIn(page, app.url)
  await page.getByRole('link', { name: 'Settings' }).click()
  await page.getByTestId('trunks-section').waitFor()
  await page.getByText('No trunks yet').waitFor()

  // 1. A bad registrar is refused at its field; nothing is saved.
  await page.getByTestId('add-trunk').click()
  const form = page.getByTestId('trunk-form')
  await form.getByTestId('field-FriendlyName').fill('provider')
  await form.getByTestId('field-Registrar').fill('not a host')
  await form.getByTestId('field-Username').fill('ivr')
  await form.getByTestId('field-Password').fill(TRUNK_PASS)
  await form.getByTestId('field-Expires').fill('60')
  await form.getByTestId('trunk-save').click()
  await form.getByTestId('field-Registrar-error').waitFor()
  assert.match(await form.getByTestId('field-Registrar-error').textContent(), /host:port/)
  await page.screenshot({ path: join(artifacts, 'settings-field-error.png') })
  assert.equal((await api(app.url, 'GET', 'v2/Voice/Trunks')).body.trunks.length, 0)

  // 2. Fixed, it is saved and registers with kamailio, live.
  await form.getByTestId('field-Registrar').fill(`127.0.0.1:${kam.port}`)
  await form.getByTestId('trunk-save').click()
  await form.waitFor({ state: 'detached' })
  const row = page.locator('[data-testid="trunk-row"][data-name="provider"]')
  const started = Date.now()
  await row.locator('[data-testid="trunk-status"][data-status="registered"]').waitFor({ timeout: 10_000 })
  assert.ok(Date.now() - started < 5000, `registered after ${Date.now() - started} ms`)
  assert.ok((await kam.aors()).includes('ivr'), 'kamailio holds ivr')
  await row.getByText(/refresh in/).waitFor()

  // 3. A registrar that refuses connections: Failing, with the error and the next retry.
  const dead = await freeUdpTcpPort()
  await page.getByTestId('add-trunk').click()
  await form.getByTestId('field-FriendlyName').fill('backup carrier')
  await form.getByTestId('field-Registrar').fill(`127.0.0.1:${dead}`)
  await form.getByTestId('field-Username').fill('ivr2')
  await form.getByTestId('field-Password').fill(TRUNK_PASS)
  await form.getByTestId('field-Transport').selectOption('tcp')
  await form.getByTestId('trunk-save').click()
  const failing = page.locator('[data-testid="trunk-row"][data-name="backup carrier"]')
  await failing.locator('[data-testid="trunk-status"][data-status="failed"]').waitFor({ timeout: 10_000 })
  await failing.getByText(/retry/).waitFor()
  // The other trunk is not held up.
  await row.locator('[data-testid="trunk-status"][data-status="registered"]').waitFor()

  // 4. Editing shows the password as set, never its value.
  await row.getByTestId('edit-trunk').click()
  await form.getByTestId('field-Password-set').waitFor()
  assert.equal(await form.locator('input[type=password]').count(), 0)
  await page.screenshot({ path: join(artifacts, 'settings-edit-trunk.png') })
  await form.getByRole('button', { name: 'Cancel' }).click()

  // 5. A desk phone: added here, registered by baresip, shown live.
  // The page says where phones register: the appliance's SIP address.
  assert.equal(await page.getByTestId('sip-address').locator('code').first().textContent(), `127.0.0.1:${app.sipPort}`)
  await page.getByTestId('add-phone').click()
  const pf = page.getByTestId('phone-form')
  await pf.getByTestId('field-Username').fill('desk1')
  await pf.getByTestId('field-Password').fill('short')
  await pf.getByTestId('phone-save').click()
  await pf.getByTestId('field-Password-error').waitFor()
  await pf.getByTestId('field-Password').fill(PHONE_PASS)
  await pf.getByTestId('phone-save').click()
  await pf.waitFor({ state: 'detached' })
  const phoneRow = page.locator('[data-testid="phone-row"][data-username="desk1"]')
  await phoneRow.locator('[data-testid="phone-status"][data-registered="no"]').waitFor()
  phone = await startBaresip('desk1', PHONE_PASS, app.sipPort)
  await phoneRow.locator('[data-testid="phone-status"][data-registered="yes"]').waitFor({ timeout: 15_000 }).catch((e) => {
    throw new Error(`${e.message}\nbaresip:\n${phone.log()}`)
  })

  // 6. A number routed to a flow.
  const demo = (await api(app.url, 'GET', 'v2/Flows')).body.flows.find((f) => f.friendly_name === 'Demo IVR')
  await page.getByTestId('field-PhoneNumber').fill('+15550001234')
  await page.getByTestId('new-number-flow').selectOption({ label: 'Demo IVR' })
  await page.getByTestId('add-number').click()
  await page.locator('[data-testid="number-row"][data-number="+15550001234"]').waitFor()
  const nums = (await api(app.url, 'GET', `2010-04-01/Accounts/${ACCOUNT_SID}/IncomingPhoneNumbers.json?PhoneNumber=%2B15550001234`)).body
  assert.match(nums.incoming_phone_numbers[0].voice_url, new RegExp(demo.sid))
  await page.screenshot({ path: join(artifacts, 'settings-page.png'), fullPage: true })

  // 7. Removing the trunk removes kamailio's binding.
  await row.getByTestId('remove-trunk').click()
  await page.getByTestId('confirm').click()
  await row.waitFor({ state: 'detached' })
  await until('kamailio dropped ivr', async () => !(await kam.aors()).includes('ivr'), 5000)

  // 8. Removing the number asks first; after it, the number routes nowhere.
  const numRow = page.locator('[data-testid="number-row"][data-number="+15550001234"]')
  await numRow.getByTestId('remove-number').click()
  const ask = page.getByTestId('confirm-dialog')
  await ask.waitFor()
  assert.match(await ask.textContent(), /Remove \+15550001234\?.*refused \(SIP 404\)/s)
  await page.screenshot({ path: join(artifacts, 'settings-remove-number.png') })
  await ask.getByTestId('confirm').click()
  await numRow.waitFor({ state: 'detached' })
  const left = (await api(app.url, 'GET', `2010-04-01/Accounts/${ACCOUNT_SID}/IncomingPhoneNumbers.json?PhoneNumber=%2B15550001234`)).body
  assert.equal(left.incoming_phone_numbers.length, 0)

  // Nothing shows or logs a password.
  const html = await page.content()
  assert.ok(!html.includes(TRUNK_PASS) && !html.includes(PHONE_PASS))
  assert.ok(!app.log().includes(TRUNK_PASS) && !app.log().includes(PHONE_PASS), 'a password in the log')
  assert.deepEqual(problems, [])
})
