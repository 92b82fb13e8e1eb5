// Executions from the editor: a call placed with sipp to the demo flow's
// extension appears live in the Executions panel (no reload) and its steps
// light the canvas; opened, it shows its step timeline and each step's
// context. An execution made through the REST API with a hostile contact
// shows as text; End and Delete are confirmed.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startAppliance, openBrowser, signIn, api, artifacts } from './appliance.mjs'

let app, browser, flowSid, sipp
const dir = mkdtempSync(join(tmpdir(), 'sb-sipp-'))

before(async () => {
  app = await startAppliance()
  browser = await openBrowser()
  const flows = await api(app.url, 'GET', 'v2/Flows')
  flowSid = flows.body.flows.find(f => f.friendly_name === 'Demo IVR')?.sid
  assert.ok(flowSid, 'the demo flow is seeded')
})

after(async () => {
  if (sipp && sipp.exitCode === null) sipp.kill('SIGKILL')
  await browser?.ctx.close()
  await app?.stop()
  rmSync(dir, { recursive: true, force: true })
})

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer()
    s.once('error', fail)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => ok(port))
    })
  })
}

// A caller who presses nothing and waits for the flow to hang up.
const silentCaller = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="silent caller">
  <send retrans="500"><![CDATA[

      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "<script>alert(1)</script>" <sip:+15550001111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 53655765 2353687637 IN IP[local_ip_type] [media_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=ptime:20

  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[

      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "<script>alert(1)</script>" <sip:+15550001111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <recv request="BYE" timeout="40000"/>
  <send><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Content-Length: 0

  ]]></send>
</scenario>
`

// placeCall starts sipp calling the demo extension; resolves with its exit code.
async function placeCall() {
  const sf = join(dir, 'silent.xml')
  writeFileSync(sf, silentCaller)
  const args = [`127.0.0.1:${app.sipPort}`, '-sf', sf, '-s', '1000', '-i', '127.0.0.1', '-p', String(await freePort()),
    '-mi', '127.0.0.1', '-mp', String(await freePort()), '-m', '1', '-nostdin', '-timeout', '50s', '-timeout_error']
  let out = ''
  sipp = spawn(process.env.SIPP || 'sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  sipp.stdout.on('data', b => { out += b })
  sipp.stderr.on('data', b => { out += b })
  const done = new Promise((ok) => sipp.once('exit', code => ok({ code, out })))
  const killer = setTimeout(() => sipp.kill('SIGKILL'), 60000)
  done.then(() => clearTimeout(killer))
  return done
}

const node = (page, name) => page.locator(`.react-flow__node[data-id="${name}"]`)

test('a call appears live, its path lights the canvas, its steps open with their context', { timeout: 120000 }, async () => {
  const { page, problems } = browser
  await signIn(page, app.url)
  await page.goto(`${app.url}#/flows/${flowSid}`)
  await page.getByTestId('canvas').waitFor()
  await page.getByTestId('executions-toggle').click()
  const panel = page.getByTestId('executions-panel')
  await panel.waitFor()
  await page.waitForSelector('[data-testid=live-state][data-state=live]', { timeout: 10000 })
  assert.equal(await panel.getByTestId('execution-row').count(), 0)

  // The call: the row appears without a reload.
  const call = placeCall()
  const row = panel.getByTestId('execution-row').first()
  await row.waitFor({ timeout: 15000 })
  assert.match(await row.textContent(), /\+15550001111/)
  assert.match(await row.textContent(), /Active/)

  // Opened while it waits in the menu: Trigger visited, main_menu current.
  await row.click()
  await panel.getByTestId('execution-detail').waitFor()
  await page.waitForSelector('.react-flow__node.mark-current[data-id="main_menu"]', { timeout: 15000 })
  assert.ok(await node(page, 'Trigger').evaluate(n => n.classList.contains('mark-visited')))
  assert.equal(await panel.getByTestId('step-current').textContent().then(t => /main_menu/.test(t)), true)

  // The silent caller times out: no_choice says goodbye and hangs up; the
  // timeline grows live and the execution ends.
  const result = await call
  assert.equal(result.code, 0, `sipp: ${result.out}`)
  await page.waitForSelector('[data-testid=execution-detail][data-status=ended]', { timeout: 20000 })
  await page.waitForSelector('.react-flow__node.mark-visited[data-id="no_choice"]', { timeout: 10000 })
  const widgets = await panel.getByTestId('step-row').evaluateAll(rs => rs.map(r => r.getAttribute('data-widget')))
  assert.deepEqual(widgets.slice(0, 3), ['Trigger', 'main_menu', 'no_choice'])
  assert.equal(await page.locator('.react-flow__node.mark-current').count(), 0)

  // A step's context: what the gather set and the Liquid it rendered.
  const menuStep = panel.locator('[data-testid=step-row][data-widget=main_menu]')
  await menuStep.locator('.step-head').click()
  const ctx = menuStep.getByTestId('step-context')
  await ctx.waitFor()
  assert.match(await menuStep.locator('.step-transition').textContent(), /timeout/)
  await ctx.locator('.step-section').first().waitFor()
  // The step's widget was centered and selected; for the picture, close the
  // inspector (click the empty canvas) and fit the whole lit path in view.
  await page.setViewportSize({ width: 1600, height: 1000 })
  await page.keyboard.press('Escape')
  const pane = await page.locator('.react-flow__pane').boundingBox()
  await page.mouse.click(pane.x + 8, pane.y + pane.height - 8)
  await page.locator('.react-flow__controls-fitview').click()
  await page.waitForTimeout(400)
  await page.screenshot({ path: join(artifacts, 'execution-timeline.png') })
  assert.deepEqual(problems, [])
})

