// Acceptance test for Switchboard's Studio v2 REST API, driven by the official
// `twilio` helper library exactly as published on npm (version pinned in
// package.json/package-lock.json; nothing in node_modules is patched).
//
// The only thing this script adds is an httpClient: a subclass of the SDK's own
// RequestClient that sends what the SDK addresses to https://studio.twilio.com
// and https://api.twilio.com to the local Switchboard instead, and refuses to
// send anything anywhere else.
//
// Environment:
//   SWITCHBOARD_URL          base URL of the server, e.g. http://127.0.0.1:8080 (loopback only)
//   SWITCHBOARD_ACCOUNT_SID  the account SID (AC…)
//   SWITCHBOARD_AUTH_TOKEN   the auth token (never printed)
//   SWITCHBOARD_FLOW_FILE    optional: a Studio flow definition with a REST trigger
//                            (incomingRequest) leading to a widget that waits;
//                            an inline flow is used when unset or missing.
//
// Every check prints one "ok N - …" line; the first failure prints
// "not ok N - …" with the assertion and exits non-zero.

import assert from "node:assert/strict";
import fs from "node:fs";
import process from "node:process";
import twilio from "twilio";

import {
  RestException, accountSid, authToken, baseURL, check, checks, client, describe, env, extras, httpClient, indent, rejects, wire, wirePage,
} from "./harness.mjs";

const flowFile = process.env.SWITCHBOARD_FLOW_FILE || "";
const studio = client.studio.v2;

const SID = (prefix) => new RegExp(`^${prefix}[0-9a-f]{32}$`);
const isDate = (d) => d instanceof Date && !Number.isNaN(d.getTime());
const clone = (v) => JSON.parse(JSON.stringify(v));

// ---------------------------------------------------------------- the flow

// inlineFlow is used when no corpus file is given: a REST-triggered flow that
// sends a question and waits for the reply.
const inlineFlow = {
  description: "sdk acceptance (inline)",
  initial_state: "Trigger",
  flags: { allow_concurrent_calls: true },
  states: [
    {
      name: "Trigger", type: "trigger", properties: { offset: { x: 0, y: 0 } },
      transitions: [{ event: "incomingMessage" }, { event: "incomingCall" }, { event: "incomingRequest", next: "ask" }],
    },
    {
      name: "ask", type: "send-and-wait-for-reply",
      properties: { offset: { x: 0, y: 200 }, from: "{{flow.channel.address}}", body: "Hi {{flow.data.name}}, how are you?", timeout: "3600" },
      transitions: [{ event: "incomingMessage" }, { event: "timeout" }, { event: "deliveryFailure" }],
    },
  ],
};

let definition;
let source;
if (flowFile && fs.existsSync(flowFile)) {
  definition = JSON.parse(fs.readFileSync(flowFile, "utf8"));
  source = flowFile.split("/").pop();
} else {
  definition = inlineFlow;
  source = flowFile ? `inline flow (${flowFile} not found)` : "inline flow";
}
const trigger = definition.states.find((s) => s.type === "trigger");
const firstWidget = trigger.transitions.find((t) => t.event === "incomingRequest" && t.next)?.next;
assert.ok(firstWidget, `${source}: the trigger has no incomingRequest transition`);
const waitingWidget = definition.states.find((s) => s.name === firstWidget);
console.log(`# flow: ${source}; REST trigger -> ${firstWidget} (${waitingWidget.type})`);
console.log(`# server: ${baseURL}; twilio-node ${readSDKVersion()}`);

function readSDKVersion() {
  try {
    const url = new URL("./node_modules/twilio/package.json", import.meta.url);
    return JSON.parse(fs.readFileSync(url, "utf8")).version;
  } catch {
    return "?";
  }
}

// A second revision: same flow, another description and question.
const definition2 = clone(definition);
definition2.description = "sdk acceptance, revision 2";
if (typeof waitingWidget.properties?.body === "string") {
  definition2.states.find((s) => s.name === firstWidget).properties.body = "Revision 2 asks: who are you?";
}

