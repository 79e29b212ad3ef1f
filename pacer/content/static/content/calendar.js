// The content calendar: drag an item onto another day to reschedule it (a POST to the
// item's move URL). Without JavaScript each item's page has a form that does the same.
(function () {
  "use strict";
  function csrf() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function ready() {
    const grid = document.getElementById("calendar");
    if (!grid || grid.dataset.canEdit !== "1") return;
    let dragged = null;
    grid.addEventListener("dragstart", (event) => {
      const item = event.target.closest(".cal-item");
      if (!item) return;
      dragged = item;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.id);
    });
    grid.addEventListener("dragover", (event) => {
      const day = event.target.closest(".cal-day");
      if (!day || !dragged) return;
      event.preventDefault();
      grid.querySelectorAll(".drop-target").forEach((d) => d.classList.remove("drop-target"));
      day.classList.add("drop-target");
    });
    grid.addEventListener("drop", async (event) => {
      const day = event.target.closest(".cal-day");
      if (!day || !dragged) return;
      event.preventDefault();
      day.classList.remove("drop-target");
      const item = dragged;
      dragged = null;
      const body = new URLSearchParams({ day: day.dataset.day });
      const answer = await fetch(item.dataset.move, {
        method: "POST",
        body,
        headers: { "X-CSRFToken": csrf() },
        credentials: "same-origin",
      });
      if (answer.ok) {
        day.appendChild(item);
        item.dataset.movedTo = day.dataset.day;
        const help = document.getElementById("calendar-help");
        if (help) help.textContent = `Moved “${item.textContent.trim()}” to ${day.dataset.day}.`;
      } else {
        const found = await answer.json().catch(() => ({ errors: { day: "not saved" } }));
        const help = document.getElementById("calendar-help");
        if (help) help.textContent = "Not moved: " + Object.values(found.errors || {}).join("; ");
      }
    });
    grid.addEventListener("dragend", () => {
      grid.querySelectorAll(".drop-target").forEach((d) => d.classList.remove("drop-target"));
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
