// lakelight's page: the same JSON API as every client, with the key the person pasted.
// Every value from the data is inserted with textContent (see el), never as HTML.
"use strict";

const KEY = "lakelight.key";
const RECENT = "lakelight.recent";
const ROUTE_WORDS = {
  lookup: "Looked up: the answer is read from the rows cited below.",
  aggregate: "Computed: the figure comes from the SQL below, run over the data.",
  none: "The data does not say.",
};

const $ = (id) => document.getElementById(id);

// A new element; strings become text nodes, so row text can never become markup.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name === "text") node.textContent = value;
    else if (name === "className") node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// a source's last path part ("sales.csv", "chinook.db"); the whole URI is in the row's title
function short(source) {
  return String(source).split(/[\\/]/).filter(Boolean).pop() || String(source);
}

function show(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(path, { method = "GET", body, accept = "application/json" } = {}) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(KEY) || ""}`, Accept: accept };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer",
  });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try { message = (await response.json()).error.message || message; } catch (_) { /* not JSON */ }
    if (response.status === 401 && path !== "/v1/me") signOut("Your key was refused: sign in again.");
    throw new ApiError(response.status, message);
  }
  return response;
}

// --- sign in ---

async function signIn(key) {
  sessionStorage.setItem(KEY, key);
  const me = await (await api("/v1/me")).json();
  $("who").textContent = `Signed in as ${me.name}` +
    (me.groups.length ? ` (groups: ${me.groups.join(", ")})` : " (no group)");
  $("signin").hidden = true;
  $("app").hidden = false;
  $("sign-out").hidden = false;
  renderRecent();
  $("question").focus();
}

function signOut(message) {
  sessionStorage.removeItem(KEY);
  $("app").hidden = true;
  $("sign-out").hidden = true;
  $("signin").hidden = false;
  $("who").textContent = "";
  $("signin-error").textContent = message || "";
  $("key").value = "";
  $("key").focus();
}

// --- tabs: arrow keys move between them, as the ARIA tabs pattern says ---

const loaded = {};

function selectTab(tab) {
  for (const other of document.querySelectorAll('[role="tab"]')) {
    const on = other === tab;
    other.setAttribute("aria-selected", String(on));
    other.tabIndex = on ? 0 : -1;
    $(other.getAttribute("aria-controls")).hidden = !on;
  }
  tab.focus();
  const panel = tab.getAttribute("aria-controls");
  if (panel === "panel-data" && !loaded.data) loadData();
  if (panel === "panel-synth" && !loaded.tables) loadTableChoices();
}

function tabKeys(event) {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const at = tabs.indexOf(document.activeElement);
  const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[event.key];
  if (next === undefined || at < 0) return;
  event.preventDefault();
  selectTab(tabs[(next + tabs.length) % tabs.length]);
}

// --- ask ---

let current = null; // the answer on screen: {answer_id}
let rating = 0;

function rowTable(row) {
  const body = el("tbody");
  for (const [column, value] of Object.entries(row || {})) {
    body.append(el("tr", {}, el("th", { scope: "row", text: column }), el("td", { text: show(value) })));
  }
  return el("div", { className: "scroll" },
    el("table", {}, el("thead", {}, el("tr", {}, el("th", { text: "column" }), el("th", { text: "value" }))), body));
}

function renderAnswer(out, seconds) {
  const box = $("answer");
  box.replaceChildren();
  const none = out.route === "none";
  box.append(el("p", { className: none ? "text none" : "text", text: out.answer }));
  box.append(el("p", { className: "route" }, el("strong", { text: "Route: " }), ROUTE_WORDS[out.route] || out.route));
  if (out.sql) {
    box.append(el("h3", { text: "SQL" }), el("pre", {}, el("code", { text: out.sql })));
  }
  if (out.citations.length) {
    box.append(el("h3", { text: `Cited rows (${out.citations.length})` }));
    out.citations.forEach((c, i) => {
      box.append(el("details", { className: "citation" },
        el("summary", { title: c.source }, `[${i + 1}] ${c.table} · key ${c.key} · ${short(c.source)}`),
        rowTable(c.row)));
    });
  } else if (none) {
    box.append(el("p", { className: "meta", text: "No row answers this question, so nothing is cited." }));
  }
  const server = out.timings && out.timings.total_ms;
  box.append(el("p", { className: "meta latency" },
    `Answered in ${seconds.toFixed(2)} s` + (server !== undefined ? ` (server ${Math.round(server)} ms)` : "") +
    (out.cached ? ", from the cache" : "") + (out.llm && out.llm !== "not used" ? `; model: ${out.llm}` : "")));
  current = { answer_id: out.answer_id };
  rating = 0;
  $("rate").hidden = !out.answer_id;
  $("rate-up").setAttribute("aria-pressed", "false");
  $("rate-down").setAttribute("aria-pressed", "false");
  $("rate-comment").value = "";
  $("rate-status").textContent = "";
}

async function ask(question) {
  const box = $("answer");
  box.setAttribute("aria-busy", "true");
  $("ask-button").disabled = true;
  box.replaceChildren(el("p", { className: "meta", text: "Looking…" }));
  const started = performance.now();
  try {
    const out = await (await api("/v1/ask", {
      method: "POST", body: { question, use_llm: $("use-llm").checked },
    })).json();
    renderAnswer(out, (performance.now() - started) / 1000);
    remember({ question, route: out.route });
  } catch (error) {
    box.replaceChildren(el("p", { className: "error", role: "alert", text: error.message }));
    $("rate").hidden = true;
  } finally {
    box.setAttribute("aria-busy", "false");
    $("ask-button").disabled = false;
  }
}

function remember(item) {
  const list = JSON.parse(sessionStorage.getItem(RECENT) || "[]").filter((q) => q.question !== item.question);
  list.unshift(item);
  sessionStorage.setItem(RECENT, JSON.stringify(list.slice(0, 20)));
  renderRecent();
}

function renderRecent() {
  const list = JSON.parse(sessionStorage.getItem(RECENT) || "[]");
  $("recent").replaceChildren(...list.map((q) => {
    const again = el("button", { type: "button", text: q.question });
    again.addEventListener("click", () => { $("question").value = q.question; ask(q.question); });
    return el("li", {}, again, el("span", { className: "meta", text: ` (${q.route})` }));
  }));
}

function choose(value) {
  rating = value;
  $("rate-up").setAttribute("aria-pressed", String(value === 1));
  $("rate-down").setAttribute("aria-pressed", String(value === -1));
  $("rate-status").textContent = value === 1 ? "👍 chosen: send it, with a comment if you like." :
    "👎 chosen: a comment helps the data team fix it.";
}

async function sendRating() {
  if (!current || !rating) { $("rate-status").textContent = "Choose 👍 or 👎 first."; return; }
  const comment = $("rate-comment").value.trim();
  try {
    await api("/v1/feedback", {
      method: "POST",
      body: { answer_id: current.answer_id, rating, comment: comment || null },
    });
    $("rate-status").textContent = "Thank you: your rating is stored.";
  } catch (error) {
    $("rate-status").textContent = `Not stored: ${error.message}`;
  }
}

// --- data ---

async function loadData() {
  loaded.data = true;
  $("data-status").textContent = "Loading…";
  try {
    const [sources, tables] = await Promise.all([
      api("/v1/sources").then((r) => r.json()), api("/v1/tables").then((r) => r.json()),
    ]);
    const box = $("data");
    box.replaceChildren();
    const sourceRows = sources.map((s) => el("tr", {},
      el("td", { text: s.source }), el("td", { className: "n", text: s.tables }),
      el("td", { className: "n", text: Number(s.rows).toLocaleString() }),
      el("td", { text: s.groups.length ? s.groups.join(", ") : "everyone" })));
    box.append(el("h2", { text: `Sources you may read (${sources.length})` }),
      el("div", { className: "scroll" }, el("table", {},
        el("thead", {}, el("tr", {}, ...["source", "tables", "rows", "readable by"].map((h) => el("th", { scope: "col", text: h })))),
        el("tbody", {}, ...sourceRows))));
    box.append(el("h2", { text: `Tables (${tables.length})` }));
    for (const t of tables) box.append(tableProfile(t));
    $("data-status").textContent = `${tables.length} table(s) you may read.`;
  } catch (error) {
    loaded.data = false;
    $("data-status").textContent = `Could not load: ${error.message}`;
  }
}

function tableProfile(t) {
  const head = ["column", "type", "nulls", "distinct", "min", "max", "top values"];
  const rows = Object.entries(t.columns).map(([name, p]) => el("tr", {},
    el("th", { scope: "row", text: name }), el("td", { text: p.type }),
    el("td", { className: "n", text: show(p.nulls) }), el("td", { className: "n", text: show(p.distinct) }),
    el("td", { text: show(p.min) }), el("td", { text: show(p.max) }),
    el("td", { text: (p.top || []).map(([v, n]) => `${show(v)} (${n})`).join(", ") })));
  return el("details", { className: "table" },
    el("summary", { title: t.source }, el("strong", { text: t.table }),
      ` · ${Number(t.rows).toLocaleString()} rows · ${t.kind} · ${short(t.source)}`),
    el("p", { className: "meta", text: `key: ${show(t.key)}; readable by ${t.groups.length ? t.groups.join(", ") : "everyone"}` }),
    el("div", { className: "scroll" }, el("table", {},
      el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, ...rows))));
}

// --- synthesize ---

async function loadTableChoices() {
  loaded.tables = true;
  try {
    const tables = await (await api("/v1/tables")).json();
    $("synth-table").replaceChildren(...tables.map((t) => el("option", { value: t.table, text: `${t.table} (${short(t.source)})` })));
  } catch (error) {
    loaded.tables = false;
    $("synth-status").textContent = `Could not list tables: ${error.message}`;
  }
}

function synthBody() {
  const where = $("synth-where").value.split("\n").map((w) => w.trim()).filter(Boolean);
  const like = $("synth-like").value.trim();
  return {
    table: $("synth-table").value, n: Number($("synth-n").value), where,
    like: like || null, seed: Number($("synth-seed").value || 0),
  };
}

async function synthBusy(label, work) {
  const buttons = ["synth-preview", "synth-csv", "synth-report"].map($);
  buttons.forEach((b) => { b.disabled = true; });
  $("synth-status").textContent = label;
  try { await work(); } catch (error) { $("synth-status").textContent = `Failed: ${error.message}`; }
  finally { buttons.forEach((b) => { b.disabled = false; }); }
}

function preview() {
  return synthBusy("Making rows…", async () => {
    const started = performance.now();
    const out = await (await api("/v1/synthesize", { method: "POST", body: synthBody() })).json();
    const rows = out.rows.slice(0, 20);
    const columns = rows.length ? Object.keys(rows[0]) : [];
    $("synth-out").replaceChildren(el("div", { className: "scroll" }, el("table", { id: "synth-preview-table" },
      el("caption", { text: `First ${rows.length} of ${out.rows.length} synthetic rows` }),
      el("thead", {}, el("tr", {}, ...columns.map((c) => el("th", { scope: "col", text: c })))),
      el("tbody", {}, ...rows.map((r) => el("tr", {}, ...columns.map((c) => el("td", { text: show(r[c]) }))))))));
    const q = out.summary.quality;
    $("synth-status").textContent = `Made ${out.rows.length} rows in ${((performance.now() - started) / 1000).toFixed(1)} s` +
      (q && typeof q.overall === "number" ? `; quality ${q.overall.toFixed(3)}` : "") + ".";
  });
}

function downloadCsv() {
  return synthBusy("Making the CSV…", async () => {
    const body = synthBody();
    const blob = await (await api("/v1/synthesize", { method: "POST", body, accept: "text/csv" })).blob();
    const link = el("a", { href: URL.createObjectURL(blob), download: `${body.table}-synthetic.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
    $("synth-status").textContent = "CSV downloaded.";
  });
}

