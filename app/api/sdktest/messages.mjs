// Acceptance test for Switchboard's Messages resource (Twilio's
// /2010-04-01/Accounts/{AccountSid}/Messages), driven by the official
// `twilio` helper library exactly as published on npm: the calls an
// integrator's existing code makes to send and list SMS work unchanged
// against the appliance, which sends them through its own SMS gateways.
//
// Environment: SWITCHBOARD_URL, SWITCHBOARD_ACCOUNT_SID, SWITCHBOARD_AUTH_TOKEN
// (see harness.mjs) and SWITCHBOARD_FROM, a number one of the appliance's
// gateways owns.

import assert from "node:assert/strict";
import http from "node:http";
import process from "node:process";
import twilio from "twilio";

import { RestException, authToken, baseURL, check, checks, client, env, httpClient, rejects, wire } from "./harness.mjs";

const from = env("SWITCHBOARD_FROM");
const to = "+15551230077";
const SM = /^SM[0-9a-f]{32}$/;

console.log(`# server: ${baseURL}`);

// A status callback receiver on loopback; the SDK's own validateRequest
// checks each callback's X-Twilio-Signature.
const callbacks = [];
const hook = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const params = Object.fromEntries(new URLSearchParams(body));
    const url = `http://127.0.0.1:${hook.address().port}${req.url}`;
    callbacks.push({ params, valid: twilio.validateRequest(authToken, req.headers["x-twilio-signature"] || "", url, params) });
    res.end();
  });
});
await new Promise((ok) => hook.listen(0, "127.0.0.1", ok));
const callbackURL = `http://127.0.0.1:${hook.address().port}/status?leg=1`;

async function until(what, fn, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

let first;
await check("messages.create queues a message from a gateway's number", async () => {
  first = await client.messages.create({ to, from, body: "Hello from the twilio SDK ✓", statusCallback: callbackURL });
  wire(first, httpClient.lastBody(), "Message");
  assert.match(first.sid, SM);
  assert.equal(first.status, "queued");
  assert.equal(first.direction, "outbound-api");
  assert.equal(first.from, from);
  assert.equal(first.to, to);
  assert.equal(first.numSegments, "1");
  assert.ok(first.dateCreated instanceof Date && !Number.isNaN(first.dateCreated.getTime()));
  return first.sid;
});

await check("the gateway sends it: fetch shows it sent", async () => {
  const m = await until("sent", async () => {
    const m = await client.messages(first.sid).fetch();
    return m.status === "sent" || m.status === "delivered" ? m : null;
  });
  wire(m, httpClient.lastBody(), "Message");
  assert.ok(m.dateSent instanceof Date, "date_sent is set once sent");
  return m.status;
});

await check("its status callback came, signed so that twilio.validateRequest accepts it", async () => {
  const cb = await until("callback", () => callbacks.find((c) => c.params.MessageStatus === "sent"));
  assert.equal(cb.valid, true, "X-Twilio-Signature validates with the auth token");
  assert.equal(cb.params.MessageSid, first.sid);
  assert.equal(cb.params.SmsSid, first.sid);
  assert.equal(cb.params.To, to);
  assert.equal(cb.params.From, from);
  assert.equal(cb.params.ApiVersion, "2010-04-01");
});

let long;
await check("a long body counts its segments (300 GSM characters: 2)", async () => {
  long = await client.messages.create({ to, from, body: "x".repeat(300) });
  assert.equal(long.numSegments, "2");
});

await check("emoji make a body UCS-2: 71 characters take 2 segments", async () => {
  const m = await client.messages.create({ to, from, body: "😀" + "a".repeat(69) });
  assert.equal(m.numSegments, "2");
});

await check("a From no gateway owns is refused with 21606", async () => {
  await rejects(() => client.messages.create({ to, from: "+15550009999", body: "hi" }), 400, 21606);
});

await check("no To is refused with 21604", async () => {
  await rejects(() => client.request({ method: "post", uri: `https://api.twilio.com/2010-04-01/Accounts/${process.env.SWITCHBOARD_ACCOUNT_SID}/Messages.json`,
    data: { From: from, Body: "hi" } }).then((r) => { if (r.statusCode >= 400) throw new RestException(r); }), 400, 21604);
});

await check("a bad To is refused with 21211", async () => {
  await rejects(() => client.messages.create({ to: "not a number", from, body: "hi" }), 400, 21211);
});

await check("an empty body is refused with 21602", async () => {
  await rejects(() => client.messages.create({ to, from, body: "  " }), 400, 21602);
});

await check("a body over 1600 characters is refused with 21617", async () => {
  await rejects(() => client.messages.create({ to, from, body: "y".repeat(1601) }), 400, 21617);
});

await check("media is refused with 21620 (SMS gateways carry text)", async () => {
  await rejects(() => client.messages.create({ to, from, body: "pic", mediaUrl: ["https://example.com/a.png"] }), 400, 21620);
});

await check("messages.list filters by To and pages through next_page_uri", async () => {
  const all = await client.messages.list({ to, pageSize: 1 });
  assert.equal(all.length, 3, `three messages to ${to}: ${all.map((m) => m.sid)}`);
  assert.ok(all.every((m) => m.to === to));
  const pages = httpClient.sent.filter((r) => r.method === "GET" && r.path.includes("/Messages.json")).length;
  assert.ok(pages >= 3, `the SDK followed next_page_uri (${pages} pages)`);
  const times = all.map((m) => m.dateCreated.getTime());
  assert.deepEqual([...times].sort((a, b) => b - a), times, "newest first");
});

await check("messages.page has Twilio's 2010 envelope", async () => {
  const page = await client.messages.page({ pageSize: 2 });
  const body = httpClient.lastBody();
  for (const k of ["messages", "page", "page_size", "uri", "first_page_uri", "next_page_uri", "previous_page_uri", "start", "end"]) {
    assert.ok(k in body, `the list lacks ${k}`);
  }
  assert.equal(page.instances.length, 2);
  body.messages.forEach((raw, i) => wire(page.instances[i], raw, "Message"));
  assert.ok(body.next_page_uri, "more than one page of 2");
});

await check("messages.list filters by DateSent>", async () => {
  const later = await client.messages.list({ dateSentAfter: new Date(Date.now() + 3600_000) });
  assert.equal(later.length, 0);
  const earlier = await client.messages.list({ dateSentAfter: new Date(Date.now() - 3600_000) });
  assert.ok(earlier.length >= 3);
});

await check("a sent message can be removed; fetching it then is 404 (20404)", async () => {
  await until("long sent", async () => ["sent", "delivered"].includes((await client.messages(long.sid).fetch()).status));
  assert.equal(await client.messages(long.sid).remove(), true);
  await rejects(() => client.messages(long.sid).fetch(), 404, 20404);
});

await check("another account's path is 404", async () => {
  const res = await client.request({ method: "get", uri: `https://api.twilio.com/2010-04-01/Accounts/AC${"0".repeat(32)}/Messages.json` });
  assert.equal(res.statusCode, 404);
});

hook.close();
console.log(`# ${checks()} checks passed; ${httpClient.sent.length} requests, all to ${baseURL}`);
