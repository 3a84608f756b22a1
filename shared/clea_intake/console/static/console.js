// Console CléA: one page, views switched by the address's fragment; the token lives in this closure only
// (never in storage, cookies or the address). Everything that comes from a document or a message is put
// in the page with textContent: no data ever goes through innerHTML.
"use strict";
(function () {
  let token = null;
  let me = null;
  let config = null;
  let current = null; // the review item on screen
  let currentMail = null; // the quarantined message on screen
  let currentCase = null; // the case on screen
  let blobs = []; // object URLs of the images on screen, given back when the view changes
  let dashboardTimer = null;
  let dashboardLoads = 0;
  let generation = 0; // bumped by each view shown: an answer for a view left since is dropped
  let flash = null; // what the last act did, said again once the next view has loaded
  const DASHBOARD_REFRESH_MS = 30000;

  const $ = (id) => document.getElementById(id);
  const VIEWS = ["view-sign-in", "view-queue", "view-item", "view-case", "view-mail", "view-mail-item",
                 "view-payments", "view-dashboard"];

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
    for (const link of document.querySelectorAll("[data-groups]")) {
      const wanted = link.getAttribute("data-groups").split(" ");
      link.hidden = !me || !me.groups.some((g) => wanted.includes(g));
    }
    if (view !== "view-dashboard" && dashboardTimer) { clearInterval(dashboardTimer); dashboardTimer = null; }
    for (const url of blobs) URL.revokeObjectURL(url);
    blobs = [];
    $("main").focus();
    return ++generation;
  }

  function size(bytes) {
    if (bytes === null || bytes === undefined) return "—";
    if (bytes < 1024) return bytes + " o";
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1).replace(".", ",") + " Ko";
    return (bytes / 1024 / 1024).toFixed(1).replace(".", ",") + " Mo";
  }

  function euros(text) {
    return text === null || text === undefined ? "—" : Number(text).toLocaleString("fr-FR", { style: "currency", currency: "EUR" });
  }

  // A file or an image from an authorised route: fetched with the token, kept in memory as a blob.
  async function fetchBlob(path) {
    const response = await fetch(path, { headers: { Authorization: "Bearer " + token } });
    if (response.status === 401) { token = null; location.hash = "#/connexion"; }
    if (!response.ok) {
      let data = null;
      try { data = await response.json(); } catch (e) { data = null; }
      return { status: response.status, data, blob: null, response };
    }
    return { status: response.status, data: null, blob: await response.blob(), response };
  }

  async function download(path, fallbackName) {
    const result = await fetchBlob(path);
    if (!result.blob) { failure(result); return false; }
    const disposition = result.response.headers.get("Content-Disposition") || "";
    const match = /filename="([^"]+)"/.exec(disposition);
    const url = URL.createObjectURL(result.blob);
    const link = el("a", null, { href: url, download: match ? match[1] : fallbackName });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    say("Fichier téléchargé : " + (match ? match[1] : fallbackName) + ".");
    return true;
  }

  // The piece's pages as images made by the platform (PNG), one after the other, until there is no next page.
  async function showPages(container, caseId, docId, pages) {
    clear(container);
    const last = Math.max(1, Math.min(pages || 1, 12));
    for (let page = 1; page <= last; page++) {
      const result = await fetchBlob("/api/documents/" + encodeURIComponent(caseId) + "/" + encodeURIComponent(docId) + "/pages/" + page);
      if (!result.blob) {
        if (page === 1) container.append(el("p", result.data && result.data.message ? result.data.message : "Images indisponibles (" + result.status + ").", { class: "notice" }));
        break;
      }
      const url = URL.createObjectURL(result.blob);
      blobs.push(url);
      container.append(el("img", null, { src: url, alt: "Page " + page + " de la pièce", class: "page-image", "data-page": String(page) }));
    }
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
    const mine = show("view-queue");
    const params = new URLSearchParams();
    if ($("filter-kind").value) params.set("kind", $("filter-kind").value);
    if ($("filter-code").value.trim()) params.set("code", $("filter-code").value.trim());
    const result = await api("GET", "/api/reviews" + (params.toString() ? "?" + params : ""));
    if (mine !== generation) return;
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
    const mine = show("view-item");
    const result = await api("GET", "/api/reviews/" + encodeURIComponent(reviewId));
    if (mine !== generation) return;
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
    if (doc && current.case_id) showPages($("item-pages"), current.case_id, doc.doc_id, doc.pages);
    else { clear($("item-pages")); $("item-pages").append(el("p", "Ce point ne porte pas sur une pièce.")); }
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
    const mine = show("view-case");
    const result = await api("GET", "/api/cases/" + encodeURIComponent(caseId));
    if (mine !== generation) return;
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
    for (const m of c.mails) {
      const row = el("tr", null, { "data-mail": m.kind });
      const cell = el("td");
      if (m.letter) {
        const button = el("button", "Télécharger la lettre (PDF)", { type: "button", "data-action": "letter" });
        button.addEventListener("click", () => download(m.letter, m.kind + ".pdf"));
        cell.append(button);
      } else cell.textContent = "—";
      row.append(el("td", when(m.sent_at)), el("td", m.kind), el("td", m.subject), cell);
      mails.append(row);
    }
    if (!c.mails.length) { const row = el("tr"); row.append(el("td", "Aucun.", { colspan: "4" })); mails.append(row); }
    currentCase = c.case_id;
  }

  async function caseAct(event, action) {
    event.preventDefault();
    if (!currentCase) return;
    const body = action === "request" ? { document: $("case-request-document").value.trim() }
                                      : { note: $("case-withdraw-note").value || null };
    const result = await api("POST", "/api/cases/" + encodeURIComponent(currentCase) + "/" + action, body);
    if (result.status !== 200) { failure(result); return; }
    const id = currentCase;
    await caseView(id);
    $("case-request-document").value = "";
    $("case-withdraw-sure").checked = false;
    say((action === "request" ? "Demande envoyée au demandeur." : "Dossier retiré.") + " État : " + result.data.case_state + ".");
  }

  // -- quarantined mail -------------------------------------------------------------------------------
  async function mailList() {
    const mine = show("view-mail");
    const result = await api("GET", "/api/mail");
    if (mine !== generation) return;
    const rows = $("mail-rows");
    clear(rows);
    if (result.status !== 200) { failure(result); return; }
    for (const m of result.data.items) {
      const row = el("tr", null, { "data-review": m.review_id });
      const actions = el("td");
      actions.append(el("a", "Ouvrir", { href: "#/courriel/" + encodeURIComponent(m.review_id) }));
      row.append(el("td", when(m.opened_at)), el("td", m.case_id || "—"), el("td", m.code), el("td", m.message),
                 el("td", m.claimed_by || "—"), actions);
      rows.append(row);
    }
    if (!result.data.items.length) { const row = el("tr"); row.append(el("td", "Aucun courriel en quarantaine.", { colspan: "6" })); rows.append(row); }
    say((flash ? flash + " " : "") + result.data.items.length + " courriel(s) en quarantaine.");
    flash = null;
  }

  async function mailItem(reviewId) {
    const mine = show("view-mail-item");
    const result = await api("GET", "/api/mail/" + encodeURIComponent(reviewId));
    if (mine !== generation) return;
    if (result.status !== 200) { failure(result); return; }
    const m = currentMail = result.data;
    const summary = $("mail-summary");
    clear(summary);
    for (const [term, value] of [["Point", m.review_id], ["Motif", m.code + " — " + m.message], ["Reçu le", when(m.opened_at)],
                                 ["Dossier", m.case_id || "inconnu"], ["Taille", size(m.size)], ["Pris par", m.claimed_by || "personne"]]) {
      summary.append(el("dt", term), el("dd", value));
    }
    if (!m.readable) summary.append(el("dt", "Lecture"), el("dd", m.unreadable_reason || "illisible"));
    const headers = $("mail-headers");
    clear(headers);
    const h = m.headers || {};
    for (const [term, value] of [["De", h.from_address], ["À", (h.to_addresses || []).join(", ")], ["Objet", h.subject],
                                 ["Date", h.date ? when(h.date) : null], ["Message-ID", h.message_id], ["SPF", h.spf],
                                 ["DKIM", h.dkim], ["DMARC", h.dmarc], ["Antispam", h.spam_verdict], ["Antivirus", h.virus_verdict]]) {
      headers.append(el("dt", term), el("dd", value || "—"));
    }
    const attachments = $("mail-attachments");
    clear(attachments);
    for (const a of m.attachments) {
      const row = el("tr");
      row.append(el("td", a.filename), el("td", a.declared_type), el("td", a.detected_type), el("td", size(a.size)),
                 el("td", a.supported ? "oui" : "non"));
      attachments.append(row);
    }
    if (!m.attachments.length) { const row = el("tr"); row.append(el("td", "Aucune.", { colspan: "5" })); attachments.append(row); }
    const problems = $("mail-problems");
    clear(problems);
    for (const p of m.problems) problems.append(el("li", p.message + " [" + p.code + ", " + p.severity + "]"));
    if (!m.problems.length) problems.append(el("li", "Aucun."));
    $("mail-case-row").hidden = !!m.case_id;
    $("mail-case").required = !m.case_id;
    $("mail-case").value = "";
    $("mail-note").value = "";
    say("");
  }

  async function mailDecide(action) {
    if (!currentMail) return;
    const body = action === "release" ? (currentMail.case_id ? {} : { case_id: $("mail-case").value.trim() })
                                      : { note: $("mail-note").value || null };
    const result = await api("POST", "/api/mail/" + encodeURIComponent(currentMail.review_id) + "/" + action, body);
    if (result.status !== 200) { failure(result); return; }
    flash = action === "release" ? "Courriel accepté et rattaché au dossier " + result.data.case_id + "." : "Courriel écarté.";
    say(flash);
    currentMail = null;
    location.hash = "#/courriels";
  }

  // -- payments ---------------------------------------------------------------------------------------
  async function paymentsView() {
    const mine = show("view-payments");
    const [pending, exportsList, ibans] = await Promise.all([api("GET", "/api/payments"), api("GET", "/api/payments/exports"),
                                                             api("GET", "/api/payments/ibans")]);
    if (mine !== generation) return;
    for (const result of [pending, exportsList, ibans]) if (result.status !== 200) { failure(result); return; }
    const rows = $("payments-pending");
    clear(rows);
    for (const p of pending.data.items) {
      const row = el("tr", null, { "data-case": p.case_id });
      row.append(el("td", p.order_id), el("td", p.case_id), el("td", p.creditor_name || "—"), el("td", p.iban || "—"),
                 el("td", euros(p.amount_eur)), el("td", when(p.created_at)));
      rows.append(row);
    }
    if (!pending.data.items.length) { const row = el("tr"); row.append(el("td", "Aucun ordre en attente.", { colspan: "6" })); rows.append(row); }
    const exportsRows = $("payments-exports");
    clear(exportsRows);
    for (const e of exportsList.data.items) {
      const row = el("tr", null, { "data-export": e.export_id });
      const files = el("td");
      for (const [fmt, label] of [["csv", "CSV"], ["xml", "pain.001 (XML)"]]) {
        const button = el("button", "Télécharger " + label, { type: "button", "data-format": fmt });
        button.addEventListener("click", () => download("/api/payments/exports/" + encodeURIComponent(e.export_id) + "/" + fmt, e.export_id + "." + fmt));
        files.append(button, " ");
      }
      row.append(el("td", e.export_id), el("td", String(e.orders)), el("td", String(e.paid)), el("td", euros(e.total_eur)),
                 el("td", when(e.exported_at)), files);
      exportsRows.append(row);
    }
    if (!exportsList.data.items.length) { const row = el("tr"); row.append(el("td", "Aucun export.", { colspan: "6" })); exportsRows.append(row); }
    const box = $("payments-ibans");
    clear(box);
    for (const item of ibans.data.items) {
      const block = el("article", null, { class: "iban", "data-review": item.review_id });
      block.append(el("h3", "Dossier " + (item.case_id || "—") + " — " + item.code));
      block.append(el("p", item.message));
      const doc = item.document;
      const facts = el("dl");
      if (doc) for (const name of ["holder_name", "iban", "bic"]) if (name in doc.fields) facts.append(el("dt", name), el("dd", doc.fields[name]));
      facts.append(el("dt", "Pris par"), el("dd", item.claimed_by || "personne"));
      block.append(facts);
      const images = el("div");
      block.append(images);
      const approve = el("button", "Valider l'IBAN", { type: "button", "data-action": "approve" });
      approve.addEventListener("click", () => ibanDecide(item.review_id, "confirm"));
      const refuse = el("button", "Écarter", { type: "button", "data-action": "dismiss" });
      refuse.addEventListener("click", () => ibanDecide(item.review_id, "dismiss"));
      const buttons = el("p");
      buttons.append(approve, " ", refuse);
      block.append(buttons);
      box.append(block);
      if (doc && item.case_id) showPages(images, item.case_id, doc.doc_id, doc.pages);
    }
    if (!ibans.data.items.length) box.append(el("p", "Aucun IBAN à valider."));
  }

  async function exportPayments() {
    const result = await api("POST", "/api/payments/export");
    if (result.status !== 200) { failure(result); return; }
    await paymentsView();
    say(result.data.message);
  }

  async function confirmPayments(event) {
    event.preventDefault();
    const file = $("payments-confirm-file").files[0];
    if (!file) { say("Choisissez le fichier de confirmation.", true); return; }
    if (file.size > 1000000) { say("Fichier trop grand (1 Mo au plus).", true); return; }
    const bytes = new Uint8Array(await file.arrayBuffer());
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    const result = await api("POST", "/api/payments/confirm", { filename: file.name.slice(0, 200), content_base64: btoa(binary) });
    if (result.status !== 200) { failure(result); return; }
    $("payments-confirm-file").value = "";
    await paymentsView();
    say(result.data.message + (result.data.confirmed.length ? " " + result.data.confirmed.join(", ") : ""));
  }

  async function ibanDecide(reviewId, action) {
    const result = await api("POST", "/api/reviews/" + encodeURIComponent(reviewId) + "/" + action, action === "dismiss" ? { note: null } : undefined);
    if (result.status !== 200) { failure(result); return; }
    await paymentsView();
    say(action === "confirm" ? "IBAN validé. Dossier : " + result.data.case_state + "." : "Demande écartée.");
  }

  // -- dashboard --------------------------------------------------------------------------------------
  async function dashboardView() {
    show("view-dashboard");
    await refreshDashboard();
    // The view may be drawn twice (a sign-in routes, and so does its change of address): one timer only.
    if (dashboardTimer) clearInterval(dashboardTimer);
    dashboardTimer = setInterval(refreshDashboard, DASHBOARD_REFRESH_MS);
  }

  async function refreshDashboard() {
    if ($("view-dashboard").hidden) return;
    const result = await api("GET", "/api/dashboard");
    if ($("view-dashboard").hidden) return;
    if (result.status !== 200) { failure(result); return; }
    const d = result.data;
    dashboardLoads += 1;
    $("dashboard-when").setAttribute("data-loads", String(dashboardLoads));
    $("dashboard-when").textContent = d.season + " — " + d.total_cases + " dossier(s) — données du " + when(d.generated_at) + " (mises à jour toutes les 30 secondes)";
    const kpis = $("dashboard-kpis");
    clear(kpis);
    for (const k of d.kpis) {
      const item = el("li", null, { class: "kpi" });
      item.append(el("span", k.label), el("strong", k.value), el("span", k.note));
      kpis.append(item);
    }
    const old = blobs;
    blobs = [];
    const charts = $("dashboard-charts");
    clear(charts);
    for (const c of d.charts) {
      const card = el("section", null, { class: "card", "data-chart": c.id, "aria-label": c.title });
      card.append(el("h2", c.title), el("p", c.hint, { class: "hint" }));
      if (c.svg) {
        // Drawn by the platform (every label escaped); shown as an image, never parsed into the page.
        const url = URL.createObjectURL(new Blob([c.svg], { type: "image/svg+xml" }));
        blobs.push(url);
        card.append(el("img", null, { src: url, alt: c.description || c.title }));
      } else card.append(el("p", c.empty || "Aucune donnée."));
      charts.append(card);
    }
    for (const url of old) URL.revokeObjectURL(url);
    const latest = $("dashboard-latest");
    clear(latest);
    for (const row of d.latest) {
      const tr = el("tr");
      const link = el("a", row.case_id, { href: "#/dossier/" + encodeURIComponent(row.case_id) });
      const cell = el("td");
      if (me && me.groups.includes("agents")) cell.append(link); else cell.textContent = row.case_id;
      tr.append(cell, el("td", row.label + " (" + row.state + ")"), el("td", when(row.updated_at)));
      latest.append(tr);
    }
  }

  // -- routing and keys -----------------------------------------------------------------------------------
  function route() {
    const hash = location.hash || "#/connexion";
    if (!token) { show("view-sign-in"); $("username").focus(); return; }
    const [, view, id] = hash.split("/");
    if (view === "point" && id) item(decodeURIComponent(id));
    else if (view === "dossier" && id) caseView(decodeURIComponent(id));
    else if (view === "courriels") mailList();
    else if (view === "courriel" && id) mailItem(decodeURIComponent(id));
    else if (view === "paiements") paymentsView();
    else if (view === "tableau-de-bord") dashboardView();
    else if (me && !me.groups.includes("agents") && !me.groups.includes("finance")) dashboardView();
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
    $("open-case").addEventListener("submit", (event) => {
      event.preventDefault();
      location.hash = "#/dossier/" + encodeURIComponent($("open-case-id").value.trim());
    });
    $("case-request-form").addEventListener("submit", (event) => caseAct(event, "request"));
    $("case-withdraw-form").addEventListener("submit", (event) => caseAct(event, "withdraw"));
    $("mail-form").addEventListener("submit", (event) => { event.preventDefault(); mailDecide("release"); });
    $("mail-dismiss").addEventListener("click", () => mailDecide("dismiss"));
    $("payments-export").addEventListener("click", exportPayments);
    $("payments-confirm-form").addEventListener("submit", confirmPayments);
    window.addEventListener("hashchange", route);
    route();
  });
})();
