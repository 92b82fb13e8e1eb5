// SMS gateways and messages in the editor against the real headless
// appliance: an HTTP gateway (generic preset) is added through the form
// generated from its kind's JSON Schema, pointed at a small HTTP server this
// test starts on loopback (it stands in for a gateway's HTTP API and records
// what it gets); saved again without retyping its secrets (the API says
// they are still set, and the token still reaches the peer); a test
// message sent from the Messages page reaches the peer and its row turns
// "sent"; a From no gateway owns is refused beside the field (21606).
// Screenshots: e2e/artifacts/messaging-*.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { startAppliance, openBrowser, signIn, api, artifacts, ACCOUNT_SID } from './appliance.mjs'

const TOKEN = 'tok-e2e-4711'
const CALLBACK_SECRET = 'cb-e2e-0815'
const OWNED = '+15550001111'
let app, browser, peer
const got = []

before(async () => {
  peer = createServer((req, res) => {
    let body = ''
    req.on('data', (b) => { body += b })
    req.on('end', () => {
      got.push({ method: req.method, url: req.url, auth: req.headers.authorization ?? '', body })
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ id: `peer-${got.length}` }))
    })
  })
  await new Promise((ok) => peer.listen(0, '127.0.0.1', ok))
  app = await startAppliance()
  browser = await openBrowser()
})

after(async () => {
  await browser?.ctx.close()
  await app?.stop()
  await new Promise((ok) => (peer ? peer.close(ok) : ok()))
})

