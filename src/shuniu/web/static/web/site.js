// The header's menu button on narrow screens: it shows and hides the links. Without this
// script the button stays hidden and the links show, as they do on a wide screen.
(function () {
  "use strict";
  function ready() {
    const button = document.getElementById("nav-toggle");
    const menu = document.getElementById("site-menu");
    if (!button || !menu) {
      return;
    }
    menu.classList.add("collapsible");
    button.hidden = false;
    button.addEventListener("click", function () {
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
