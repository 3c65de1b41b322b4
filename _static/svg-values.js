// Values of the interactive figures by tap and keyboard (issue 16). Each mark of an interactive
// SVG (a city of a map, a point of a line) holds its value in a <title>, which browsers show on
// hover only: phones have no hover. A tap, click or keyboard focus on a mark shows that text in a
// box next to it (announced to screen readers); Escape, or a tap elsewhere, hides it.
(function () {
  var MARKS = ".cc-interactive .cc-unit, .cc-interactive .cc-pt";
  var box = null;
  function valueBox() {
    if (!box) {
      box = document.createElement("div");
      box.className = "cc-value";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      box.hidden = true;
      document.body.appendChild(box);
    }
    return box;
  }
  function show(mark) {
    var title = mark.querySelector("title");
    if (!title) return;
    var b = valueBox();
    var r = mark.getBoundingClientRect();
    b.textContent = title.textContent;
    b.hidden = false;
    var left = Math.min(window.innerWidth - b.offsetWidth - 8, Math.max(8, r.left + r.width / 2 - b.offsetWidth / 2));
    var top = r.top - b.offsetHeight - 8;
    if (top < 8) top = r.bottom + 8;
    b.style.left = left + window.scrollX + "px";
    b.style.top = top + window.scrollY + "px";
  }
  function hide() {
    if (box) box.hidden = true;
  }
  document.addEventListener("click", function (event) {
    var mark = event.target.closest ? event.target.closest(MARKS) : null;
    if (mark) show(mark); else hide();
  });
  document.addEventListener("focusin", function (event) {
    var mark = event.target.closest ? event.target.closest(MARKS) : null;
    if (mark) show(mark);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") hide();
  });
})();
