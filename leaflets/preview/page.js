// The preview page: follows the server's event stream and shows its state.
// Everything from the sources is put in the page with textContent, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
let current = null;          // the last state shown
let shownRevision = -1;      // the revision whose pages are on screen
window.previewLog = [];      // when each revision was shown (for the benchmark and the tests)

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function showPages(state) {
  const container = $("pages");
  const wanted = state.pages;
  if (state.revision === shownRevision || wanted.length === 0) return Promise.resolve();
  // Load every new image first, then swap them in at once: no blank page, no jump.
  const loads = wanted.map((page) => new Promise((resolve) => {
    const image = new Image();
    image.onload = image.onerror = () => resolve();
    image.src = page.url;
  }));
  const revision = state.revision;
  return Promise.all(loads).then(() => {
    if (current && current.revision !== revision) return;  // a newer state came meanwhile
    $("empty").hidden = true;
    const existing = Array.from(container.querySelectorAll(".page"));
    wanted.forEach((page, index) => {
      let box = existing[index];
      if (!box) {
        box = el("figure", "page");
        box.style.margin = "0";
        const img = el("img");
        img.alt = "";
        img.addEventListener("click", pointAt);
        box.append(img, el("figcaption", "number"), el("div", "text"));
        container.append(box);
      }
      box.style.width = page.width + "px";
      const img = box.querySelector("img");
      img.width = page.width;
      img.height = page.height;
      if (img.getAttribute("src") !== page.url) img.src = page.url;
      box.querySelector(".number").textContent = String(index + 1);
      box.querySelector(".text").textContent = page.text;
      box.dataset.page = String(index + 1);
      regionsOf.set(box, page.regions || []);
      const outline = box.querySelector(".outline");
      if (outline) outline.remove();  // it marked the previous pages' box
    });
    existing.slice(wanted.length).forEach((box) => box.remove());
    shownRevision = revision;
    document.body.dataset.revision = String(revision);
    window.previewLog.push({revision: revision, at: performance.timeOrigin + performance.now()});
  });
}

// Click-to-source: each page lists its regions, [x, y, width, height, "file:line:col"] in
// fractions of the page image; a click shows the innermost region under it.
const regionsOf = new WeakMap();

function regionAt(regions, x, y) {
  let best = null;
  for (const region of regions) {
    const [left, top, width, height] = region;
    if (x >= left && x <= left + width && y >= top && y <= top + height
        && (best === null || width * height < best[2] * best[3])) best = region;
  }
  return best;
}

function pointAt(event) {
  const img = event.currentTarget;
  const box = img.closest(".page");
  const rect = img.getBoundingClientRect();
  const x = (event.clientX - rect.left) / rect.width;
  const y = (event.clientY - rect.top) / rect.height;
  const region = regionAt(regionsOf.get(box) || [], x, y);
  document.querySelectorAll("#pages .outline").forEach((node) => node.remove());
  const shown = $("source");
  if (!region) {
    shown.textContent = "Nothing from the sources here (page furniture, or space between blocks).";
    delete shown.dataset.source;
    return;
  }
  const [left, top, width, height, source] = region;
  shown.textContent = source;
  shown.dataset.source = source;
  shown.dataset.page = box.dataset.page;
  const outline = el("div", "outline");
  outline.style.left = (left * img.clientWidth) + "px";  // the image is the figure's first child
  outline.style.top = (top * img.clientHeight) + "px";
  outline.style.width = (width * img.clientWidth) + "px";
  outline.style.height = (height * img.clientHeight) + "px";
  box.append(outline);
}

function showDiagnostics(state) {
  const list = $("diagnostics");
  list.replaceChildren();
  for (const d of state.diagnostics) {
    const item = el("li", d.severity);
    const where = d.line ? `${d.file}:${d.line}:${d.column || 1}` : d.file;
    item.append(el("div", "where", where));
    const head = el("div");
    head.append(el("span", "severity", d.severity + " "), el("span", "code", `[${d.code}]`),
                document.createTextNode(" " + d.message));
    item.append(head);
    if (d.hint) item.append(el("div", "hint", d.hint));
    item.title = d.text;
    list.append(item);
  }
  const warnings = state.diagnostics.length - state.errors;
  $("summary").textContent = state.diagnostics.length === 0 ? "No problems"
    : `${state.errors} error(s), ${warnings} warning(s)`;
  document.body.dataset.errors = String(state.errors);
}

const FIELDS = ["locale", "paper", "profile", "type"];  // what tells two editions apart

function showEditions(state) {
  if (!state.edition) return;
  $("title").textContent = state.edition.stem;
  document.title = "Preview: " + state.edition.stem;
  for (const field of FIELDS) {
    const select = $(field);
    const values = [...new Set(state.editions.map((e) => e[field]))];
    const listed = [...select.options].map((option) => option.value);
    // Options are replaced only when the list changes: not under a reader choosing one.
    if (listed.length !== values.length || listed.some((v, i) => v !== values[i])) {
      select.replaceChildren(...values.map((v) => {
        const option = el("option", "", v);
        option.value = v;
        return option;
      }));
    }
    if (select.value !== state.edition[field]) select.value = state.edition[field];
  }
}

function choose(event) {
  // The edition with the value just chosen that keeps most of the others.
  const field = event.target.dataset.field;
  const wanted = Object.fromEntries(FIELDS.map((f) => [f, $(f).value]));
  const score = (e) => FIELDS.filter((f) => e[f] === wanted[f]).length;
  const candidates = current.editions.filter((e) => e[field] === wanted[field]);
  candidates.sort((a, b) => score(b) - score(a));
  if (!candidates.length) return;
  fetch("/select", {method: "POST", headers: {"Content-Type": "application/json"},
                    body: JSON.stringify({stem: candidates[0].stem})});
}

function show(state) {
  current = state;
  showEditions(state);
  showDiagnostics(state);
  $("pages").classList.toggle("stale", state.stale);
  document.body.dataset.stale = String(state.stale);
  $("count").textContent = state.page_count ? `${state.page_count} page(s)` : "";
  $("fit").textContent = state.page_count && state.fit ? state.fit : "";
  $("pdf").hidden = !state.page_count;
  const status = $("status");
  document.body.dataset.writing = String(state.writing);
  if (state.writing) { status.textContent = "writing the PDF…"; status.dataset.kind = "busy"; }  // as short as the others: no jump
  else if (state.building) { status.textContent = "rebuilding…"; status.dataset.kind = "busy"; }
  else if (state.errors) { status.textContent = "errors: pages not updated"; status.dataset.kind = "error"; }
  else if (state.page_count) { status.textContent = `up to date (${state.seconds.toFixed(2)} s)`; status.dataset.kind = "ok"; }
  else { status.textContent = "no pages yet"; status.dataset.kind = "busy"; }
  if (!state.page_count) { $("empty").hidden = false; $("empty").textContent = state.errors
      ? "No pages yet: fix the errors in the panel." : "Building the first pages…"; }
  showPages(state);
}

for (const field of FIELDS) $(field).addEventListener("change", choose);

const events = new EventSource("/events");
events.addEventListener("state", (message) => show(JSON.parse(message.data)));
events.onerror = () => { $("status").textContent = "disconnected (is the preview still running?)";
                         $("status").dataset.kind = "error"; };
