// Search-as-you-type for the FAQ page. No framework and no HTML parsing: highlights arrive as
// escaped HTML whose only tags are <mark>; they are rebuilt here as DOM text nodes.
"use strict";
(() => {
  const input = document.getElementById("q");
  const results = document.getElementById("results");
  const status = document.getElementById("status");
  const empty = document.getElementById("empty");
  const emptySuggestions = document.getElementById("empty-suggestions");
  const suggestions = document.getElementById("suggestions");
  const unanswered = document.getElementById("unanswered");
  const related = document.getElementById("related");
  const relatedResults = document.getElementById("related-results");
  const relatedCount = document.getElementById("related-count");
  const wayOut = document.getElementById("way-out");
  const contactLink = document.getElementById("contact-link");
  // Weak hits shown, collapsed, when the FAQ does not answer the question.
  const RELATED_SHOWN = 3;
  let contact = null;
  const DEBOUNCE_MS = 150;
  let composing = false;
  let timer = 0;
  let controller = null;
  let selected = -1;

  const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#39;": "'" };
  const decode = (text) => text.replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITIES[m]);

  // Appends escaped-HTML-with-<mark> as DOM nodes.
  function appendMarked(parent, html) {
    let inMark = false;
    for (const part of html.split(/(<mark>|<\/mark>)/)) {
      if (part === "<mark>") { inMark = true; continue; }
      if (part === "</mark>") { inMark = false; continue; }
      if (!part) continue;
      const text = document.createTextNode(decode(part));
      if (inMark) { const mark = document.createElement("mark"); mark.appendChild(text); parent.appendChild(mark); }
      else parent.appendChild(text);
    }
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function safeUrl(url, allowMail) {
    try {
      const u = new URL(url);
      return u.protocol === "https:" || u.protocol === "http:" || (allowMail && u.protocol === "mailto:") ? u.href : null;
    } catch { return null; }
  }

  function toggle(item, hit) {
    const open = item.querySelector(".answer");
    if (open) { open.remove(); item.firstChild.setAttribute("aria-expanded", "false"); return; }
    const answer = el("div", "answer", hit.answer);
    if (hit.links.length) {
      const list = el("ul", "links");
      for (const link of hit.links) {
        const href = safeUrl(link.url);
        if (!href) continue;
        const a = el("a", "", link.label || link.url);
        a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer";
        const li = el("li"); li.appendChild(a); list.appendChild(li);
      }
      answer.appendChild(list);
    }
    item.appendChild(answer);
    item.firstChild.setAttribute("aria-expanded", "true");
  }

  function select(index) {
    const items = results.children;
    if (!items.length) return;
    selected = (index + items.length) % items.length;
    [...items].forEach((item, i) => item.classList.toggle("selected", i === selected));
    items[selected].scrollIntoView({ block: "nearest" });
  }

  function chips(list, words) {
    list.replaceChildren();
    for (const word of words) {
      const button = el("button", "", word.text);
      button.type = "button";
      button.addEventListener("click", () => { input.value = word.text; run(); input.focus(); });
      const li = el("li"); li.setAttribute("role", "option"); li.appendChild(button); list.appendChild(li);
    }
    list.hidden = words.length === 0;
  }

  async function fetchJson(url, signal, retried) {
    const response = await fetch(url, { signal, headers: { Accept: "application/json" } });
    // The costly-search lane was full: wait as told (about a second) and try once more.
    if (response.status === 503 && !retried && response.headers.get("Retry-After")) {
      const seconds = Math.min(5, Number(response.headers.get("Retry-After")) || 1);
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      if (signal && signal.aborted) throw new DOMException("aborted", "AbortError");
      return fetchJson(url, signal, true);
    }
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
    return body;
  }

  // Hits scoring under this share of the best one are left out: they share a common word
  // or two with the question and only bury the answer.
  const WEAK_SHARE = 0.15;

  function resultItem(hit) {
    const item = el("li", "result");
    item.dataset.id = hit.id;
    const button = el("button");
    button.type = "button";
    button.setAttribute("aria-expanded", "false");
    const question = el("span", "question"); appendMarked(question, hit.highlights.question);
    const snippet = el("span", "snippet"); appendMarked(snippet, hit.highlights.answer);
    button.append(question, snippet);
    button.addEventListener("click", () => toggle(item, hit));
    item.appendChild(button);
    return item;
  }

  // The operator's way out (a contact link), shown whenever the FAQ has no answer: right
  // under the verdict, before the related questions, where a seller looks next.
  function showWayOut(show) {
    wayOut.hidden = !(show && contact);
    if (!show) return;
    if (!unanswered.hidden) unanswered.insertBefore(wayOut, related);
    else if (!empty.hidden) empty.appendChild(wayOut);
  }

  function render(data) {
    results.replaceChildren();
    relatedResults.replaceChildren();
    selected = -1;
    if (data.hits.length && !data.answered) {
      // An honest no: say so, keep the weak hits out of the way, offer the way out.
      const weak = data.hits.slice(0, RELATED_SHOWN);
      weak.forEach((hit) => relatedResults.appendChild(resultItem(hit)));
      relatedCount.textContent = String(weak.length);
      related.open = false;
      unanswered.hidden = false;
      empty.hidden = true;
      status.textContent = `回答が見つかりませんでした・${data.took_ms} ms`;
      showWayOut(true);
      return;
    }
    unanswered.hidden = true;
    const best = data.hits.length ? data.hits[0].score : 0;
    const hits = data.hits.filter((hit) => hit.score >= best * WEAK_SHARE);
    empty.hidden = hits.length > 0;
    showWayOut(hits.length === 0);
    const omitted = data.hits.length - hits.length;
    status.textContent = hits.length
      ? `${hits.length}件を表示${omitted ? `（関連度の低い${omitted}件を省略）` : ""}・${data.took_ms} ms`
      : "";
    hits.forEach((hit) => results.appendChild(resultItem(hit)));
  }

  async function run() {
    const q = input.value.trim();
    if (controller) controller.abort();
    if (!q) {
      results.replaceChildren(); empty.hidden = true; unanswered.hidden = true; showWayOut(false);
      suggestions.hidden = true; status.textContent = ""; return;
    }
    controller = new AbortController();
    const signal = controller.signal;
    try {
      const [data, suggested] = await Promise.all([
        fetchJson(`/api/search?q=${encodeURIComponent(q)}&limit=10`, signal),
        fetchJson(`/api/suggest?q=${encodeURIComponent(q)}&limit=6`, signal).catch(() => ({ suggestions: [] })),
      ]);
      render(data);
      chips(suggestions, suggested.suggestions.filter((s) => s.text !== q));
      if (!data.hits.length) {
        const first = await fetchJson(`/api/suggest?q=${encodeURIComponent([...q][0])}&limit=8`, signal).catch(() => ({ suggestions: [] }));
        chips(emptySuggestions, first.suggestions);
      }
    } catch (error) {
      if (error.name === "AbortError") return;
      results.replaceChildren();
      status.textContent = `検索できませんでした：${error.message}`;
    }
  }

  function schedule() { clearTimeout(timer); timer = setTimeout(run, DEBOUNCE_MS); }

  input.addEventListener("compositionstart", () => { composing = true; });
  input.addEventListener("compositionend", () => { composing = false; schedule(); });
  input.addEventListener("input", (event) => { if (!composing && !event.isComposing) schedule(); });
  input.addEventListener("keydown", (event) => {
    if (event.isComposing || composing) return;
    if (event.key === "ArrowDown") { event.preventDefault(); select(selected + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); select(selected - 1); }
    else if (event.key === "Enter") {
      event.preventDefault();
      if (selected >= 0) results.children[selected].firstChild.click(); else { clearTimeout(timer); run(); }
    } else if (event.key === "Escape") { input.value = ""; run(); }
  });
  document.getElementById("search-form").addEventListener("submit", (event) => { event.preventDefault(); run(); });
  // The operator's settings: the contact link, if one is configured.
  fetchJson("/api/config")
    .then((config) => {
      const href = config.contact && safeUrl(config.contact.url, true);
      if (!href) return;
      contact = config.contact;
      contactLink.href = href;
      contactLink.textContent = config.contact.label;
      if (!href.startsWith("mailto:")) { contactLink.target = "_blank"; contactLink.rel = "noopener noreferrer"; }
      showWayOut(!unanswered.hidden || !empty.hidden);
    })
    .catch(() => {});
  const initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; run(); }
})();
