// Pacer's page behaviour: the navigation menu, forms that submit on change, toasts,
// confirmations and dialogs. Pages work without it; no inline handlers (the CSP allows
// scripts from this site only).
(function () {
  "use strict";
  const root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  // A page shown from another address (a refused form, answered from the address it was
  // posted to) puts its own address back: a reload, a sort or a filter asks the page. The
  // fragment stays (a refused form's "#form" brings the reader to its error box).
  const address = document.querySelector("meta[name=pacer-page-address]");
  if (address && window.history.replaceState) {
    const page = new URL(address.content, window.location.href);
    page.hash = page.hash || window.location.hash;
    window.history.replaceState(window.history.state, "", page.href);
  }

  function setMenu(toggle, open) {
    const menu = document.getElementById(toggle.getAttribute("aria-controls"));
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (menu) menu.classList.toggle("open", open);
  }

  document.addEventListener("click", function (event) {
    const toggle = event.target.closest(".menu-toggle");
    if (toggle) {
      setMenu(toggle, toggle.getAttribute("aria-expanded") !== "true");
      return;
    }
    const dismiss = event.target.closest("[data-dismiss]");
    if (dismiss) {
      dismiss.closest(".toast").remove();
      return;
    }
    const opener = event.target.closest("[data-modal-open]");
    if (opener) {
      const dialog = document.getElementById(opener.dataset.modalOpen);
      if (dialog && dialog.showModal) {
        event.preventDefault();
        dialog.showModal();
      }
      return;
    }
    const closer = event.target.closest("[data-modal-close]");
    if (closer) {
      const dialog = closer.closest("dialog");
      if (dialog && dialog.open) {
        event.preventDefault();
        dialog.close();
      }
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const toggle = document.querySelector(".menu-toggle[aria-expanded=true]");
    if (toggle && getComputedStyle(toggle).display !== "none") {
      setMenu(toggle, false);
      toggle.focus();
    }
    // a KPI's definition hides on Escape until the pointer or focus leaves the card
    const card = document.activeElement && document.activeElement.closest(".kpi");
    if (card) card.classList.add("tip-dismissed");
  });
  document.addEventListener("focusout", function (event) {
    const card = event.target.closest && event.target.closest(".kpi");
    if (card) card.classList.remove("tip-dismissed");
  });

  // Forms that submit themselves when a control changes.
  document.addEventListener("change", function (event) {
    const control = event.target;
    if (control.matches("[data-submit-on-change], [data-auto-submit]") && control.form) {
      control.form.requestSubmit();
    }
  });

  // Filter bars leave empty fields out of the address they push (?channel=direct, not
  // ?start=&end=&channel=direct).
  document.addEventListener("htmx:configRequest", function (event) {
    const form = event.detail.elt.closest("form.filter-bar");
    const data = event.detail.formData;
    if (!form || !data || event.detail.verb !== "get") return;
    Array.from(data.keys()).forEach(function (name) {
      if (data.getAll(name).every(function (value) { return value === ""; })) data.delete(name);
    });
  });

  // Destructive forms ask first (data-confirm="what will happen") in the shared dialog;
  // without JavaScript they submit at once.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    const question = form.dataset && form.dataset.confirm;
    const dialog = document.getElementById("confirm-dialog");
    if (!question || form.dataset.confirmed === "yes" || !dialog || !dialog.showModal) return;
    event.preventDefault();
    document.getElementById("confirm-text").textContent = question;
    const ok = document.getElementById("confirm-ok");
    ok.textContent = form.dataset.confirmLabel || "Confirm";
    dialog.returnValue = "";
    dialog.addEventListener(
      "close",
      function () {
        if (dialog.returnValue !== "confirm") return;
        form.dataset.confirmed = "yes";
        form.requestSubmit(event.submitter || undefined);
      },
      { once: true },
    );
    dialog.showModal();
  }, true);

  // A live part of a page (data-hold-while-editing, refreshed by an HTMX poll) skips its
  // refresh while one of its forms is being filled in: focus inside it, or a field
  // changed from what it was served with, is not thrown away by the next poll.
  function edited(form) {
    return Array.from(form.elements).some(function (field) {
      if (field.tagName === "SELECT") {
        const options = Array.from(field.options);
        const marked = options.some(function (o) { return o.defaultSelected; });
        return options.some(function (o, index) {  // unmarked: the first is the default
          const initial = marked ? o.defaultSelected : index === 0 && !field.multiple;
          return o.selected !== initial;
        });
      }
      if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
      return field.type !== "hidden" && "defaultValue" in field && field.value !== field.defaultValue;
    });
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    const live = event.detail.elt;
    if (!live.matches || !live.matches("[data-hold-while-editing]")) return;
    if (event.detail.requestConfig.verb !== "get") return;
    const active = document.activeElement;
    const filling = active && live.contains(active) && active.closest("form");
    const refused = live.querySelector("form [aria-invalid='true']");  // its reasons stay
    if (filling || refused || Array.from(live.querySelectorAll("form")).some(edited)) {
      event.preventDefault();
    }
  });

  // Toasts other than errors fade after a while; errors stay until dismissed.
  function fadeToasts(scope) {
    scope.querySelectorAll(".toast:not(.error)").forEach(function (toast) {
      setTimeout(function () {
        toast.classList.add("hiding");
        setTimeout(function () { toast.remove(); }, 400);
      }, 8000);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { fadeToasts(document); });
  document.addEventListener("htmx:load", function (event) { fadeToasts(event.target); });

  // Live countdowns to deadlines (data-countdown="seconds left when served", negative
  // once past): the server's words stay without JavaScript; with it they tick every
  // second, counted from when the element arrived (the browser's clock may differ).
  function countdownWords(seconds) {
    const whole = Math.round(Math.abs(seconds));
    const minutes = Math.floor(whole / 60);
    const pad = function (n) { return (n < 10 ? "0" : "") + n; };
    let span;
    if (minutes < 60) span = minutes + " min " + pad(whole % 60) + " s";
    else if (minutes < 60 * 48) span = Math.floor(minutes / 60) + " h " + pad(minutes % 60) + " min";
    else span = Math.floor(minutes / (60 * 24)) + " days";
    return seconds < 0 ? "overdue by " + span : "due in " + span;
  }
  function startCountdowns(scope) {
    const now = Date.now();
    scope.querySelectorAll("[data-countdown]").forEach(function (element) {
      if (!element.dataset.countdownFrom) element.dataset.countdownFrom = String(now);
    });
  }
  function tickCountdowns() {
    const now = Date.now();
    document.querySelectorAll("[data-countdown][data-countdown-from]").forEach(function (element) {
      const left = Number(element.dataset.countdown) -
        (now - Number(element.dataset.countdownFrom)) / 1000;
      element.textContent = countdownWords(left);
      element.classList.toggle("overdue", left < 0);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    startCountdowns(document);
    tickCountdowns();
    setInterval(tickCountdowns, 1000);
  });
  document.addEventListener("htmx:load", function (event) {
    startCountdowns(event.target);
    tickCountdowns();
  });
})();
