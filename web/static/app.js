// The chat page. Every piece of question or corpus text reaches the DOM through textContent or
// text nodes (createElement + append), never innerHTML, so a document's markup shows as text.
"use strict";

(() => {
  const STORE = "rag.conversation.v1";
  const KEEP = 50; // turns kept across reloads
  const maxChars = Number(document.body.dataset.maxChars) || 2000;
  const $ = (id) => document.getElementById(id);
  const conversation = $("conversation");
  const welcome = $("welcome");
  const form = $("ask");
  const box = $("question");
  const send = $("send");
  const stopButton = $("stop");
  const formError = $("form-error");
  let turns = load();
  let busy = false;
  let controller = null; // aborts the answer being streamed (the Stop button)
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

  const squash = (text) => String(text || "").split(/\s+/).filter(Boolean).join(" ");

  // --- storage ---

  function load() {
    try {
      const stored = JSON.parse(localStorage.getItem(STORE) || "[]");
      if (!Array.isArray(stored)) return [];
      return stored.filter((t) => t && typeof t.question === "string" &&
        ((t.answer && typeof t.answer.answer === "string" && Array.isArray(t.answer.citations)) ||
         typeof t.error === "string"));
    } catch {
      return [];
    }
  }

  function save() {
    turns = turns.slice(-KEEP);
    try {
      localStorage.setItem(STORE, JSON.stringify(turns.filter((t) => t.answer || t.error)));
    } catch {
      // storage full or disabled: the conversation still works, it just won't survive a reload
    }
  }

  // --- rendering ---

  function renderTurn(turn) {
    const bot = el("div", { class: "msg bot" });
    const item = el("li", { class: "turn" },
      el("div", { class: "msg user" },
        el("span", { class: "visually-hidden", text: "You asked: " }),
        el("p", { text: turn.question })),
      bot);
    if (turn.answer) showAnswer(bot, turn);
    else if (turn.error) showError(bot, turn);
    else showThinking(bot, "Searching the documents");
    return { item, bot };
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
    const panel = el("section", { class: "passage", id: `passage-${++ids}`, tabindex: "-1", hidden: true });
    const open = (citation, button) => togglePassage(bot, panel, citation, button);
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
    if (answer.citations.length) {
      const label = answer.abstained ? "Closest passages" : "Sources";
      children.push(el("div", { class: "sources" },
        el("p", { class: "sources-label", text: label }),
        el("ul", { "aria-label": label }, ...answer.citations.map((c) =>
          el("li", {}, sourceButton(c, open))))));
    }
    children.push(panel);
    if (answer.latency_ms) {
      children.push(el("p", { class: "meta", text: `${Math.round(answer.latency_ms)} ms` }));
    }
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

  function sourceButton(citation, open) {
    return el("button", {
      type: "button", class: "source", "data-n": citation.n, "aria-expanded": "false",
      onclick: (event) => open(citation, event.currentTarget),
    },
    el("span", { class: "badge", "aria-hidden": "true", text: String(citation.n) }),
    el("span", { class: "source-title", text: citation.title || citation.source }),
    el("span", { class: "source-file", text: citation.source }));
  }

  function togglePassage(bot, panel, citation, button) {
    const same = !panel.hidden && panel.dataset.n === String(citation.n);
    for (const b of bot.querySelectorAll("[data-n]")) {
      b.setAttribute("aria-expanded", String(!same && b.dataset.n === String(citation.n)));
      if (!same && b.dataset.n === String(citation.n)) b.setAttribute("aria-controls", panel.id);
    }
    if (same) {
      panel.hidden = true;
      return;
    }
    panel.dataset.n = String(citation.n);
    panel.setAttribute("aria-label", `Source ${citation.n}`);
    const text = citation.text || "";
    const start = Math.max(0, Math.min(citation.start, text.length));
    const end = Math.max(start, Math.min(citation.end, text.length));
    const quote = el("blockquote", { class: "passage-text" }, text.slice(0, start));
    if (end > start) quote.append(el("mark", { text: text.slice(start, end) }));
    quote.append(text.slice(end));
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
      quote);
    panel.onkeydown = (event) => { if (event.key === "Escape") close(); };
    panel.hidden = false;
    panel.focus({ preventScroll: true });
    panel.scrollIntoView({ block: "nearest" });
    const mark = quote.querySelector("mark");
    if (mark) quote.scrollTop = Math.max(0, mark.offsetTop - 24); // long passages scroll
  }

  function showError(bot, turn) {
    bot.className = "msg bot error";
    bot.removeAttribute("aria-busy");
    bot.replaceChildren(
      turn.partial ? el("p", { class: "answer", text: turn.partial }) : "",
      el("p", { class: "error-text", role: "alert" },
        el("span", { class: "verdict-icon", "aria-hidden": "true", text: "!" }), turn.error),
      el("button", { type: "button", class: "ghost retry", text: "Try again", onclick: () => retry(turn) }));
  }

  // --- asking ---

  function previousQuestion() {
    for (let i = turns.length - 1; i >= 0; i--) {
      if (turns[i].answer) return turns[i].answer.question;
    }
    return null;
  }

  async function ask(question, context) {
    hideFormError();
    if (!question.trim()) return showFormError("Type a question first.");
    if (question.length > maxChars) {
      return showFormError(`That question is too long: ${question.length} characters (the limit is ${maxChars}).`);
    }
    const turn = { question, context: context === undefined ? previousQuestion() : context };
    turns.push(turn);
    const { item, bot } = renderTurn(turn);
    conversation.append(item);
    welcome.hidden = true;
    box.value = "";
    autosize();
    setBusy(true);
    toBottom();
    controller = new AbortController();
    try {
      turn.answer = await stream(turn, bot, controller.signal);
      showAnswer(bot, turn);
    } catch (err) {
      if (controller.signal.aborted) {
        const partial = bot.querySelector(".answer.streaming");
        turn.partial = partial ? partial.textContent : "";
        turn.error = "Stopped before the answer was complete.";
      } else {
        turn.error = err instanceof Error ? err.message : String(err);
      }
      showError(bot, turn);
    }
    controller = null;
    save();
    setBusy(false);
    toBottom();
  }

  function retry(turn) {
    if (busy) return;
    const i = turns.indexOf(turn);
    if (i >= 0) turns.splice(i, 1);
    save();
    render();
    ask(turn.question, turn.context || null);
  }

  // Closing the connection (signal) makes the server cancel the answer, and an LLM's request with it.
  async function stream(turn, bot, signal) {
    const params = new URLSearchParams({ question: turn.question });
    if (turn.context) params.set("context", turn.context);
    let response;
    try {
      response = await fetch(`/api/ask/stream?${params}`, { headers: { Accept: "text/event-stream" }, signal });
    } catch {
      throw new Error("Could not reach the server. Is `rag serve` still running?");
    }
    if (!response.ok) throw new Error(await errorOf(response));
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let text = "";
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch {
        throw new Error("The connection to the server was lost. Is `rag serve` still running?");
      }
      if (chunk.done) break;
      buffer += chunk.value;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const { event, data } = parseEvent(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
        if (event === "passages") {
          showThinking(bot, `Reading ${data.length} passage${data.length === 1 ? "" : "s"}`);
        } else if (event === "answer") {
          text += data;
          showPartial(bot, text);
          toBottom();
        } else if (event === "done") {
          return data;
        } else if (event === "error") {
          throw new Error((data && data.error) || "The server could not answer.");
        }
      }
    }
    throw new Error("The answer was cut off. Please try again.");
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

  const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1);

  // --- the form ---

  function setBusy(value) {
    busy = value;
    send.disabled = value;
    send.textContent = value ? "…" : "Send";
    send.hidden = value;
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
    for (const turn of turns) {
      try {
        items.push(renderTurn(turn).item);
      } catch {
        // a stored turn from an older page version that no longer renders: leave it out
      }
    }
    conversation.replaceChildren(...items);
    welcome.hidden = items.length > 0;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!busy) ask(box.value);
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
  for (const example of document.querySelectorAll(".example")) {
    example.addEventListener("click", () => { if (!busy) ask(example.textContent.trim(), null); });
  }
  stopButton.addEventListener("click", () => { if (controller) controller.abort(); });
  $("clear").addEventListener("click", () => {
    turns = [];
    save();
    render();
    hideFormError();
    box.focus();
  });

  render();
  toBottom();
  box.focus();
})();