async function until(what, ok, ms = 10_000) {
  const deadline = Date.now() + ms
  for (;;) {
    if (await ok()) return
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

test('an HTTP gateway added in the page sends a test message; secrets are kept; a From nobody owns is refused', async () => {
  const { page, problems } = browser
  const peerURL = `http://127.0.0.1:${peer.address().port}`
  await signIn(page, app.url)
  await page.getByRole('link', { name: 'Settings' }).click()
  const section = page.getByTestId('messaging-section')
  await section.getByText('No gateway yet').waitFor()

  // The modem kind's generated form, for a look.
  await page.getByTestId('add-gateway').click()
  const form = page.getByTestId('gateway-form')
  await form.getByTestId('kind-modem').waitFor()
  await page.screenshot({ path: join(artifacts, 'messaging-kinds.png') })
  await form.getByTestId('kind-modem').click()
  await form.getByTestId('setting-device').waitFor()
  assert.equal(await form.getByTestId('setting-baud').inputValue(), '115200', 'the schema default')
  assert.equal(await form.getByTestId('setting-pin').getAttribute('type'), 'password')
  await page.screenshot({ path: join(artifacts, 'messaging-modem-form.png') })
  await form.getByText('← Another kind').click()
  await form.getByTestId('kind-smpp').click()
  await form.getByTestId('setting-host').waitFor()
  await page.screenshot({ path: join(artifacts, 'messaging-smpp-form.png') })
  await form.getByText('← Another kind').click()

  // An HTTP gateway, generic preset: kannel-only fields go, the template shows.
  await form.getByTestId('kind-http').click()
  await form.getByTestId('setting-dlr_mask').waitFor()
  await form.getByTestId('setting-preset').selectOption('generic')
  await form.getByTestId('setting-generic.url').waitFor()
  assert.equal(await form.getByTestId('setting-dlr_mask').count(), 0, 'a Kannel-only field is hidden for generic')
  await form.getByTestId('field-FriendlyName').fill('Office HTTP')
  // A bad address is refused at once, then a good one becomes a chip.
  await form.getByTestId('field-Addresses').fill('+0123')
  await form.getByTestId('field-Addresses').press('Enter')
  await form.getByTestId('field-Addresses-error').waitFor()
  await form.getByTestId('field-Addresses').fill(OWNED)
  await form.getByTestId('field-Addresses').press('Enter')
  await form.getByTestId('address-chip').getByText(OWNED).waitFor()
  await form.getByTestId('setting-generic.url').fill(`${peerURL}/send?to={{to}}`)
  await form.getByTestId('setting-generic.body').fill('{"from":"{{from}}","to":"{{to}}","text":"{{body}}"}')
  await form.getByTestId('setting-generic.headers').fill('Authorization: Bearer {{token}}')
  await form.getByTestId('setting-generic.token').fill(TOKEN)
  await form.getByTestId('setting-inbound_secret').fill(CALLBACK_SECRET)
  await form.getByTestId('setting-generic').scrollIntoViewIfNeeded()
  await page.screenshot({ path: join(artifacts, 'messaging-http-form.png') })
  await form.getByTestId('gateway-save').click()
  await form.waitFor({ state: 'detached' })
  const row = section.locator('[data-testid=gateway-row][data-name="Office HTTP"]')
  await row.waitFor()
  await row.getByText(OWNED).waitFor()
  const sid = await row.getAttribute('data-sid')
  assert.match(sid, /^SG/)
  assert.ok(!(await page.content()).includes(TOKEN), 'the token never comes back to the page')

  // Saved again without retyping: the secrets are kept.
  await row.getByTestId('edit-gateway').click()
  assert.equal(await form.getByTestId('setting-generic.token').inputValue(), '')
  assert.equal(await form.getByTestId('setting-generic.token').getAttribute('placeholder'), 'kept — type to replace')
  await form.getByTestId('field-FriendlyName').fill('Office gateway')
  await form.getByTestId('gateway-save').click()
  await form.waitFor({ state: 'detached' })
  await section.locator('[data-testid=gateway-row][data-name="Office gateway"]').waitFor()
  const r = await api(app.url, 'GET', 'v2/Messaging/Gateways')
  const gw = r.body.gateways.find((g) => g.sid === sid)
  assert.deepEqual([...gw.secrets_set].sort(), ['generic.token', 'inbound_secret'])
  assert.ok(!JSON.stringify(r.body).includes(TOKEN))
  await until('the gateway is ready', async () => (await section.getByTestId('gateway-status').getAttribute('data-state')) === 'ready')
  await page.screenshot({ path: join(artifacts, 'messaging-settings.png'), fullPage: true })

  // A test message from the Messages page reaches the peer and turns "sent".
  await page.getByTestId('nav-messages').click()
  await page.getByTestId('messages-empty').waitFor()
  await page.getByTestId('open-send').click()
  const dialog = page.getByTestId('send-dialog')
  assert.equal(await dialog.getByTestId('field-From').inputValue(), OWNED)
  await dialog.getByTestId('field-To').fill('+15557654321')
  await dialog.getByTestId('field-Body').fill('Hello from the e2e test — ünïcödé')
  await dialog.getByTestId('segment-counter').getByText('UCS-2').waitFor()
  await page.screenshot({ path: join(artifacts, 'messaging-send.png') })
  await dialog.getByTestId('send-message').click()
  await dialog.waitFor({ state: 'detached' })
  const msg = page.getByTestId('message-row').first()
  await msg.waitFor()
  await until('the peer received the message', () => got.some((g) => g.url.startsWith('/send')))
  const sent = got.find((g) => g.url.startsWith('/send'))
  assert.equal(sent.auth, `Bearer ${TOKEN}`, 'the kept token reached the peer')
  assert.deepEqual(JSON.parse(sent.body), { from: OWNED, to: '+15557654321', text: 'Hello from the e2e test — ünïcödé' })
  assert.equal(new URL(sent.url, peerURL).searchParams.get('to'), '+15557654321')
  await until('the row turns sent', async () => (await msg.getAttribute('data-status')) === 'sent')
  await msg.getByText('Office gateway').waitFor()

  // A two-part message sent as a script would: clipped in its row, whole on a click.
  const long = 'A longer message, so the row clips it. '.repeat(6).trim()
  const made = await api(app.url, 'POST', `2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, { From: OWNED, To: '+15557650000', Body: long })
  assert.equal(made.status, 201)
  const longRow = page.locator(`[data-testid=message-row][data-sid="${made.body.sid}"]`)
  await longRow.waitFor()
  await longRow.getByText('2 parts').waitFor()
  await until('the long one is sent', async () => (await longRow.getAttribute('data-status')) === 'sent')

  // A From no gateway owns: Twilio's 21606, beside the field.
  await page.getByTestId('open-send').click()
  await dialog.getByTestId('field-From').selectOption({ label: 'Another number…' })
  await dialog.getByTestId('field-From').fill('+15559999999')
  await dialog.getByTestId('field-To').fill('+15557654321')
  await dialog.getByTestId('send-message').click()
  const err = dialog.getByTestId('field-From-error')
  await err.waitFor()
  assert.match(await err.innerText(), /not owned by any of this appliance's SMS gateways/)
  await dialog.getByText('Cancel').click()
  await page.screenshot({ path: join(artifacts, 'messaging-messages.png') })
  assert.equal((await page.getByTestId('message-row').count()), 2, 'the refused message was not stored')

  assert.deepEqual(problems, [])
})
