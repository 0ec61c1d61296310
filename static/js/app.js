/* Behaviour shared by every page: title fallback, searchable selects, formset rows,
   confirmations. Loaded by templates/base.html after bootstrap, htmx and tom-select. */
(function () {
  "use strict";

  // Pages that only set {% block title %} still get a title in the top bar.
  function fillTitle() {
    var h = document.getElementById("app-title");
    if (h && !h.textContent.trim()) {
      h.textContent = document.title.split(" · ")[0];
    }
  }

  // <select data-tom-select> becomes a searchable select.
  function enhanceSelects(root) {
    if (typeof TomSelect === "undefined") return;
    root.querySelectorAll("select[data-tom-select]").forEach(function (el) {
      if (el.tomselect || el.closest("template")) return;
      new TomSelect(el, {
        maxOptions: 500,
        // the empty option ("Choose…") is the placeholder, not a value to pick
        allowEmptyOption: false,
        plugins: el.multiple ? ["remove_button"] : [],
      });
    });
  }

  // A formset whose container has data-formset="<prefix>" gets rows from its <template>.
  function addFormsetRow(button) {
    var prefix = button.getAttribute("data-formset-add");
    var container = document.querySelector('[data-formset="' + prefix + '"]');
    var template = document.getElementById(prefix + "-empty");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    if (!container || !template || !total) return;
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var wrapper = document.createElement("div");
    wrapper.innerHTML = html.trim();
    var row = wrapper.firstElementChild;
    container.appendChild(row);
    total.value = String(index + 1);
    enhanceSelects(row);
    var first = row.querySelector("select, input:not([type=hidden])");
    if (first) first.focus();
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-formset-add]");
    if (add) {
      event.preventDefault();
      addFormsetRow(add);
    }
  });

  // <div class="progress-bar" data-progress="40"> gets its width here: the CSP allows no
  // style attribute in the HTML (setting it from a script is allowed).
  function sizeProgressBars(root) {
    root.querySelectorAll("[data-progress]").forEach(function (bar) {
      var percent = parseFloat(bar.getAttribute("data-progress"));
      bar.style.width = (isNaN(percent) ? 0 : Math.max(0, Math.min(100, percent))) + "%";
    });
  }

  // <button data-print> prints the page (instead of an inline onclick handler).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });

  // <form data-confirm="question"> asks before it submits.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    fillTitle();
    enhanceSelects(document);
    sizeProgressBars(document);
  });
  if (window.htmx) {
    htmx.onLoad(function (element) {
      enhanceSelects(element);
      sizeProgressBars(element);
    });
    // A fragment that fails to load says so instead of spinning for ever.
    document.body.addEventListener("htmx:responseError", function (event) {
      var target = event.detail.target;
      if (!target) return;
      var box = document.createElement("div");
      box.className = "alert alert-warning m-3";
      box.setAttribute("role", "alert");
      box.textContent = document.body.getAttribute("data-load-error");
      target.replaceChildren(box);
    });
  }
})();
