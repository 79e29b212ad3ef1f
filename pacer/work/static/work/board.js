// Drag and drop on a Kanban board (SortableJS, vendored): a dropped card is saved through
// the card's move endpoint; a move over a WIP limit is put back and the reason asked for
// ("Move anyway" sends it as the override reason). Without JavaScript each card keeps its
// move form.
(function () {
  "use strict";
  const board = document.getElementById("board");
  if (!board || !window.Sortable) return;
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  const dialog = document.getElementById("wip-dialog");

  function showCounts(counts) {
    Object.entries(counts).forEach(([column, count]) => {
      const cell = board.querySelector(`[data-count="${column}"]`);
      const head = board.querySelector(`[data-column-head="${column}"]`);
      if (cell) cell.textContent = count;
      if (head && head.dataset.limit) head.classList.toggle("full", count >= Number(head.dataset.limit));
    });
  }

  function putBack(event) {
    const siblings = event.from.children;
    event.from.insertBefore(event.item, siblings[event.oldIndex] || null);
  }

  // where a dropped card now is, by its neighbours, not its index: a cell may show only
  // some of its cards
  function placeOf(item, index) {
    const next = item.nextElementSibling, previous = item.previousElementSibling;
    if (next && next.dataset.card) return ["before", next.dataset.card];
    if (previous && previous.dataset.card) return ["after", previous.dataset.card];
    return ["position", index];
  }

  function send(item, list, place, reason) {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrf ? csrf.value : "");
    body.append("column", list.dataset.column);
    body.append("swimlane", list.dataset.lane);
    body.append(place[0], place[1]);
    if (reason) body.append("override_reason", reason);
    return fetch(item.dataset.moveUrl, {
      method: "POST", body, headers: {Accept: "application/json"}, credentials: "same-origin",
    }).then((response) => response.json().then((data) => ({ok: response.ok, data})));
  }

  function askReason(errors) {
    return new Promise((resolve) => {
      document.getElementById("wip-text").textContent = Object.values(errors).join(" ");
      const input = document.getElementById("wip-reason");
      input.value = "";
      dialog.returnValue = "";
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        resolve(dialog.returnValue === "override" && input.value.trim() ? input.value.trim() : null);
      });
      dialog.showModal();
      input.focus();
    });
  }

  function onEnd(event) {
    if (event.from === event.to && event.oldIndex === event.newIndex) return;
    const item = event.item, list = event.to, index = event.newIndex;
    const place = placeOf(item, index);
    send(item, list, place).then(({ok, data}) => {
      if (ok) return showCounts(data.counts);
      putBack(event);
      if (!data.wip_limit || !dialog) return window.alert(Object.values(data.errors).join(" "));
      return askReason(data.errors).then((reason) => {
        if (!reason) return null;
        return send(item, list, place, reason).then((retry) => {
          if (!retry.ok) return window.alert(Object.values(retry.data.errors).join(" "));
          list.insertBefore(item, list.children[index] || null);
          showCounts(retry.data.counts);
          return null;
        });
      });
    });
  }

  board.querySelectorAll(".work-cards").forEach((list) => {
    window.Sortable.create(list, {
      group: "board", animation: 120, forceFallback: true, filter: "input, select, summary",
      preventOnFilter: false, onEnd,
    });
  });
})();