// An invalid definition: the trigger leads to a widget that does not exist.
const broken = clone(definition);
broken.states.find((s) => s.type === "trigger").transitions
  .find((t) => t.event === "incomingRequest").next = "NoSuchWidget";

// ---------------------------------------------------------------- scenario

const friendlyName = "SDK acceptance";
const to = "+15551230001";
const from = "+15559870000";
let flowSid;
let execSid;

await check("Flow Validate accepts the flow (valid: true)", async () => {
  const v = await studio.flowValidate.update({ friendlyName, status: "draft", definition });
  assert.equal(v.valid, true);
  wire(v, httpClient.lastBody(), "FlowValidate");
  return `valid=${v.valid}`;
});

await check("Flow Validate refuses a transition to a missing widget: 400, 81022 with details", async () => {
  const e = await rejects(() => studio.flowValidate.update({ friendlyName, status: "draft", definition: broken }), 400, 81022);
  assert.ok(e.details && Array.isArray(e.details.errors), `details.errors is an array (details=${JSON.stringify(e.details)})`);
  assert.ok(e.details.errors.length >= 1);
  for (const f of e.details.errors) assert.equal(typeof f.message, "string");
  assert.ok(e.details.errors.some((f) => /NoSuchWidget/.test(f.message) || /NoSuchWidget/.test(f.property_path || "")),
    `a failure names NoSuchWidget: ${JSON.stringify(e.details.errors)}`);
  return `${e.details.errors.length} failure(s), first: ${JSON.stringify(e.details.errors[0])}`;
});

await check("Flow Validate needs every required parameter (the SDK refuses before sending)", async () => {
  const before = httpClient.sent.length;
  assert.throws(() => studio.flowValidate.update({ friendlyName, status: "draft" }), /definition/);
  assert.equal(httpClient.sent.length, before);
});

await check("create a draft flow: 201 Flow, revision 1", async () => {
  const res = await studio.flows.createWithHttpInfo({ friendlyName, status: "draft", definition, commitMessage: "first" });
  assert.equal(res.statusCode, 201);
  const f = res.body;
  wire(f, httpClient.lastBody(), "Flow");
  assert.match(f.sid, SID("FW"));
  assert.equal(f.accountSid, accountSid);
  assert.equal(f.friendlyName, friendlyName);
  assert.equal(f.status, "draft");
  assert.equal(f.revision, 1);
  assert.equal(f.commitMessage, "first");
  assert.equal(f.valid, true);
  assert.deepEqual(f.errors, []);
  assert.ok(Array.isArray(f.warnings));
  assert.deepEqual(f.definition, definition);
  assert.ok(isDate(f.dateCreated), `dateCreated ${f.dateCreated}`);
  assert.match(f.url, new RegExp(`/v2/Flows/${f.sid}$`));
  assert.match(f.webhookUrl, new RegExp(`/Flows/${f.sid}$`));
  assert.deepEqual(Object.keys(f.links).sort(), ["executions", "revisions", "test_users"]);
  flowSid = f.sid;
  return `${f.sid} revision ${f.revision}`;
});

await check("create refuses an invalid published flow: 400, 81022", async () => {
  await rejects(() => studio.flows.create({ friendlyName, status: "published", definition: broken }), 400, 81022);
});

await check("update with a new definition and commit message: revision 2", async () => {
  const f = await studio.flows(flowSid).update({ status: "draft", definition: definition2, commitMessage: "second" });
  wire(f, httpClient.lastBody(), "Flow");
  assert.equal(f.sid, flowSid);
  assert.equal(f.revision, 2);
  assert.equal(f.status, "draft");
  assert.equal(f.commitMessage, "second");
  assert.deepEqual(f.definition, definition2);
  return `revision ${f.revision}, commit "${f.commitMessage}"`;
});

await check("publish: status published, definition kept", async () => {
  const f = await studio.flows(flowSid).update({ status: "published", commitMessage: "go live" });
  assert.equal(f.status, "published");
  assert.equal(f.revision, 3);
  assert.deepEqual(f.definition, definition2);
  return `revision ${f.revision} ${f.status}`;
});

