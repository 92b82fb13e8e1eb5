// A call from the world, end to end: a trunk added in the Settings page
// registers with a real kamailio (the "provider"), a number is routed to the
// demo flow in the page, sipp calls that number through kamailio and presses
// 1 — and the execution appears live in the flow's Executions panel with its
// path lit on the canvas.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { startAppliance, openBrowser, signIn, api, artifacts } from './appliance.mjs'
import { startKamailio, peersMissing, freeUdpTcpPort } from './voicepeers.mjs'

const PCAP = '/usr/share/sip-tester/dtmf_2833_1.pcap'
const missing = peersMissing() ?? (existsSync(PCAP) ? null : `${PCAP} is missing (sip-tester)`)
const TRUNK_PASS = 'carrier4711'
const NUMBER = '+15550001234'

let app, browser, kam, sipp
const dir = mkdtempSync(join(tmpdir(), 'sb-trunkcall-'))

before(async () => {
  if (missing) return
  kam = await startKamailio(TRUNK_PASS)
  app = await startAppliance()
  browser = await openBrowser()
})

after(async () => {
  if (sipp && sipp.exitCode === null) sipp.kill('SIGKILL')
  await browser?.ctx.close()
  await app?.stop()
  await kam?.stop()
  rmSync(dir, { recursive: true, force: true })
})

// callThroughKamailio: sipp calls NUMBER at kamailio, which relays to our
// registered trunk; the caller presses 1 (RFC 2833 from the pcap) and waits
// for our BYE. The scenario is the Go voice tests' (app/voice/testdata).
async function callThroughKamailio() {
  const xml = readFileSync(resolve(import.meta.dirname, '../../app/voice/testdata/sipp/ivr_dtmf_rr.xml'), 'utf8')
    .replaceAll('PCAP', PCAP).replaceAll('KAMPORT', String(kam.port))
  const sf = join(dir, 'ivr_dtmf_rr.xml')
  writeFileSync(sf, xml)
  const args = [`127.0.0.1:${kam.port}`, '-sf', sf, '-s', NUMBER, '-i', '127.0.0.1', '-p', String(await freeUdpTcpPort()),
    '-mi', '127.0.0.1', '-mp', String(await freeUdpTcpPort()), '-rtp_echo', '-m', '1', '-nostdin', '-timeout', '40s', '-timeout_error', '-d', '1500']
  let out = ''
  sipp = spawn(process.env.SIPP || 'sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  sipp.stdout.on('data', (b) => { out += b })
  sipp.stderr.on('data', (b) => { out += b })
  const done = new Promise((ok) => sipp.once('exit', (code) => ok({ code, out })))
  const killer = setTimeout(() => sipp.kill('SIGKILL'), 50_000)
  done.then(() => clearTimeout(killer))
  return done
}

test('a call through a trunk added in the page runs the routed flow, live on its canvas', { skip: missing ?? false, timeout: 150_000 }, async () => {
  const { page, problems } = browser
  await signIn(page, app.url)

  // The trunk, registered with the provider under the number it carries.
  await page.getByTestId('nav-settings').click()
  await page.getByTestId('trunks-section').waitFor()
  await page.getByTestId('add-trunk').click()
  const form = page.getByTestId('trunk-form')
  await form.getByTestId('field-FriendlyName').fill('carrier')
  await form.getByTestId('field-Registrar').fill(`127.0.0.1:${kam.port}`)
  await form.getByTestId('field-Username').fill(NUMBER)
  await form.getByTestId('field-Password').fill(TRUNK_PASS)
  await form.getByTestId('trunk-save').click()
  await page.locator('[data-testid="trunk-row"][data-name="carrier"] [data-testid="trunk-status"][data-status="registered"]').waitFor({ timeout: 30_000 })
  assert.ok((await kam.aors()).some((a) => a.includes(NUMBER)), 'kamailio has the trunk registered')

  // The number goes to the demo flow.
  await page.getByTestId('field-PhoneNumber').fill(NUMBER)
  await page.getByTestId('new-number-flow').selectOption({ label: 'Demo IVR' })
  await page.getByTestId('add-number').click()
  await page.locator('[data-testid="number-row"]').filter({ hasText: NUMBER }).waitFor()

  // The flow's Executions panel, live.
  const demo = (await api(app.url, 'GET', 'v2/Flows')).body.flows.find((f) => f.friendly_name === 'Demo IVR')
  await page.goto(`${app.url}#/flows/${demo.sid}`)
  await page.getByTestId('canvas').waitFor()
  await page.getByTestId('executions-toggle').click()
  const panel = page.getByTestId('executions-panel')
  await page.waitForSelector('[data-testid=live-state][data-state=live]', { timeout: 10_000 })

  // The call: it appears without a reload and its path lights the canvas.
  const call = callThroughKamailio()
  const row = panel.getByTestId('execution-row').first()
  await row.waitFor({ timeout: 20_000 })
  assert.match(await row.textContent(), /\+15550001111/)
  await row.click()
  await panel.getByTestId('execution-detail').waitFor()
  const result = await call
  assert.equal(result.code, 0, `sipp: ${result.out}\nkamailio: ${kam.log()}`)
  await page.waitForSelector('[data-testid=execution-detail][data-status=ended]', { timeout: 20_000 })
  // Pressing 1 took the menu to the opening hours.
  await page.waitForSelector('.react-flow__node.mark-visited[data-id="opening_hours"]', { timeout: 10_000 })
  const widgets = await panel.getByTestId('step-row').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-widget')))
  assert.deepEqual(widgets.slice(0, 4), ['Trigger', 'main_menu', 'route_choice', 'opening_hours'])
  await page.screenshot({ path: join(artifacts, 'trunk-call.png') })

  // The execution came in through the trunk.
  const xs = (await api(app.url, 'GET', `v2/Flows/${demo.sid}/Executions`)).body.executions
  const ctx = (await api(app.url, 'GET', `v2/Flows/${demo.sid}/Executions/${xs[0].sid}/Context`)).body.context
  assert.equal(ctx.trigger.call.SipTrunk, 'carrier', JSON.stringify(ctx.trigger))
  assert.equal(ctx.trigger.call.To, NUMBER)
  assert.deepEqual(problems, [])
})
