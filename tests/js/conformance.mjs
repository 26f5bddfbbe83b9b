// The AWS SDK for JavaScript v3 against a moto-approvals server: every served operation, its
// paginators and at least one modeled error per family must parse.
//
//   ENDPOINT=http://127.0.0.1:5000 ROLE_ARN=arn:aws:iam::123456789012:role/pipeline \
//   JS_SDK_DIR=.js-sdk node tests/js/conformance.mjs
//
// ROLE_ARN names an IAM role trusted by codepipeline.amazonaws.com (CreatePipeline checks it).
// Prints one JSON object: {"results": [{"operation", "step", "ok", "detail"}], "served": [...],
// "notServed": [...]}. Exits 0 when every step passed, 1 otherwise.
import { createRequire } from "node:module";
import path from "node:path";

const { ENDPOINT, ROLE_ARN } = process.env;
const sdkDir = path.resolve(process.env.JS_SDK_DIR ?? ".js-sdk");
const sdk = createRequire(path.join(sdkDir, "package.json"))("@aws-sdk/client-codepipeline");

const client = new sdk.CodePipelineClient({
  endpoint: ENDPOINT,
  region: "us-east-1",
  credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  maxAttempts: 1,
});

// The operations served today; more are discovered at run time (anything not answering 501).
const KNOWN_SERVED = [
  "CreatePipeline", "GetPipeline", "ListPipelines", "UpdatePipeline", "DeletePipeline",
  "StartPipelineExecution", "GetPipelineExecution", "ListPipelineExecutions",
  "StopPipelineExecution", "RetryStageExecution", "GetPipelineState", "PutApprovalResult",
  "ListActionExecutions", "EnableStageTransition", "DisableStageTransition",
  "TagResource", "UntagResource", "ListTagsForResource",
  "CreateCustomActionType", "DeleteCustomActionType", "ListActionTypes", "GetActionType",
  "UpdateActionType",
  "PollForJobs", "AcknowledgeJob", "GetJobDetails", "PutJobSuccessResult", "PutJobFailureResult",
  "PollForThirdPartyJobs", "AcknowledgeThirdPartyJob", "GetThirdPartyJobDetails",
  "PutThirdPartyJobSuccessResult", "PutThirdPartyJobFailureResult",
];

const results = [];

