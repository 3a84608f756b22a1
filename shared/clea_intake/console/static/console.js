// Console CléA: one page, views switched by the address's fragment; the token lives in this closure only
// (never in storage, cookies or the address). Everything that comes from a document or a message is put
// in the page with textContent: no data ever goes through innerHTML.
"use strict";
(function () {
  let token = null;
  let me = null;
  let config = null;
  let current = null; // the review item on screen

  const $ = (id) => document.getElementById(id);
  const VIEWS = ["view-sign-in", "view-queue", "view-item", "view-case"];

  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function say(message, isError) {
    const status = $("status");
    status.textContent = message || "";
    status.className = isError ? "error" : "";
  }

  function show(view) {
    for (const id of VIEWS) $(id).hidden = id !== view;
    $("nav").hidden = !token;
    $("main").focus();
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString("fr-FR", { timeZone: "Europe/Paris" }) : "—";
  }

  async function api(method, path, body) {
    const headers = { Authorization: "Bearer " + token };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (response.status === 401) { token = null; location.hash = "#/connexion"; }
    return { status: response.status, data };
  }

  function failure(result) {
    const message = result.data && result.data.message ? result.data.message : "Erreur " + result.status;
    const text = result.status === 403 ? "Accès refusé (403) : " + message : message + " (" + result.status + ")";
    say(text, true);
  }

  // -- sign-in: Cognito's InitiateAuth (USER_PASSWORD_AUTH) on the endpoint config.json names -------------
  async function signIn(event) {
    event.preventDefault();
    say("Connexion…");
    if (!config) config = await (await fetch("config.json")).json();
    const response = await fetch(config.cognitoEndpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-amz-json-1.1",
                 "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth" },
      body: JSON.stringify({ AuthFlow: "USER_PASSWORD_AUTH", ClientId: config.clientId,
                             AuthParameters: { USERNAME: $("username").value, PASSWORD: $("password").value } }),
    });
    $("password").value = "";
    const data = await response.json().catch(() => null);
    if (!response.ok || !data || !data.AuthenticationResult) { say("Identifiant ou mot de passe refusé.", true); return; }
    token = data.AuthenticationResult.IdToken;
    const who = await api("GET", "/api/me");
    if (who.status !== 200) { failure(who); return; }
    me = who.data;
    $("who").textContent = me.identity + " (" + me.groups.join(", ") + ")";
    say("");
    location.hash = "#/file";
    route();
  }

  function signOut() {
    token = null; me = null; current = null;
    say("Vous êtes déconnecté.");
    location.hash = "#/connexion";
  }

  // -- queue ----------------------------------------------------------------------------------------------
  async function queue() {
    show("view-queue");
    const params = new URLSearchParams();
    if ($("filter-kind").value) params.set("kind", $("filter-kind").value);
    if ($("filter-code").value.trim()) params.set("code", $("filter-code").value.trim());
    const result = await api("GET", "/api/reviews" + (params.toString() ? "?" + params : ""));
    const rows = $("queue-rows");
    clear(rows);
    if (result.status !== 200) { failure(result); return; }
    for (const item of result.data.items) {
      const row = el("tr", null, { "data-review": item.review_id });
      row.append(el("td", when(item.opened_at)), el("td", item.case_id || "—"), el("td", item.kind),
                 el("td", item.code), el("td", item.message), el("td", item.claimed_by || "—"));
      const actions = el("td");
      const open = el("a", "Ouvrir", { href: "#/point/" + encodeURIComponent(item.review_id) });
      const take = el("button", "Prendre", { type: "button", "data-action": "claim" });
      take.addEventListener("click", () => claim(item.review_id));
      const give = el("button", "Rendre", { type: "button", "data-action": "release" });
      give.addEventListener("click", () => release(item.review_id, true));
      actions.append(open, " ", take, " ", give);
      row.append(actions);
      rows.append(row);
    }
    say(result.data.items.length + " point(s) ouvert(s).");
  }

  async function claim(reviewId) {
    const result = await api("POST", "/api/reviews/" + encodeURIComponent(reviewId) + "/claim");
    if (result.status !== 200) { failure(result); return false; }
    say("Point pris en charge jusqu'à " + when(result.data.expires_at) + ".");
    location.hash = "#/point/" + encodeURIComponent(reviewId);
    return true;
  }

  async function release(reviewId, stay) {
    const result = await api("POST", "/api/reviews/" + encodeURIComponent(reviewId) + "/release");
    if (result.status !== 200) { failure(result); return; }
    say("Point rendu à la file.");
    if (stay) queue(); else location.hash = "#/file";
  }

  // -- item -----------------------------------------------------------------------------------------------
  async function item(reviewId) {
    show("view-item");
    const result = await api("GET", "/api/reviews/" + encodeURIComponent(reviewId));
    if (result.status !== 200) { failure(result); return; }
    current = result.data;
    const summary = $("item-summary");
    clear(summary);
    const doc = current.document;
    const facts = [["Point", current.review_id], ["Motif", current.code + " — " + current.message],
                   ["Pris par", current.claimed_by || "personne"]];
    if (doc) facts.push(["Type lu", doc.doc_type], ["Confiance", Math.round(doc.confidence * 100) + " %"],
                        ["Fichier", doc.original_name], ["Reçu le", when(doc.received_at)]);
    for (const [term, value] of facts) summary.append(el("dt", term), el("dd", value));
    if (current.case_id) {
      const link = el("a", "Voir le dossier " + current.case_id, { href: "#/dossier/" + encodeURIComponent(current.case_id) });
      const dd = el("dd");
      dd.append(link);
      summary.append(el("dt", "Dossier"), dd);
    }
    renderFields(doc ? doc.doc_type : null);
    const findings = $("item-findings");
    clear(findings);
    for (const finding of (doc ? doc.findings : [])) {
      findings.append(el("li", finding.message + " [" + finding.code + ", " + finding.severity + "]"));
    }
    if (!doc || !doc.findings.length) findings.append(el("li", "Aucun constat."));
    say("");
  }

  // The correction form: a type chooser, then one input per field of the reading and of the chosen type.
  function renderFields(docType) {
    const fields = $("item-fields");
    const typed = {};
    for (const input of document.querySelectorAll("[data-field]")) typed[input.getAttribute("data-field")] = input.value;
    clear(fields);
    const doc = current.document;
    if (!doc) return;
    const typeRow = el("tr");
    const typeCell = el("th", null, { scope: "row" });
    typeCell.append(el("label", "Type de pièce", { for: "field-doc_type" }));
    const select = el("select", null, { id: "field-doc_type", "data-doc-type": "1" });
    for (const type of [doc.doc_type].concat(current.doc_types.filter((t) => t !== doc.doc_type))) {
      select.append(el("option", type, { value: type }));
    }
    select.value = docType;
    select.addEventListener("change", () => renderFields(select.value));
    const selectCell = el("td");
    selectCell.append(select);
    typeRow.append(typeCell, selectCell);
    fields.append(typeRow);
    const names = Object.keys(doc.fields);
    for (const name of (current.field_names[docType] || [])) if (!names.includes(name)) names.push(name);
    for (const name of names) {
      const row = el("tr");
      const head = el("th", null, { scope: "row" });
      head.append(el("label", name, { for: "field-" + name }));
      const input = el("input", null, { id: "field-" + name, name: name, "data-field": name });
      const value = name in typed ? typed[name] : doc.fields[name];
      input.value = value === null || value === undefined ? "" : String(value);
      const cell = el("td");
      cell.append(input);
      row.append(head, cell);
      fields.append(row);
    }
  }

  async function decide(action) {
    if (!current) return;
    let body;
    if (action === "correct") {
      const fields = {};
      const original = current.document ? current.document.fields : {};
      for (const input of document.querySelectorAll("[data-field]")) {
        const name = input.getAttribute("data-field");
        const before = original[name] === null || original[name] === undefined ? "" : String(original[name]);
        if (input.value !== before) fields[name] = input.value;
      }
      const typeInput = document.querySelector("[data-doc-type]");
      body = { fields };
      if (typeInput && current.document && typeInput.value !== current.document.doc_type) body.doc_type = typeInput.value;
    } else if (action === "dismiss") {
      body = { note: $("item-note").value || null };
    }
    const result = await api("POST", "/api/reviews/" + encodeURIComponent(current.review_id) + "/" + action, body);
    if (result.status !== 200) { failure(result); return; }
    const state = result.data.case_state ? " Dossier : " + result.data.case_state + "." : "";
    say("Décision enregistrée (" + result.data.result + ")." + state);
    if (result.data.case_id) location.hash = "#/dossier/" + encodeURIComponent(result.data.case_id);
    else location.hash = "#/file";
  }

  // -- case -----------------------------------------------------------------------------------------------
  async function caseView(caseId) {
    show("view-case");
    const result = await api("GET", "/api/cases/" + encodeURIComponent(caseId));
    if (result.status !== 200) { failure(result); return; }
    const c = result.data;
    $("case-title").textContent = "Dossier " + c.case_id;
    const summary = $("case-summary");
    clear(summary);
    summary.append(el("dt", "État"), el("dd", c.state, { "data-state": c.state }),
                   el("dt", "Motifs"), el("dd", c.reasons.join(", ") || "—"));
    const missing = $("case-missing");
    clear(missing);
    for (const m of c.missing) missing.append(el("li", (m.label || m.code) + (m.code ? " [" + m.code + "]" : "")));
    if (!c.missing.length) missing.append(el("li", "Aucune."));
    const timeline = $("case-timeline");
    clear(timeline);
    for (const e of c.timeline) {
      const row = el("tr");
      row.append(el("td", when(e.at)), el("td", e.actor),
                 el("td", e.from_state || e.to_state ? (e.from_state || "—") + " → " + (e.to_state || "—") : "—"),
                 el("td", e.reason || "—"), el("td", e.message || ""));
      timeline.append(row);
    }
    const documents = $("case-documents");
    clear(documents);
    for (const d of c.documents) {
      const block = el("article", null, { "data-doc": d.doc_id });
      block.append(el("h3", d.original_name + " — " + d.doc_type + " (" + Math.round(d.confidence * 100) + " %, " + d.status + ")"));
      const list = el("dl");
      for (const [name, value] of Object.entries(d.fields)) list.append(el("dt", name), el("dd", value));
      block.append(list);
      const findings = el("ul");
      for (const f of d.findings) findings.append(el("li", f.message + " [" + f.code + "]"));
      block.append(findings);
      documents.append(block);
    }
    const mails = $("case-mails");
    clear(mails);
    for (const m of c.mails) mails.append(el("li", when(m.sent_at) + " — " + m.kind + " — " + m.subject));
    if (!c.mails.length) mails.append(el("li", "Aucun."));
  }

  // -- routing and keys -----------------------------------------------------------------------------------
  function route() {
    const hash = location.hash || "#/connexion";
    if (!token) { show("view-sign-in"); $("username").focus(); return; }
    const [, view, id] = hash.split("/");
    if (view === "point" && id) item(decodeURIComponent(id));
    else if (view === "dossier" && id) caseView(decodeURIComponent(id));
    else queue();
  }

  document.addEventListener("keydown", (event) => {
    if ($("view-item").hidden || !event.altKey || !event.shiftKey) return;
    const action = { KeyC: "confirm", KeyE: "correct", KeyX: "dismiss" }[event.code];
    if (action) { event.preventDefault(); decide(action); }
  });

  document.addEventListener("DOMContentLoaded", () => {
    $("sign-in-form").addEventListener("submit", signIn);
    $("sign-out").addEventListener("click", signOut);
    $("queue-filter").addEventListener("submit", (event) => { event.preventDefault(); queue(); });
    $("item-form").addEventListener("submit", (event) => { event.preventDefault(); decide("correct"); });
    $("item-confirm").addEventListener("click", () => decide("confirm"));
    $("item-dismiss").addEventListener("click", () => decide("dismiss"));
    $("item-release").addEventListener("click", () => current && release(current.review_id, false));
    window.addEventListener("hashchange", route);
    route();
  });
})();
