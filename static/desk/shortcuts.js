// Keyboard shortcuts of the workbench (the list is in the page: press ?). They only act when the focus is
// not in a field, so typing is never taken over; Escape leaves a field. The pages work without them.
//   j / k   next / previous case in the queue      o or Enter   open it
//   /       search                                 ?            this list
//   r       write a reply      n   write an internal note   (Ctrl+Enter sends it)
//   a       assign             e   resolve
(function () {
  "use strict";

  function typing(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-kb-row]")); }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var at = all.findIndex(function (r) { return r.classList.contains("kb-current"); });
    var next = Math.min(Math.max(at + step, 0), all.length - 1);
    if (at >= 0) { all[at].classList.remove("kb-current"); all[at].removeAttribute("aria-current"); }
    all[next].classList.add("kb-current");
    all[next].setAttribute("aria-current", "true");
    all[next].scrollIntoView({block: "nearest"});
    var link = all[next].querySelector("a");
    if (link) { link.focus({preventScroll: true}); }
  }

  function open() {
    var current = document.querySelector("tr.kb-current a");
    if (current) { current.click(); return true; }
    return false;
  }

  function focus(selector) {
    var el = document.querySelector(selector);
    if (!el) { return false; }
    el.focus();
    el.scrollIntoView({block: "center"});
    return true;
  }

  function write(mode) {
    var box = document.getElementById("text");
    if (!box) { return false; }
    box.setAttribute("data-kb-mode", mode);
    box.focus();
    box.scrollIntoView({block: "center"});
    return true;
  }

  function help() {
    var dialog = document.getElementById("shortcuts");
    if (!dialog) { return false; }
    if (dialog.open) { dialog.close(); } else { dialog.showModal(); }
    return true;
  }

  var keys = {
    "j": function () { move(1); return true; },
    "k": function () { move(-1); return true; },
    "o": open,
    "Enter": open,
    "/": function () { return focus("#q"); },
    "?": help,
    "r": function () { return write("reply"); },
    "n": function () { return write("note"); },
    "a": function () { return focus("#assignee"); },
    "e": function () { return focus("form[data-step='resolve'] select, form[data-step='resolve'] button"); }
  };

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-kb-help]")) { help(); }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (typing(target)) {
      if (event.key === "Escape") { target.blur(); return; }
      // Ctrl+Enter in the reply box sends it the way r / n opened it (a reply unless n).
      if (target.id === "text" && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        var note = target.getAttribute("data-kb-mode") === "note";
        var button = target.form.querySelector("button[name='public'][value='" + (note ? "0" : "1") + "']");
        if (button) { event.preventDefault(); button.click(); }
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var action = keys[event.key];
    if (action && action()) { event.preventDefault(); }
  });
})();