async function step(operation, name, body) {
  try {
    await body();
    results.push({ operation, step: name, ok: true, detail: "" });
  } catch (err) {
    const detail = `${err?.name ?? "Error"}: ${err?.message ?? err}`;
    results.push({ operation, step: name, ok: false, detail });
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function isDate(value) {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

const send = (operation, input) => client.send(new sdk[`${operation}Command`](input));

// A modeled error: the SDK parsed its type (one of `names`), its message and the status.
async function fails(operation, input, names, status = 400) {
  const expected = [names].flat();
  try {
    await send(operation, input);
  } catch (err) {
    check(expected.includes(err.name), `expected ${expected}, got ${err.name}: ${err.message}`);
    check(err.$metadata?.httpStatusCode === status, `status ${err.$metadata?.httpStatusCode}`);
    check(typeof err.message === "string" && err.message.length > 0, "no message");
    return;
  }
  throw new Error(`expected ${expected}, got a success`);
}

async function pages(paginator, input, pageSize) {
  const seen = [];
  for await (const page of paginator({ client, pageSize }, input)) seen.push(page);
  return seen;
}

const stage = (name, action, actionTypeId, extra = {}) => ({
  name,
  actions: [{ name: action, actionTypeId, ...extra }],
});
const pipeline = {
  name: "js-release",
  roleArn: ROLE_ARN,
  artifactStore: { type: "S3", location: "artifacts" },
  stages: [
    stage("Source", "Fetch", { category: "Source", owner: "AWS", provider: "S3", version: "1" }, {
      configuration: { S3Bucket: "src", S3ObjectKey: "app.zip" },
      outputArtifacts: [{ name: "App" }],
    }),
    stage("Approve", "ManualApproval", {
      category: "Approval", owner: "AWS", provider: "Manual", version: "1",
    }),
  ],
};
const name = pipeline.name;
const target = { pipelineName: name, stageName: "Approve", actionName: "ManualApproval" };
const MISSING_ID = "00000000-0000-4000-8000-000000000000";

async function token() {
  const state = await send("GetPipelineState", { name });
  const approve = state.stageStates.find((s) => s.stageName === "Approve");
  return approve.actionStates[0].latestExecution?.token;
}

// The job families: every error a worker meets before any job exists.
async function jobs() {
  const unknownJob = "0c35520a-b7e6-403d-ba3f-e02120b524c3";
  const custom = { category: "Build", owner: "Custom", provider: "Nobody", version: "1" };
  const failure = { type: "JobFailed", message: "no" };
  await step("PollForJobs", "error: ActionTypeNotFoundException", () =>
    fails("PollForJobs", { actionTypeId: custom }, "ActionTypeNotFoundException"));
  await step("PollForThirdPartyJobs", "error: ActionTypeNotFoundException", () =>
    fails("PollForThirdPartyJobs", { actionTypeId: { ...custom, owner: "ThirdParty" } },
      "ActionTypeNotFoundException"));
  for (const [operation, input] of [
    ["AcknowledgeJob", { jobId: unknownJob, nonce: "n" }],
    ["GetJobDetails", { jobId: unknownJob }],
    ["PutJobSuccessResult", { jobId: unknownJob }],
    ["PutJobFailureResult", { jobId: unknownJob, failureDetails: failure }],
    ["AcknowledgeThirdPartyJob", { jobId: unknownJob, nonce: "n", clientToken: "t" }],
    ["GetThirdPartyJobDetails", { jobId: unknownJob, clientToken: "t" }],
    ["PutThirdPartyJobSuccessResult", { jobId: unknownJob, clientToken: "t" }],
    ["PutThirdPartyJobFailureResult",
      { jobId: unknownJob, clientToken: "t", failureDetails: failure }],
  ]) {
    await step(operation, "error: JobNotFoundException", () =>
      fails(operation, input, "JobNotFoundException"));
  }
}

async function scenario() {
  let pipelineArn;
  let first;
  let second;
  await step("CreatePipeline", "create", async () => {
    const out = await send("CreatePipeline", { pipeline, tags: [{ key: "team", value: "js" }] });
    check(out.pipeline.name === name, "pipeline name");
  });
  await step("CreatePipeline", "error: ValidationException", () =>
    fails("CreatePipeline", { pipeline: { ...pipeline, name: "bad name!" } }, "ValidationException"));
  await step("GetPipeline", "get", async () => {
    const out = await send("GetPipeline", { name });
    pipelineArn = out.metadata.pipelineArn;
    check(out.pipeline.stages.length === 2, "stages");
    check(isDate(out.metadata.created) && isDate(out.metadata.updated), "metadata timestamps");
  });
  pipelineArn ??= `arn:aws:codepipeline:us-east-1:123456789012:${name}`;
  await step("GetPipeline", "error: PipelineNotFoundException", () =>
    fails("GetPipeline", { name: "missing" }, "PipelineNotFoundException"));
  await step("ListPipelines", "list", async () => {
    const out = await send("ListPipelines", {});
    check(out.pipelines.some((p) => p.name === name && isDate(p.created)), "summary");
  });
  await step("ListPipelines", "paginateListPipelines", async () => {
    const all = (await pages(sdk.paginateListPipelines, {}, 1)).flatMap((p) => p.pipelines);
    check(all.some((p) => p.name === name), "paged summaries");
  });
  await step("GetPipelineState", "state with a token", async () => {
    const state = await send("GetPipelineState", { name });
    const approve = state.stageStates.find((s) => s.stageName === "Approve");
    const latest = approve.actionStates[0].latestExecution;
    check(latest.status === "InProgress" && latest.token, "pending approval");
    check(isDate(latest.lastStatusChange) && isDate(state.created), "state timestamps");
    first = approve.latestExecution.pipelineExecutionId;
  });
  await step("GetPipelineState", "error: PipelineNotFoundException", () =>
    fails("GetPipelineState", { name: "missing" }, "PipelineNotFoundException"));
  await step("StartPipelineExecution", "start", async () => {
    const out = await send("StartPipelineExecution", { name, clientRequestToken: "js-1" });
    second = out.pipelineExecutionId;
    check(typeof second === "string" && second !== first, "a new execution id");
  });
  await step("StartPipelineExecution", "error: PipelineNotFoundException", () =>
    fails("StartPipelineExecution", { name: "missing" }, "PipelineNotFoundException"));
  await step("GetPipelineExecution", "get", async () => {
    const out = await send("GetPipelineExecution", { pipelineName: name, pipelineExecutionId: first });
    check(out.pipelineExecution.status === "InProgress", out.pipelineExecution.status);
  });
  await step("GetPipelineExecution", "error: PipelineExecutionNotFoundException", () =>
    fails("GetPipelineExecution", { pipelineName: name, pipelineExecutionId: MISSING_ID },
      "PipelineExecutionNotFoundException"));
  await step("ListPipelineExecutions", "list", async () => {
    const out = await send("ListPipelineExecutions", { pipelineName: name });
    check(out.pipelineExecutionSummaries.length === 2, "two executions");
    check(out.pipelineExecutionSummaries.every((s) => isDate(s.startTime)), "start times");
  });
  await step("ListPipelineExecutions", "paginateListPipelineExecutions", async () => {
    const seen = await pages(sdk.paginateListPipelineExecutions, { pipelineName: name }, 1);
    check(seen.length >= 2, `${seen.length} pages`);
    const ids = seen.flatMap((p) => p.pipelineExecutionSummaries.map((s) => s.pipelineExecutionId));
    check(new Set(ids).size === 2, "each execution once");
  });
  await step("ListPipelineExecutions", "error: ValidationException", () =>
    fails("ListPipelineExecutions", { pipelineName: "bad name!" }, "ValidationException"));
  await step("ListActionExecutions", "list", async () => {
    const out = await send("ListActionExecutions", { pipelineName: name });
    check(out.actionExecutionDetails.every((d) => isDate(d.startTime)), "start times");
  });
  await step("ListActionExecutions", "paginateListActionExecutions", async () => {
    const seen = await pages(sdk.paginateListActionExecutions,
      { pipelineName: name, filter: { pipelineExecutionId: first } }, 1);
    check(seen.length >= 2, `${seen.length} pages`);
  });
  await step("ListActionExecutions", "error: PipelineNotFoundException", () =>
    fails("ListActionExecutions", { pipelineName: "missing" }, "PipelineNotFoundException"));
  await step("PutApprovalResult", "error: InvalidApprovalTokenException", () =>
    fails("PutApprovalResult", { ...target, token: MISSING_ID, result: { status: "Approved", summary: "no" } },
      "InvalidApprovalTokenException"));
  await step("PutApprovalResult", "approve", async () => {
    const out = await send("PutApprovalResult",
      { ...target, token: await token(), result: { status: "Approved", summary: "ok" } });
    check(isDate(out.approvedAt), "approvedAt");
  });
  await step("DisableStageTransition", "disable", () =>
    send("DisableStageTransition",
      { pipelineName: name, stageName: "Approve", transitionType: "Inbound", reason: "freeze" }));
  await step("DisableStageTransition", "error: StageNotFoundException", () =>
    fails("DisableStageTransition",
      { pipelineName: name, stageName: "Nope", transitionType: "Inbound", reason: "x" },
      "StageNotFoundException"));
  await step("EnableStageTransition", "enable", () =>
    send("EnableStageTransition", { pipelineName: name, stageName: "Approve", transitionType: "Inbound" }));
  await step("EnableStageTransition", "error: StageNotFoundException", () =>
    fails("EnableStageTransition", { pipelineName: name, stageName: "Nope", transitionType: "Inbound" },
      "StageNotFoundException"));
  // The second execution now holds the approval: reject it, retry it, then stop it.
  await step("RetryStageExecution", "retry after a rejection", async () => {
    await send("PutApprovalResult",
      { ...target, token: await token(), result: { status: "Rejected", summary: "no" } });
    const out = await send("RetryStageExecution",
      { pipelineName: name, stageName: "Approve", pipelineExecutionId: second, retryMode: "FAILED_ACTIONS" });
    check(out.pipelineExecutionId === second, "same execution");
  });
  await step("RetryStageExecution", "error: StageNotRetryableException", () =>
    fails("RetryStageExecution",
      { pipelineName: name, stageName: "Approve", pipelineExecutionId: second, retryMode: "FAILED_ACTIONS" },
      "StageNotRetryableException"));
  await step("StopPipelineExecution", "stop and abandon", async () => {
    const out = await send("StopPipelineExecution",
      { pipelineName: name, pipelineExecutionId: second, abandon: true, reason: "js" });
    check(out.pipelineExecutionId === second, "same execution");
  });
  await step("StopPipelineExecution", "error: PipelineExecutionNotStoppableException", () =>
    fails("StopPipelineExecution", { pipelineName: name, pipelineExecutionId: first },
      "PipelineExecutionNotStoppableException"));
  await step("TagResource", "tag", () =>
    send("TagResource", { resourceArn: pipelineArn, tags: [{ key: "stage", value: "beta" }] }));
  await step("ListTagsForResource", "list", async () => {
    const out = await send("ListTagsForResource", { resourceArn: pipelineArn });
    check(out.tags.some((t) => t.key === "stage" && t.value === "beta"), "the new tag");
  });
  await step("UntagResource", "untag", () =>
    send("UntagResource", { resourceArn: pipelineArn, tagKeys: ["stage"] }));
  const unknownArn = "arn:aws:codepipeline:us-east-1:123456789012:missing";
  for (const operation of ["TagResource", "UntagResource", "ListTagsForResource"]) {
    const input = { resourceArn: unknownArn, tags: [{ key: "k", value: "v" }], tagKeys: ["k"] };
    if (operation === "ListTagsForResource") { delete input.tags; delete input.tagKeys; }
    if (operation === "UntagResource") delete input.tags;
    if (operation === "TagResource") delete input.tagKeys;
    await step(operation, "error: ResourceNotFoundException", () =>
      fails(operation, input, "ResourceNotFoundException"));
  }
  await step("UpdatePipeline", "update", async () => {
    const out = await send("UpdatePipeline", { pipeline });
    check(out.pipeline.version === 2, `version ${out.pipeline.version}`);
  });
  // Which code a missing pipeline gets is the backend's business; here it must parse.
  await step("UpdatePipeline", "error: a missing pipeline", () =>
    fails("UpdatePipeline", { pipeline: { ...pipeline, name: "missing" } },
      ["PipelineNotFoundException", "ResourceNotFoundException"]));
  await actionTypes();
  await step("DeletePipeline", "delete", () => send("DeletePipeline", { name }));
  await step("DeletePipeline", "error: ValidationException", () =>
    fails("DeletePipeline", { name: "bad name!" }, "ValidationException"));
}

async function actionTypes() {
  const custom = { category: "Build", provider: "JsBuild", version: "1" };
  const counts = { minimumCount: 0, maximumCount: 1 };
  const scanner = {
    id: { category: "Test", owner: "ThirdParty", provider: "JsScan", version: "1" },
    executor: { type: "JobWorker", configuration: {} },
    inputArtifactDetails: counts,
    outputArtifactDetails: counts,
  };
  await step("CreateCustomActionType", "create", async () => {
    const out = await send("CreateCustomActionType", {
      ...custom, inputArtifactDetails: counts, outputArtifactDetails: counts,
      tags: [{ key: "team", value: "js" }],
    });
    check(out.actionType.id.owner === "Custom" && out.tags.length === 1, "type and tags");
  });
  await step("CreateCustomActionType", "error: ValidationException", () =>
    fails("CreateCustomActionType",
      { ...custom, inputArtifactDetails: counts, outputArtifactDetails: counts },
      "ValidationException"));
  await step("ListActionTypes", "paginateListActionTypes", async () => {
    const all = (await pages(sdk.paginateListActionTypes, {}, 1)).flatMap((p) => p.actionTypes);
    check(all.some((t) => t.id.provider === "JsBuild"), "the custom type");
    check(all.some((t) => t.id.owner === "AWS"), "AWS's own types");
  });
  await step("ListActionTypes", "error: InvalidNextTokenException", () =>
    fails("ListActionTypes", { nextToken: "nope" }, "InvalidNextTokenException"));
  await step("UpdateActionType", "update", () => send("UpdateActionType", { actionType: scanner }));
  await step("UpdateActionType", "error: RequestFailedException", () =>
    fails("UpdateActionType",
      { actionType: { ...scanner, id: { ...scanner.id, owner: "AWS", provider: "Manual", category: "Approval" } } },
      "RequestFailedException"));
  await step("GetActionType", "get", async () => {
    const out = await send("GetActionType", scanner.id);
    check(out.actionType.id.provider === "JsScan", "the third-party type");
  });
  await step("GetActionType", "error: ActionTypeNotFoundException", () =>
    fails("GetActionType", { ...scanner.id, provider: "Missing" }, "ActionTypeNotFoundException"));
  await step("DeleteCustomActionType", "delete", () => send("DeleteCustomActionType", custom));
  await step("DeleteCustomActionType", "error: ValidationException", () =>
    fails("DeleteCustomActionType", { ...custom, provider: "bad name!" }, "ValidationException"));
}

// Every operation of the SDK: 501 NotImplemented (parsed, too) or served.
async function discover() {
  const operations = Object.keys(sdk)
    .filter((key) => key.endsWith("Command") && key !== "Command" && !key.startsWith("$"))
    .map((key) => key.slice(0, -"Command".length))
    .sort();
  const served = [];
  const notServed = [];
  for (const operation of operations) {
    try {
      await send(operation, {});
      served.push(operation);
    } catch (err) {
      if (err.$metadata?.httpStatusCode === 501 && err.name === "NotImplemented") {
        notServed.push(operation);
      } else {
        served.push(operation);
      }
    }
  }
  return { served, notServed };
}

const { served, notServed } = await discover();
await scenario();
await jobs();
// A served operation the scenario does not know yet: its error path must still parse.
for (const operation of served.filter((op) => !KNOWN_SERVED.includes(op))) {
  await step(operation, "discovered: an empty request is a modeled error or a success", async () => {
    try {
      await send(operation, {});
    } catch (err) {
      check(err.$metadata?.httpStatusCode === 400, `status ${err.$metadata?.httpStatusCode}`);
      check(/^[A-Z][A-Za-z]+$/.test(err.name) && err.message, `unparsed: ${err.name}`);
    }
  });
}
for (const operation of KNOWN_SERVED.filter((op) => !served.includes(op))) {
  results.push({ operation, step: "served", ok: false, detail: "answers 501 NotImplemented" });
}
process.stdout.write(`${JSON.stringify({ results, served, notServed })}\n`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
