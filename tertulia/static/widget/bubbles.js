/* A message of the conversation as the chat shows it: its bubble (text only ever set with
   textContent), the options and forms the flow asks with, and which of those can still be
   answered.
   TertuliaBubbles(strings, frames, el, forms, log, time, answer) ->
     { bubble(message), refreshQuestions(state), lockQuestion(node, chosen) }
   answer(action, echo): send what the visitor chose or filled in. */
window.TertuliaBubbles = function (T, F, el, forms, log, time, answer) {
  "use strict";

  function bubble(message) {
    var who = message.sender === "visitor" ? "visitor" : (message.sender === "agent" ? "agent" : "bot");
    var row = el("div", "msg " + who);
    row.dataset.id = message.id || "";
    if (message.client_id) row.dataset.client = message.client_id;
    if (who === "agent" && message.agent) row.appendChild(el("span", "who", message.agent));
    var body = el("div", "bubble");
    if (message.kind === "form_submission") {
      var list = el("dl", "answers");
      (message.payload.fields || []).forEach(function (f) {
        if (!f.value) return;
        list.appendChild(el("dt", null, f.label));
        list.appendChild(el("dd", null, f.value));
      });
      body.appendChild(list);
    } else {
      body.textContent = message.text;
    }
    row.appendChild(body);
    if (message.kind === "options") row.appendChild(optionButtons(message));
    if (message.kind === "form") row.appendChild(formFor(message));
    var meta = el("span", "meta", message.pending ? T.sending : time(message.created_at));
    row.appendChild(meta);
    return row;
  }

  function optionButtons(message) {
    var box = el("div", "options");
    box.setAttribute("role", "group");
    box.dataset.node = message.payload.node;
    (message.payload.options || []).forEach(function (option) {
      var b = el("button", "option", option.label);
      b.type = "button";
      b.dataset.option = option.id;
      if (message.payload.chosen === option.id) b.classList.add("chosen");
      b.addEventListener("click", function () {
        lockQuestion(message.payload.node, option.id);
        answer({ type: F.choose, node: message.payload.node, option: option.id }, option.label);
      });
      box.appendChild(b);
    });
    return box;
  }

  function formFor(message) {
    return forms.build(message, function (values) {
      lockQuestion(message.payload.node);
      answer({ type: F.submit, node: message.payload.node, values: values });
    });
  }

  /* Only the latest question the flow waits for can be answered; the others are read-only. */
  function refreshQuestions(state) {
    var boxes = log.querySelectorAll(".options, .form");
    var latest = {};
    boxes.forEach(function (box) { latest[box.dataset.node] = box; });
    boxes.forEach(function (box) {
      var kind = box.classList.contains("options") ? "options" : "form";
      var live = latest[box.dataset.node] === box && box.dataset.node === state.node && state.waiting === kind;
      box.querySelectorAll("button, input, select").forEach(function (c) { c.disabled = !live; });
      box.classList.toggle("done", !live);
    });
  }

  function lockQuestion(node, chosen) {
    log.querySelectorAll('[data-node="' + node + '"]').forEach(function (box) {
      box.querySelectorAll("button, input, select").forEach(function (c) {
        c.disabled = true;
        if (chosen && c.dataset.option === chosen) c.classList.add("chosen");
      });
    });
  }

  return { bubble: bubble, refreshQuestions: refreshQuestions, lockQuestion: lockQuestion };
};
