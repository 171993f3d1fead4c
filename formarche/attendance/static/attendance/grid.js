/* Month grid of the hours: keyboard moves between cells, refused values shown in place.
   Saving is done by htmx (hx-post on each input); this file only adds the keyboard and the toggle. */
(function () {
  "use strict";

  function editable(root) {
    return Array.from(root.querySelectorAll("input.fm-in:not([disabled])"));
  }

  function visibleRows(table) {
    return Array.from(table.querySelectorAll("tbody tr")).filter(function (row) {
      return row.offsetParent !== null;
    });
  }

  function focusInput(input) {
    if (!input) return false;
    input.focus();
    input.select();
    return true;
  }

  function vertical(input, delta) {
    var table = input.closest("table");
    var day = input.closest("td").dataset.d;
    var rows = visibleRows(table);
    for (var i = rows.indexOf(input.closest("tr")) + delta; i >= 0 && i < rows.length; i += delta) {
      var target = rows[i].querySelector('td[data-d="' + day + '"] input.fm-in:not([disabled])');
      if (target) return focusInput(target);
    }
    return false;
  }

  function horizontal(input, delta) {
    var list = editable(input.closest("tr"));
    return focusInput(list[list.indexOf(input) + delta]);
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.classList.contains("fm-in")) return;
    var length = input.value.length;
    var all = input.selectionStart === 0 && input.selectionEnd === length;
    var moved = false;
    switch (event.key) {
      case "ArrowUp":
        moved = vertical(input, -1);
        break;
      case "ArrowDown":
        moved = vertical(input, 1);
        break;
      case "Enter":
        vertical(input, event.shiftKey ? -1 : 1);
        moved = true;
        break;
      case "ArrowLeft":
        if (all || input.selectionEnd === 0) moved = horizontal(input, -1);
        break;
      case "ArrowRight":
        if (all || input.selectionStart === length) moved = horizontal(input, 1);
        break;
      default:
        return;
    }
    if (moved) event.preventDefault();
  });

  // A refused value comes back with status 422: swap it in (the cell shows the French message).
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // If the focused cell was replaced by a swap, give the focus back to its successor.
  var lastFocused = null;
  document.addEventListener("focusin", function (event) {
    if (event.target.id) lastFocused = event.target.id;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if ((document.activeElement === document.body || !document.activeElement) && lastFocused) {
      var element = document.getElementById(lastFocused);
      if (element) element.focus();
    }
  });

  // Show or hide the "non réalisé comptabilisé" rows.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-fm-toggle-unrealised]");
    if (!button) return;
    var table = document.getElementById(button.getAttribute("aria-controls"));
    if (!table) return;
    var hidden = table.classList.toggle("fm-hide-unrealised");
    button.setAttribute("aria-pressed", hidden ? "false" : "true");
  });
})();
