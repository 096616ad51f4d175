// Progressive enhancement of the answer form: questions with a show_if condition appear and
// disappear as the answers they depend on change. Without this script the server does the same
// after each save; the form never depends on it.
(function () {
  "use strict";

  var form = document.querySelector("form.answer-form");
  if (!form) {
    return;
  }
  var external = {};
  try {
    external = JSON.parse(form.getAttribute("data-answers") || "{}") || {};
  } catch (e) {
    external = {};
  }
  var questions = Array.prototype.slice.call(form.querySelectorAll("[data-question]"));

  function valueOf(key) {
    var name = "q_" + key;
    var inputs = form.querySelectorAll('[name="' + name.replace(/"/g, '\\"') + '"]');
    var values = [];
    var multiple = false;
    Array.prototype.forEach.call(inputs, function (input) {
      if (input.type === "radio") {
        if (input.checked) { values.push(input.value); }
      } else if (input.type === "checkbox") {
        multiple = true;
        if (input.checked) { values.push(input.value); }
      } else if (input.tagName === "SELECT") {
        multiple = input.multiple;
        Array.prototype.forEach.call(input.selectedOptions, function (option) {
          if (option.value !== "") { values.push(option.value); }
        });
      } else if (input.type !== "file" && input.value.trim() !== "") {
        values.push(input.value.trim());
      }
    });
    var na = form.querySelector('[name="' + name + '-na"]');
    if (na && na.checked) {
      return null;
    }
    if (!values.length) {
      return null;
    }
    return multiple ? values : values[0];
  }

  function same(a, b) {
    return String(a) === String(b);
  }

  function holds(condition, answers) {
    if (condition.all) {
      return condition.all.every(function (part) { return holds(part, answers); });
    }
    if (condition.any) {
      return condition.any.some(function (part) { return holds(part, answers); });
    }
    var value = answers[condition.question];
    if (value === null || value === undefined || (typeof value === "object" && !Array.isArray(value))) {
      return false;
    }
    var wanted = "equals" in condition ? [condition.equals] : condition["in"] || [];
    var have = Array.isArray(value) ? value : [value];
    return wanted.some(function (w) { return have.some(function (v) { return same(w, v); }); });
  }

  function update() {
    // Walk in order: a hidden question's answer counts as missing for those after it.
    var answers = {};
    Object.keys(external).forEach(function (key) { answers[key] = external[key]; });
    questions.forEach(function (element) {
      var key = element.getAttribute("data-question");
      var raw = element.getAttribute("data-show-if");
      var shown = true;
      if (raw) {
        try {
          shown = holds(JSON.parse(raw), answers);
        } catch (e) {
          shown = true;
        }
      }
      element.hidden = !shown;
      if (shown) {
        answers[key] = valueOf(key);
      }
    });
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
})();
