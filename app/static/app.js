// Small progressive enhancements; every page works without this file.
// The page starts as "no-js" (the menus then show through CSS alone); with scripts, Bootstrap drives them.
document.documentElement.classList.remove("no-js");
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.hasAttribute("hx-post") || form.hasAttribute("hx-get")) return; // htmx disables its own buttons
  // After the browser has captured the form data, stop a second click from sending it again.
  setTimeout(function () {
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) { b.disabled = true; });
  }, 0);
});

// Checkbox pickers (departments, attendees, related cases): a text filter above the list hides the choices that do
// not contain what was typed; checked boxes stay checked (and posted) when hidden. Without this file the list is
// plain checkboxes.
function setUpPickers(root) {
  root.querySelectorAll("fieldset.picker").forEach(function (picker) {
    if (picker.dataset.ready) return;
    picker.dataset.ready = "1";
    var filter = picker.querySelector(".picker-filter");
    var items = picker.querySelectorAll(".picker-item");
    var count = picker.querySelector(".picker-count");
    function update() {
      var text = filter.value.trim().toLowerCase();
      var shown = 0, checked = 0;
      items.forEach(function (item) {
        var match = !text || item.textContent.toLowerCase().indexOf(text) !== -1;
        item.hidden = !match;
        if (match) shown++;
        if (item.querySelector("input").checked) checked++;
      });
      count.textContent = (text ? count.dataset.filtered : count.dataset.text)
        .replace("{checked}", checked).replace("{shown}", shown);
    }
    if (items.length > 6) filter.hidden = false;
    filter.addEventListener("input", update);
    filter.addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); });
    picker.addEventListener("change", update);
    update();
  });
}
document.addEventListener("DOMContentLoaded", function () { setUpPickers(document); });
document.addEventListener("htmx:load", function (event) { setUpPickers(event.detail.elt); });

// The enterprise picker's search box (templates/_macros.html): htmx narrows the select's choices as one types, so
// Enter searches instead of sending the whole form.
function setUpEnterpriseSearch(root) {
  root.querySelectorAll("input.enterprise-search").forEach(function (box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    box.addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); });
  });
}
document.addEventListener("DOMContentLoaded", function () { setUpEnterpriseSearch(document); });
document.addEventListener("htmx:load", function (event) { setUpEnterpriseSearch(event.detail.elt); });