await check("fetch the flow: the latest revision, published", async () => {
  const f = await studio.flows(flowSid).fetch();
  wire(f, httpClient.lastBody(), "Flow");
  assert.equal(f.revision, 3);
  assert.equal(f.status, "published");
  assert.equal(f.friendlyName, friendlyName);
  assert.deepEqual(f.definition, definition2);
});

await check("list flows: ours is there, without its definition", async () => {
  const flows = await studio.flows.list({ pageSize: 50 });
  wirePage(flows, "Flow", "flows");
  const mine = flows.find((f) => f.sid === flowSid);
  assert.ok(mine, `flow ${flowSid} in the list of ${flows.length}`);
  assert.equal(mine.definition, null);
  assert.equal(mine.status, "published");
  return `${flows.length} flow(s)`;
});

// twilio-node 6.2.0 cannot list revisions against any server: its
// FlowRevisionPage.getInstance builds each FlowRevisionInstance without the
// revision argument, whose constructor then calls revision.toString() on
// undefined. The check proves that is still the SDK's fault (the server's
// answer is fine when read through the SDK's own client.request), so a newer
// SDK that fixes it is noticed.
await check("list revisions: 1, 2 and 3, without definitions", async () => {
  let revs;
  let via = "revisions.list()";
  try {
    revs = (await studio.flows(flowSid).revisions.list()).map((r) => ({ revision: r.revision, sid: r.sid, definition: r.definition, url: r.url }));
  } catch (err) {
    if (!(err instanceof TypeError && /FlowRevisionInstance/.test(err.stack))) throw err;
    console.log("# twilio-node bug: FlowRevisionPage.getInstance omits the revision (TypeError in new FlowRevisionInstance); reading the page with client.request");
    const res = await client.request({ method: "get", uri: `https://studio.twilio.com/v2/Flows/${flowSid}/Revisions` });
    assert.equal(res.statusCode, 200);
    const body = typeof res.body === "string" ? JSON.parse(res.body) : res.body;
    assert.equal(body.meta.key, "revisions");
    assert.equal(body.meta.next_page_url, null);
    revs = body.revisions;
    via = "client.request";
  }
  assert.deepEqual(revs.map((r) => r.revision).sort(), [1, 2, 3]);
  for (const r of revs) {
    assert.equal(r.sid, flowSid);
    assert.equal(r.definition, null);
    assert.match(r.url, new RegExp(`/v2/Flows/${flowSid}/Revisions/${r.revision}$`));
  }
  return `via ${via}, order ${revs.map((r) => r.revision).join(",")}`;
});

await check("fetch revision 1 by number: the first definition, draft", async () => {
  const r = await studio.flows(flowSid).revisions("1").fetch();
  wire(r, httpClient.lastBody(), "FlowRevision");
  assert.equal(r.revision, 1);
  assert.equal(r.status, "draft");
  assert.equal(r.commitMessage, "first");
  assert.equal(r.valid, true);
  assert.deepEqual(r.definition, definition);
});

await check("fetch revision LatestPublished: revision 3", async () => {
  const r = await studio.flows(flowSid).revisions("LatestPublished").fetch();
  assert.equal(r.revision, 3);
  assert.equal(r.status, "published");
  assert.deepEqual(r.definition, definition2);
});

await check("fetch revision LatestRevision: revision 3", async () => {
  const r = await studio.flows(flowSid).revisions("LatestRevision").fetch();
  assert.equal(r.revision, 3);
});

await check("fetch revision 'first': 400, 81021", async () => {
  await rejects(() => studio.flows(flowSid).revisions("first").fetch(), 400, 81021);
});

await check("fetch revision 99: 404, 20404", async () => {
  await rejects(() => studio.flows(flowSid).revisions("99").fetch(), 404, 20404);
});

const testers = ["+15550001111", "+15550002222"];
await check("set test users: the list comes back", async () => {
  const tu = await studio.flows(flowSid).testUsers().update({ testUsers: testers });
  wire(tu, httpClient.lastBody(), "FlowTestUser");
  assert.equal(tu.sid, flowSid);
  assert.deepEqual(tu.testUsers, testers);
  assert.match(tu.url, new RegExp(`/v2/Flows/${flowSid}/TestUsers$`));
});

