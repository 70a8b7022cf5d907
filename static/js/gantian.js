// Behaviour shared by every page. The Content-Security-Policy allows no inline script or
// handler, so pages mark elements with data attributes and this file wires them up.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});
