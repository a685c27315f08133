// The web phone's page: sends what the caller does, draws what the server says.
// The server sends the whole picture of the call on every change (see
// simulator/web/view.py); this script only draws it and speaks new prompts.
"use strict";

(function () {
  const PHONE_KEYS = "0123456789*#";
  const $ = (id) => document.getElementById(id);
  const ui = {
    status: $("status"), indicator: $("indicator"), bargeIn: $("barge-in"),
    dial: $("dial"), hangUp: $("hang-up"), wordsForm: $("words-form"), words: $("words"),
    mute: $("mute"), voiceNote: $("voice-note"), transcript: $("transcript"),
    bar: $("timeline-bar"), stretches: $("stretches"), marks: $("marks"),
    faultCommand: $("fault-command"), faultKind: $("fault-kind"), failTransfer: $("fail-transfer"),
    downloads: $("downloads"), violations: $("violations"), error: $("error"),
  };

  let socket = null;
  let view = { call: null };
  let shownCall = null;  // the call id whose transcript is on screen
  let shownSeqs = new Set();
  let spokenUpTo = 0;

  // --- talking to the server ---------------------------------------------------

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}/ws`);
    socket.addEventListener("open", () => { showError(""); updateButtons(); });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "call") draw(message);
      else if (message.type === "error") showError(message.message);
    });
    socket.addEventListener("close", () => {
      ui.status.textContent = "Disconnected from the web phone server. Is `make phone` still running? Retrying…";
      updateButtons();
      setTimeout(connect, 2000);
    });
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    else showError("Not connected to the web phone server.");
  }

  function live() { return Boolean(view.call && !view.call.ended); }

  // --- what the caller does ----------------------------------------------------

  function press(key) {
    if (!live()) { showError("There is no call: press Call first."); return; }
    const bargeIn = view.call.bargeIn;
    if (!bargeIn || bargeIn.keys) speechSynthesis.cancel();
    flash(key);
    send({ action: "press", keys: key });
  }

  function flash(key) {
    const button = document.querySelector(`.dialpad [data-key="${CSS.escape(key)}"]`);
    if (!button) return;
    button.classList.add("pressed");
    setTimeout(() => button.classList.remove("pressed"), 150);
  }

  document.querySelectorAll(".dialpad [data-key]").forEach((button) => {
    button.addEventListener("click", () => press(button.dataset.key));
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    // Typing into the words box or choosing in a list is not dialling.
    if (event.target.closest("input[type=text], select, textarea")) return;
    if (event.key.length === 1 && PHONE_KEYS.includes(event.key)) {
      event.preventDefault();
      press(event.key);
    }
  });

  ui.dial.addEventListener("click", () => {
    showError("");
    send({ action: "dial" });
  });
  ui.hangUp.addEventListener("click", () => {
    speechSynthesis.cancel();
    send({ action: "hang_up" });
  });

  ui.wordsForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const words = ui.words.value.trim();
    if (!words) return;
    if (!live()) { showError("There is no call: press Call first."); return; }
    const bargeIn = view.call.bargeIn;
    if (!bargeIn || bargeIn.speech) speechSynthesis.cancel();
    send({ action: "say", words });
    ui.words.value = "";
  });

  ui.mute.addEventListener("change", () => { if (ui.mute.checked) speechSynthesis.cancel(); });

  function sendFaults() {
    send({
      action: "faults", command: ui.faultCommand.value, fault: ui.faultKind.value,
      failTransfer: ui.failTransfer.checked,
    });
  }
  [ui.faultCommand, ui.faultKind, ui.failTransfer].forEach((control) => control.addEventListener("change", sendFaults));

  // --- speaking ----------------------------------------------------------------

  function pickVoice(speech) {
    const voices = speechSynthesis.getVoices();
    const hint = (speech.voiceHint || "").toLowerCase();
    const lang = (speech.lang || "").toLowerCase();
    const sameLang = (voice) => voice.lang.toLowerCase().replace("_", "-") === lang;
    return (hint && voices.find((v) => v.name.toLowerCase().includes(hint) && sameLang(v)))
      || voices.find(sameLang)
      || voices.find((v) => v.lang.toLowerCase().startsWith(lang.split("-")[0]))
      || null;
  }

  function speak(entry) {
    const utterance = new SpeechSynthesisUtterance(entry.speech.text);
    utterance.lang = entry.speech.lang;
    utterance.rate = entry.speech.rate;
    const voice = pickVoice(entry.speech);
    if (voice) utterance.voice = voice;
    speechSynthesis.speak(utterance);
  }

  function speakNew(transcript) {
    for (const entry of transcript) {
      if (entry.from !== "bot" || entry.seq <= spokenUpTo) continue;
      spokenUpTo = entry.seq;
      if (!ui.mute.checked) speak(entry);
    }
  }

  function describeVoices() {
    const voices = speechSynthesis.getVoices();
    ui.voiceNote.textContent = voices.length
      ? `${voices.length} browser voices available; the SSML's voice is used where the browser has it.`
      : "This browser offers no speech voices: read the transcript instead.";
  }
  speechSynthesis.addEventListener("voiceschanged", describeVoices);

  // --- drawing -----------------------------------------------------------------

  function draw(message) {
    view = message;
    const call = message.call;
    drawFaults(message.faults);
    if (!call) {
      ui.status.textContent = "Ready to call.";
      updateButtons();
      return;
    }
    if (call.id !== shownCall) {
      shownCall = call.id;
      shownSeqs = new Set();
      spokenUpTo = 0;
      ui.transcript.replaceChildren();
    }
    ui.status.textContent = `${call.statusWords}: ${call.caller} calling ${call.called}.`;
    drawIndicator(call.recording);
    drawBargeIn(call.bargeIn);
    drawTranscript(call.transcript);
    drawTimeline(call.timeline);
    drawDownloads(call.downloads);
    drawViolations(call.violations);
    speakNew(call.transcript);
    updateButtons();
  }

  function drawIndicator(recording) {
    if (ui.indicator.dataset.state === recording.state) return;
    ui.indicator.dataset.state = recording.state;
    ui.indicator.querySelector(".indicator-symbol").textContent = recording.symbol;
    ui.indicator.querySelector(".indicator-words").textContent = recording.words;
  }

  function drawBargeIn(bargeIn) {
    ui.bargeIn.textContent = bargeIn ? `${bargeIn.words} (${bargeIn.hint})` : "No prompt playing";
    ui.bargeIn.dataset.keys = bargeIn ? bargeIn.keys : true;
    ui.bargeIn.dataset.speech = bargeIn ? bargeIn.speech : true;
  }

  function drawTranscript(entries) {
    for (const entry of entries) {
      if (shownSeqs.has(entry.seq)) continue;
      shownSeqs.add(entry.seq);
      const item = document.createElement("li");
      item.className = `from-${entry.from}`;
      item.dataset.seq = entry.seq;
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = { bot: "Bot", caller: "You", action: "Call" }[entry.from] + ": ";
      const text = document.createElement("span");
      text.className = "text";
      text.textContent = entry.text;
      item.append(who, text);
      if (entry.from === "bot") {
        const badge = document.createElement("span");
        badge.className = "on-recording";
        badge.dataset.recorded = entry.recorded;
        badge.textContent = entry.recorded ? "● on the recording" : "○ not recorded";
        item.append(" ", badge);
      }
      ui.transcript.append(item);
      ui.transcript.scrollTop = ui.transcript.scrollHeight;
    }
  }

  function drawTimeline(timeline) {
    const span = Math.max(1, timeline.last - timeline.first);
    ui.bar.style.width = `max(100%, ${span * 9}px)`;
    const at = (seq) => ((Math.min(seq, timeline.last) - timeline.first) / span) * 100;
    ui.stretches.replaceChildren(...timeline.stretches.map((stretch) => {
      const item = document.createElement("li");
      item.className = `stretch ${stretch.kind}`;
      item.dataset.kind = stretch.kind;
      const end = stretch.end === null ? timeline.last : stretch.end;
      item.style.left = `${at(stretch.start)}%`;
      item.style.width = `${at(end) - at(stretch.start)}%`;
      item.textContent = stretch.kind === "paused" ? "paused" : "recorded";
      return item;
    }));
    ui.marks.replaceChildren(...timeline.marks.map((mark) => {
      const item = document.createElement("li");
      item.className = "mark";
      item.dataset.kind = mark.kind;
      item.dataset.masked = mark.masked;
      item.dataset.recorded = mark.recorded;
      item.style.left = `${at(mark.seq)}%`;
      item.title = mark.text;
      const label = document.createElement("span");
      label.className = "mark-label";
      label.setAttribute("aria-hidden", "true");
      label.textContent = mark.label;
      const words = document.createElement("span");
      words.className = "visually-hidden";
      words.textContent = mark.text;
      item.append(label, words);
      return item;
    }));
    const scroller = ui.bar.parentElement;
    scroller.scrollLeft = scroller.scrollWidth;
  }

  function drawDownloads(downloads) {
    ui.downloads.replaceChildren(...downloads.map((file) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = file.url;
      link.download = file.name;
      link.className = "download";
      link.textContent = `Download ${file.words}`;
      item.append(link);
      return item;
    }));
  }

  function drawViolations(violations) {
    ui.violations.replaceChildren(...violations.map((problem) => {
      const item = document.createElement("li");
      item.textContent = `Protocol problem: ${problem}`;
      return item;
    }));
  }

  function drawFaults(faults) {
    const recording = faults.recording;
    if (recording) ui.faultCommand.value = recording.command;
    ui.faultKind.value = recording ? recording.fault : "none";
    ui.failTransfer.checked = faults.failTransfer;
  }

  function updateButtons() {
    const open = Boolean(socket && socket.readyState === WebSocket.OPEN);
    const hadFocus = document.activeElement;
    ui.dial.disabled = !open || live();
    ui.hangUp.disabled = !open || !live();
    // Keep keyboard users where they were: the focus follows the button that replaced it.
    if (hadFocus === ui.dial && ui.dial.disabled && !ui.hangUp.disabled) ui.hangUp.focus();
    if (hadFocus === ui.hangUp && ui.hangUp.disabled && !ui.dial.disabled) ui.dial.focus();
  }

  function showError(words) { ui.error.textContent = words; }

  describeVoices();
  connect();
})();
