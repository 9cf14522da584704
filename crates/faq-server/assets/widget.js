// <faq-search>: the FAQ search box, one custom element with its own Shadow DOM, so a
// portal's CSS and the box's never meet. The same element is the search page (`/`, with the
// `page` attribute: the URL follows the query, `?id=` opens one entry, `?embed=1` is the
// iframe mode that reports its height to the parent) and the widget a portal embeds with
//   <script src="https://faq.example.com/assets/widget.js" defer></script>
//   <faq-search></faq-search>
// No framework, no build step, no HTML parsing: highlights arrive as escaped HTML whose only
// tags are <mark> and are rebuilt as DOM text nodes; nothing is ever set as HTML. One request per keystroke (the compact
// view with the box's suggestions); an answer is fetched when it is opened.
"use strict";
(() => {
  if (customElements.get("faq-search")) return;
  // Where this script came from is where the API is (an `api` attribute overrides it).
  const SCRIPT_BASE = document.currentScript ? new URL(".", document.currentScript.src).href.replace(/\/assets\/$/, "") : location.origin;
  const DEBOUNCE_MS = 150;
  const HITS = 6;
  const SUGGESTIONS = 6;
  const RELATED_SHOWN = 3;
  // Hits under this share of the best one's score share a common word or two with the
  // question and only bury the answer.
  const WEAK_SHARE = 0.15;
  // A hit with this share of the query's words has them all.
  const FULL_COVERAGE = 0.99;
  const LABEL_CHARS = 40;
  // A query the seller has stopped typing for this long is recorded for the FAQ's owner
  // (keystroke searches are asked with log=false).
  const SETTLED_MS = 1500;
  const URL_CHARS = 40;

  // Builds an element: h("p", {id: "x", class: "y"}, "text", child…).
  function h(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === true) node.setAttribute(name, "");
      else node.setAttribute(name, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function template() {
    return h("div", { class: "box", part: "box" },
      h("form", { class: "search", role: "search", action: "#" },
        h("label", { for: "q", class: "visually-hidden" }, "質問を入力"),
        h("input", { id: "q", name: "q", type: "search", autocomplete: "off", enterkeyhint: "search", maxlength: "1000",
          placeholder: "例：領収書を出してほしいと言われた", "aria-describedby": "hint", "aria-controls": "results",
          "aria-autocomplete": "list" })),
      h("p", { id: "hint", class: "hint" },
        h("span", { class: "hint-touch" }, "文章のままでも、キーワードだけでも検索できます。"),
        h("span", { class: "hint-keys" }, "文章でもキーワードでも検索できます。↑↓で選択、Enterで回答を表示。")),
      h("ul", { id: "suggestions", class: "chips", role: "listbox", "aria-label": "入力候補", hidden: true }),
      h("p", { id: "status", class: "status", role: "status", "aria-live": "polite" }),
      h("div", { id: "error", class: "error", role: "alert", hidden: true },
        h("p", { id: "error-text" }),
        h("button", { id: "retry", type: "button" }, "もう一度検索する")),
      h("ol", { id: "results", class: "results", "aria-label": "検索結果" }),
      h("section", { id: "unanswered", class: "notice", hidden: true },
        h("p", { class: "lead" }, "この質問に答えるFAQは見つかりませんでした。"),
        h("p", {}, "言い換えるか、短いキーワードでもお試しください。"),
        h("details", { id: "related" },
          h("summary", {}, "関連するかもしれない質問（", h("span", { id: "related-count" }, "0"), "件）"),
          h("ol", { id: "related-results", class: "results", "aria-label": "関連するかもしれない質問" }))),
      h("section", { id: "empty", class: "notice", hidden: true },
        h("p", { class: "lead" }, "該当するFAQが見つかりませんでした。"),
        h("p", {}, "別の言葉や短いキーワード、ひらがなでもお試しください。"),
        h("ul", { id: "related-words", class: "chips", "aria-label": "FAQにある近い言葉" })),
      h("p", { id: "way-out", class: "way-out", hidden: true },
        "解決しない場合は、こちらからお問い合わせください。", h("a", { id: "contact-link", class: "contact", href: "#" })));
  }

  const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#39;": "'" };
  const decode = (text) => text.replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITIES[m]);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Appends escaped-HTML-with-<mark> as DOM nodes.
  function appendMarked(parent, html) {
    let inMark = false;
    for (const part of html.split(/(<mark>|<\/mark>)/)) {
      if (part === "<mark>") { inMark = true; continue; }
      if (part === "</mark>") { inMark = false; continue; }
      if (!part) continue;
      const text = document.createTextNode(decode(part));
      if (inMark) { const mark = el("mark"); mark.appendChild(text); parent.appendChild(mark); } else parent.appendChild(text);
    }
  }

  function safeUrl(url, allowMail) {
    try {
      const u = new URL(url);
      return u.protocol === "https:" || u.protocol === "http:" || (allowMail && u.protocol === "mailto:") ? u.href : null;
    } catch { return null; }
  }

  const shorten = (text, max) => ([...text].length > max ? [...text].slice(0, max - 1).join("") + "…" : text);
  // A URL as a person reads it: host and path, no scheme, cut to a sensible length.
  const readableUrl = (url) => shorten(url.replace(/^https?:\/\//, "").replace(/\/$/, ""), URL_CHARS);

  function anchor(href, text, title) {
    const a = el("a", "", text);
    a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer";
    if (title && title !== text) a.title = title;
    return a;
  }

  // Labels two links of one answer share (注文の流れ twice, to two help sites) get the
  // site's host, so a seller can tell them apart.
  function tellApart(links) {
    const seen = new Map();
    for (const link of links) {
      const key = (link.label || "").trim();
      seen.set(key, (seen.get(key) || 0) + 1);
    }
    return links.map((link) => {
      const key = (link.label || "").trim();
      if (!key || key === link.url || seen.get(key) < 2) return link;
      let host = "";
      try { host = new URL(link.url).host; } catch { return link; }
      return { ...link, shown: `${shorten(key, LABEL_CHARS)}（${host}）` };
    });
  }

  // The answer text with each of its URLs as one link: 「領収書について：https://…」 becomes
  // one link labelled 領収書について; a bare URL is shown short. Links the text does not
  // mention are listed after it. Each link appears once, and no two look the same.
  function renderAnswer(entry) {
    const answer = el("div", "answer-text");
    const links = tellApart((entry.links || []).filter((link) => safeUrl(link.url)));
    const used = new Set();
    const pattern = /https?:\/\/[!-~]+/g;
    let last = 0;
    const text = entry.answer;
    for (const match of text.matchAll(pattern)) {
      let url = match[0].replace(/[)>\]」』、。,.]+$/, "");
      const href = safeUrl(url);
      if (!href) continue;
      let start = match.index;
      const link = links.find((l) => l.url === url || safeUrl(l.url) === href);
      let label = null;
      if (link && link.label && link.label !== link.url) {
        const before = text.slice(last, start);
        const found = before.match(/([^\n]*?)\s*[:：]\s*$/);
        if (found && found[1].trim() === link.label.trim()) {
          start -= found[0].length;
          label = link.label.trim();
        }
      }
      answer.appendChild(document.createTextNode(text.slice(last, start)));
      const shown = label ? link.shown || shorten(label, LABEL_CHARS) : readableUrl(url);
      answer.appendChild(anchor(href, shown, label || url));
      used.add(href);
      last = match.index + url.length;
    }
    answer.appendChild(document.createTextNode(text.slice(last)));
    const rest = links.filter((link) => !used.has(safeUrl(link.url)));
    const fragment = document.createDocumentFragment();
    fragment.appendChild(answer);
    if (rest.length) {
      const list = el("ul", "links");
      for (const link of rest) {
        const href = safeUrl(link.url);
        const label = link.label && link.label !== link.url ? link.shown || shorten(link.label, LABEL_CHARS) : readableUrl(link.url);
        const li = el("li"); li.appendChild(anchor(href, label, link.label || link.url)); list.appendChild(li);
      }
      fragment.appendChild(list);
    }
    return fragment;
  }

  const ERRORS = {
    query_too_long: "質問が長すぎます。1000文字以内にしてください。",
    overloaded: "混み合っています。少し待ってから、もう一度お試しください。",
    timeout: "検索に時間がかかりすぎました。短い言葉でもう一度お試しください。",
    not_found: "このFAQは見つかりませんでした。削除されたか、移動した可能性があります。",
  };
  class RequestError extends Error {
    constructor(code, status) { super(code); this.code = code; this.status = status; }
  }

  class FaqSearch extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      const root = this.attachShadow({ mode: "open" });
      this.api = (this.getAttribute("api") || SCRIPT_BASE).replace(/\/$/, "");
      this.isPage = this.hasAttribute("page");
      const params = new URLSearchParams(location.search);
      this.debug = this.hasAttribute("debug") || (this.isPage && params.has("debug"));
      const style = el("link");
      style.rel = "stylesheet";
      style.href = `${this.api}/assets/widget.css`;
      root.appendChild(style);
      root.appendChild(template());
      this.$ = (id) => root.getElementById(id);
      this.input = this.$("q");
      if (this.getAttribute("placeholder")) this.input.placeholder = this.getAttribute("placeholder");
      this.selected = -1;
      this.composing = false;
      this.controller = null;
      this.contact = null;
      this.entries = new Map();
      this.listen();
      this.loadConfig();
      if (this.isPage && params.get("embed") !== null) this.reportHeight();
      const id = this.isPage ? params.get("id") : null;
      const initial = this.getAttribute("query") || (this.isPage ? params.get("q") : null);
      if (id) this.showEntry(id);
      else if (initial) { this.input.value = initial; this.run(); }
      if (this.hasAttribute("autofocus") && !id) this.input.focus();
    }

    listen() {
      const input = this.input;
      input.addEventListener("compositionstart", () => { this.composing = true; });
      input.addEventListener("compositionend", () => { this.composing = false; this.schedule(); });
      input.addEventListener("input", (event) => { if (!this.composing && !event.isComposing) this.schedule(); });
      input.addEventListener("keydown", (event) => {
        if (event.isComposing || this.composing) return;
        if (event.key === "ArrowDown") { event.preventDefault(); this.select(this.selected + 1); }
        else if (event.key === "ArrowUp") { event.preventDefault(); this.select(this.selected - 1); }
        else if (event.key === "Enter") {
          event.preventDefault();
          const items = this.$("results").children;
          if (this.selected >= 0 && items[this.selected]) items[this.selected].firstChild.click();
          else { clearTimeout(this.timer); this.run(); }
        } else if (event.key === "Escape") { input.value = ""; this.run(); }
      });
      this.$("q").form.addEventListener("submit", (event) => { event.preventDefault(); this.run(); });
      this.$("retry").addEventListener("click", () => { this.run(); this.input.focus(); });
    }

    schedule() { clearTimeout(this.timer); this.timer = setTimeout(() => this.run(), DEBOUNCE_MS); }

    async fetchJson(path, signal, retried) {
      let response;
      try {
        response = await fetch(`${this.api}${path}`, { signal, headers: { Accept: "application/json" } });
      } catch (error) {
        if (error.name === "AbortError") throw error;
        throw new RequestError("network", 0);
      }
      // The costly-search lane was full: wait as told (about a second) and try once more.
      if (response.status === 503 && !retried && response.headers.get("Retry-After")) {
        const seconds = Math.min(5, Number(response.headers.get("Retry-After")) || 1);
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        if (signal && signal.aborted) throw new DOMException("aborted", "AbortError");
        return this.fetchJson(path, signal, true);
      }
      let body = null;
      try { body = await response.json(); } catch { body = null; }
      if (!response.ok || !body) throw new RequestError(body && body.error ? body.error.code : "http", response.status);
      return body;
    }

    showError(error) {
      this.clear();
      this.$("error-text").textContent = ERRORS[error.code]
        || "検索できませんでした。通信状況を確かめて、もう一度お試しください。";
      this.$("error").hidden = false;
    }

    clear() {
      for (const id of ["results", "related-results", "related-words"]) this.$(id).replaceChildren();
      for (const id of ["unanswered", "empty", "error"]) this.$(id).hidden = true;
      this.$("suggestions").hidden = true;
      this.$("status").textContent = "";
      this.selected = -1;
      this.showWayOut(false);
    }

    async run() {
      const q = this.input.value.trim();
      if (this.controller) this.controller.abort();
      this.followUrl(q ? { q } : {});
      if (!q) { this.clear(); this.resized(); return; }
      this.controller = new AbortController();
      const signal = this.controller.signal;
      const started = performance.now();
      try {
        const data = await this.fetchJson(
          `/api/search?view=compact&limit=${HITS}&suggest=${SUGGESTIONS}&log=false&q=${encodeURIComponent(q)}`, signal);
        this.render(data, performance.now() - started);
        this.query = q;
        this.settle(q);
      } catch (error) {
        if (error.name === "AbortError") return;
        this.showError(error);
      }
      this.resized();
    }

    // Once typing stops, the query is asked once more with log=true: what the owner's report
    // counts. Opening an answer settles it at once.
    settle(q, now) {
      clearTimeout(this.settleTimer);
      const send = () => {
        if (this.logged === q || this.input.value.trim() !== q) return;
        this.logged = q;
        fetch(`${this.api}/api/search?view=compact&limit=${HITS}&log=true&q=${encodeURIComponent(q)}`,
          { headers: { Accept: "application/json" } }).catch(() => {});
      };
      if (now) send(); else this.settleTimer = setTimeout(send, SETTLED_MS);
    }

    // Tells the server what the seller did (an answer opened, feedback); never waits, never fails loudly.
    report(event) {
      fetch(`${this.api}/api/events`, {
        method: "POST", keepalive: true, headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ...event, query: this.query || "" }),
      }).catch(() => {});
    }

    chips(list, suggestions, completes) {
      list.replaceChildren();
      const seen = new Set();
      for (const word of suggestions) {
        if (seen.has(word.text)) continue;
        seen.add(word.text);
        const button = el("button", "", word.text);
        button.type = "button";
        if (word.reading && word.reading !== word.text) button.title = word.reading;
        button.addEventListener("click", () => {
          const value = this.input.value.trim();
          this.input.value = completes && value.endsWith(completes) ? value.slice(0, value.length - completes.length) + word.text : word.text;
          this.run();
          this.input.focus();
        });
        const li = el("li"); li.setAttribute("role", "option"); li.appendChild(button); list.appendChild(li);
      }
      list.hidden = list.children.length === 0;
    }

    render(data, elapsed) {
      this.clear();
      const timing = this.debug ? `・${data.took_ms} ms（往復 ${elapsed.toFixed(0)} ms）` : "";
      const suggested = data.suggestions || { kind: "completion", completes: "", suggestions: [] };
      const completions = suggested.kind === "completion" ? suggested.suggestions : [];
      const relatedWords = suggested.kind === "related" ? suggested.suggestions : [];
      this.chips(this.$("suggestions"), completions, suggested.completes);
      // Unanswered, but the top hit has every word of the query (a keyword found in many
      // entries, such as キャンセル): a list to narrow down, not "no answer".
      const browsing = data.hits.length && !data.answered && data.hits[0].coverage >= FULL_COVERAGE;
      if (data.hits.length && !data.answered && !browsing) {
        // An honest no: say so, keep the weak hits out of the way, offer the way out.
        const weak = data.hits.slice(0, RELATED_SHOWN);
        weak.forEach((hit, i) => this.$("related-results").appendChild(this.resultItem(hit, i + 1)));
        this.$("related-count").textContent = String(weak.length);
        this.$("related").open = false;
        this.$("unanswered").hidden = false;
        this.$("status").textContent = timing ? `回答なし${timing}` : "";
        this.showWayOut(true);
        return;
      }
      const best = data.hits.length ? data.hits[0].score : 0;
      const hits = data.hits.filter((hit) => hit.score >= best * WEAK_SHARE);
      if (!hits.length) {
        // Still typing (completions exist): no verdict yet, the completions are the answer.
        if (completions.length) {
          this.$("status").textContent = `候補から選ぶか、続けて入力してください${timing}`;
          return;
        }
        this.chips(this.$("related-words"), relatedWords, "");
        this.$("empty").hidden = false;
        this.showWayOut(true);
        return;
      }
      this.$("status").textContent = browsing
        ? `この言葉を含む質問が${hits.length}件あります。詳しく入力すると絞り込めます${timing}`
        : `${hits.length}件の質問が見つかりました${timing}`;
      hits.forEach((hit, i) => this.$("results").appendChild(this.resultItem(hit, i + 1)));
    }

    resultItem(hit, rank) {
      const item = el("li", "result");
      item.dataset.id = hit.id;
      const button = el("button", "toggle");
      button.type = "button";
      button.setAttribute("aria-expanded", "false");
      const question = el("span", "question"); appendMarked(question, hit.highlights.question);
      const snippet = el("span", "snippet"); appendMarked(snippet, hit.highlights.answer);
      button.append(question, snippet);
      button.addEventListener("click", () => this.toggle(item, hit.id, rank));
      item.appendChild(button);
      return item;
    }

    async entry(id) {
      if (!this.entries.has(id)) {
        const promise = this.fetchJson(`/api/faq/${encodeURIComponent(id)}`);
        this.entries.set(id, promise);
        promise.catch(() => this.entries.delete(id));
      }
      return this.entries.get(id);
    }

    answerPanel(entry) {
      const panel = el("div", "answer");
      panel.appendChild(renderAnswer(entry));
      const permalink = anchor(`${this.api}/?id=${encodeURIComponent(entry.id)}`, "この回答へのリンク");
      permalink.className = "permalink";
      permalink.removeAttribute("target");
      const footer = el("p", "answer-footer"); footer.appendChild(permalink);
      panel.appendChild(this.feedback(entry.id));
      panel.appendChild(footer);
      return panel;
    }

    async toggle(item, id, rank) {
      const button = item.firstChild;
      const open = item.querySelector(".answer");
      if (open) { open.remove(); item.classList.remove("open"); button.setAttribute("aria-expanded", "false"); this.resized(); return; }
      if (rank) {
        if (this.query) this.settle(this.query, true);
        this.report({ type: "open", id, rank });
      }
      item.classList.add("open");
      button.setAttribute("aria-expanded", "true");
      const loading = el("div", "answer loading", "回答を読み込んでいます…");
      item.appendChild(loading);
      try {
        const entry = await this.entry(id);
        if (!item.contains(loading)) return;
        loading.replaceWith(this.answerPanel(entry));
      } catch (error) {
        loading.textContent = ERRORS[error.code] || "回答を読み込めませんでした。もう一度タップしてください。";
        loading.classList.add("failed");
        item.classList.remove("open");
        button.setAttribute("aria-expanded", "false");
        const retry = () => { loading.remove(); button.removeEventListener("click", retry, true); };
        button.addEventListener("click", retry, true);
      }
      this.resized();
    }

    // 「この回答で解決しましたか？」 with はい／いいえ: one answer per opening, thanked.
    feedback(id) {
      const box = el("div", "feedback");
      const question = el("p", "feedback-question", "この回答で解決しましたか？");
      const buttons = el("div", "feedback-buttons");
      for (const [label, helpful] of [["はい", true], ["いいえ", false]]) {
        const button = el("button", "", label);
        button.type = "button";
        button.dataset.helpful = String(helpful);
        button.addEventListener("click", () => {
          this.report({ type: "feedback", id, helpful });
          box.replaceChildren(el("p", "feedback-thanks", helpful
            ? "ありがとうございます。"
            : "ご不便をおかけしました。いただいた声はFAQの改善に使います。"));
          if (!helpful && this.contact) {
            const link = this.$("contact-link").cloneNode(true);
            link.removeAttribute("id");
            link.className = "contact";
            box.appendChild(link);
          }
          this.resized();
        });
        buttons.appendChild(button);
      }
      box.append(question, buttons);
      return box;
    }

    // A permalink (`?id=`): that entry, opened, above an empty search box.
    async showEntry(id) {
      this.clear();
      try {
        const entry = await this.entry(id);
        const item = this.resultItem({ id, highlights: { question: escapeHtml(entry.question), answer: "" } });
        item.classList.add("open");
        item.firstChild.setAttribute("aria-expanded", "true");
        item.appendChild(this.answerPanel(entry));
        this.$("results").appendChild(item);
      } catch (error) {
        this.showError(error);
        this.$("retry").hidden = true;
      }
      this.resized();
    }

    select(index) {
      const items = this.$("results").children;
      if (!items.length) return;
      this.selected = (index + items.length) % items.length;
      [...items].forEach((item, i) => item.classList.toggle("selected", i === this.selected));
      items[this.selected].scrollIntoView({ block: "nearest" });
    }

    // The operator's way out (a contact link), right under the verdict when the FAQ has no
    // answer, before the related questions, where a seller looks next.
    showWayOut(show) {
      const wayOut = this.$("way-out");
      wayOut.hidden = !(show && this.contact);
      if (!show) return;
      const unanswered = this.$("unanswered");
      if (!unanswered.hidden) unanswered.insertBefore(wayOut, this.$("related"));
      else if (!this.$("empty").hidden) this.$("empty").appendChild(wayOut);
    }

    async loadConfig() {
      try {
        const config = await this.fetchJson("/api/config");
        const href = config.contact && safeUrl(config.contact.url, true);
        if (!href) return;
        this.contact = config.contact;
        const link = this.$("contact-link");
        link.href = href;
        link.textContent = config.contact.label;
        if (!href.startsWith("mailto:")) { link.target = "_blank"; link.rel = "noopener noreferrer"; }
        this.showWayOut(!this.$("unanswered").hidden || !this.$("empty").hidden);
      } catch { /* no contact link */ }
    }

    // The page's URL follows the query (a reload or a shared link shows the same search).
    followUrl(state) {
      if (!this.isPage) return;
      const params = new URLSearchParams(location.search);
      params.delete("q"); params.delete("id");
      for (const [key, value] of Object.entries(state)) params.set(key, value);
      const search = params.toString();
      history.replaceState(null, "", `${location.pathname}${search ? `?${search}` : ""}`);
    }

    // In an iframe (`?embed=1`): tell the parent our height whenever it changes, as
    // {type: "faq-search:height", height} (README, "Embedding").
    reportHeight() {
      document.documentElement.classList.add("embed");
      this.embedded = window.parent !== window;
      if (!this.embedded) return;
      new ResizeObserver(() => this.resized()).observe(document.documentElement);
      this.resized();
    }

    resized() {
      if (!this.embedded) return;
      const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (height === this.lastHeight) return;
      this.lastHeight = height;
      window.parent.postMessage({ type: "faq-search:height", height }, "*");
    }
  }

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" })[c]);
  }

  customElements.define("faq-search", FaqSearch);
})();