test('a hostile contact from the REST API is text; End and Delete are confirmed', { timeout: 60000 }, async () => {
  const { page, problems } = browser
  const panel = page.getByTestId('executions-panel')
  if (await panel.getByTestId('executions-back').count()) await panel.getByTestId('executions-back').click()
  const hostile = '<img src=x onerror="window.__pwned=1">'
  // A flow that waits, so the execution stays active until ended.
  const def = {
    description: 'waits', initial_state: 'Trigger', flags: { allow_concurrent_calls: true },
    states: [
      { name: 'Trigger', type: 'trigger', transitions: [{ event: 'incomingRequest', next: 'ask' }], properties: {} },
      { name: 'ask', type: 'send-and-wait-for-reply', transitions: [{ event: 'incomingMessage' }, { event: 'timeout' }, { event: 'deliveryFailure' }],
        properties: { from: '{{flow.channel.address}}', body: 'Hello {{flow.data.name}}', timeout: '3600' } },
    ],
  }
  // Its question goes out through an SMS gateway (without one it fails
  // with 21606 and the execution ends): an HTTP gateway whose peer, on
  // loopback, takes every message.
  const peer = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('{}')) })
  await new Promise((ok) => peer.listen(0, '127.0.0.1', ok))
  after(() => peer.close())
  const gw = await api(app.url, 'POST', 'v2/Messaging/Gateways', {
    Kind: 'http', FriendlyName: 'loopback peer', Addresses: '+15550002222',
    Settings: JSON.stringify({ preset: 'generic', inbound_secret: 'a-long-enough-inbound-secret',
      generic: { url: `http://127.0.0.1:${peer.address().port}/send`, body: '{{body}}' } }),
  })
  assert.equal(gw.status, 201, JSON.stringify(gw.body))
  const made = await api(app.url, 'POST', 'v2/Flows', { FriendlyName: 'waiter', Status: 'published', Definition: JSON.stringify(def) })
  assert.equal(made.status, 201, JSON.stringify(made.body))
  const waiter = made.body.sid
  await page.goto(`${app.url}#/flows/${waiter}`)
  await page.getByTestId('executions-toggle').click()
  await page.waitForSelector('[data-testid=live-state][data-state=live]', { timeout: 10000 })

  const x = await api(app.url, 'POST', `v2/Flows/${waiter}/Executions`, { To: hostile, From: '+15550002222', Parameters: JSON.stringify({ name: '<script>window.__pwned=2</script>' }) })
  assert.equal(x.status, 201, JSON.stringify(x.body))
  const row = panel.locator(`[data-testid=execution-row][data-execution-sid="${x.body.sid}"]`)
  await row.waitFor({ timeout: 15000 })
  assert.equal(await row.locator('.exec-contact').textContent(), hostile)
  await row.click()
  assert.equal(await panel.getByTestId('execution-contact').textContent(), hostile)
  const step = panel.locator('[data-testid=step-row][data-widget=Trigger]')
  await step.locator('.step-head').click()
  await step.getByTestId('step-context').waitFor()

  // Filters: status and contact narrow the list (the server's filters).
  await panel.getByTestId('executions-back').click()
  await panel.getByTestId('filter-status').selectOption('ended')
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=execution-row]').length === 0, null, { timeout: 5000 })
  await panel.getByTestId('filter-status').selectOption('')
  await panel.getByTestId('filter-contact').fill(hostile)
  await row.waitFor()
  await panel.getByTestId('filter-contact').fill('+19999999999')
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=execution-row]').length === 0, null, { timeout: 5000 })
  await panel.getByTestId('filter-contact').fill('')
  await row.click()

  // End, confirmed.
  await panel.getByTestId('execution-end').click()
  await page.getByTestId('confirm-dialog').waitFor()
  await page.getByTestId('confirm').click()
  await page.waitForSelector('[data-testid=execution-detail][data-status=ended]')
  assert.equal((await api(app.url, 'GET', `v2/Flows/${waiter}/Executions/${x.body.sid}`)).body.status, 'ended')

  // Delete, confirmed: gone from the list and the API.
  await panel.getByTestId('execution-delete').click()
  await page.getByTestId('confirm').click()
  await panel.getByTestId('executions-list').waitFor()
  await row.waitFor({ state: 'detached' })
  assert.equal((await api(app.url, 'GET', `v2/Flows/${waiter}/Executions/${x.body.sid}`)).status, 404)

  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'nothing from outside ran')
  assert.equal(await page.locator('img[src=x]').count(), 0)
  assert.deepEqual(problems, [])
})