function showReport() {
  return synthBusy("Making the quality report…", async () => {
    const page = await (await api("/v1/synthesize/report", { method: "POST", body: synthBody(), accept: "text/html" })).text();
    // a sandboxed frame with no script: the report (escaped by the server) is its own document
    const frame = $("report");
    frame.srcdoc = page;
    frame.hidden = false;
    $("synth-status").textContent = "Quality report shown below.";
  });
}

// --- wiring ---

document.addEventListener("DOMContentLoaded", () => {
  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("signin-error").textContent = "";
    try { await signIn($("key").value.trim()); } catch (error) { signOut(`Sign-in failed: ${error.message}`); }
  });
  $("sign-out").addEventListener("click", () => { sessionStorage.removeItem(RECENT); signOut("Signed out."); });
  for (const tab of document.querySelectorAll('[role="tab"]')) tab.addEventListener("click", () => selectTab(tab));
  $("tabs").addEventListener("keydown", tabKeys);
  $("ask-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const question = $("question").value.trim();
    if (question) ask(question);
  });
  $("question").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("ask-form").requestSubmit(); }
  });
  $("rate-up").addEventListener("click", () => choose(1));
  $("rate-down").addEventListener("click", () => choose(-1));
  $("rate-send").addEventListener("click", sendRating);
  $("synth-form").addEventListener("submit", (event) => { event.preventDefault(); preview(); });
  $("synth-csv").addEventListener("click", downloadCsv);
  $("synth-report").addEventListener("click", showReport);
  if (sessionStorage.getItem(KEY)) signIn(sessionStorage.getItem(KEY)).catch(() => signOut(""));
});
