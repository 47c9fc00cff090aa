// The chat page. Every piece of question or corpus text reaches the DOM through textContent or
// text nodes (createElement + append), never innerHTML, so a document's markup shows as text.
// Each feature is a group of functions below its own heading, so changes to one stay local.
"use strict";

(() => {
  const KEEP = 50; // turns kept per conversation
  const KEEP_CONVERSATIONS = 30;
  const SNIPPET = 280; // characters of each retrieved passage kept with a turn
  const maxChars = Number(document.body.dataset.maxChars) || 2000;
  const $ = (id) => document.getElementById(id);
  const conversation = $("conversation");
  const welcome = $("welcome");
  const form = $("ask");
  const box = $("question");
  const send = $("send");
  const stopButton = $("stop");
  const formError = $("form-error");
  let ids = 0;

  // el("p", {class: "x", text: "..."}, child, "text") — strings become text nodes.
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  // Icons as inline SVG (paths from Feather, MIT): an emoji needs a font the machine may not have.
  const ICONS = {
    up: "M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3",
    down: "M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17",
    trash: "M3 6h18M19 6l-1 14a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2L5 6m3 0V4a2 2 0 0 1 2-2h4a2 2 0 0 1 2 2v2",
    pencil: "M17 3a2.83 2.83 0 1 1 4 4L7.5 20.5 2 22l1.5-5.5L17 3z",
  };

  function icon(name) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    for (const [key, value] of Object.entries({ viewBox: "0 0 24 24", width: "16", height: "16", fill: "none",
      stroke: "currentColor", "stroke-width": "2", "stroke-linecap": "round", "stroke-linejoin": "round",
      "aria-hidden": "true", focusable: "false" })) svg.setAttribute(key, value);
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  const squash = (text) => String(text || "").split(/\s+/).filter(Boolean).join(" ");
  const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1);
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

  // --- conversations: all of them in localStorage by id; each tab remembers which one it shows ---
  // A tab writes only its own conversation's entry (re-reading the others first), so two tabs never
  // overwrite each other.

  const STORE = "rag.conversations.v2";
  const OLD_STORE = "rag.conversation.v1";
  const CURRENT = "rag.current";

  function readStore() {
    try {
      const stored = JSON.parse(localStorage.getItem(STORE) || "{}");
      return stored && typeof stored === "object" && !Array.isArray(stored) ? stored : {};
    } catch {
      return {};
    }
  }

  function writeStore(store) {
    const kept = Object.values(store).sort((a, b) => (b.updated || 0) - (a.updated || 0)).slice(0, KEEP_CONVERSATIONS);
    try {
      localStorage.setItem(STORE, JSON.stringify(Object.fromEntries(kept.map((c) => [c.id, c]))));
    } catch {
      // storage full or disabled: the conversation still works, it just won't survive a reload
    }
  }

  function validTurns(turns) {
    if (!Array.isArray(turns)) return [];
    return turns.filter((t) => t && typeof t.question === "string" &&
      ((t.answer && typeof t.answer.answer === "string" && Array.isArray(t.answer.citations)) ||
       typeof t.error === "string" || typeof t.partial === "string"));
  }

  function newId() {
    return `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  }

  function openConversation() {
    const store = readStore();
    const old = localStorage.getItem(OLD_STORE);
    if (old !== null) { // the single conversation of the previous page version becomes one of many
      try {
        const turns = validTurns(JSON.parse(old));
        if (turns.length) {
          const id = newId();
          store[id] = { id, title: turns[0].question.slice(0, 60), updated: Date.now(), turns };
          writeStore(store);
          sessionStorage.setItem(CURRENT, id);
        }
      } catch {
        // unreadable: start afresh
      }
      localStorage.removeItem(OLD_STORE);
    }
    const id = sessionStorage.getItem(CURRENT);
    const found = id && store[id];
    if (found) return { ...found, turns: validTurns(found.turns) };
    return { id: newId(), title: "", updated: Date.now(), turns: [] };
  }

  let current = openConversation();
  sessionStorage.setItem(CURRENT, current.id);

  function save() {
    current.turns = current.turns.slice(-KEEP);
    // a turn is stored without its DOM node and queue flag
    const finished = current.turns.filter((t) => t.answer || t.error || t.partial).map(({ bot, queued, ...kept }) => kept);
    const store = readStore();
    if (finished.length) {
      current.title = current.title || finished[0].question.slice(0, 60);
      current.updated = Date.now();
      store[current.id] = { id: current.id, title: current.title, updated: current.updated, turns: finished };
    } else {
      delete store[current.id];
    }
    writeStore(store);
    renderSidebar();
  }

  function switchTo(id) {
    if (running) return;
    const found = readStore()[id];
    current = found ? { ...found, turns: validTurns(found.turns) } : { id: newId(), title: "", updated: Date.now(), turns: [] };
    queue.length = 0;
    sessionStorage.setItem(CURRENT, current.id);
    render();
    renderSidebar();
    closeSidebarOnPhone();
    box.focus();
  }

  function newConversation() {
    switchTo(newId());
  }

  function deleteConversation(id) {
    const store = readStore();
    delete store[id];
    writeStore(store);
    if (id === current.id) newConversation();
    else renderSidebar();
  }

  function renameConversation(id, item) {
    const store = readStore();
    const conv = store[id];
    if (!conv) return;
    const input = el("input", { type: "text", value: conv.title, "aria-label": "Conversation name", maxlength: 80 });
    const finish = (keep) => {
      const title = squash(input.value);
      if (keep && title) {
        const fresh = readStore();
        if (fresh[id]) {
          fresh[id].title = title;
          writeStore(fresh);
        }
        if (id === current.id) current.title = title;
      }
      renderSidebar();
      const again = document.querySelector(`#conversations [data-id="${id}"] .conv-open`);
      if (again) again.focus();
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); finish(true); }
      if (event.key === "Escape") { event.preventDefault(); finish(false); }
    });
    input.addEventListener("blur", () => finish(true), { once: true });
    item.replaceChildren(input);
    input.focus();
    input.select();
  }

  function renderSidebar() {
    const store = readStore();
    if (current.turns.some((t) => t.answer || t.error || t.partial) && !store[current.id]) {
      store[current.id] = current;
    }
    const list = Object.values(store).sort((a, b) => (b.updated || 0) - (a.updated || 0));
    $("conversations").replaceChildren(...list.map((conv) => {
      const title = conv.title || "New conversation";
      const item = el("li", { "data-id": conv.id });
      item.append(
        el("button", { type: "button", class: "conv-open", "aria-current": conv.id === current.id ? "true" : null,
          text: title, title, onclick: () => switchTo(conv.id) }),
        el("button", { type: "button", class: "icon", "aria-label": `Rename “${title}”`,
          onclick: () => renameConversation(conv.id, item) }, icon("pencil")),
        el("button", { type: "button", class: "icon", "aria-label": `Delete “${title}”`,
          onclick: () => deleteConversation(conv.id) }, icon("trash")));
      return item;
    }));
    if (!list.length) {
      $("conversations").append(el("li", { class: "small empty", text: "No conversations yet." }));
    }
  }

  window.addEventListener("storage", (event) => {
    if (event.key === STORE) renderSidebar(); // another tab saved; this tab's conversation is untouched
  });

  // --- rendering a turn ---

  function renderTurn(turn) {
    const bot = el("div", { class: "msg bot" });
    const item = el("li", { class: "turn" },
      el("div", { class: "msg user" },
        el("span", { class: "visually-hidden", text: "You asked: " }),
        el("p", { text: turn.question, lang: /\p{Script=Han}/u.test(turn.question) ? "zh" : undefined })),
      bot);
    turn.bot = bot;
    if (turn.answer) showAnswer(bot, turn);
    else if (turn.error || turn.partial) showError(bot, turn);
    else if (turn.queued) showQueued(bot);
    else showThinking(bot, "Searching the documents");
    return item;
  }

  function showQueued(bot) {
    bot.className = "msg bot pending queued";
    bot.setAttribute("aria-busy", "true");
    bot.replaceChildren(el("p", { class: "thinking", text: "Queued: asked when the answer above is done." }));
  }

  function showThinking(bot, label) {
    bot.className = "msg bot pending";
    bot.setAttribute("aria-busy", "true");
    bot.replaceChildren(el("p", { class: "thinking" },
      el("span", { class: "dots", "aria-hidden": "true" }, el("i"), el("i"), el("i")),
      el("span", { text: label + "…" })));
  }

  function showPartial(bot, text) {
    let p = bot.querySelector(".answer.streaming");
    if (!p) {
      p = el("p", { class: "answer streaming" });
      bot.replaceChildren(p);
    }
    p.textContent = text;
  }

  function showAnswer(bot, turn) {
    const answer = turn.answer;
    bot.className = "msg bot" + (answer.abstained ? " abstained" : "");
    bot.removeAttribute("aria-busy");
    const n = ++ids;
    const panel = el("div", { class: "passage", id: `passage-${n}`, role: "group", tabindex: "-1", hidden: true });
    const open = (citation, button) => togglePassage(bot, panel, citation, button, turn);
    const children = [];
    if (answer.abstained) {
      children.push(el("p", { class: "verdict" },
        el("span", { class: "verdict-icon", "aria-hidden": "true", text: "?" }), "Not in the corpus"));
      children.push(el("p", { class: "answer", text: answer.answer }));
      const unsupported = (answer.answer_checks || []).filter((c) => !c.supported);
      if (unsupported.length) {
        children.push(el("p", { class: "read-as" }, "Written by the model, but not supported by the passages: ",
          ...unsupported.map((c) => el("s", { class: "unsupported", title: c.reason, text: c.sentence }))));
      }
    } else {
      children.push(answerText(answer, open));
    }
    if (answer.fallback) {
      children.push(el("p", { class: "fallback", role: "note",
        text: `The language model could not answer (${answer.fallback}); this answer quotes the passages instead.` }));
    }
    if (squash(answer.question) !== squash(turn.question)) {
      children.push(el("p", { class: "read-as" }, "Answered as: ", el("q", { text: answer.question })));
    }
    if (answer.searched_as) {
      // A question in another language is searched and answered in English: show the reader which.
      children.push(el("p", { class: "read-as searched-as" }, "Searched as: ",
        el("q", { lang: "en", text: answer.searched_as })));
    }
    if (answer.citations.length) {
      const label = answer.abstained ? "Closest passages" : "Sources";
      children.push(el("div", { class: "sources" },
        el("p", { class: "sources-label", text: label }),
        el("ul", { "aria-label": label }, ...answer.citations.map((c) =>
          el("li", {}, sourceButton(c, open, turn))))));
    }
    children.push(panel);
    if (turn.retrieved && turn.retrieved.length) children.push(retrievalList(turn));
    children.push(answerTools(turn));
    const latency = latencyLabel(turn);
    if (latency) children.push(latency);
    bot.replaceChildren(...children);
  }

  // The answer text with each [n] marker as a small button that opens source n; a written answer's
  // sentences that their passages do not support are struck through and flagged with the reason.
  function answerText(answer, open) {
    const byN = new Map(answer.citations.map((c) => [c.n, c]));
    const p = el("p", { class: "answer" });
    for (const [text, check] of segments(answer)) {
      const target = check ? el("s", { class: "unsupported", title: check.reason }) : p;
      for (const part of text.split(/(\[\d+\])/)) {
        const match = /^\[(\d+)\]$/.exec(part);
        const citation = match && byN.get(Number(match[1]));
        if (citation) {
          target.append(el("button", {
            type: "button", class: "badge", text: String(citation.n), "data-n": citation.n,
            "aria-expanded": "false", "aria-label": `Source ${citation.n}: ${citation.title || citation.source}`,
            onclick: (event) => open(citation, event.currentTarget),
          }));
        } else if (part) {
          target.append(part);
        }
      }
      if (check) {
        p.append(target, el("span", { class: "unsupported-flag", title: check.reason },
          el("span", { "aria-hidden": "true", text: "⚠ not supported" }),
          el("span", { class: "visually-hidden", text: ` (not supported by the cited passage: ${check.reason})` })), " ");
      }
    }
    return p;
  }

  // Every sentence the answer cites this passage for. The citation holds the first; the others are
  // found by their text, since the answer quotes them (capitalised, with a full stop, maybe a lead-in).
  function spansOf(citation, answer) {
    const text = citation.text || "";
    const spans = [[citation.start, citation.end]];
    if (answer) {
      const pieces = answer.answer.split(/(\[\d+\])/);
      for (let i = 1; i < pieces.length; i += 2) {
        if (pieces[i] !== `[${citation.n}]`) continue;
        const span = findQuote(text, pieces[i - 1]);
        if (span) spans.push(span);
      }
    }
    const length = text.length;
    const clipped = spans.map(([a, b]) => [Math.max(0, Math.min(a, length)), Math.max(0, Math.min(b, length))])
      .filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
    return clipped.filter(([a, b], i) => !clipped.slice(0, i).some(([c, d]) => a < d && c < b)); // no overlaps
  }

  function findQuote(text, quoted) {
    const core = quoted.trim().replace(/[.!?…"”\s]+$/, "");
    if (core.length < 8) return null;
    const tail = core.slice(-40);
    const tailAt = text.indexOf(tail);
    if (tailAt < 0) return null;
    const end = tailAt + tail.length;
    const head = core.slice(1, Math.min(core.length, 41)); // the first letter may have been capitalised
    const headAt = text.lastIndexOf(head, tailAt);
    return headAt > 0 ? [headAt - 1, end] : headAt === 0 ? [0, end] : null;
  }

  // The answer text in runs: [text, the check of the unsupported sentence it is, or null].
  function segments(answer) {
    const text = answer.answer;
    const runs = [];
    let at = 0;
    for (const check of answer.answer_checks || []) {
      const i = check.supported ? -1 : text.indexOf(check.sentence, at);
      if (i < 0) continue;
      if (i > at) runs.push([text.slice(at, i), null]);
      runs.push([check.sentence, check]);
      at = i + check.sentence.length;
    }
    if (at < text.length) runs.push([text.slice(at), null]);
    return runs;
  }


  // Rows from one document differ by section and by the sentence they hold.
  function sourceButton(citation, open, turn) {
    const spans = spansOf(citation, turn.answer);
    const text = citation.text || "";
    const quote = squash(spans.length ? text.slice(spans[0][0], spans[0][1]) : text);
    const heading = headingOf(turn, citation.chunk_id);
    return el("button", {
      type: "button", class: "source", "data-n": citation.n, "aria-expanded": "false",
      onclick: (event) => open(citation, event.currentTarget),
    },
    el("span", { class: "badge", "aria-hidden": "true", text: String(citation.n) }),
    el("span", { class: "source-body" },
      el("span", { class: "source-line" },
        el("span", { class: "source-title", text: citation.title || citation.source }),
        el("span", { class: "source-file", text: citation.source })),
      el("span", { class: "source-detail", text: (heading ? `${heading} · ` : "") + `“${clip(quote, 110)}”` })));
  }

  const clip = (text, n) => (text.length > n ? text.slice(0, n - 1).trimEnd() + "…" : text);

  function headingOf(turn, chunkId) {
    const found = (turn.retrieved || []).find((p) => p.chunk_id === chunkId);
    return found && found.heading && found.heading !== found.title ? found.heading : "";
  }

  function togglePassage(bot, panel, citation, button, turn) {
    const same = !panel.hidden && panel.dataset.n === String(citation.n);
    for (const b of bot.querySelectorAll("[data-n]")) {
      b.setAttribute("aria-expanded", String(!same && b.dataset.n === String(citation.n)));
      if (!same && b.dataset.n === String(citation.n)) b.setAttribute("aria-controls", panel.id);
    }
    if (same) {
      panel.hidden = true;
      return;
    }
    const turnNumber = current.turns.indexOf(turn) + 1;
    panel.dataset.n = String(citation.n);
    panel.setAttribute("aria-label", `Source ${citation.n} of answer ${turnNumber}`);
    const text = citation.text || "";
    const quote = el("blockquote", { class: "passage-text", tabindex: "0", "aria-label": `Passage of source ${citation.n}` });
    let at = 0;
    const spans = spansOf(citation, turn.answer);
    for (const [start, end] of spans) {
      if (start < at) continue;
      quote.append(text.slice(at, start), el("mark", { text: text.slice(start, end) }));
      at = end;
    }
    quote.append(text.slice(at));
    const close = () => {
      panel.hidden = true;
      for (const b of bot.querySelectorAll("[data-n]")) b.setAttribute("aria-expanded", "false");
      button.focus();
    };
    panel.replaceChildren(
      el("header", {},
        el("span", { class: "badge static", "aria-hidden": "true", text: String(citation.n) }),
        el("div", { class: "passage-head" },
          el("h3", { text: citation.title || citation.source }),
          el("p", { class: "file", text: citation.source })),
        el("button", { type: "button", class: "close", "aria-label": "Close source", text: "×", onclick: close })),
      quote,
      el("button", { type: "button", class: "ghost open-document", text: "Open the whole document",
        onclick: () => openDocument(citation.source, citation.chunk_id, spans) }));
    panel.onkeydown = (event) => { if (event.key === "Escape") close(); };
    panel.hidden = false;
    panel.focus({ preventScroll: true });
    const mark = quote.querySelector("mark");
    if (mark) quote.scrollTop = Math.max(0, mark.offsetTop - 24); // long passages scroll
    revealAboveComposer(panel);
  }

  // Scroll so the element sits between the header and the sticky composer (on a phone the composer
  // covers the bottom of the screen, so "nearest" alone would leave the passage under it).
  function revealAboveComposer(element) {
    const box = element.getBoundingClientRect();
    const bottom = $("composer").getBoundingClientRect().top - 8;
    const room = bottom - 8;
    if (box.height > room || box.top < 0) window.scrollBy({ top: box.top - 8 });
    else if (box.bottom > bottom) window.scrollBy({ top: box.bottom - bottom });
  }

  function showError(bot, turn) {
    bot.className = "msg bot error";
    bot.removeAttribute("aria-busy");
    const children = [];
    if (turn.partial) { // what arrived before the connection dropped is kept
      children.push(el("p", { class: "answer partial", text: turn.partial }));
    }
    children.push(
      el("p", { class: "error-text", role: "alert" },
        el("span", { class: "verdict-icon", "aria-hidden": "true", text: "!" }), turn.error || "The answer was cut off."),
      el("button", { type: "button", class: "ghost retry", text: "Try again", onclick: () => regenerate(turn) }));
    bot.replaceChildren(...children);
  }

  // "27 ms on the server · 140 ms in all": what the server computed and what the user waited.
  function latencyLabel(turn) {
    const server = turn.answer && turn.answer.latency_ms;
    if (!server) return null;
    const parts = [`${Math.round(server)} ms on the server`];
    if (turn.waited_ms) parts.push(`${Math.round(turn.waited_ms)} ms in all`);
    return el("p", { class: "meta", title: "Server: retrieval and answering. In all: from sending the question to the whole answer.",
      text: parts.join(" · ") });
  }

  // --- show retrieval: every passage retrieved, with its scores ---

  function compactPassages(passages) {
    return passages.map((p) => ({ chunk_id: p.chunk_id, source: p.source, title: p.title, heading: p.heading,
      score: p.score, dense: p.dense, lexical: p.lexical, text: clip(squash(p.text), SNIPPET) }));
  }

  function retrievalList(turn) {
    const cited = new Set(turn.answer.citations.map((c) => c.chunk_id));
    const rows = turn.retrieved.map((p, i) => el("li", { class: cited.has(p.chunk_id) ? "cited" : null },
      el("div", { class: "retrieved-head" },
        el("span", { class: "rank", text: `#${i + 1}` }),
        el("span", { class: "retrieved-title", text: p.title || p.source }),
        cited.has(p.chunk_id) ? el("span", { class: "tag", text: "cited" }) : null),
      el("p", { class: "scores", text: `score ${fmt(p.score)} · dense ${fmt(p.dense)} · bm25 ${fmt(p.lexical, 2)} · ${p.chunk_id}` }),
      el("p", { class: "retrieved-text", text: p.text })));
    return el("details", { class: "retrieval" },
      el("summary", { text: `Show retrieval (${plural(turn.retrieved.length, "passage")})` }),
      el("ol", {}, ...rows));
  }

  const fmt = (value, digits = 3) => (typeof value === "number" ? value.toFixed(digits) : "–");

  // --- Copy, Regenerate, feedback under each answer ---

  function answerTools(turn) {
    const status = el("span", { class: "tool-status", role: "status" });
    const tools = el("div", { class: "answer-tools" },
      el("button", { type: "button", class: "ghost small-button copy", text: "Copy",
        onclick: () => copyAnswer(turn, status) }),
      el("button", { type: "button", class: "ghost small-button regenerate", text: "Regenerate",
        onclick: () => regenerate(turn) }),
      feedbackButton(turn, "up", "Good answer"),
      feedbackButton(turn, "down", "Bad answer"),
      status);
    return tools;
  }

  function answerAsText(turn) {
    const answer = turn.answer;
    const lines = [`Q: ${turn.question}`, `A: ${answer.answer}`];
    if (answer.citations.length) lines.push("", answer.abstained ? "Closest passages:" : "Sources:");
    for (const c of answer.citations) {
      const spans = spansOf(c, answer);
      const quote = spans.map(([a, b]) => squash(c.text.slice(a, b))).join(" … ");
      lines.push(`[${c.n}] ${c.title || c.source} (${c.source})` + (quote ? `: “${quote}”` : ""));
    }
    return lines.join("\n");
  }

  async function copyAnswer(turn, status) {
    const text = answerAsText(turn);
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const area = el("textarea", { class: "visually-hidden", "aria-hidden": "true" });
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    status.textContent = "Copied.";
  }

  function feedbackButton(turn, rating, label) {
    return el("button", {
      type: "button", class: `ghost small-button rate rate-${rating}`, "aria-label": label, title: label,
      "aria-pressed": String(turn.feedback === rating),
      onclick: (event) => openFeedback(turn, rating, event.currentTarget),
    }, icon(rating));
  }

  function openFeedback(turn, rating, button) {
    const tools = button.parentElement;
    const old = tools.parentElement.querySelector(".feedback-form");
    if (old) old.remove();
    const id = `feedback-${++ids}`;
    const comment = el("textarea", { id, rows: "2", maxlength: "2000", class: "comment" });
    const formEl = el("form", { class: "feedback-form" },
      el("label", { for: id, text: rating === "up" ? "What was good? (optional)" : "What was wrong? (optional)" }),
      comment,
      el("div", { class: "row" },
        el("button", { type: "submit", class: "primary small-button", text: "Send feedback" }),
        el("button", { type: "button", class: "ghost small-button", text: "Cancel", onclick: () => formEl.remove() })));
    formEl.addEventListener("submit", async (event) => {
      event.preventDefault();
      const status = tools.querySelector(".tool-status");
      try {
        const response = await fetch("/api/feedback", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ question: turn.question, answer: turn.answer, rating, comment: comment.value }),
        });
        if (!response.ok) throw new Error(await errorOf(response));
        turn.feedback = rating;
        save();
        for (const b of tools.querySelectorAll(".rate")) {
          b.setAttribute("aria-pressed", String(b.classList.contains(`rate-${rating}`)));
        }
        formEl.remove();
        status.textContent = "Thanks, feedback saved.";
        button.focus();
      } catch (err) {
        status.textContent = err.message;
      }
    });
    tools.after(formEl);
    comment.focus();
  }

  // --- asking: one question at a time, later ones queued; Stop and a time-out end a question ---

  const queue = [];
  let running = null; // { turn, controller }

  // Letters of a script other than Latin: such a question is never completed from an English one,
  // nor an English one from it (the server checks too).
  const foreign = (text) => /(?!\p{Script=Latin})\p{L}/u.test(text);

  function previousQuestion(before) {
    const turns = current.turns;
    for (let i = turns.indexOf(before) - 1; i >= 0; i--) {
      if (turns[i].answer) {
        const previous = turns[i].answer.question;
        return foreign(previous) || foreign(before.question) ? null : previous;
      }
    }
    return null;
  }

  function ask(question, context) {
    hideFormError();
    if (!question.trim()) return showFormError("Type a question first.");
    if (question.length > maxChars) {
      return showFormError(`That question is too long: ${question.length} characters (the limit is ${maxChars}).`);
    }
    const turn = { question, context, queued: Boolean(running) };
    current.turns.push(turn);
    conversation.append(renderTurn(turn));
    welcome.hidden = true;
    box.value = "";
    autosize();
    toBottom();
    if (running) queue.push(turn);
    else run(turn);
  }

  async function run(turn) {
    turn.queued = false;
    if (turn.context === undefined) turn.context = previousQuestion(turn);
    const controller = new AbortController();
    running = { turn, controller };
    setBusy(true);
    showThinking(turn.bot, "Searching the documents");
    const timeoutMs = Number(document.body.dataset.timeoutMs) || 35000;
    // The time-out counts from the last thing the server sent, so an answer written slowly is not cut off.
    let timer;
    const arm = () => { clearTimeout(timer); timer = setTimeout(() => controller.abort("timeout"), timeoutMs); };
    arm();
    const sent = performance.now();
    try {
      turn.answer = await stream(turn, controller.signal, arm);
      turn.waited_ms = performance.now() - sent;
      delete turn.partial;
      delete turn.error;
      showAnswer(turn.bot, turn);
    } catch (err) {
      if (controller.signal.aborted) {
        turn.error = controller.signal.reason === "timeout"
          ? `No answer after ${Math.round(timeoutMs / 1000)} s without a word from the server: it may be busy or stalled.`
          : "Stopped.";
      } else {
        turn.error = err instanceof Error ? err.message : String(err);
      }
      showError(turn.bot, turn);
    } finally {
      clearTimeout(timer);
    }
    running = null;
    save();
    setBusy(false);
    toBottom();
    const next = queue.shift();
    if (next) run(next);
  }

  function stop() {
    if (running) running.controller.abort("stopped");
  }

  function regenerate(turn) {
    if (running) return;
    delete turn.answer;
    delete turn.error;
    delete turn.partial;
    delete turn.feedback;
    turn.retrieved = undefined;
    const item = turn.bot.closest("li");
    item.replaceWith(renderTurn(turn));
    run(turn);
  }

  // Closing the connection (signal) makes the server cancel the answer, and an LLM's request with it.
  async function stream(turn, signal, progress = () => {}) {
    const params = new URLSearchParams({ question: turn.question });
    if (turn.context) params.set("context", turn.context);
    const k = kSetting();
    if (k) params.set("k", String(k));
    let response;
    try {
      response = await fetch(`/api/ask/stream?${params}`, { headers: { Accept: "text/event-stream" }, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      throw new Error("Could not reach the server. Is `rag serve` still running?");
    }
    if (!response.ok) throw new Error(await errorOf(response));
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let text = "";
    const keep = () => { if (text) turn.partial = text; };
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (err) {
        keep();
        if (signal.aborted) throw err;
        throw new Error("The connection to the server was lost" + (text ? "; the answer above is incomplete." : "."));
      }
      if (chunk.done) break;
      buffer += chunk.value;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const { event, data } = parseEvent(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
        progress();
        if (event === "passages") {
          turn.retrieved = compactPassages(data);
          showThinking(turn.bot, `Reading ${plural(data.length, "passage")}`);
        } else if (event === "answer") {
          text += data;
          showPartial(turn.bot, text);
          toBottom();
        } else if (event === "done") {
          return data;
        } else if (event === "error") {
          throw new Error((data && data.error) || "The server could not answer.");
        }
      }
    }
    keep();
    throw new Error(text ? "The answer was cut off; what arrived is shown above." : "The answer was cut off. Please try again.");
  }

  function parseEvent(block) {
    let event = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    try {
      return { event, data: JSON.parse(data.join("\n")) };
    } catch {
      return { event: "error", data: { error: "The server sent something unreadable." } };
    }
  }

  async function errorOf(response) {
    try {
      const body = await response.json();
      if (body && typeof body.error === "string") return capitalise(body.error) + ".";
    } catch {
      // not JSON: fall through to the status
    }
    return `The server answered ${response.status} ${response.statusText}.`.replace(" .", ".");
  }

  // --- the k setting ---

  const K_STORE = "rag.k";

  function kSetting() {
    const value = Number($("k").value);
    return Number.isInteger(value) && value >= 1 && value <= 20 ? value : null;
  }

  function initSettings() {
    const input = $("k");
    input.value = localStorage.getItem(K_STORE) || "";
    input.placeholder = "8";
    input.addEventListener("change", () => {
      if (kSetting()) localStorage.setItem(K_STORE, String(kSetting()));
      else {
        localStorage.removeItem(K_STORE);
        input.value = "";
      }
    });
  }

  // --- documents panel: what is indexed, skipped files, adding and removing documents ---

  let documentsData = null;

  async function loadDocuments() {
    try {
      const response = await fetch("/api/documents");
      if (!response.ok) throw new Error(await errorOf(response));
      documentsData = await response.json();
    } catch (err) {
      $("documents-summary").textContent = err.message || "Could not load the documents.";
      return;
    }
    renderDocuments(documentsData);
    renderWelcome(documentsData);
  }

  function formatSize(bytes) {
    if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MB`;
    if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
    return `${bytes} B`;
  }

  function formatDate(value) {
    const date = new Date(String(value).replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
    return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString(undefined,
      { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  function renderDocuments(data) {
    const chunks = data.documents.reduce((sum, d) => sum + d.chunks, 0);
    $("documents-summary").textContent = `${plural(data.documents.length, "document")}, ${plural(chunks, "passage")} indexed.`;
    const allowed = data.upload.allowed;
    $("document-list").replaceChildren(...data.documents.map((d) => el("li", { class: "document" },
      el("button", { type: "button", class: "doc-open", onclick: () => openDocument(d.doc_id) },
        el("span", { class: "doc-title", text: d.title })),
      el("p", { class: "doc-meta" },
        el("span", { class: "mono", text: d.doc_id }),
        ` · ${formatSize(d.size)} · ${plural(d.chunks, "passage")} · indexed ${formatDate(d.indexed)}`),
      allowed ? el("button", { type: "button", class: "ghost small-button remove", "aria-label": `Remove ${d.doc_id}`,
        text: "Remove", onclick: () => removeDocument(d.doc_id) }) : null)));
    $("skipped").hidden = !data.skipped.length;
    $("skipped-list").replaceChildren(...data.skipped.map((s) => el("li", {},
      el("span", { class: "mono", text: s.doc_id }), `: ${s.reason}`)));
    const upload = $("upload");
    upload.hidden = !allowed;
    $("upload-label").textContent = `A ${data.upload.types.join(", ")} file of at most ${formatSize(data.upload.max_bytes)}`;
  }

  function toggleDocuments(open) {
    const panel = $("documents");
    const show = open === undefined ? panel.hidden : open;
    panel.hidden = !show;
    document.body.classList.toggle("documents-open", show);
    $("documents-toggle").setAttribute("aria-expanded", String(show));
    if (show) {
      loadDocuments();
      $("documents-title").setAttribute("tabindex", "-1");
      $("documents-title").focus();
    } else {
      $("documents-toggle").focus();
    }
  }

  async function uploadDocument(event) {
    event.preventDefault();
    const file = $("upload-file").files[0];
    if (!file) return showIndexStatus(["Choose a file first."], false);
    if (documentsData && file.size > documentsData.upload.max_bytes) {
      return showIndexStatus([`${file.name} is too large (${formatSize(file.size)}; the limit is ${formatSize(documentsData.upload.max_bytes)}).`], false);
    }
    showIndexStatus([`Uploading ${file.name}…`], true);
    $("upload-file").value = "";
    await indexChange(fetch(`/api/documents?${new URLSearchParams({ name: file.name })}`, {
      method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: file }));
  }

  async function removeDocument(docId) {
    showIndexStatus([`Removing ${docId}…`], true);
    await indexChange(fetch(`/api/documents/${encodeURIComponent(docId)}`, { method: "DELETE" }));
  }

  // Follow the index update an upload or removal started, showing its progress lines.
  async function indexChange(request) {
    try {
      const response = await request;
      if (!response.ok) throw new Error(await errorOf(response));
      let status = await response.json();
      while (status.state === "running") {
        showIndexStatus(status.progress, true);
        await new Promise((resolve) => setTimeout(resolve, 300));
        status = await (await fetch("/api/documents/status")).json();
      }
      showIndexStatus([status.summary || status.state], false, status.state !== "done");
    } catch (err) {
      showIndexStatus([err.message || String(err)], false, true);
    }
    await loadDocuments();
  }

  function showIndexStatus(lines, busy, failed = false) {
    const status = $("index-status");
    status.hidden = false;
    status.className = "index-status" + (busy ? " busy" : "") + (failed ? " failed" : "");
    status.replaceChildren(...lines.map((line) => el("p", { text: line })));
  }

  // --- the whole-document viewer, with the cited passage and sentences highlighted ---

  async function openDocument(docId, chunkId, spans) {
    const viewer = $("viewer");
    $("viewer-title").textContent = "Loading…";
    $("viewer-file").textContent = docId;
    $("viewer-text").replaceChildren();
    if (!viewer.open) viewer.showModal();
    let doc;
    try {
      const response = await fetch(`/api/documents/${encodeURIComponent(docId)}`);
      if (!response.ok) throw new Error(await errorOf(response));
      doc = await response.json();
    } catch (err) {
      $("viewer-title").textContent = "Could not open the document";
      $("viewer-text").replaceChildren(el("p", { text: err.message }));
      return;
    }
    $("viewer-title").textContent = doc.title;
    const range = chunkId && doc.passages[chunkId];
    const text = doc.text;
    const body = $("viewer-text");
    if (!range) {
      body.append(text);
      body.scrollTop = 0;
      return;
    }
    const [start, end] = range;
    const marks = (spans || []).map(([a, b]) => [start + a, start + b]).filter(([a, b]) => b > a && b <= end);
    body.append(text.slice(0, start));
    const passage = el("span", { class: "cited-passage" });
    let at = start;
    for (const [a, b] of marks) {
      if (a < at) continue;
      passage.append(text.slice(at, a), el("mark", { text: text.slice(a, b) }));
      at = b;
    }
    passage.append(text.slice(at, end));
    body.append(passage, text.slice(end));
    const target = body.querySelector("mark") || passage;
    body.scrollTop = Math.max(0, target.offsetTop - body.clientHeight / 3);
  }

  // --- welcome: the documents and example questions drawn from them ---

  function renderWelcome(data) {
    $("example-list").replaceChildren(...data.examples.map((question) => el("li", {},
      el("button", { type: "button", class: "example", text: question, onclick: () => askExample(question) }))));
    $("examples").hidden = !data.examples.length;
    $("cover-list").replaceChildren(...data.documents.map((d) => el("li", {},
      el("button", { type: "button", class: "link", text: d.title, onclick: () => openDocument(d.doc_id) }),
      el("span", { class: "small", text: ` · ${plural(d.chunks, "passage")}` }))));
    $("covers").hidden = !data.documents.length;
  }

  function askExample(question) {
    ask(question, null);
    box.focus(); // the example button disappears with the welcome screen; keep typing where the user is
  }

  // --- export a conversation as Markdown ---

  function conversationMarkdown() {
    const lines = [`# ${current.title || "Conversation"}`, ""];
    for (const turn of current.turns) {
      lines.push(`## ${turn.question}`, "");
      if (turn.answer) {
        lines.push(turn.answer.answer, "");
        if (turn.answer.question !== turn.question) lines.push(`*Answered as: ${turn.answer.question}*`, "");
        for (const c of turn.answer.citations) {
          const quote = spansOf(c, turn.answer).map(([a, b]) => squash(c.text.slice(a, b))).join(" … ");
          lines.push(`- [${c.n}] **${c.title || c.source}** (\`${c.source}\`)` + (quote ? `: “${quote}”` : ""));
        }
      } else {
        if (turn.partial) lines.push(turn.partial, "");
        lines.push(`*${turn.error || "No answer."}*`);
      }
      lines.push("");
    }
    return lines.join("\n");
  }

  function exportMarkdown() {
    const blob = new Blob([conversationMarkdown()], { type: "text/markdown" });
    const url = URL.createObjectURL(blob);
    const name = (current.title || "conversation").replace(/[^\w-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "conversation";
    const link = el("a", { href: url, download: `${name}.md`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // --- the form ---

  function setBusy(value) {
    stopButton.hidden = !value;
    form.setAttribute("aria-busy", String(value));
  }

  function showFormError(message) {
    formError.textContent = message;
    formError.hidden = false;
    box.setAttribute("aria-invalid", "true");
    box.focus();
  }

  function hideFormError() {
    formError.hidden = true;
    formError.textContent = "";
    box.removeAttribute("aria-invalid");
  }

  function autosize() {
    box.style.height = "auto";
    box.style.height = `${Math.min(box.scrollHeight, 180)}px`;
  }

  function toBottom() {
    window.scrollTo({ top: document.documentElement.scrollHeight });
  }

  function render() {
    const items = [];
    for (const turn of current.turns) {
      try {
        items.push(renderTurn(turn));
      } catch {
        // a stored turn from an older page version that no longer renders: leave it out
      }
    }
    conversation.replaceChildren(...items);
    welcome.hidden = items.length > 0;
  }

  // --- the conversations sidebar on a phone ---

  const phone = window.matchMedia("(max-width: 999px)");

  function toggleSidebar(open) {
    const show = open === undefined ? !document.body.classList.contains("sidebar-open") : open;
    document.body.classList.toggle("sidebar-open", show);
    $("sidebar-toggle").setAttribute("aria-expanded", String(show));
    if (show && phone.matches) $("new-conversation").focus();
  }

  function closeSidebarOnPhone() {
    if (phone.matches) toggleSidebar(false);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ask(box.value);
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  box.addEventListener("input", () => {
    autosize();
    if (!formError.hidden) hideFormError();
  });
  stopButton.addEventListener("click", () => { stop(); box.focus(); });
  $("new-conversation").addEventListener("click", newConversation);
  $("export").addEventListener("click", exportMarkdown);
  $("sidebar-toggle").addEventListener("click", () => toggleSidebar());
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !phone.matches || !document.body.classList.contains("sidebar-open")) return;
    toggleSidebar(false);
    $("sidebar-toggle").focus();
  });
  $("documents-toggle").addEventListener("click", () => toggleDocuments());
  $("documents-close").addEventListener("click", () => toggleDocuments(false));
  $("upload").addEventListener("submit", uploadDocument);
  $("viewer-close").addEventListener("click", () => $("viewer").close());

  initSettings();
  render();
  renderSidebar();
  loadDocuments();
  toBottom();
  box.focus();
})();
