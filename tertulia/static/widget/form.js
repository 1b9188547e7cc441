/* A form the flow asks the visitor to fill in, inside the chat: its fields, the checks made before
   sending (the server checks again) and the errors shown under each field.
   TertuliaForms(strings, el, limits) -> { build(message, onSubmit(values)), showError(control, text) } */
window.TertuliaForms = function (T, el, limits) {
  "use strict";

  function build(message, onSubmit) {
    var form = el("form", "form");
    form.noValidate = true;
    form.dataset.node = message.payload.node;
    (message.payload.fields || []).forEach(function (f, i) {
      var id = "f-" + message.id + "-" + i;
      var wrap = el("div", "field");
      var label = el("label", null, f.label);
      label.htmlFor = id;
      if (!f.required) label.appendChild(el("span", "opt", " (" + T.optional + ")"));
      var control;
      if (f.type === "choice") {
        control = el("select");
        control.appendChild(el("option", null, T.choose)).value = "";
        (f.choices || []).forEach(function (c) { control.appendChild(el("option", null, c)).value = c; });
      } else {
        control = el("input");
        control.type = { email: "email", phone: "tel", number: "text" }[f.type] || "text";
        if (f.type === "number") control.inputMode = "decimal";
        control.autocomplete = { name: "name", email: "email", phone: "tel" }[f.type] || "off";
        control.maxLength = limits.form_field;
      }
      control.id = id;
      control.name = f.name;
      control.dataset.type = f.type;
      if (f.required) control.required = true;
      var error = el("p", "error");
      error.id = id + "-error";
      error.hidden = true;
      control.setAttribute("aria-describedby", error.id);
      wrap.appendChild(label);
      wrap.appendChild(control);
      wrap.appendChild(error);
      form.appendChild(wrap);
    });
    var submit = el("button", "submit", message.payload.submit_label || T.send);
    submit.type = "submit";
    form.appendChild(submit);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var values = {};
      var ok = true;
      Array.prototype.forEach.call(form.elements, function (c) {
        if (!c.name) return;
        var problem = check(c);
        showError(c, problem);
        if (problem && ok) { c.focus(); ok = false; }
        values[c.name] = c.value.trim();
      });
      if (ok) onSubmit(values);
    });
    return form;
  }

  function check(control) {
    var v = control.value.trim();
    if (!v) return control.required ? T.required : "";
    var type = control.dataset.type;
    if (type === "email" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) return T.email;
    if (type === "phone" && !/^\+?[0-9][0-9 ().-]{5,24}$/.test(v)) return T.phone;
    if (type === "number" && !/^-?\d+([.,]\d+)?$/.test(v)) return T.number;
    return "";
  }

  function showError(control, text) {
    var error = document.getElementById(control.id + "-error");
    if (!error) return;
    error.textContent = text || "";
    error.hidden = !text;
    control.setAttribute("aria-invalid", text ? "true" : "false");
  }

  return { build: build, showError: showError };
};