await check("fetch test users: the same list", async () => {
  const tu = await studio.flows(flowSid).testUsers().fetch();
  assert.deepEqual(tu.testUsers, testers);
});

await check("create an execution: 201, active, waiting", async () => {
  const res = await studio.flows(flowSid).executions.createWithHttpInfo({ to, from, parameters: { name: "Ada", n: 7, nested: { k: "v" } } });
  assert.equal(res.statusCode, 201);
  const x = res.body;
  wire(x, httpClient.lastBody(), "Execution");
  assert.match(x.sid, SID("FN"));
  assert.equal(x.accountSid, accountSid);
  assert.equal(x.flowSid, flowSid);
  assert.equal(x.contactChannelAddress, to);
  assert.match(x.contactSid, SID("FC"));
  assert.equal(x.status, "active");
  assert.equal(x.flowVersion, 3);
  assert.ok(isDate(x.dateCreated));
  assert.match(x.url, new RegExp(`/v2/Flows/${flowSid}/Executions/${x.sid}$`));
  assert.deepEqual(Object.keys(x.links).sort(), ["execution_context", "steps"]);
  execSid = x.sid;
  return `${x.sid} flow_version ${x.flowVersion}`;
});

await check("fetch the execution: still active (it waits in " + firstWidget + ")", async () => {
  const x = await studio.flows(flowSid).executions(execSid).fetch();
  assert.equal(x.sid, execSid);
  assert.equal(x.status, "active");
});

await check("a second execution for the same contact: 409, 20409, details.conflicting_execution_sid", async () => {
  const e = await rejects(() => studio.flows(flowSid).executions.create({ to, from }), 409, 20409);
  assert.equal(e.details?.conflicting_execution_sid, execSid);
  return `conflicting_execution_sid=${e.details.conflicting_execution_sid}`;
});

