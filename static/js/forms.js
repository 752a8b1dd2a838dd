/* Forms: the error summary's links focus their field; typed dates show what the server understood. */
(function () {
  "use strict";

  function fieldFor(name) {
    var byMessage = document.querySelector('[aria-describedby~="' + name + '-error"]');
    if (byMessage) { return byMessage; }
    var invalid = document.querySelectorAll('.is-invalid[name="' + name + '"]');
    return invalid.length === 1 ? invalid[0] : null;
  }

  function labelOf(field) {
    var label = field.id ? document.querySelector('label[for="' + field.id + '"]') : null;
    return label ? label.textContent.replace(/\s*\*\s*$/, "").trim() : "";
  }

  function reveal(field) {
    for (var node = field.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
    field.scrollIntoView({block: "center"});
    field.focus({preventScroll: true});
  }

  function setUpSummary(summary) {
    summary.querySelectorAll("a[data-field]").forEach(function (link) {
      var field = fieldFor(link.getAttribute("data-field"));
      if (!field) {
        var text = document.createElement("span");
        text.textContent = link.textContent;
        link.replaceWith(text);
        return;
      }
      var label = labelOf(field);
      if (label && !link.hasAttribute("data-labelled")) { link.textContent = label + ": " + link.textContent; }
      link.addEventListener("click", function (event) {
        event.preventDefault();
        reveal(field);
      });
    });
  }

  function setUpDate(input) {
    var echo = document.getElementById(input.id + "-understood");
    if (!echo) { return; }
    var timer = null, asked = 0;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var value = input.value.trim(), ticket = ++asked;
        if (!value) { echo.textContent = ""; echo.classList.remove("date-bad"); return; }
        fetch(input.getAttribute("data-date") + "?value=" + encodeURIComponent(value), {credentials: "same-origin"})
          .then(function (response) { return response.json(); })
          .then(function (seen) {
            if (ticket !== asked) { return; }
            echo.classList.toggle("date-bad", !seen.ok);
            if (seen.ok) { echo.innerHTML = seen.html; } else { echo.textContent = seen.error || ""; }
          })
          .catch(function () { /* the server checks again on saving */ });
      }, 250);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".error-summary").forEach(setUpSummary);
    document.querySelectorAll("input[data-date]").forEach(setUpDate);
  });
})();
