// A look as a person would have it: starts the appliance (bin/switchboard,
// fresh data), signs in in Chromium and screenshots the sign-in page, the
// flows list, the demo flow's canvas and its inspector into OUTDIR.
//   node e2e/shot.mjs [OUTDIR]     (default: e2e/artifacts)
import { join } from 'node:path'
import { startAppliance, openBrowser, signIn, artifacts } from './appliance.mjs'

const out = process.argv[2] ?? artifacts
const app = await startAppliance()
const { ctx, page, problems } = await openBrowser()
try {
  await page.goto(app.url)
  await page.getByTestId('login-form').waitFor()
  await page.screenshot({ path: join(out, '1-login.png') })
  await signIn(page, app.url)
  await page.getByTestId('flow-row').first().waitFor()
  await page.screenshot({ path: join(out, '2-flows.png') })
  await page.getByRole('link', { name: 'Demo IVR' }).click()
  await page.locator('.react-flow__node').first().waitFor()
  await page.screenshot({ path: join(out, '3-flow.png') })
  await page.locator('.react-flow__node[data-id="main_menu"]').click()
  await page.getByTestId('inspector').waitFor()
  await page.screenshot({ path: join(out, '4-inspector.png') })
  console.log(problems.length ? problems.join("\n") : "no page errors")
} finally {
  await ctx.close()
  await app.stop()
}