await check("create without To: the SDK refuses before sending; sent anyway (client.request): 400, 20001", async () => {
  assert.throws(() => studio.flows(flowSid).executions.create({ from }), /to/);
  const res = await client.request({
    method: "post", uri: `https://studio.twilio.com/v2/Flows/${flowSid}/Executions`,
    data: { From: from }, headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  const body = httpClient.lastBody();
  assert.equal(res.statusCode, 400);
  assert.equal(body.code, 20001);
  assert.match(body.message, /\bTo\b/);
  return body.message;
});

await check("execution context: parameters in flow.data, contact and channel addresses", async () => {
  const c = await studio.flows(flowSid).executions(execSid).executionContext().fetch();
  wire(c, httpClient.lastBody(), "ExecutionContext");
  assert.equal(c.accountSid, accountSid);
  assert.equal(c.flowSid, flowSid);
  assert.equal(c.executionSid, execSid);
  assert.match(c.url, new RegExp(`/Executions/${execSid}/Context$`));
  const ctx = c.context;
  assert.deepEqual(ctx.flow.data, { name: "Ada", n: 7, nested: { k: "v" } });
  assert.equal(ctx.contact.channel.address, to);
  assert.equal(ctx.flow.channel.address, from);
  return `context keys ${Object.keys(ctx).sort().join(",")}`;
});

let stepSid;
await check("execution steps: Trigger -> " + firstWidget + " on incomingRequest", async () => {
  const steps = await studio.flows(flowSid).executions(execSid).steps.list();
  wirePage(steps, "ExecutionStep", "steps");
  assert.ok(steps.length >= 1, "no steps");
  const first = steps.find((s) => s.transitionedFrom === "Trigger");
  assert.ok(first, `a step from Trigger among ${JSON.stringify(steps.map((s) => [s.transitionedFrom, s.transitionedTo]))}`);
  assert.match(first.sid, SID("FT"));
  assert.equal(first.name, "incomingRequest");
  assert.equal(first.transitionedTo, firstWidget);
  assert.equal(first.type, "trigger");
  assert.equal(first.executionSid, execSid);
  assert.equal(first.flowSid, flowSid);
  assert.ok(isDate(first.dateCreated));
  assert.deepEqual(Object.keys(first.links), ["step_context"]);
  stepSid = first.sid;
  return `${steps.length} step(s); ${first.sid}`;
});

await check("fetch the step by SID", async () => {
  const s = await studio.flows(flowSid).executions(execSid).steps(stepSid).fetch();
  wire(s, httpClient.lastBody(), "ExecutionStep");
  assert.equal(s.sid, stepSid);
  assert.equal(s.transitionedTo, firstWidget);
});

await check("step context", async () => {
  const c = await studio.flows(flowSid).executions(execSid).steps(stepSid).stepContext().fetch();
  wire(c, httpClient.lastBody(), "ExecutionStepContext");
  assert.equal(c.stepSid, stepSid);
  assert.equal(c.executionSid, execSid);
  assert.equal(c.flowSid, flowSid);
  assert.equal(typeof c.context, "object");
  assert.notEqual(c.context, null);
  assert.match(c.url, new RegExp(`/Steps/${stepSid}/Context$`));
});

await check("end the execution: status ended", async () => {
  const x = await studio.flows(flowSid).executions(execSid).update({ status: "ended" });
  wire(x, httpClient.lastBody(), "Execution");
  assert.equal(x.sid, execSid);
  assert.equal(x.status, "ended");
});

await check("end it again: 409, 20409", async () => {
  await rejects(() => studio.flows(flowSid).executions(execSid).update({ status: "ended" }), 409, 20409);
});

await check("the contact is free again: a new execution is created (201)", async () => {
  const res = await studio.flows(flowSid).executions.createWithHttpInfo({ to, from });
  assert.equal(res.statusCode, 201);
  assert.notEqual(res.body.sid, execSid);
  assert.equal(res.body.status, "active");
  const x = await studio.flows(flowSid).executions(res.body.sid).update({ status: "ended" });
  assert.equal(x.status, "ended");
});

await check("list executions with status=ended: both ended ones", async () => {
  const xs = await studio.flows(flowSid).executions.list({ status: "ended" });
  assert.equal(xs.length, 2);
  assert.ok(xs.every((x) => x.status === "ended"));
  const active = await studio.flows(flowSid).executions.list({ status: "active" });
  assert.equal(active.length, 0);
});

await check("delete the execution: 204, then 404 20404", async () => {
  const res = await studio.flows(flowSid).executions(execSid).removeWithHttpInfo();
  assert.equal(res.statusCode, 204);
  assert.equal(res.body, true);
  await rejects(() => studio.flows(flowSid).executions(execSid).fetch(), 404, 20404);
  await rejects(() => studio.flows(flowSid).executions(execSid).steps.list(), 404, 20404);
});

await check("a draft after publishing: test users run it (revision 4), everyone else the published 3", async () => {
  const f = await studio.flows(flowSid).update({ status: "draft", commitMessage: "draft after publish" });
  assert.equal(f.revision, 4);
  assert.equal(f.status, "draft");
  assert.equal((await studio.flows(flowSid).revisions("LatestPublished").fetch()).revision, 3);
  assert.equal((await studio.flows(flowSid).revisions("LatestRevision").fetch()).revision, 4);
  const tester = await studio.flows(flowSid).executions.create({ to: testers[0], from });
  const other = await studio.flows(flowSid).executions.create({ to: "+15551239999", from });
  assert.equal(tester.flowVersion, 4, "test user's flow_version");
  assert.equal(other.flowVersion, 3, "other contact's flow_version");
  for (const x of [tester, other]) assert.equal((await studio.flows(flowSid).executions(x.sid).update({ status: "ended" })).status, "ended");
  return `test user ran ${tester.flowVersion}, other contact ran ${other.flowVersion}`;
});

// Paging: a flow of its own, so the listing holds exactly what is made here.
let pagingFlow;
const made = [];
await check("60 executions for 60 contacts", async () => {
  pagingFlow = (await studio.flows.create({ friendlyName: "SDK paging", status: "published", definition })).sid;
  for (let i = 0; i < 60; i++) {
    const x = await studio.flows(pagingFlow).executions.create({ to: `+1555200${String(i).padStart(4, "0")}`, from, parameters: { i } });
    assert.equal(x.status, "active");
    made.push(x.sid);
  }
  assert.equal(new Set(made).size, 60);
  return `${made.length} created on ${pagingFlow}`;
});

const newestFirst = () => made.slice().reverse();

await check("list({pageSize: 25}): 60 executions, each once, newest first, in 3 requests", async () => {
  const before = httpClient.sent.length;
  const xs = await studio.flows(pagingFlow).executions.list({ pageSize: 25 });
  const gets = httpClient.sent.slice(before);
  assert.deepEqual(xs.map((x) => x.sid), newestFirst());
  assert.equal(gets.length, 3, `page requests: ${gets.map((r) => r.path).join(" ")}`);
  assert.ok(gets.every((r) => r.method === "GET" && r.path.includes(`/v2/Flows/${pagingFlow}/Executions`)));
  assert.ok(gets.every((r) => /PageSize=25/.test(r.path)), "every page request keeps PageSize=25");
  return `pages: ${gets.map((r) => r.path.replace(/^.*\?/, "?")).join(" ")}`;
});

await check("each({pageSize: 25}): the same 60, each once, newest first", async () => {
  const seen = [];
  await studio.flows(pagingFlow).executions.each({ pageSize: 25 }, (x) => { seen.push(x.sid); });
  assert.equal(new Set(seen).size, seen.length, "an execution was seen twice");
  assert.deepEqual(seen, newestFirst());
  return `${seen.length} seen`;
});

await check("page({pageSize: 25}) and nextPage(): 25, 25, 10, then none", async () => {
  const sizes = [];
  let page = await studio.flows(pagingFlow).executions.page({ pageSize: 25 });
  assert.equal(page.instances.length, 25);
  wirePage(page.instances, "Execution", "executions");
  const meta = httpClient.lastBody().meta;
  assert.equal(meta.page, 0);
  assert.equal(meta.page_size, 25);
  assert.equal(meta.previous_page_url, null);
  assert.ok(meta.next_page_url, "first page has a next_page_url");
  const sids = [];
  while (page) {
    sizes.push(page.instances.length);
    sids.push(...page.instances.map((x) => x.sid));
    page = await page.nextPage();
  }
  assert.deepEqual(sizes, [25, 25, 10]);
  assert.deepEqual(sids, newestFirst());
  return sizes.join(", ");
});

await check("getPage(next_page_url): the page the server named", async () => {
  const first = await studio.flows(pagingFlow).executions.page({ pageSize: 25 });
  const next = httpClient.lastBody().meta.next_page_url;
  const second = await studio.flows(pagingFlow).executions.getPage(next);
  assert.deepEqual(second.instances.map((x) => x.sid), newestFirst().slice(25, 50));
  assert.equal(first.instances.length, 25);
  assert.equal(httpClient.lastBody().meta.page, 1);
  assert.ok(httpClient.lastBody().meta.previous_page_url, "second page has a previous_page_url");
  const back = await second.previousPage();
  assert.ok(back, "previousPage() of the second page");
  assert.deepEqual(back.instances.map((x) => x.sid), newestFirst().slice(0, 25));
});

await check("list({limit: 30, pageSize: 25}): the newest 30", async () => {
  const xs = await studio.flows(pagingFlow).executions.list({ limit: 30, pageSize: 25 });
  assert.deepEqual(xs.map((x) => x.sid), newestFirst().slice(0, 30));
});

await check("list with DateCreatedFrom in the future: none", async () => {
  const xs = await studio.flows(pagingFlow).executions.list({ dateCreatedFrom: new Date(Date.now() + 3600_000) });
  assert.equal(xs.length, 0);
  const all = await studio.flows(pagingFlow).executions.list({ dateCreatedFrom: new Date(Date.now() - 3600_000), pageSize: 100 });
  assert.equal(all.length, 60);
});

await check("unknown flow SID: 404, 20404", async () => {
  await rejects(() => studio.flows("FW" + "0".repeat(32)).fetch(), 404, 20404);
});

await check("unknown execution SID: 404, 20404", async () => {
  await rejects(() => studio.flows(flowSid).executions("FN" + "0".repeat(32)).fetch(), 404, 20404);
});

await check("an execution under another flow's SID: 404, 20404", async () => {
  await rejects(() => studio.flows(flowSid).executions(made[0]).fetch(), 404, 20404);
});

await check("wrong auth token: 401", async () => {
  const wrong = twilio(accountSid, "0".repeat(32), { httpClient });
  await rejects(() => wrong.studio.v2.flows(flowSid).fetch(), 401, 20003);
  const stranger = twilio("AC" + "1".repeat(32), authToken, { httpClient });
  await rejects(() => stranger.studio.v2.flows.list(), 401, 20003);
});

let key;
await check("create an API key (newKeys.create): SK SID and a secret", async () => {
  const res = await client.newKeys.createWithHttpInfo({ friendlyName: "sdk acceptance" });
  assert.equal(res.statusCode, 201);
  key = res.body;
  wire(key, httpClient.lastBody(), "NewKey");
  assert.match(key.sid, SID("SK"));
  assert.equal(key.friendlyName, "sdk acceptance");
  assert.equal(typeof key.secret, "string");
  assert.ok(key.secret.length >= 32, "secret too short");
  assert.ok(isDate(key.dateCreated), `dateCreated ${key.dateCreated}`);
  return key.sid;
});

await check("fetch the API key: no secret", async () => {
  const k = await client.keys(key.sid).fetch();
  wire(k, httpClient.lastBody(), "Key");
  assert.equal(k.sid, key.sid);
  assert.equal(k.friendlyName, "sdk acceptance");
  assert.ok(!("secret" in httpClient.lastBody()), "fetch shows the secret");
});

await check("list API keys: the new key, without its secret", async () => {
  const keys = await client.keys.list();
  const raw = httpClient.lastBody();
  assert.ok(Array.isArray(raw.keys), "Keys.json list has a keys array");
  raw.keys.forEach((item, i) => wire(keys[i], item, "Key"));
  const k = keys.find((x) => x.sid === key.sid);
  assert.ok(k, "key listed");
  assert.equal(k.friendlyName, "sdk acceptance");
  assert.equal(k.secret, undefined);
});

await check("rename the API key (keys(sid).update) and page through keys one at a time", async () => {
  const second = await client.newKeys.create({ friendlyName: "second" });
  const k = await client.keys(key.sid).update({ friendlyName: "renamed" });
  assert.equal(k.friendlyName, "renamed");
  const seen = [];
  await client.keys.each({ pageSize: 1 }, (item) => seen.push(item.sid));
  assert.deepEqual([...seen].sort(), [key.sid, second.sid].sort(), "each key once, one per page");
  const page = await client.keys.page({ pageSize: 1 });
  assert.equal(page.instances.length, 1);
  await client.keys(second.sid).remove();
  return `${seen.length} keys over ${seen.length} pages`;
});

await check("the API key and secret are credentials: fetch the flow with them", async () => {
  const keyClient = twilio(key.sid, key.secret, { accountSid, httpClient });
  const f = await keyClient.studio.v2.flows(flowSid).fetch();
  assert.equal(f.sid, flowSid);
  const tu = await keyClient.studio.v2.flows(flowSid).testUsers().fetch();
  assert.deepEqual(tu.testUsers, testers);
});

await check("remove the API key: then its credentials get 401", async () => {
  const gone = await client.keys(key.sid).remove();
  assert.equal(gone, true);
  const keyClient = twilio(key.sid, key.secret, { accountSid, httpClient });
  await rejects(() => keyClient.studio.v2.flows(flowSid).fetch(), 401, 20003);
  const keys = await client.keys.list();
  assert.ok(!keys.some((x) => x.sid === key.sid), "removed key still listed");
});

await check("delete both flows: 204, then 404", async () => {
  for (const sid of [flowSid, pagingFlow]) {
    const res = await studio.flows(sid).removeWithHttpInfo();
    assert.equal(res.statusCode, 204);
    await rejects(() => studio.flows(sid).fetch(), 404, 20404);
  }
});

console.log(`# ${checks()} checks passed; ${httpClient.sent.length} requests, all to ${baseURL}`);
