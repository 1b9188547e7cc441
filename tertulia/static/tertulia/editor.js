// The flow editor: cards in, one JSON document out. Members never write JSON themselves.
(function () {
  "use strict";
  const form = document.querySelector("[data-flow-editor]");
  if (!form) return;
  const nodes = document.getElementById("nodes");

  const cards = () => Array.from(nodes.querySelectorAll("[data-node]"));

  function slug(text) {
    return (text || "step").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "").slice(0, 30) || "step";
  }
  function uniqueId(base) {
    const taken = new Set(cards().map((c) => c.dataset.id));
    let id = base;
    for (let n = 2; taken.has(id); n += 1) id = `${base}_${n}`;
    return id;
  }

  // Every "go to" list offers the steps there are now, keeping what was chosen.
  function refreshTargets() {
    const ids = cards().map((c) => [c.dataset.id, c.querySelector(".node__label").value || c.dataset.id]);
    document.querySelectorAll("select[data-target]").forEach((select) => {
      const value = select.value || select.dataset.value || "";
      const keep = select.options[0];
      select.replaceChildren(keep);
      ids.forEach(([id, label]) => {
        const option = document.createElement("option");
        option.value = id;
        option.textContent = label === id ? id : `${label} (${id})`;
        select.appendChild(option);
      });
      select.value = ids.some(([id]) => id === value) ? value : "";
    });
  }

  function value(input) {
    if (input.type === "checkbox") return input.checked;
    if (input.hasAttribute("data-int")) return parseInt(input.value || "0", 10) || 0;
    if (input.hasAttribute("data-list")) return input.value.split(",").map((s) => s.trim()).filter(Boolean);
    return input.value;
  }

  function serialize() {
    const flow = { fallback: form.querySelector("[data-flow-key='fallback']").value || null, nodes: [] };
    cards().forEach((card) => {
      const node = { id: card.dataset.id, type: card.dataset.type };
      card.querySelectorAll("[data-key]").forEach((input) => {
        if (input.closest("[data-row]")) return;
        const key = input.dataset.key;
        if (input.hasAttribute("data-member")) {
          node[key] = node[key] || [];
          if (input.checked) node[key].push(parseInt(input.value, 10));
        } else {
          node[key] = value(input);
        }
      });
      card.querySelectorAll("[data-rows]").forEach((list) => {
        node[list.dataset.rows] = Array.from(list.querySelectorAll("[data-row]")).map((row, i) => {
          const item = {};
          row.querySelectorAll("[data-row-key]").forEach((input) => { item[input.dataset.rowKey] = value(input); });
          if (list.dataset.rows === "options" && !item.id) item.id = slug(item.label) + "_" + i;
          if (list.dataset.rows === "fields" && !item.name) item.name = slug(item.label);
          return item;
        });
      });
      flow.nodes.push(node);
    });
    return flow;
  }

  // A folded step shows one line (its text, its options) instead of its fields, so a long flow
  // can be seen whole; on a phone every step starts folded. Its fields stay in the form.
  function shown(input) {
    if (!input) return "";
    return input.tagName === "SELECT" ? (input.value && input.selectedOptions[0].textContent) || "" : input.value.trim();
  }
  function summary(card) {
    const keys = card.dataset.type === "condition" ? ["subject", card.querySelector("[data-key='subject']").value === "answer" ? "node" : "field", "op", "value"] : ["text", "message"];
    const parts = keys.map((key) => shown(card.querySelector(`.node__body [data-key='${key}']:not([data-row] *)`)));
    card.querySelectorAll("[data-rows] [data-row-key='label']").forEach((input) => parts.push(shown(input)));
    const next = shown(card.querySelector(".node__next [data-key='next']"));
    return parts.filter(Boolean).join(" · ") + (next ? ` → ${next}` : "");
  }
  function fold(card, folded) {
    const line = card.querySelector(".node__summary");
    line.textContent = folded ? summary(card) : "";
    line.hidden = !folded;
    card.querySelector(".node__body").hidden = folded;
    card.querySelector("[data-fold-node]").setAttribute("aria-expanded", String(!folded));
    card.classList.toggle("node--folded", folded);
  }

  form.addEventListener("submit", () => {
    document.getElementById("flow-json").value = JSON.stringify(serialize());
  });

  document.addEventListener("click", (event) => {
    const add = event.target.closest("[data-add-node]");
    if (add) {
      const type = document.getElementById("new-node-type").value;
      const card = document.getElementById(`new-${type}`).content.firstElementChild.cloneNode(true);
      const id = uniqueId(type);
      card.dataset.id = id;
      card.id = `node-${id}`;
      card.querySelector(".node__id").textContent = id;
      card.querySelector(".node__body").id = `node-body-${id}`;
      card.querySelector("[data-fold-node]").setAttribute("aria-controls", `node-body-${id}`);
      nodes.appendChild(card);
      refreshTargets();
      card.scrollIntoView({ behavior: "smooth", block: "center" });
      card.querySelector(".node__label").focus();
      return;
    }
    const toggle = event.target.closest("[data-fold-node]");
    if (toggle) { fold(toggle.closest("[data-node]"), toggle.getAttribute("aria-expanded") === "true"); return; }
    const foldAll = event.target.closest("[data-fold-all]");
    if (foldAll) { cards().forEach((card) => fold(card, foldAll.dataset.foldAll === "true")); return; }
    const remove = event.target.closest("[data-remove-node]");
    if (remove) { remove.closest("[data-node]").remove(); refreshTargets(); return; }
    const addRow = event.target.closest("[data-add-row]");
    if (addRow) {
      const row = document.getElementById(`new-${addRow.dataset.addRow}`).content.firstElementChild.cloneNode(true);
      addRow.previousElementSibling.appendChild(row);
      refreshTargets();
      row.querySelector("input:not([type=hidden])").focus();
      return;
    }
    const removeRow = event.target.closest("[data-remove-row]");
    if (removeRow) { removeRow.closest("[data-row]").remove(); return; }
    // The chat loads (and a test conversation starts) only when asked for.
    const start = event.target.closest("[data-start-preview]");
    if (start) {
      const frame = document.getElementById("preview");
      frame.hidden = false;
      frame.src = frame.dataset.src;
      start.parentElement.hidden = true;
      document.querySelector("[data-restart-preview]").hidden = false;
      return;
    }
    const restart = event.target.closest("[data-restart-preview]");
    if (restart) {
      localStorage.removeItem(`tertulia:${restart.dataset.restartPreview}:preview:token`);
      localStorage.removeItem(`tertulia:${restart.dataset.restartPreview}:preview:outbox`);
      const frame = document.getElementById("preview");
      frame.src = frame.dataset.src;
    }
  });
  nodes.addEventListener("change", (event) => { if (event.target.matches(".node__label")) refreshTargets(); });
  document.querySelectorAll("[data-autosubmit]").forEach((input) => {
    input.addEventListener("change", () => input.form.submit());
  });
  refreshTargets();
  if (window.matchMedia("(max-width: 720px)").matches) cards().forEach((card) => fold(card, true));
})();
