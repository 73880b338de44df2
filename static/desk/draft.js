// Keeps a reply being written across a reload or a lost connection: the text is saved in this
// browser's local storage per case while the agent types, put back when the page loads with an
// empty box, and forgotten when the reply is sent. The page works without it.
(function () {
  var box = document.getElementById("text");
  if (!box || !window.localStorage) { return; }
  var key = "desk-draft:" + box.getAttribute("data-case");
  if (!box.value && localStorage.getItem(key)) { box.value = localStorage.getItem(key); }
  box.addEventListener("input", function () {
    if (box.value) { localStorage.setItem(key, box.value); } else { localStorage.removeItem(key); }
  });
  box.form.addEventListener("submit", function () { localStorage.removeItem(key); });
})();
