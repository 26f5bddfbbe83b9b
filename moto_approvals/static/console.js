// The moto-approvals console: reads the control API (/approvals/api/) and draws pipelines as
// AWS's console does. No framework and no build step. Every text it shows is user input
// (names, summaries, CustomData), so nodes are built with textContent, never innerHTML.
"use strict";

(function () {
  const API = "api";
  const POLL_MS = 1500;
  const DISABLE_REASON = "Disabled from the console";
  const main = document.getElementById("main");
  const live = document.getElementById("live");
  const accountInput = document.getElementById("account");
  const regionInput = document.getElementById("region");
  // What a person typed, kept across redraws: summaries by approval token, reasons by stage.
  const typed = new Map();
  const outcomes = new Map();
  let shown = "";
  let timer = null;
  let focusPending = true;
  let defaults = { defaultAccountId: "123456789012", defaultRegion: "us-east-1" };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = String(value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function when(seconds) {
    return seconds ? new Date(seconds * 1000).toISOString().replace(".000Z", "Z") : "—";
  }

  function safeUrl(text) {
    // Only web links are clickable: a javascript: or data: URL is shown, never followed.
    try {
      const url = new URL(text);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function statusBadge(status, testid) {
    const text = status || "Didn't run";
    return el("span", { class: "status status-" + text.replace(/\W/g, ""), "data-testid": testid, text });
  }

  function route() {
    const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
    const [account, region, kind, name, focus, stage, action] = parts;
    return {
      account: account || defaults.defaultAccountId,
      region: region || defaults.defaultRegion,
      pipeline: kind === "pipelines" && name ? name : null,
      focus: focus === "approve" && stage && action ? stage + "/" + action : null,
    };
  }

  function link(account, region, pipeline) {
    const parts = [account, region].concat(pipeline ? ["pipelines", pipeline] : []);
    return "#/" + parts.map(encodeURIComponent).join("/");
  }

  function apiPath(where, ...parts) {
    return [API, where.account, where.region].concat(parts).map(encodeURIComponent).join("/");
  }

  async function call(method, path, body) {
    const reply = await fetch(path, {
      method,
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    const data = await reply.json().catch(() => ({}));
    if (!reply.ok) {
      const error = new Error(data.message || reply.statusText);
      error.type = data.__type || String(reply.status);
      throw error;
    }
    return data;
  }

  // -- the account and region pickers ----------------------------------------------------

  async function loadBackends() {
    try {
      const data = await call("GET", API + "/backends");
      defaults = data;
      const accounts = new Set([data.defaultAccountId]);
      const regions = new Set([data.defaultRegion]);
      for (const b of data.backends) {
        accounts.add(b.accountId);
        regions.add(b.region);
      }
      document.getElementById("accounts").replaceChildren(...[...accounts].map((a) => el("option", { value: a })));
      document.getElementById("regions").replaceChildren(...[...regions].map((r) => el("option", { value: r })));
    } catch (e) {
      /* the pickers still take typed values */
    }
  }

  document.getElementById("where").addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = link(accountInput.value.trim(), regionInput.value.trim());
  });

  // -- the list of pipelines -------------------------------------------------------------

  function drawList(where, data) {
    const rows = data.pipelines.map((p) => {
      const latest = p.latestExecution;
      return el(
        "tr",
        { "data-testid": "pipeline-row" },
        el("td", {}, el("a", { href: link(where.account, where.region, p.name), text: p.name })),
        el("td", {}, statusBadge(latest && latest.status, "pipeline-status")),
        el("td", { class: "mono", text: latest ? latest.pipelineExecutionId : "—" }),
        el("td", { text: p.pendingApprovals ? p.pendingApprovals + " waiting" : "" }),
        el("td", { text: when(latest && latest.lastUpdateTime) })
      );
    });
    return el(
      "section",
      { class: "card" },
      el("h1", { text: `Pipelines in ${where.account} · ${where.region}` }),
      rows.length
        ? el(
            "table",
            { class: "grid", "data-testid": "pipelines" },
            el("thead", {}, el("tr", {}, ...["Name", "Latest execution", "Execution ID", "Approvals", "Updated"].map((h) => el("th", { text: h })))),
            el("tbody", {}, rows)
          )
        : el("p", { class: "empty", text: "No pipelines yet. Create one with any AWS SDK or the AWS CLI pointed at this server." })
    );
  }

  // -- one pipeline, drawn stage by stage ------------------------------------------------

  function act(button, work) {
    button.disabled = true;
    return work()
      .then(() => refresh(true))
      .catch((error) => {
        button.disabled = false;
        showError(error);
      });
  }

  function showError(error) {
    const box = document.getElementById("error");
    if (box) box.replaceChildren(el("strong", { text: (error.type || "Error") + ": " }), error.message);
  }

  function approvalBox(where, stage, action, pending) {
    const key = pending.token;
    const summary = el("textarea", {
      "data-testid": "approval-summary",
      rows: 2,
      maxlength: 512,
      placeholder: "Comments (optional)",
      "aria-label": `Summary for ${stage}/${action}`,
      oninput: (event) => typed.set(key, event.target.value),
    });
    summary.value = typed.get(key) || "";
    const answer = (status) => (event) =>
      act(event.target, async () => {
        const reply = await call("POST", apiPath(where, "pipelines", pending.pipelineName, "approvals"), {
          stageName: stage,
          actionName: action,
          token: pending.token,
          result: { status, summary: summary.value },
        });
        typed.delete(key);
        outcomes.set(`${stage}/${action}`, `${status} at ${when(reply.approvedAt)}`);
      });
    return el(
      "div",
      { class: "approval", "data-testid": "approval", id: `approve-${stage}/${action}` },
      el("div", { class: "small", text: `Waiting for an answer until ${pending.expiresAt}` }),
      summary,
      el(
        "div",
        { class: "buttons" },
        el("button", { class: "approve", "data-testid": "approve", onclick: answer("Approved"), text: "Approve" }),
        el("button", { class: "reject", "data-testid": "reject", onclick: answer("Rejected"), text: "Reject" })
      )
    );
  }

  function actionBox(where, stage, declared, state, pendingByAction, focus) {
    const latest = state.latestExecution || {};
    const type = declared.actionTypeId || {};
    const config = declared.configuration || {};
    const pending = pendingByAction.get(`${stage}/${declared.name}`);
    const outcome = outcomes.get(`${stage}/${declared.name}`);
    const external = config.ExternalEntityLink;
    const externalHref = external ? safeUrl(external) : null;
    return el(
      "div",
      {
        class: "action status-box-" + (latest.status || "None") + (focus === `${stage}/${declared.name}` ? " focused" : ""),
        "data-testid": "action",
        "data-action": declared.name,
        "data-status": latest.status || "",
      },
      el("div", { class: "action-head" }, el("strong", { "data-testid": "action-name", text: declared.name }), statusBadge(latest.status, "action-status")),
      el("div", { class: "small", text: `${type.category || ""} · ${type.provider || ""}` }),
      latest.lastStatusChange ? el("div", { class: "small", text: `Last change ${when(latest.lastStatusChange)}` }) : null,
      latest.summary ? el("div", { class: "summary", "data-testid": "action-summary", text: latest.summary }) : null,
      latest.errorDetails ? el("div", { class: "error-text", text: latest.errorDetails.message }) : null,
      config.CustomData ? el("div", { class: "custom", "data-testid": "custom-data", text: config.CustomData }) : null,
      external
        ? el("div", { class: "small" }, "Review: ", externalHref ? el("a", { href: externalHref, rel: "noopener noreferrer", target: "_blank", "data-testid": "external-link", text: external }) : el("span", { text: external }))
        : null,
      pending ? approvalBox(where, stage, declared.name, pending) : null,
      outcome && !pending ? el("div", { class: "outcome", "data-testid": "outcome", text: outcome }) : null
    );
  }

  function transitionBar(where, name, stageState) {
    const inbound = stageState.inboundTransitionState || { enabled: true };
    const stage = stageState.stageName;
    const reasonKey = "reason/" + stage;
    const reason = el("input", { "aria-label": `Reason to disable the transition into ${stage}`, maxlength: 300, oninput: (e) => typed.set(reasonKey, e.target.value) });
    reason.value = typed.get(reasonKey) || DISABLE_REASON;
    const toggle = (enabled) => (event) =>
      act(event.target, () =>
        call("POST", apiPath(where, "pipelines", name, "stages", stage, "transition"), {
          transitionType: "Inbound",
          enabled,
          reason: enabled ? undefined : reason.value,
        })
      );
    return el(
      "div",
      { class: "transition " + (inbound.enabled ? "enabled" : "disabled"), "data-testid": "transition", "data-stage": stage },
      el("span", { class: "arrow", text: inbound.enabled ? "↓" : "⛔" }),
      inbound.enabled
        ? el("span", {}, el("span", { text: "Transition enabled " }), reason, el("button", { "data-testid": "disable-transition", onclick: toggle(false), text: "Disable transition" }))
        : el(
            "span",
            {},
            el("span", { text: `Transition disabled: ${inbound.disabledReason || ""} (${inbound.lastChangedBy || ""}, ${when(inbound.lastChangedAt)}) ` }),
            el("button", { "data-testid": "enable-transition", onclick: toggle(true), text: "Enable transition" })
          )
    );
  }

  function drawPipeline(where, data, focus) {
    const name = data.state.pipelineName;
    const declared = new Map(data.pipeline.stages.map((s) => [s.name, s]));
    const pendingByAction = new Map(data.pendingApprovals.map((p) => [`${p.stageName}/${p.actionName}`, p]));
    const stages = [];
    data.state.stageStates.forEach((stageState, index) => {
      const stageDecl = declared.get(stageState.stageName) || { actions: [] };
      const states = new Map(stageState.actionStates.map((a) => [a.actionName, a]));
      const latest = stageState.latestExecution || {};
      if (index > 0) stages.push(transitionBar(where, name, stageState));
      const retry =
        latest.status === "Failed" || latest.status === "Stopped"
          ? el("button", {
              "data-testid": "retry",
              text: "Retry failed actions",
              onclick: (event) =>
                act(event.target, () =>
                  call("POST", apiPath(where, "pipelines", name, "stages", stageState.stageName, "retry"), {
                    pipelineExecutionId: latest.pipelineExecutionId,
                    retryMode: "FAILED_ACTIONS",
                  })
                ),
            })
          : null;
      stages.push(
        el(
          "section",
          { class: "stage status-box-" + (latest.status || "None"), "data-testid": "stage", "data-stage": stageState.stageName, "data-status": latest.status || "" },
          el(
            "div",
            { class: "stage-head" },
            el("h2", { text: stageState.stageName }),
            statusBadge(latest.status, "stage-status"),
            el("span", { class: "mono small", text: latest.pipelineExecutionId ? `Execution ${latest.pipelineExecutionId}` : "" }),
            retry
          ),
          el("div", { class: "actions" }, stageDecl.actions.map((a) => actionBox(where, stageState.stageName, a, states.get(a.name) || {}, pendingByAction, focus)))
        )
      );
    });
    return el(
      "div",
      {},
      el("p", {}, el("a", { href: link(where.account, where.region), text: "← Pipelines" })),
      el(
        "section",
        { class: "card" },
        el("h1", { "data-testid": "pipeline-name", text: name }),
        el("div", { class: "small", text: `Version ${data.state.pipelineVersion} · ${data.pipeline.executionMode || "SUPERSEDED"} · ${data.pipeline.pipelineType || "V1"} · ${where.account} · ${where.region}` }),
        el("div", { id: "error", class: "error-text", role: "alert" }),
        focus && !pendingByAction.has(focus)
          ? el("p", { class: "notice", "data-testid": "focus-missing", text: `No answer is waiting for ${focus}: it was answered, expired or the execution moved on.` })
          : null
      ),
      el("div", { class: "stages", "data-testid": "stages" }, stages),
      historyTable(where, name, data.executions)
    );
  }

  function historyTable(where, name, executions) {
    const rows = executions.map((e) => {
      const stop =
        e.status === "InProgress" || e.status === "Stopping"
          ? el("button", {
              "data-testid": "stop",
              text: e.status === "Stopping" ? "Abandon" : "Stop",
              onclick: (event) =>
                act(event.target, () =>
                  call("POST", apiPath(where, "pipelines", name, "executions", e.pipelineExecutionId, "stop"), {
                    abandon: e.status === "Stopping",
                    reason: "Stopped from the console",
                  })
                ),
            })
          : null;
      return el(
        "tr",
        { "data-testid": "execution", "data-execution": e.pipelineExecutionId },
        el("td", { class: "mono", text: e.pipelineExecutionId }),
        el("td", {}, statusBadge(e.status, "execution-status")),
        el("td", { text: e.statusSummary || (e.stopTrigger ? e.stopTrigger.reason : "") || "" }),
        el("td", { text: `${e.trigger.triggerType} · ${e.trigger.triggerDetail}` }),
        el("td", { text: when(e.startTime) }),
        el("td", { text: when(e.lastUpdateTime) }),
        el("td", {}, stop)
      );
    });
    return el(
      "section",
      { class: "card" },
      el("h2", { text: "Execution history" }),
      el(
        "table",
        { class: "grid", "data-testid": "history" },
        el("thead", {}, el("tr", {}, ...["Execution ID", "Status", "Summary", "Trigger", "Started", "Updated", ""].map((h) => el("th", { text: h })))),
        el("tbody", {}, rows)
      )
    );
  }

  // -- polling ---------------------------------------------------------------------------

  async function refresh(force) {
    clearTimeout(timer);
    const where = route();
    accountInput.value = accountInput === document.activeElement ? accountInput.value : where.account;
    regionInput.value = regionInput === document.activeElement ? regionInput.value : where.region;
    try {
      const data = where.pipeline
        ? await call("GET", apiPath(where, "pipelines", where.pipeline))
        : await call("GET", apiPath(where, "pipelines"));
      const signature = location.hash + JSON.stringify(data) + JSON.stringify([...outcomes]);
      live.textContent = "live · " + new Date().toISOString().slice(11, 19) + "Z";
      live.className = "live ok";
      if (force || signature !== shown) {
        // Redraw, keeping the keyboard focus where a person is typing.
        const focused = document.activeElement;
        const focusLabel = focused && main.contains(focused) ? focused.getAttribute("aria-label") : null;
        main.replaceChildren(where.pipeline ? drawPipeline(where, data, where.focus) : drawList(where, data));
        shown = signature;
        if (focusLabel) {
          const again = [...main.querySelectorAll("[aria-label]")].find((n) => n.getAttribute("aria-label") === focusLabel);
          if (again) again.focus();
        }
        if (where.focus && focusPending) {
          // A link to an approval (an approval message's review link): bring its form to
          // the person once, ready to type a summary, without stealing focus on later polls.
          focusPending = false;
          const target = document.getElementById("approve-" + where.focus);
          if (target) {
            target.scrollIntoView({ block: "center" });
            target.querySelector("textarea").focus();
          }
        }
      }
    } catch (error) {
      live.textContent = "not reachable";
      live.className = "live bad";
      shown = "";
      main.replaceChildren(el("section", { class: "card error-text", "data-testid": "load-error" }, el("strong", { text: (error.type || "Error") + ": " }), error.message || String(error)));
    } finally {
      timer = setTimeout(refresh, POLL_MS);
    }
  }

  window.addEventListener("hashchange", () => {
    shown = "";
    focusPending = true;
    outcomes.clear();
    refresh(false);
  });
  loadBackends().then(() => refresh(false));
})();
