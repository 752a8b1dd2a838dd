// "Print this page" buttons (CSP allows no inline handlers).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print-page]")) window.print();
});
