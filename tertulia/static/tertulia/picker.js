// Saved replies in the reply box: "/" and a few letters at its start open a list of them
// (already filled for this visitor by the server, in a JSON script next to the box); arrows
// move, Enter or a click inserts the text (which can still be edited), Esc closes the list.
(() => {
  "use strict";

  const fold = (text) => text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  const pickerOf = (box) => box.form && box.form.querySelector("[data-picker]");
  function closePicker(box) {
    const list = pickerOf(box);
    if (list) list.hidden = true;
    box.removeAttribute("aria-activedescendant");
  }
  function selectOption(box, index) {
    const list = pickerOf(box);
    const options = [...list.querySelectorAll("[role=option]")];
    if (!options.length) return;
    const chosen = options[(index + options.length) % options.length];
    options.forEach((option) => option.setAttribute("aria-selected", option === chosen ? "true" : "false"));
    box.setAttribute("aria-activedescendant", chosen.id);
    chosen.scrollIntoView({ block: "nearest" });
  }
  function updatePicker(box) {
    const list = pickerOf(box);
    const match = list && /^\/(\S*)$/.exec(box.value);
    if (!match) { if (list) closePicker(box); return; }
    const holder = box.form.querySelector("[data-saved-replies] script");
    const replies = holder ? JSON.parse(holder.textContent) : [];
    const query = fold(match[1]);
    const found = replies.filter((reply) => fold(`${reply.shortcut} ${reply.title}`).includes(query));
    list.replaceChildren(...found.map((reply, index) => {
      const option = document.createElement("li");
      option.id = `${list.id}-${index}`;
      option.setAttribute("role", "option");
      option.dataset.text = reply.text;
      const code = document.createElement("code");
      code.textContent = `/${reply.shortcut}`;
      const text = document.createElement("small");
      text.textContent = reply.text;
      option.append(code, ` ${reply.title}`, text);
      return option;
    }));
    if (!found.length) {
      const empty = document.createElement("li");
      empty.className = "picker__empty";
      empty.textContent = list.dataset.empty;
      list.append(empty);
    }
    list.hidden = false;
    selectOption(box, 0);
  }
  function insertReply(box, option) {
    box.value = option.dataset.text;
    closePicker(box);
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }
  document.addEventListener("input", (event) => {
    const box = event.target.closest && event.target.closest("[data-reply-form] textarea");
    if (box) updatePicker(box);
  });
  document.addEventListener("keydown", (event) => {
    const box = event.target.closest && event.target.closest("[data-reply-form] textarea");
    const list = box && pickerOf(box);
    if (!list || list.hidden) return;
    const options = [...list.querySelectorAll("[role=option]")];
    const current = options.findIndex((option) => option.getAttribute("aria-selected") === "true");
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      selectOption(box, current + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" && !event.shiftKey && options[current]) {
      insertReply(box, options[current]);
    } else if (event.key === "Escape") {
      closePicker(box);
    } else {
      return;
    }
    // The list has the key: the reply is not sent, the panel not closed.
    event.preventDefault();
    event.stopImmediatePropagation();
  }, true);
  document.addEventListener("mousedown", (event) => {
    const option = event.target.closest && event.target.closest("[data-picker] [role=option]");
    if (!option) return;
    event.preventDefault();  // the reply box keeps the focus
    insertReply(option.closest("form").querySelector("textarea"), option);
  });
})();
