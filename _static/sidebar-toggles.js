// Make every sidebar button work (issue 16). pydata-sphinx-theme 0.17.1 binds its click handler
// to the first `.primary-toggle` / `.secondary-toggle` only, and with sphinx-book-theme 1.3.0 that
// first button is the hidden one in the navigation bar; the visible buttons in the article header
// do nothing, on phones and desktops alike (upstream pydata-sphinx-theme #2451,
// sphinx-book-theme #988). Each other button forwards its click to the bound one, which opens
// the same dialog as the theme would.
(function () {
  function forward(kind) {
    var buttons = document.querySelectorAll("." + kind + "-toggle");
    if (buttons.length < 2) return;
    var bound = buttons[0];
    Array.prototype.slice.call(buttons, 1).forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation();
        bound.click();
      });
    });
  }
  function ready() {
    forward("primary");
    forward("secondary");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
